// Host tests of the kernel's native ring executor (os/x86_64/Ring) over the ramfs (os/x86_64/FileSystem) and
// the host Platform: a program's view of RP_SYS_RING_SETUP/ENTER/DESTROY.
#include "test_ring_helpers.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>

#include "FileSystem/eventfd.hpp"
#include "FileSystem/pipe.hpp"

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
	    {RP_OP_STANDARD_COUNT, 0, 0, -EINVAL}, // the first opcode that is not a standard one
	    {200, 0, 0, -EINVAL},                  // scheme-private without a scheme
	    {RP_OP_NOP, RP_SQE_DRAIN, 0, -EINVAL}, // ordering flags are refused, not half honoured
	    {RP_OP_NOP, 0x80, 0, -EINVAL},
	    {RP_OP_NOP, RP_SQE_WAIT_READY | RP_SQE_DIRECT_ONLY, 0, 0}, // transfer flags: ignored elsewhere
	    {RP_OP_SOCKET, 0, 0, -EOPNOTSUPP},
	    {RP_OP_WAITPID, 0, 0, -EINVAL},                             // waitid without WEXITED & co
	    {RP_OP_FUTEX, 0, RP_FUTEX_WAKE | RP_FUTEX_PRIVATE_FLAG, -EFAULT}, // the word at address 0
	    {RP_OP_FUTEX, 0, RP_FUTEX_WAIT, -EFAULT},
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

// A pipe installed in the current table: fds[0] reads, fds[1] writes.
static void make_pipe(int fds[2], uint32_t flags = 0)
{
	File *read_end = nullptr, *write_end = nullptr;
	assert_true(pipe_create(flags, &read_end, &write_end).ok());
	Result<int> r = current_fd_table()->install(read_end, false);
	Result<int> w = current_fd_table()->install(write_end, false);
	assert_true(r.ok() && w.ok());
	read_end->unref();
	write_end->unref();
	fds[0] = r.value();
	fds[1] = w.value();
}

static rp_sqe poll_sqe(int fd, uint32_t events, uint64_t user_data)
{
	rp_sqe s = sqe_of(RP_OP_POLL);
	s.fd = uint64_t(fd);
	s.syscall_flags = events;
	s.user_data = user_data;
	return s;
}

static rp_sqe rw_sqe(uint8_t opcode, int fd, const void *buffer, uint64_t length, uint64_t user_data)
{
	rp_sqe s = sqe_of(opcode);
	s.fd = uint64_t(fd);
	s.addr = addr(buffer);
	s.len = length;
	s.user_data = user_data;
	return s;
}

static void expect(UserRing &r, uint64_t user_data, int64_t result, uint32_t flags = 0)
{
	rp_cqe cqe;
	int64_t got;
	assert_true(r.pop(&cqe, &got));
	assert_int_equal(cqe.user_data, user_data);
	assert_int_equal(got, result);
	assert_int_equal(cqe.flags, flags);
}

static void expect_empty(UserRing &r)
{
	rp_cqe cqe;
	int64_t got;
	assert_false(r.pop(&cqe, &got));
}

