// Opens that would block (issue #12). Linux's IORING_OP_OPENAT first tries without blocking (O_NONBLOCK,
// cached lookup) and only retries a -EAGAIN on io-wq: a FIFO opened for writing with no reader completes
// -ENXIO at once, a FIFO opened for reading completes at once. An open Linux does run on io-wq (O_CREAT) and
// that blocks there is "running": REGISTER_SYNC_CANCEL then waits for it, up to its timeout, and answers 0
// once it is gone, rather than -EALREADY at once.
#include "rp_test.h"

#include "hostile_program.hpp"

#include <fcntl.h>
#include <sys/stat.h>

using namespace shimtest;

namespace {

struct Fifo {
	char path[64];
	Fifo()
	{
		snprintf(path, sizeof path, "/tmp/rp-blocking-open-%d", getpid());
		unlink(path);
		assert_int_equal(mkfifo(path, 0600), 0);
	}
	~Fifo() { unlink(path); }
};

void prep_openat(lx::io_uring_sqe* s, const char* path, uint32_t flags, uint32_t mode, uint64_t ud)
{
	prep(s, lx::OP_OPENAT, AT_FDCWD, uint64_t(path), mode, 0, ud);
	s->open_flags = flags;
}

void fifo_opens_do_not_block(void**)
{
	Fifo f;
	Ring r;
	assert_int_equal(r.init(8), 0);
	prep_openat(r.get_sqe(), f.path, O_WRONLY, 0, 1);
	prep_openat(r.get_sqe(), f.path, O_WRONLY | O_NONBLOCK, 0, 2);
	assert_int_equal(r.submit(), 2);
	std::map<uint64_t, lx::io_uring_cqe> got;
	assert_true(gather(r, got, {1, 2}, 2000));
	assert_int_equal(got[1].res, -ENXIO);
	assert_int_equal(got[2].res, -ENXIO);
	// For reading: at once, and the fd is blocking as asked.
	prep_openat(r.get_sqe(), f.path, O_RDONLY, 0, 3);
	assert_int_equal(r.submit(), 1);
	assert_true(gather(r, got, {3}, 2000));
	assert_true(got[3].res >= 0);
	assert_int_equal(fcntl(got[3].res, F_GETFL) & O_NONBLOCK, 0);
	close(got[3].res);
}

void sync_cancel_waits_for_a_running_open(void**)
{
	Fifo f;
	Ring r;
	assert_int_equal(r.init(8), 0);
	// O_CREAT: Linux opens it on io-wq, blocking until a writer comes.
	prep_openat(r.get_sqe(), f.path, O_RDONLY | O_CREAT, 0600, 77);
	assert_int_equal(r.submit(), 1);
	std::this_thread::sleep_for(std::chrono::milliseconds(30)); // the worker is in the open now
	int writer = -1;
	std::thread peer([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(150));
		writer = open(f.path, O_WRONLY);
	});
	lx::io_uring_sync_cancel_reg reg{};
	reg.addr = 77;
	reg.timeout = lx::kernel_timespec{5, 0};
	auto t0 = std::chrono::steady_clock::now();
	int ret = rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_SYNC_CANCEL, &reg, 1);
	auto waited = std::chrono::steady_clock::now() - t0;
	peer.join();
	assert_int_equal(ret, 0);
	assert_true(waited >= std::chrono::milliseconds(100));
	assert_true(waited < std::chrono::seconds(4));
	// Its completion is there when the call returns.
	lx::io_uring_cqe c{};
	assert_true(r.pop(&c));
	assert_int_equal(c.user_data, 77);
	assert_true(c.res >= 0);
	close(c.res);
	close(writer);
	// Nothing left to cancel: -ENOENT at once.
	reg.timeout = lx::kernel_timespec{-1, -1};
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_SYNC_CANCEL, &reg, 1), -ENOENT);
}

} // namespace

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fifo_opens_do_not_block),
	    cmocka_unit_test(sync_cancel_waits_for_a_running_open),
	};
	return cmocka_run_group_tests_name("test_blocking_opens", tests, nullptr, nullptr);
}
