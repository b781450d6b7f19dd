// Host tests of the kernel's native ring executor (os/x86_64/Ring) over the ramfs (os/x86_64/FileSystem) and
// the host Platform: a program's view of RP_SYS_RING_SETUP/ENTER/DESTROY.
#include "test_ring_helpers.hpp"

#include <fcntl.h>

using namespace ring_test;

static void test_setup_checks_its_arguments(void **)
{
	rp_kernel_ring_view view{};
	rp_kernel_ring_params bad_sq{3, 8, 0, 0}, bad_cq{8, 1, 0, 0}, too_big{8192, 8, 0, 0}, flags{8, 8, 1, 0},
	    good{8, 16, 0, 0};
	assert_int_equal(ring_setup(addr(&bad_sq), addr(&view)), -EINVAL);
	assert_int_equal(ring_setup(addr(&bad_cq), addr(&view)), -EINVAL);
	assert_int_equal(ring_setup(addr(&too_big), addr(&view)), -EINVAL);
	assert_int_equal(ring_setup(addr(&flags), addr(&view)), -EINVAL);
	assert_int_equal(ring_setup(16, addr(&view)), -EFAULT);
	assert_int_equal(ring_setup(addr(&good), 16), -EFAULT);
	assert_int_equal(host::live_page_runs(), 0); // nothing leaks from the refused calls

	long handle = ring_setup(addr(&good), addr(&view));
	assert_true(handle >= 0);
	auto *sq = reinterpret_cast<rp_ring_header *>(view.sq);
	auto *cq = reinterpret_cast<rp_ring_header *>(view.cq);
	assert_int_equal(sq->version, RP_RING_ABI_VERSION);
	assert_int_equal(sq->entry_count, 8);
	assert_int_equal(sq->entry_size, sizeof(rp_sqe));
	assert_int_equal(cq->entry_count, 16);
	assert_int_equal(cq->entry_size, sizeof(rp_cqe));
	// The parts lie inside the one mapping, in order, without overlapping.
	assert_true(view.base == view.sq && view.sqes >= view.sq + sizeof(rp_ring_header));
	assert_true(view.cq >= view.sqes + 8 * sizeof(rp_sqe) && view.cqes >= view.cq + sizeof(rp_ring_header));
	assert_true(view.cqes + 16 * sizeof(rp_cqe) <= view.base + view.size && view.size % 4096 == 0);

	assert_int_equal(ring_enter(uint64_t(handle) + 1, 0, 0, UINT64_MAX), -EBADF);
	assert_int_equal(ring_enter(uint64_t(handle), 0, 1, UINT64_MAX), -EINVAL);
	assert_int_equal(ring_enter(uint64_t(handle), 0, 0, UINT64_MAX), 0);
	assert_int_equal(host::live_mappings(), 1);
	assert_int_equal(ring_destroy(uint64_t(handle)), 0);
	assert_int_equal(host::live_mappings(), 0);
	assert_int_equal(ring_destroy(uint64_t(handle)), -EBADF);
	assert_int_equal(ring_enter(uint64_t(handle), 0, 0, UINT64_MAX), -EBADF);
}

static void test_nop_unknown_and_refused_opcodes(void **)
{
	UserRing r = UserRing::make(16, 16);
	struct {
		uint8_t opcode;
		uint8_t flags;
		uint32_t syscall_flags;
		int64_t expected;
	} cases[] = {
	    {RP_OP_NOP, 0, 0, 0},
	    {RP_OP_STANDARD_COUNT, 0, 0, -EINVAL}, // 52: not a standard opcode
	    {200, 0, 0, -EINVAL},                  // scheme-private without a scheme
	    {RP_OP_NOP, RP_SQE_DRAIN, 0, -EINVAL}, // ordering flags are refused, not half honoured
	    {RP_OP_NOP, 0x80, 0, -EINVAL},
	    {RP_OP_SOCKET, 0, 0, -EOPNOTSUPP},
	    {RP_OP_WAITPID, 0, 0, -EOPNOTSUPP},
	    {RP_OP_FUTEX, 0, RP_FUTEX_WAKE | RP_FUTEX_PRIVATE_FLAG, 0},
	    {RP_OP_FUTEX, 0, RP_FUTEX_WAIT, -EOPNOTSUPP},
	};
	uint64_t n = sizeof cases / sizeof cases[0];
	for (uint64_t i = 0; i < n; i++) {
		rp_sqe s = sqe_of(cases[i].opcode);
		s.flags = cases[i].flags;
		s.syscall_flags = cases[i].syscall_flags;
		s.user_data = 100 + i;
		r.push(s);
	}
	assert_int_equal(r.enter(), long(n)); // every SQE consumed by the one enter, completions in order
	for (uint64_t i = 0; i < n; i++) {
		rp_cqe cqe;
		int64_t result;
		assert_true(r.pop(&cqe, &result));
		assert_int_equal(cqe.user_data, 100 + i);
		assert_int_equal(result, cases[i].expected);
	}
	rp_cqe cqe;
	int64_t result;
	assert_false(r.pop(&cqe, &result));
}