// A poll parked on a pipe completes inside the writer's call: the enter that wrote returns with both CQEs.
static void test_poll_on_pipe_completes_in_the_writers_call(void **)
{
	UserRing r = UserRing::make();
	int fds[2];
	make_pipe(fds);
	r.push(poll_sqe(fds[0], POLLIN, 1));
	assert_int_equal(r.enter(), 1);
	expect_empty(r);
	// Nothing the reader cares about: a poll for POLLOUT on the write end completes at once.
	r.push(poll_sqe(fds[1], POLLOUT, 3));
	assert_int_equal(r.enter(), 1);
	expect(r, 3, POLLOUT);

	r.push(rw_sqe(RP_OP_WRITE, fds[1], "hello", 5, 2));
	assert_int_equal(r.enter(), 1); // no waiting asked for: the poll's CQE is there when enter returns
	expect(r, 2, 5);
	expect(r, 1, POLLIN);

	// FILE_INFO: pipes report readiness, a regular file does not; a1 compares open files.
	rp_sqe info = sqe_of(RP_OP_FILE_INFO);
	info.fd = uint64_t(fds[0]);
	info.additional1 = UINT64_MAX;
	assert_int_equal(r.run(info), RP_FILE_POLLABLE);
	info.additional1 = uint64_t(fds[1]);
	assert_int_equal(r.run(info), RP_FILE_POLLABLE);
	rp_sqe dup = sqe_of(RP_OP_DUP);
	dup.fd = uint64_t(fds[0]);
	dup.offset = UINT64_MAX;
	info.additional1 = uint64_t(r.run(dup));
	assert_int_equal(r.run(info), RP_FILE_POLLABLE | RP_FILE_SAME);
	info.additional1 = 77;
	assert_int_equal(r.run(info), -EBADF);
	rp_sqe open = sqe_of(RP_OP_OPENAT);
	open.fd = at_fdcwd;
	open.addr = addr("/tmp/plain");
	open.syscall_flags = O_CREAT | O_RDWR;
	info.fd = uint64_t(r.run(open));
	info.additional1 = UINT64_MAX;
	assert_int_equal(r.run(info), 0);
	info.fd = 99;
	assert_int_equal(r.run(info), -EBADF);

	// Closing the write end (a plain close, outside the executor) ends a poll with POLLHUP before that call
	// returns (Platform runs the deferred ready queue on the way out).
	char drain[8];
	assert_int_equal(r.run(rw_sqe(RP_OP_READ, fds[0], drain, sizeof drain, 0)), 5);
	r.push(poll_sqe(fds[0], POLLIN, 4));
	assert_int_equal(r.enter(), 1);
	expect_empty(r);
	assert_int_equal(filesystem_close(uint64_t(fds[1])), 0);
	run_deferred(); // what the kernel does before the close system call returns
	expect(r, 4, POLLHUP);
}

static void test_blocking_reads_park_until_data_arrives(void **)
{
	UserRing r = UserRing::make();
	int fds[2];
	make_pipe(fds);
	char first[4] = {}, second[4] = {};
	struct {
		uint64_t base, len;
	} iov[2] = {{addr(first), 4}, {addr(second), 4}};
	rp_sqe rv = sqe_of(RP_OP_READV);
	rv.fd = uint64_t(fds[0]);
	rv.addr = addr(iov);
	rv.len = 2;
	rv.user_data = 1;
	r.push(rv);
	assert_int_equal(r.enter(), 1);
	expect_empty(r);
	iov[0].len = 0; // the iovecs were copied at submission: the program may reuse its array
	r.push(rw_sqe(RP_OP_WRITE, fds[1], "abcdef", 6, 2));
	assert_int_equal(r.enter(2), 1);
	expect(r, 2, 6);
	expect(r, 1, 6);
	assert_memory_equal(first, "abcd", 4);
	assert_memory_equal(second, "ef", 2);

	// O_NONBLOCK and RWF_NOWAIT answer -EAGAIN instead of waiting.
	rp_sqe nowait = sqe_of(RP_OP_PREADV);
	nowait.fd = uint64_t(fds[0]);
	nowait.addr = addr(iov);
	nowait.len = 1;
	nowait.offset = UINT64_MAX; // the file position: pipes have no other
	nowait.syscall_flags = 0x8; // RWF_NOWAIT
	iov[0].len = 4;
	assert_int_equal(r.run(nowait), -EAGAIN);
	nowait.syscall_flags = 0x4000; // no such RWF_ flag
	assert_int_equal(r.run(nowait), -EOPNOTSUPP);
	int nb[2];
	make_pipe(nb, O_NONBLOCK);
	assert_int_equal(r.run(rw_sqe(RP_OP_READ, nb[0], first, 4, 0)), -EAGAIN);
	// ... unless the submitter lets the OS own "would block" (RP_SQE_WAIT_READY, as the shim does): then an
	// O_NONBLOCK pipe waits like any other, while RWF_NOWAIT still says -EAGAIN.
	rp_sqe waiting = rw_sqe(RP_OP_READ, nb[0], first, 4, 11);
	waiting.flags = RP_SQE_WAIT_READY;
	r.push(waiting);
	assert_int_equal(r.enter(), 1);
	expect_empty(r);
	r.push(rw_sqe(RP_OP_WRITE, nb[1], "wake", 4, 12));
	assert_int_equal(r.enter(2), 1);
	expect(r, 12, 4);
	expect(r, 11, 4);
	nowait.fd = uint64_t(nb[0]);
	nowait.syscall_flags = 0x8;
	nowait.flags = RP_SQE_WAIT_READY;
	assert_int_equal(r.run(nowait), -EAGAIN);
	// DIRECT_ONLY (an IOPOLL ring's transfers): a file not open O_DIRECT is refused before anything moves.
	waiting.flags = RP_SQE_DIRECT_ONLY;
	assert_int_equal(r.run(waiting), -EOPNOTSUPP);

	// A parked read is cancellable, and lets go of its file.
	uint64_t files = File::live_count();
	r.push(rw_sqe(RP_OP_READ, fds[0], first, 4, 5));
	assert_int_equal(r.enter(), 1);
	rp_sqe c = sqe_of(RP_OP_CANCEL);
	c.addr = 5;
	c.user_data = 6;
	r.push(c);
	assert_int_equal(r.enter(), 1);
	expect(r, 5, -ECANCELED);
	expect(r, 6, 0);
	assert_int_equal(File::live_count(), files);

	// A blocked writer: fill the pipe, then a parked WRITE finishes once a read makes room.
	static char big[65536 + 100];
	memset(big, 'z', sizeof big);
	r.push(rw_sqe(RP_OP_WRITE, fds[1], big, sizeof big, 7));
	assert_int_equal(r.enter(), 1);
	expect(r, 7, 65536); // a pipe write takes what fits
	r.push(rw_sqe(RP_OP_WRITE, fds[1], big, 10, 8));
	assert_int_equal(r.enter(), 1);
	expect_empty(r);
	static char sink[4096];
	r.push(rw_sqe(RP_OP_READ, fds[0], sink, sizeof sink, 9));
	assert_int_equal(r.enter(2), 1);
	expect(r, 9, 4096);
	expect(r, 8, 10);
}

