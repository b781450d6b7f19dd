// Hosted OS core: open/close, poll, timeouts, cancel, the worker path for uncached reads, CQ overflow (nothing
// lost, order kept), and the notification callback.
#include "rp_test.h"
#include "hosted_test.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>

using namespace hosted_test;

static rp_sqe open_sqe(uint8_t op, int dirfd, const char* path, uint32_t flags, uint64_t mode, uint64_t ud)
{
	rp_sqe s = sqe(op, ud);
	s.fd = uint64_t(int64_t(dirfd));
	s.addr = uint64_t(uintptr_t(path));
	s.syscall_flags = flags;
	s.offset = mode;
	return s;
}

static void test_open_close(void**)
{
	TestRing r;
	TempFile f;
	assert_int_equal(write(f.fd, "data", 4), 4);
	int64_t fd = r.result(open_sqe(RP_OP_OPEN, 0, f.path, O_RDONLY, 0, 1));
	assert_true(fd >= 0);
	// Not left O_NONBLOCK by the inline attempt.
	assert_int_equal(fcntl(int(fd), F_GETFL) & O_NONBLOCK, 0);
	char buf[8] = {};
	assert_int_equal(pread(int(fd), buf, 8, 0), 4);
	rp_sqe c = sqe(RP_OP_CLOSE, 2);
	c.fd = uint64_t(fd);
	assert_int_equal(r.result(c), 0);
	assert_int_equal(r.result(c), -EBADF);
	// O_NONBLOCK asked for is kept.
	fd = r.result(open_sqe(RP_OP_OPENAT, AT_FDCWD, f.path, O_RDONLY | O_NONBLOCK, 0, 3));
	assert_true(fd >= 0);
	assert_int_not_equal(fcntl(int(fd), F_GETFL) & O_NONBLOCK, 0);
	close(int(fd));
	// Creation goes through a worker.
	mode_t old_mask = umask(022);
	umask(old_mask);
	char created[80];
	snprintf(created, sizeof created, "%s.new", f.path);
	fd = r.result(open_sqe(RP_OP_OPENAT, AT_FDCWD, created, O_CREAT | O_EXCL | O_WRONLY, 0640, 4));
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(int(fd), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640 & ~old_mask);
	close(int(fd));
	assert_int_equal(r.result(open_sqe(RP_OP_OPENAT, AT_FDCWD, created, O_CREAT | O_EXCL | O_WRONLY, 0640, 5)), -EEXIST);
	unlink(created);
	// Errors.
	assert_int_equal(r.result(open_sqe(RP_OP_OPEN, 0, "/nonexistent/x", O_RDONLY, 0, 6)), -ENOENT);
	assert_int_equal(r.result(open_sqe(RP_OP_OPEN, 0, (const char*)16, O_RDONLY, 0, 7)), -EFAULT);
	assert_int_equal(r.result(open_sqe(RP_OP_OPEN, 0, (const char*)16, O_RDONLY | O_CREAT, 0600, 8)), -EFAULT);
	assert_int_equal(r.result(open_sqe(RP_OP_OPENAT, 999, "relative", O_RDONLY, 0, 9)), -EBADF);
	// openat2 rules when a resolve mask is given.
	rp_sqe s = open_sqe(RP_OP_OPENAT, AT_FDCWD, "/etc/passwd", O_RDONLY, 0, 10);
	s.additional1 = RESOLVE_BENEATH;
	assert_int_equal(r.result(s), -EXDEV);
	// Relative to a directory fd.
	int dir = open("/tmp", O_DIRECTORY | O_RDONLY);
	fd = r.result(open_sqe(RP_OP_OPENAT, dir, f.path + 5, O_RDONLY, 0, 11));
	assert_true(fd >= 0);
	close(int(fd));
	close(dir);
}

static void test_close_range(void**)
{
	TestRing r;
	int a = open("/dev/null", O_RDONLY), b = dup(a), c = dup(a);
	assert_true(b == a + 1 && c == a + 2);
	rp_sqe s = sqe(RP_OP_CLOSE_RANGE, 1);
	s.fd = uint64_t(a);
	s.offset = uint64_t(b);
	assert_int_equal(r.result(s), 0);
	assert_int_equal(fcntl(a, F_GETFD), -1);
	assert_int_equal(fcntl(b, F_GETFD), -1);
	assert_true(fcntl(c, F_GETFD) >= 0);
	close(c);
	s.offset = 1;
	s.fd = 5; // last < first
	assert_int_equal(r.result(s), -EINVAL);
}