static int64_t open_file(UserRing &r, const char *path, uint32_t flags)
{
	rp_sqe s = sqe_of(RP_OP_OPENAT);
	s.fd = at_fdcwd;
	s.addr = addr(path);
	s.syscall_flags = flags;
	s.offset = 0644;
	return r.run(s);
}

static void test_write_read_lseek_round_trip(void **)
{
	UserRing r = UserRing::make();
	int64_t fd = open_file(r, "/tmp/round", O_CREAT | O_RDWR);
	assert_true(fd >= 0);

	const char text[] = "hello, native ring";
	rp_sqe w = sqe_of(RP_OP_WRITE);
	w.fd = uint64_t(fd);
	w.addr = addr(text);
	w.len = sizeof text - 1;
	assert_int_equal(r.run(w), sizeof text - 1);

	// READ at the file position: at the end now, so end-of-file.
	char buffer[64] = {};
	rp_sqe rd = sqe_of(RP_OP_READ);
	rd.fd = uint64_t(fd);
	rd.addr = addr(buffer);
	rd.len = sizeof buffer;
	assert_int_equal(r.run(rd), 0);

	rp_sqe seek = sqe_of(RP_OP_LSEEK);
	seek.fd = uint64_t(fd);
	seek.offset = 7;
	seek.syscall_flags = SEEK_SET;
	assert_int_equal(r.run(seek), 7);
	assert_int_equal(r.run(rd), sizeof text - 1 - 7);
	assert_memory_equal(buffer, "native ring", 11);

	// PWRITE/PREAD leave the position alone; READV scatters.
	rp_sqe pw = sqe_of(RP_OP_PWRITE);
	pw.fd = uint64_t(fd);
	pw.addr = addr("NATIVE");
	pw.len = 6;
	pw.offset = 7;
	assert_int_equal(r.run(pw), 6);
	char a[5] = {}, b[8] = {};
	struct iovec_ {
		uint64_t base, len;
	} iov[2] = {{addr(a), 5}, {addr(b), 8}};
	rp_sqe rv = sqe_of(RP_OP_PREADV);
	rv.fd = uint64_t(fd);
	rv.addr = addr(iov);
	rv.len = 2;
	rv.offset = 2;
	assert_int_equal(r.run(rv), 13);
	assert_memory_equal(a, "llo, ", 5);
	assert_memory_equal(b, "NATIVE r", 8);
	seek.offset = 0;
	seek.syscall_flags = SEEK_CUR;
	assert_int_equal(r.run(seek), sizeof text - 1); // where the READ left it

	// A bad buffer is the op's -EFAULT, not a crash.
	rp_sqe bad = sqe_of(RP_OP_PREAD);
	bad.fd = uint64_t(fd);
	bad.addr = 8;
	bad.len = 4;
	assert_int_equal(r.run(bad), -EFAULT);

	rp_sqe st = sqe_of(RP_OP_STATX);
	Statx sx{};
	st.fd = at_fdcwd;
	st.addr = addr("/tmp/round");
	st.len = STATX_BASIC_STATS_;
	st.additional1 = addr(&sx);
	assert_int_equal(r.run(st), 0);
	assert_int_equal(sx.stx_size, sizeof text - 1);
	assert_int_equal(sx.stx_mode & S_IFMT_, S_IFREG_);

	rp_sqe tr = sqe_of(RP_OP_FTRUNCATE);
	tr.fd = uint64_t(fd);
	tr.offset = 3;
	assert_int_equal(r.run(tr), 0);
	rp_sqe c = sqe_of(RP_OP_CLOSE);
	c.fd = uint64_t(fd);
	assert_int_equal(r.run(c), 0);
	assert_int_equal(r.run(c), -EBADF);
	assert_int_equal(r.run(st), 0);
	assert_int_equal(sx.stx_size, 3);

	rp_sqe un = sqe_of(RP_OP_UNLINKAT);
	un.fd = at_fdcwd;
	un.addr = addr("/tmp/round");
	assert_int_equal(r.run(un), 0);
	assert_int_equal(r.run(st), -ENOENT);
}

