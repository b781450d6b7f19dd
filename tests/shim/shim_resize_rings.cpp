// REGISTER_RESIZE_RINGS with Linux 6.18's rules: DEFER_TASKRUN rings only; CQSIZE and CLAMP the only flags;
// sizes checked and rounded as at setup and written back with the offsets; pending SQEs and unseen CQEs
// carried over at their indices, or -EOVERFLOW with the ring unchanged when they do not fit.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <sys/wait.h>

using namespace shimtest;

namespace {

constexpr uint32_t kDefer = lx::SETUP_SINGLE_ISSUER | lx::SETUP_DEFER_TASKRUN;

int resize(Ring& r, lx::io_uring_params* np)
{
	return rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_RESIZE_RINGS, np, 1);
}

// After a successful resize: maps the new rings as liburing does (the old mappings go first).
void remap(Ring& r, const lx::io_uring_params& np)
{
	rp_sys_munmap(r.sqes, r.sqes_len);
	rp_sys_munmap(r.sq, r.sq_len);
	r.p.sq_entries = np.sq_entries;
	r.p.cq_entries = np.cq_entries;
	r.p.sq_off = np.sq_off;
	r.p.cq_off = np.cq_off;
	size_t sq_sz = np.sq_off.array + np.sq_entries * 4u, cq_sz = np.cq_off.cqes + np.cq_entries * 16u;
	r.sq_len = sq_sz > cq_sz ? sq_sz : cq_sz;
	void* m = rp_sys_mmap(nullptr, r.sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, lx::OFF_SQ_RING);
	assert_false(long(m) < 0 && long(m) > -4096);
	r.sq = r.cq = static_cast<uint8_t*>(m);
	r.sqes_len = np.sq_entries * sizeof(lx::io_uring_sqe);
	m = rp_sys_mmap(nullptr, r.sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, lx::OFF_SQES);
	assert_false(long(m) < 0 && long(m) > -4096);
	r.sqes = static_cast<lx::io_uring_sqe*>(m);
	auto* array = reinterpret_cast<uint32_t*>(r.sq + np.sq_off.array);
	for (uint32_t i = 0; i < np.sq_entries; ++i)
		array[i] = i;
}

void queue_nops(Ring& r, unsigned n, uint64_t first_ud)
{
	for (unsigned i = 0; i < n; ++i) {
		auto* s = r.get_sqe();
		assert_non_null(s);
		prep(s, lx::OP_NOP, -1, 0, 0, 0, first_ud + i);
	}
}

} // namespace

static void argument_rules(void**)
{
	Ring plain;
	assert_int_equal(plain.init(8), 0);
	lx::io_uring_params np{};
	np.sq_entries = 16;
	assert_int_equal(resize(plain, &np), -EINVAL); // DEFER_TASKRUN rings only
	Ring r;
	assert_int_equal(r.init(8, kDefer), 0);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_RESIZE_RINGS, nullptr, 1), -EINVAL);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_RESIZE_RINGS, &np, 2), -EINVAL);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_RESIZE_RINGS, (void*)16, 1), -EFAULT);
	np = {};
	np.sq_entries = 16;
	np.flags = lx::SETUP_SQPOLL;
	assert_int_equal(resize(r, &np), -EINVAL);
	np = {};
	assert_int_equal(resize(r, &np), -EINVAL); // no entries
	np.sq_entries = 100000;
	assert_int_equal(resize(r, &np), -EINVAL);
	np = {};
	np.sq_entries = 16;
	np.cq_entries = 8;
	np.flags = lx::SETUP_CQSIZE;
	assert_int_equal(resize(r, &np), -EINVAL); // a CQ smaller than the SQ
	// CLAMP: as at setup, the largest sizes.
	np = {};
	np.sq_entries = 100000;
	np.flags = lx::SETUP_CLAMP;
	assert_int_equal(resize(r, &np), 0);
	assert_int_equal(np.sq_entries, 32768);
	assert_int_equal(np.cq_entries, 65536);
	assert_true((np.flags & kDefer) == 0); // only the layout flags are carried
	remap(r, np);
	// Rounded up to powers of two, offsets written back.
	np = {};
	np.sq_entries = 5;
	np.cq_entries = 20;
	np.flags = lx::SETUP_CQSIZE;
	assert_int_equal(resize(r, &np), 0);
	assert_int_equal(np.sq_entries, 8);
	assert_int_equal(np.cq_entries, 32);
	assert_int_equal(np.cq_off.cqes, 64);
	assert_true(np.sq_off.array >= 64 + 32 * 16);
	remap(r, np);
	queue_nops(r, 8, 1);
	assert_int_equal(r.submit(8), 8);
	lx::io_uring_cqe c;
	for (unsigned i = 0; i < 8; ++i) {
		assert_true(r.pop(&c));
		assert_int_equal(c.user_data, 1 + i);
	}
}