static void test_fifo_open_waits_for_peer(void**)
{
	TestRing r;
	char path[64];
	snprintf(path, sizeof path, "/tmp/rp-fifo-%d", getpid());
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	// Read-only open of a FIFO: like Linux io_uring, the inline O_NONBLOCK attempt succeeds at once.
	int64_t rfd = r.result(open_sqe(RP_OP_OPEN, 0, path, O_RDONLY, 0, 1));
	assert_true(rfd >= 0);
	// Write-only open succeeds because a reader exists now.
	int64_t wfd = r.result(open_sqe(RP_OP_OPEN, 0, path, O_WRONLY, 0, 2));
	assert_true(wfd >= 0);
	close(int(rfd));
	close(int(wfd));
	// Write-only with no reader: Linux's non-blocking first attempt is the answer, -ENXIO (not a blocked worker).
	assert_int_equal(r.result(open_sqe(RP_OP_OPEN, 0, path, O_WRONLY, 0, 4)), -ENXIO);
	// With O_CREAT Linux makes no such attempt (io-wq opens it, blocking): a worker waits until a reader opens.
	r.push(open_sqe(RP_OP_OPEN, 0, path, O_WRONLY | O_CREAT, 0600, 3));
	assert_int_equal(r.enter(0), 1);
	usleep(20000);
	Completion c;
	assert_false(r.pop(&c));
	int reader = open(path, O_RDONLY | O_NONBLOCK);
	c = r.wait();
	assert_int_equal(c.user_data, 3);
	assert_true(c.result >= 0);
	close(int(c.result));
	close(reader);
	unlink(path);
}

static void test_uncached_read_goes_to_worker(void**)
{
	TestRing r;
	TempFile f;
	static char out[1 << 20], in[1 << 20];
	for (size_t i = 0; i < sizeof out; ++i)
		out[i] = char(i * 13 + 1);
	assert_int_equal(write(f.fd, out, sizeof out), (ssize_t)sizeof out);
	fsync(f.fd);
	posix_fadvise(f.fd, 0, 0, POSIX_FADV_DONTNEED);
	assert_int_equal(r.result(rw(RP_OP_PREAD, f.fd, in, sizeof in, 0, 1)), (int64_t)sizeof in);
	assert_memory_equal(in, out, sizeof in);
	posix_fadvise(f.fd, 0, 0, POSIX_FADV_DONTNEED);
	memset(in, 0, sizeof in);
	iovec v[2] = {{in, 4096}, {in + 4096, sizeof in - 4096}};
	assert_int_equal(r.result(rw(RP_OP_PREADV, f.fd, v, 2, 0, 2)), (int64_t)sizeof in);
	assert_memory_equal(in, out, sizeof in);
}

static void test_poll(void**)
{
	TestRing r;
	int p[2];
	assert_int_equal(pipe(p), 0);
	// Writable at once: inline.
	rp_sqe s = sqe(RP_OP_POLL, 1);
	s.fd = uint64_t(p[1]);
	s.syscall_flags = POLLOUT;
	assert_int_equal(r.result(s), POLLOUT);
	// Readable later.
	s = sqe(RP_OP_POLL, 2);
	s.fd = uint64_t(p[0]);
	s.syscall_flags = POLLIN;
	r.push(s);
	s.user_data = 3; // a second poll on the same fd
	r.push(s);
	assert_int_equal(r.enter(0), 2);
	usleep(10000);
	Completion c;
	assert_false(r.pop(&c));
	assert_int_equal(write(p[1], "a", 1), 1);
	Completion c1 = r.wait(), c2 = r.wait();
	assert_int_equal(c1.result, POLLIN);
	assert_int_equal(c2.result, POLLIN);
	assert_int_equal(c1.user_data + c2.user_data, 5);
	// Hang-up reported to a reader.
	char b;
	assert_int_equal(read(p[0], &b, 1), 1);
	s.user_data = 4;
	r.push(s);
	assert_int_equal(r.enter(0), 1);
	close(p[1]);
	c = r.wait();
	assert_int_equal(c.user_data, 4);
	assert_true(c.result & POLLHUP);
	close(p[0]);
	s.user_data = 5;
	assert_int_equal(r.result(s), -EBADF);
}