static void test_path_ops(void **)
{
	UserRing r = UserRing::make();
	rp_sqe mk = sqe_of(RP_OP_MKDIRAT);
	mk.fd = at_fdcwd;
	mk.addr = addr("/tmp/d");
	mk.offset = 0755;
	assert_int_equal(r.run(mk), 0);
	assert_int_equal(r.run(mk), -EEXIST);
	int64_t fd = open_file(r, "/tmp/d/a", O_CREAT | O_WRONLY);
	assert_true(fd >= 0);
	rp_sqe ren = sqe_of(RP_OP_RENAMEAT);
	ren.fd = at_fdcwd;
	ren.addr = addr("/tmp/d/a");
	ren.additional1 = at_fdcwd;
	ren.additional2 = addr("/tmp/d/b");
	assert_int_equal(r.run(ren), 0);
	rp_sqe sym = sqe_of(RP_OP_SYMLINKAT);
	sym.addr = addr("b");
	sym.fd = at_fdcwd;
	sym.additional1 = addr("/tmp/d/s");
	assert_int_equal(r.run(sym), 0);
	rp_sqe ln = sqe_of(RP_OP_LINKAT);
	ln.fd = at_fdcwd;
	ln.addr = addr("/tmp/d/b");
	ln.additional1 = at_fdcwd;
	ln.additional2 = addr("/tmp/d/c");
	assert_int_equal(r.run(ln), 0);
	Statx sx{};
	rp_sqe st = sqe_of(RP_OP_STATX);
	st.fd = at_fdcwd;
	st.addr = addr("/tmp/d/s"); // follows the symlink to b, which has two links now
	st.len = STATX_BASIC_STATS_;
	st.additional1 = addr(&sx);
	assert_int_equal(r.run(st), 0);
	assert_int_equal(sx.stx_nlink, 2);
	// STATX on the fd itself: AT_EMPTY_PATH with no path at all.
	st.fd = uint64_t(fd);
	st.addr = 0;
	st.syscall_flags = AT_EMPTY_PATH_;
	assert_int_equal(r.run(st), 0);
	assert_int_equal(sx.stx_nlink, 2);
	rp_sqe dup = sqe_of(RP_OP_DUP);
	dup.fd = uint64_t(fd);
	dup.offset = UINT64_MAX;
	int64_t copy = r.run(dup);
	assert_true(copy >= 0 && copy != fd);
	dup.offset = 40;
	dup.syscall_flags = O_CLOEXEC;
	assert_int_equal(r.run(dup), 40);
	rp_sqe cr = sqe_of(RP_OP_CLOSE_RANGE);
	cr.fd = 0;
	cr.offset = UINT64_MAX;
	assert_int_equal(r.run(cr), 0);
	assert_int_equal(current_fd_table()->open_count(), 0);
	rp_sqe un = sqe_of(RP_OP_UNLINKAT);
	un.fd = at_fdcwd;
	un.addr = addr("/tmp/d");
	un.syscall_flags = AT_REMOVEDIR_;
	assert_int_equal(r.run(un), -ENOTEMPTY);
	// Paths the program cannot supply are the op's errors.
	mk.addr = 16;
	assert_int_equal(r.run(mk), -EFAULT);
	mk.fd = uint64_t(1) << 40;
	assert_int_equal(r.run(mk), -EBADF);
}