static void test_eventfd_read_and_event_stream(void **)
{
	UserRing r = UserRing::make(8, 32);
	Result<File *> made = eventfd_create(0, 0);
	assert_true(made.ok());
	Result<int> efd = current_fd_table()->install(made.value(), false);
	made.value()->unref();
	assert_true(efd.ok());
	int fd = efd.value();

	uint64_t value = 0;
	r.push(rw_sqe(RP_OP_READ, fd, &value, 8, 1));
	rp_sqe stream = sqe_of(RP_OP_REGISTER_EVENTS);
	stream.fd = uint64_t(fd);
	stream.syscall_flags = POLLIN;
	stream.user_data = 2;
	r.push(stream);
	assert_int_equal(r.enter(), 2);
	expect_empty(r);

	uint64_t three = 3;
	r.push(rw_sqe(RP_OP_WRITE, fd, &three, 8, 3));
	assert_int_equal(r.enter(), 1);
	expect(r, 3, 8);
	// The parked read took the count (and the eventfd is at 0 again before the stream looks), or the stream
	// saw it first: either way the read has 3.
	rp_cqe cqe;
	int64_t result;
	bool read_done = false;
	while (r.pop(&cqe, &result)) {
		if (cqe.user_data == 1) {
			assert_int_equal(result, 8);
			read_done = true;
		} else {
			assert_int_equal(cqe.user_data, 2);
			assert_int_equal(cqe.flags, RP_CQE_EVENT);
			assert_int_equal(result, POLLIN);
		}
	}
	assert_true(read_done);
	assert_int_equal(value, 3);

	// Each signal is one event of the stream while nobody reads.
	for (int i = 0; i < 2; i++) {
		assert_true(eventfd_signal(current_fd_table()->peek(fd), 1).ok());
		run_deferred();
		expect(r, 2, POLLIN, RP_CQE_EVENT);
	}
	// Cancel ends the stream with LAST_UPDATE.
	rp_sqe c = sqe_of(RP_OP_CANCEL);
	c.addr = 2;
	c.user_data = 4;
	r.push(c);
	assert_int_equal(r.enter(), 1);
	expect(r, 2, -ECANCELED, RP_CQE_LAST_UPDATE);
	expect(r, 4, 0);
	// A stream on a ready file starts with an event; a bad fd ends it at once.
	r.push(stream);
	stream.fd = 99;
	stream.user_data = 5;
	r.push(stream);
	assert_int_equal(r.enter(), 2);
	expect(r, 2, POLLIN, RP_CQE_EVENT);
	expect(r, 5, -EBADF, RP_CQE_LAST_UPDATE);
}