static void test_register_events_stream(void**)
{
	TestRing r;
	int p[2];
	assert_int_equal(pipe(p), 0);
	rp_sqe s = sqe(RP_OP_REGISTER_EVENTS, 77);
	s.fd = uint64_t(p[0]);
	s.syscall_flags = POLLIN;
	r.push(s);
	assert_int_equal(r.enter(0), 1);
	char buf[8];
	for (int i = 0; i < 3; ++i) {
		assert_int_equal(write(p[1], "e", 1), 1);
		Completion c = r.wait();
		assert_int_equal(c.user_data, 77);
		assert_int_equal(c.flags, RP_CQE_EVENT);
		assert_int_equal(c.result, POLLIN);
		assert_int_equal(read(p[0], buf, sizeof buf), 1);
	}
	rp_sqe k = sqe(RP_OP_CANCEL, 78);
	k.addr = 77;
	r.push(k);
	assert_int_equal(r.enter(0), 1);
	Completion a = r.wait(), b = r.wait();
	assert_int_equal(a.user_data, 77);
	assert_int_equal(a.result, -ECANCELED);
	assert_int_equal(a.flags, RP_CQE_LAST_UPDATE);
	assert_int_equal(b.user_data, 78);
	assert_int_equal(b.result, 0);
	// Bad fd: the stream ends at once.
	s.fd = 9999;
	Completion c = r.run(s);
	assert_int_equal(c.result, -EBADF);
	assert_int_equal(c.flags, RP_CQE_LAST_UPDATE);
	close(p[0]);
	close(p[1]);
}

static int64_t elapsed_ms(const timespec& a)
{
	timespec b{};
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

static void test_timeouts(void**)
{
	TestRing r;
	timespec t0{};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rp_sqe s = sqe(RP_OP_TIMEOUT, 1);
	s.offset = 30000000; // 30 ms
	rp_sqe s2 = s;
	s2.user_data = 2;
	s2.offset = 10000000; // 10 ms: fires first
	r.push(s);
	r.push(s2);
	assert_int_equal(r.enter(0), 2);
	Completion c = r.wait();
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.result, -ETIME);
	c = r.wait();
	assert_int_equal(c.user_data, 1);
	assert_int_equal(c.result, -ETIME);
	assert_true(elapsed_ms(t0) >= 30);
	// Absolute, on CLOCK_REALTIME and CLOCK_BOOTTIME.
	timespec now{};
	clock_gettime(CLOCK_REALTIME, &now);
	s = sqe(RP_OP_TIMEOUT, 3);
	s.syscall_flags = RP_TIMEOUT_ABS | RP_TIMEOUT_REALTIME;
	s.offset = uint64_t(now.tv_sec) * 1000000000 + uint64_t(now.tv_nsec) + 15000000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(r.result(s), -ETIME);
	assert_true(elapsed_ms(t0) >= 10);
	clock_gettime(CLOCK_BOOTTIME, &now);
	s.syscall_flags = RP_TIMEOUT_ABS | RP_TIMEOUT_BOOTTIME;
	s.offset = uint64_t(now.tv_sec) * 1000000000 + uint64_t(now.tv_nsec) + 15000000;
	assert_int_equal(r.result(s), -ETIME);
	// In the past: at once.
	s.offset = 1;
	assert_int_equal(r.result(s), -ETIME);
	// Bad flags.
	s.syscall_flags = RP_TIMEOUT_BOOTTIME | RP_TIMEOUT_REALTIME;
	assert_int_equal(r.result(s), -EINVAL);
	s.syscall_flags = 1u << 9;
	assert_int_equal(r.result(s), -EINVAL);
}

static void test_cancel(void**)
{
	TestRing r;
	rp_sqe t = sqe(RP_OP_TIMEOUT, 10);
	t.offset = 10ull * 1000000000;
	r.push(t);
	rp_sqe k = sqe(RP_OP_CANCEL, 11);
	k.addr = 10;
	r.push(k);
	assert_int_equal(r.enter(2), 2);
	Completion a = r.wait(), b = r.wait();
	assert_int_equal(a.user_data, 10);
	assert_int_equal(a.result, -ECANCELED);
	assert_int_equal(b.user_data, 11);
	assert_int_equal(b.result, 0);
	// Nothing left to cancel, and never a second completion.
	assert_int_equal(r.result(k), -ENOENT);
	usleep(10000);
	Completion c;
	assert_false(r.pop(&c));
	// A pending pipe read is cancelled; the pipe data written later stays in the pipe.
	int p[2];
	assert_int_equal(pipe(p), 0);
	char buf[4];
	r.push(rw(RP_OP_READ, p[0], buf, sizeof buf, 0, 20));
	k.addr = 20;
	k.user_data = 21;
	r.push(k);
	assert_int_equal(r.enter(2), 2);
	a = r.wait();
	b = r.wait();
	assert_int_equal(a.user_data, 20);
	assert_int_equal(a.result, -ECANCELED);
	assert_int_equal(b.result, 0);
	assert_int_equal(write(p[1], "ab", 2), 2);
	assert_int_equal(read(p[0], buf, sizeof buf), 2);
	close(p[0]);
	close(p[1]);
}