static void test_extended_results(void **)
{
	UserRing r = UserRing::make();
	int64_t fd = open_file(r, "/tmp/sparse", O_CREAT | O_RDWR);
	assert_true(fd >= 0);
	const uint64_t far = 5ull << 30; // past what a 32-bit status can say
	rp_sqe pw = sqe_of(RP_OP_PWRITE);
	pw.fd = uint64_t(fd);
	pw.addr = addr("x");
	pw.len = 1;
	pw.offset = far;
	assert_int_equal(r.run(pw), 1);

	rp_sqe seek = sqe_of(RP_OP_LSEEK);
	seek.fd = uint64_t(fd);
	seek.offset = 0;
	seek.syscall_flags = SEEK_END;
	seek.user_data = 9;
	r.push(seek);
	assert_int_equal(r.enter(1), 1);
	// The raw slots: a saturated status with RP_CQE_EXTENDED, then the full result.
	auto *cqes = reinterpret_cast<rp_cqe *>(r.view.cqes);
	uint64_t head = r.cq_header()->head;
	assert_int_equal(r.cq_header()->tail - head, 2);
	rp_cqe first = cqes[head & r.cq_header()->mask];
	assert_int_equal(first.user_data, 9);
	assert_int_equal(first.status, INT32_MAX);
	assert_true(first.flags & RP_CQE_EXTENDED);
	rp_cqe_ext second;
	memcpy(&second, &cqes[(head + 1) & r.cq_header()->mask], sizeof second);
	assert_int_equal(second.result, far + 1);
	rp_cqe cqe;
	int64_t result;
	assert_true(r.pop(&cqe, &result));
	assert_int_equal(result, far + 1);

	// A pair wraps around the end of the ring like any other completions.
	for (int i = 0; i < 20; i++)
		assert_int_equal(r.run(seek), int64_t(far + 1));
}

static void test_scribbled_headers_are_errors(void **)
{
	UserRing r = UserRing::make(8, 16);
	rp_ring_header *sq = r.sq_header();
	r.push(sqe_of(RP_OP_NOP));
	(void)r.sq.publish();
	// The tail too far ahead of the head: the whole enter is refused, nothing consumed.
	uint64_t tail = sq->tail;
	sq->tail = sq->head + 9;
	assert_int_equal(ring_enter(uint64_t(r.handle), 0, 0, UINT64_MAX), -EINVAL);
	sq->tail = tail;
	// A changed fixed field.
	sq->mask = 0xffff;
	assert_int_equal(ring_enter(uint64_t(r.handle), 0, 0, UINT64_MAX), -EINVAL);
	sq->mask = 7;
	sq->version = 77;
	assert_int_equal(ring_enter(uint64_t(r.handle), 0, 0, UINT64_MAX), -EINVAL);
	sq->version = RP_RING_ABI_VERSION;
	assert_int_equal(ring_enter(uint64_t(r.handle), 1, 0, UINT64_MAX), 1);

	// A CQ head the consumer scribbled: completions wait in the kernel, a wait for them is -EINVAL, and they
	// arrive once the head is sane again.
	rp_ring_header *cq = r.cq_header();
	uint64_t head = cq->head;
	cq->head = head + 1000;
	r.push(sqe_of(RP_OP_NOP));
	assert_int_equal(r.enter(), 1);
	assert_int_equal(ring_enter(uint64_t(r.handle), 5, 0, UINT64_MAX), -EINVAL);
	cq->head = head;
	assert_int_equal(ring_enter(uint64_t(r.handle), 2, 0, UINT64_MAX), 0);
	rp_cqe cqe;
	int64_t result;
	assert_true(r.pop(&cqe, &result));
	assert_true(r.pop(&cqe, &result));
	assert_false(r.pop(&cqe, &result));
}

static void test_full_cq_parks_completions_in_order(void **)
{
	UserRing r = UserRing::make(8, 2);
	for (uint64_t i = 0; i < 7; i++) {
		rp_sqe s = sqe_of(RP_OP_NOP);
		s.user_data = i;
		r.push(s);
	}
	assert_int_equal(r.enter(7), 7); // seven unconsumed, counting the five the CQ has no room for
	uint64_t next = 0;
	rp_cqe cqe;
	int64_t result;
	while (next < 7) {
		while (r.pop(&cqe, &result))
			assert_int_equal(cqe.user_data, next++);
		assert_true(r.enter() >= 0); // moves parked completions into the freed room
	}
	assert_false(r.pop(&cqe, &result));
}