// MMAP of anonymous memory where asked (newlib's sbrk does exactly this), MADVISE, MUNMAP.
static void test_memory_ops(void **)
{
	UserRing r = UserRing::make();
	const uint64_t hint = 0x3f0000000000ull; // far from anything the host process maps
	rp_sqe m = sqe_of(RP_OP_MMAP);
	m.addr = hint;
	m.len = 2 * 4096;
	m.fd = UINT64_MAX;
	m.syscall_flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
	m.additional1 = PROT_READ | PROT_WRITE;
	uint32_t flags = 0;
	assert_int_equal(r.run(m, &flags), int64_t(hint));
	assert_true(flags & RP_CQE_EXTENDED); // an address is wider than the 32-bit status
	auto *bytes = reinterpret_cast<volatile char *>(hint);
	bytes[4096] = 'k';
	assert_int_equal(bytes[0], 0);
	// The range is taken now: MAP_FIXED_NOREPLACE refuses it.
	assert_int_equal(r.run(m), -EEXIST);
	rp_sqe adv = sqe_of(RP_OP_MADVISE);
	adv.addr = hint;
	adv.len = 2 * 4096;
	adv.syscall_flags = MADV_DONTNEED;
	assert_int_equal(r.run(adv), 0);
	assert_int_equal(bytes[4096], 0); // anonymous pages read back as zeroes
	adv.addr = hint + 1;
	assert_int_equal(r.run(adv), -EINVAL);
	rp_sqe un = sqe_of(RP_OP_MUNMAP);
	un.addr = hint;
	un.len = 2 * 4096;
	// The host Platform unmaps only what map_page_run mapped; the anonymous range goes back with munmap(2).
	assert_int_equal(r.run(un), 0);
	assert_int_equal(munmap(reinterpret_cast<void *>(hint), 2 * 4096), 0);
	m.syscall_flags = MAP_PRIVATE; // a file mapping of fd -1
	assert_int_equal(r.run(m), -EBADF);
}

// Many parked ops: Cancel finds each by user_data (through the index as it grows), the oldest first among
// equal user_data.
static void test_cancel_among_many(void **)
{
	UserRing r = UserRing::make(4096, 8192);
	const uint64_t n = 3000;
	for (uint64_t i = 0; i < n; i++) {
		rp_sqe t = sqe_of(RP_OP_TIMEOUT);
		t.offset = 60000000000ull;
		t.user_data = i < n - 2 ? 1000 + i : 7; // the last two share user_data 7
		r.push(t);
		if ((i + 1) % 4096 == 0)
			assert_true(r.enter() > 0);
	}
	assert_int_equal(r.enter(), long(n % 4096));
	rp_cqe cqe;
	int64_t result;
	assert_false(r.pop(&cqe, &result));
	// Cancel in reverse order, in batches that fit the SQ.
	for (uint64_t done = 0; done < n - 2;) {
		uint64_t batch = 0;
		for (; batch < 1000 && done < n - 2; batch++, done++) {
			rp_sqe c = sqe_of(RP_OP_CANCEL);
			c.addr = 1000 + (n - 3 - done);
			c.user_data = 1;
			r.push(c);
		}
		assert_int_equal(r.enter(), long(batch));
		for (uint64_t k = 0; k < 2 * batch; k++) {
			assert_true(r.pop(&cqe, &result));
			assert_int_equal(result, cqe.user_data == 1 ? 0 : -ECANCELED);
		}
	}
	rp_sqe c = sqe_of(RP_OP_CANCEL);
	c.addr = 7;
	c.user_data = 2;
	r.push(c);
	assert_int_equal(r.enter(), 1);
	expect(r, 7, -ECANCELED); // one of the two, the older
	expect(r, 2, 0);
	c.addr = 1000;
	c.user_data = 3;
	r.push(c);
	assert_int_equal(r.enter(), 1);
	expect(r, 3, -ENOENT);
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
	    cmocka_unit_test_setup_teardown(test_poll_on_pipe_completes_in_the_writers_call, setup_process,
	                                    teardown_process),
	    cmocka_unit_test_setup_teardown(test_blocking_reads_park_until_data_arrives, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_eventfd_read_and_event_stream, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_memory_ops, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_cancel_among_many, setup_process, teardown_process),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