static void test_cancel_running_is_ealready(void**)
{
	TestRing r;
	char path[64];
	snprintf(path, sizeof path, "/tmp/rp-fifo-c-%d", getpid());
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	// A write-only FIFO open with O_CREAT blocks inside a worker: running, so Cancel says -EALREADY.
	r.push(open_sqe(RP_OP_OPEN, 0, path, O_WRONLY | O_CREAT, 0600, 30));
	assert_int_equal(r.enter(0), 1);
	usleep(20000);
	rp_sqe k = sqe(RP_OP_CANCEL, 31);
	k.addr = 30;
	Completion c = r.run(k);
	assert_int_equal(c.result, -EALREADY);
	int reader = open(path, O_RDONLY | O_NONBLOCK);
	c = r.wait();
	assert_int_equal(c.user_data, 30);
	assert_true(c.result >= 0);
	close(int(c.result));
	close(reader);
	unlink(path);
	usleep(5000);
	assert_false(r.pop(&c));
}

static void test_cq_overflow_keeps_everything_in_order(void**)
{
	TestRing r(64, 4);
	for (uint64_t i = 0; i < 40; ++i)
		r.push(sqe(RP_OP_NOP, i));
	assert_int_equal(r.enter(0), 40);
	// Only 4 fit; the rest wait inside the OS and come out in order as space appears.
	assert_int_equal(r.view.cq->tail - r.view.cq->head, 4);
	uint64_t next = 0;
	Completion c;
	while (next < 40) {
		while (r.pop(&c)) {
			assert_int_equal(c.user_data, next);
			++next;
		}
		if (next < 40)
			assert_true(r.enter(1) >= 0);
	}
	assert_true(r.cq_empty());
	// Parked completions also come out with enter(0), which waits for nothing.
	for (uint64_t i = 0; i < 6; ++i)
		r.push(sqe(RP_OP_NOP, 200 + i));
	assert_int_equal(r.enter(0), 6);
	for (uint64_t i = 0; i < 4; ++i) {
		assert_true(r.pop(&c));
		assert_int_equal(c.user_data, 200 + i);
	}
	assert_false(r.pop(&c));
	assert_int_equal(r.enter(0), 0);
	for (uint64_t i = 4; i < 6; ++i) {
		assert_true(r.pop(&c));
		assert_int_equal(c.user_data, 200 + i);
	}
	// Async completions overflowing: 8 pipe polls complete together into a 4-slot CQ.
	int p[2];
	assert_int_equal(pipe(p), 0);
	for (uint64_t i = 0; i < 8; ++i) {
		rp_sqe s = sqe(RP_OP_POLL, 100 + i);
		s.fd = uint64_t(p[0]);
		s.syscall_flags = POLLIN;
		r.push(s);
	}
	assert_int_equal(r.enter(0), 8);
	assert_int_equal(write(p[1], "x", 1), 1);
	int got = 0;
	while (got < 8) {
		c = r.wait();
		assert_true(c.user_data >= 100 && c.user_data < 108);
		assert_int_equal(c.result, POLLIN);
		++got;
	}
	close(p[0]);
	close(p[1]);
}

static std::atomic<int> notified{0};
static void on_notify(void* ctx)
{
	assert_ptr_equal(ctx, &notified);
	notified.fetch_add(1);
}

static void test_notify_and_async_visibility(void**)
{
	TestRing r;
	rp_os_ring_set_notify(r.ring, on_notify, &notified);
	// Inline completions do not notify.
	r.push(sqe(RP_OP_NOP, 1));
	assert_int_equal(r.enter(0), 1);
	assert_int_equal(notified.load(), 0);
	Completion c;
	assert_true(r.pop(&c));
	// An async completion is visible without entering and is notified.
	rp_sqe t = sqe(RP_OP_TIMEOUT, 2);
	t.offset = 5000000;
	r.push(t);
	assert_int_equal(r.enter(0), 1);
	for (int i = 0; i < 400 && r.cq_empty(); ++i)
		usleep(5000);
	assert_false(r.cq_empty());
	assert_true(r.pop(&c));
	assert_int_equal(c.result, -ETIME);
	for (int i = 0; i < 200 && notified.load() == 0; ++i)
		usleep(1000);
	assert_true(notified.load() >= 1);
	rp_os_ring_set_notify(r.ring, nullptr, nullptr);
}