static void test_timeouts(void **)
{
	UserRing r = UserRing::make();
	// Relative: fires after its time, not before.
	rp_sqe t = sqe_of(RP_OP_TIMEOUT);
	t.offset = 20000000;
	uint64_t start = monotonic_ns();
	assert_int_equal(r.run(t), -ETIME);
	assert_true(monotonic_ns() - start >= 20000000);

	// Absolute on CLOCK_REALTIME.
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	t.offset = uint64_t(now.tv_sec) * 1000000000ull + uint64_t(now.tv_nsec) + 10000000;
	t.syscall_flags = RP_TIMEOUT_ABS | RP_TIMEOUT_REALTIME;
	start = monotonic_ns();
	assert_int_equal(r.run(t), -ETIME);
	assert_true(monotonic_ns() - start >= 5000000);
	// A deadline already past completes at once.
	t.offset = 1;
	t.syscall_flags = RP_TIMEOUT_ABS | RP_TIMEOUT_BOOTTIME;
	assert_int_equal(r.run(t), -ETIME);
	t.syscall_flags = RP_TIMEOUT_BOOTTIME | RP_TIMEOUT_REALTIME;
	assert_int_equal(r.run(t), -EINVAL);
	t.syscall_flags = 8;
	assert_int_equal(r.run(t), -EINVAL);

	// The enter's own timeout: nothing completes, -ETIME after it.
	start = monotonic_ns();
	assert_int_equal(r.enter(1, 5000000), -ETIME);
	assert_true(monotonic_ns() - start >= 5000000);

	// Two timers fire in deadline order, whatever the order they were armed in.
	rp_sqe late = sqe_of(RP_OP_TIMEOUT), early = sqe_of(RP_OP_TIMEOUT);
	late.offset = 30000000;
	late.user_data = 1;
	early.offset = 10000000;
	early.user_data = 2;
	r.push(late);
	r.push(early);
	assert_int_equal(r.enter(2), 2);
	rp_cqe cqe;
	int64_t result;
	assert_true(r.pop(&cqe, &result));
	assert_int_equal(cqe.user_data, 2);
	assert_true(r.pop(&cqe, &result));
	assert_int_equal(cqe.user_data, 1);
	assert_int_equal(result, -ETIME);
}

static void test_cancel(void **)
{
	UserRing r = UserRing::make();
	rp_sqe t = sqe_of(RP_OP_TIMEOUT);
	t.offset = 10000000000ull; // 10 s: only the cancel can end it within the test
	t.user_data = 7;
	r.push(t);
	assert_int_equal(r.enter(), 1);
	rp_cqe cqe;
	int64_t result;
	assert_false(r.pop(&cqe, &result));

	rp_sqe c = sqe_of(RP_OP_CANCEL);
	c.addr = 7;
	c.user_data = 8;
	r.push(c);
	c.user_data = 9; // the second finds nothing left to cancel
	r.push(c);
	assert_int_equal(r.enter(3), 2);
	assert_true(r.pop(&cqe, &result));
	assert_int_equal(cqe.user_data, 7);
	assert_int_equal(result, -ECANCELED);
	assert_true(r.pop(&cqe, &result));
	assert_int_equal(cqe.user_data, 8);
	assert_int_equal(result, 0);
	assert_true(r.pop(&cqe, &result));
	assert_int_equal(cqe.user_data, 9);
	assert_int_equal(result, -ENOENT);

	// Destroying a ring ends what it still has pending (nothing leaks; teardown checks the page runs).
	r.push(t);
	assert_int_equal(r.enter(), 1);
	assert_int_equal(ring_destroy(uint64_t(r.handle)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_setup_checks_its_arguments, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_nop_unknown_and_refused_opcodes, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_write_read_lseek_round_trip, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_path_ops, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_extended_results, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_scribbled_headers_are_errors, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_full_cq_parks_completions_in_order, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_timeouts, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_cancel, setup_process, teardown_process),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