static void pending_entries_move_or_overflow(void**)
{
	Ring r;
	assert_int_equal(r.init(8, kDefer), 0);
	// Six unseen CQEs, and three SQEs queued but not submitted.
	queue_nops(r, 6, 100);
	assert_int_equal(r.submit(6), 6);
	queue_nops(r, 3, 200);
	r.publish();
	lx::io_uring_params np{};
	np.sq_entries = 2;
	np.cq_entries = 4;
	np.flags = lx::SETUP_CQSIZE;
	assert_int_equal(resize(r, &np), -EOVERFLOW); // neither fits
	np = {};
	np.sq_entries = 4;
	np.cq_entries = 4;
	np.flags = lx::SETUP_CQSIZE;
	assert_int_equal(resize(r, &np), -EOVERFLOW); // the CQEs do not
	np = {};
	np.sq_entries = 2;
	np.cq_entries = 8;
	np.flags = lx::SETUP_CQSIZE;
	assert_int_equal(resize(r, &np), -EOVERFLOW); // the SQEs do not
	// The ring is as it was: one CQE seen from the old mapping.
	lx::io_uring_cqe c;
	assert_true(r.pop(&c));
	assert_int_equal(c.user_data, 100);
	np = {};
	np.sq_entries = 4;
	np.cq_entries = 8;
	np.flags = lx::SETUP_CQSIZE;
	assert_int_equal(resize(r, &np), 0);
	remap(r, np);
	assert_int_equal(r.ready(), 5);
	for (unsigned i = 1; i < 6; ++i) {
		assert_true(r.pop(&c));
		assert_int_equal(c.user_data, 100 + i);
	}
	// The queued SQEs are still there, at their indices, and run when submitted.
	assert_int_equal(rp_sys_io_uring_enter(unsigned(r.fd), 3, 3, lx::ENTER_GETEVENTS, nullptr), 3);
	for (unsigned i = 0; i < 3; ++i) {
		assert_true(r.pop(&c));
		assert_int_equal(c.user_data, 200 + i);
	}
	// And the ring goes on at its new size.
	queue_nops(r, 4, 300);
	assert_null(r.get_sqe());
	assert_int_equal(r.submit(4), 4);
	for (unsigned i = 0; i < 4; ++i) {
		assert_true(r.pop(&c));
		assert_int_equal(c.user_data, 300 + i);
	}
}

// After a fork the ring is shared, but only its single issuer can use it: the resize goes ahead in this
// process, and a child that maps the ring fd meanwhile is not disturbed.
static void shared_after_fork(void**)
{
	Ring r;
	assert_int_equal(r.init(8, kDefer), 0);
	queue_nops(r, 2, 1);
	assert_int_equal(r.submit(2), 2);
	int go[2];
	assert_int_equal(pipe(go), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		void* m = rp_sys_mmap(nullptr, r.sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, lx::OFF_SQ_RING);
		_exit(long(m) < 0 && long(m) > -4096 ? 3 : 0);
	}
	lx::io_uring_params np{};
	np.sq_entries = 32;
	assert_int_equal(resize(r, &np), 0);
	remap(r, np);
	assert_int_equal(write(go[1], "x", 1), 1);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	lx::io_uring_cqe c;
	for (unsigned i = 0; i < 2; ++i) {
		assert_true(r.pop(&c));
		assert_int_equal(c.user_data, 1 + i);
	}
	queue_nops(r, 20, 10);
	assert_int_equal(r.submit(20), 20);
	assert_int_equal(r.ready(), 20);
	close(go[0]);
	close(go[1]);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(argument_rules),
		cmocka_unit_test(pending_entries_move_or_overflow),
		cmocka_unit_test(shared_after_fork),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