// The reactor's last notify runs while the ring is being destroyed, and what it sets off may submit more (the
// shim's follow-ups: a multishot read's next attempt, a link's successor). Destroy has already swept the ring
// by then, so such an entry must complete -ECANCELED at once instead of being parked on the reactor, where
// nothing would ever free it (found leaking by the register_setup fuzzer's replay).
struct LateSubmission {
	TestRing* ring;
	int read_fd;
	char buf[8];
	std::atomic<int> calls{0};
	int64_t late_result = 1;
};

static void submit_from_last_notify(void* ctx)
{
	auto* late = static_cast<LateSubmission*>(ctx);
	if (late->calls.fetch_add(1) != 0)
		return;
	late->ring->push(rw(RP_OP_READ, late->read_fd, late->buf, sizeof late->buf, 0, 77));
	(void)late->ring->enter(0);
	Completion c;
	while (late->ring->pop(&c))
		if (c.user_data == 77)
			late->late_result = c.result;
}

static void test_destroy_refuses_submissions_from_its_last_notify(void**)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	LateSubmission late;
	auto* r = new TestRing;
	late.ring = r;
	late.read_fd = p[0];
	char buf[8];
	r->push(rw(RP_OP_READ, p[0], buf, sizeof buf, 0, 1)); // empty pipe: parked on the reactor
	assert_int_equal(r->enter(0), 1);
	rp_os_ring_set_notify(r->ring, submit_from_last_notify, &late);
	r->destroy(); // cancels the read, so the reactor notifies once more before it stops
	assert_int_equal(late.calls.load(), 1);
	assert_int_equal(late.late_result, -ECANCELED);
	delete r;
	close(p[0]);
	close(p[1]);
}

static void test_enter_timeout(void**)
{
	TestRing r;
	timespec ts{0, 20000000};
	timespec t0{};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(r.enter(1, &ts), -ETIME);
	assert_true(elapsed_ms(t0) >= 19);
	ts.tv_nsec = 2000000000;
	assert_int_equal(r.enter(1, &ts), -EINVAL);
}

static void test_indirect_ring_and_bad_index(void**)
{
	TestRing r(8, 16, RP_RING_INDIRECT);
	assert_non_null(r.view.sq_indirect);
	// Entries written to slots 5 and 6, named out of order by the index array.
	r.view.sqes[5] = sqe(RP_OP_NOP, 55);
	r.view.sqes[6] = sqe(RP_OP_NOP, 66);
	r.view.sq_indirect[0] = 6;
	r.view.sq_indirect[1] = 99; // out of range: skipped and counted
	r.view.sq_indirect[2] = 5;
	__atomic_store_n(&r.view.sq->tail, 3, __ATOMIC_RELEASE);
	assert_int_equal(r.enter(0), 2);
	assert_int_equal(r.view.sq->dropped, 1);
	assert_int_equal(r.view.sq->head, 3);
	Completion a, b;
	assert_true(r.pop(&a));
	assert_true(r.pop(&b));
	assert_int_equal(a.user_data, 66);
	assert_int_equal(b.user_data, 55);
}

static void test_corrupt_sq_header(void**)
{
	TestRing r;
	// A tail more than a ring ahead of the head: refused, nothing consumed, no crash.
	__atomic_store_n(&r.view.sq->tail, 1000, __ATOMIC_RELEASE);
	assert_int_equal(r.enter(0), -EINVAL);
	assert_int_equal(r.view.sq->head, 0);
	__atomic_store_n(&r.view.sq->tail, 0, __ATOMIC_RELEASE);
	assert_int_equal(r.enter(0), 0);
	// A dropped ring says so.
	ringport::native::mark_dropped(r.view.sq);
	assert_int_equal(r.enter(0), -ESHUTDOWN);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_close),
		cmocka_unit_test(test_close_range),
		cmocka_unit_test(test_fifo_open_waits_for_peer),
		cmocka_unit_test(test_uncached_read_goes_to_worker),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_register_events_stream),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_cancel_running_is_ealready),
		cmocka_unit_test(test_cq_overflow_keeps_everything_in_order),
		cmocka_unit_test(test_notify_and_async_visibility),
		cmocka_unit_test(test_enter_timeout),
		cmocka_unit_test(test_destroy_refuses_submissions_from_its_last_notify),
		cmocka_unit_test(test_indirect_ring_and_bad_index),
		cmocka_unit_test(test_corrupt_sq_header),
	};
	return cmocka_run_group_tests_name("hosted_core", tests, nullptr, nullptr);
}
