// Pipes and eventfds: data, end-of-file, EPIPE, capacity and PIPE_BUF atomicity, the page ring's wrap-around,
// F_SETPIPE_SZ, blocking through Platform's wait_for_event, and readiness waiters called inside the writer's
// own call (where the ring's Poll op and the shim's poll/multishot complete).
#include <string.h>

#include "rp_test.h"

#include "FileSystem/eventfd.hpp"
#include "FileSystem/pipe.hpp"
#include "host_platform.hpp"

using namespace kernel;

namespace {

template <typename T>
long rc(const Result<T> &r)
{
	return r.ok() ? long(r.value()) : -long(r.error());
}
long rc(const Result<void> &r) { return r.ok() ? 0 : -long(r.error()); }

struct Pipe {
	File *r = nullptr, *w = nullptr;
	explicit Pipe(uint32_t flags = 0) { assert_int_equal(rc(pipe_create(flags, &r, &w)), 0); }
	~Pipe()
	{
		if (r)
			r->unref();
		if (w)
			w->unref();
	}
	void close_reader()
	{
		r->unref();
		r = nullptr;
	}
	void close_writer()
	{
		w->unref();
		w = nullptr;
	}
};

long put(File *f, const void *p, size_t n, uint32_t rw = 0) { return rc(f->write(IoBuffer::kernel(p, n), rw)); }
long get(File *f, void *p, size_t n, uint32_t rw = 0) { return rc(f->read(IoBuffer::kernel(p, n), rw)); }

int check_leaks(void **)
{
	assert_int_equal(File::live_count(), 0);
	host::reset();
	return 0;
}

// ---- pipes --------------------------------------------------------------------------------------------------

void test_pipe_data_and_eof(void **)
{
	assert_int_equal(rc(pipe_create(O_APPEND_, nullptr, nullptr)), -EINVAL);
	Pipe p;
	assert_int_equal(p.r->status_flags(), O_RDONLY_);
	assert_int_equal(p.w->status_flags(), O_WRONLY_);
	assert_true(p.r->kind() == FileKind::pipe);
	assert_int_equal(p.r->poll(), 0);
	assert_int_equal(p.w->poll(), POLLOUT_ | POLLWRNORM_);
	assert_int_equal(put(p.w, "hello", 5), 5);
	assert_int_equal(p.r->poll(), POLLIN_ | POLLRDNORM_);
	char buf[16];
	// A read returns what is there without waiting for more.
	assert_int_equal(get(p.r, buf, 3), 3);
	assert_memory_equal(buf, "hel", 3);
	assert_int_equal(get(p.r, buf, sizeof buf), 2);
	assert_memory_equal(buf, "lo", 2);
	// Empty with a writer: EAGAIN when not allowed to block.
	assert_int_equal(get(p.r, buf, sizeof buf, rw_nowait), -EAGAIN);
	// The wrong direction, positions, fsync.
	assert_int_equal(get(p.w, buf, 1), -EBADF);
	assert_int_equal(put(p.r, "x", 1), -EBADF);
	assert_int_equal(rc(p.r->pread(IoBuffer::kernel(buf, 1), 0)), -ESPIPE);
	assert_int_equal(rc(p.w->pwrite(IoBuffer::kernel("x", 1), 0)), -ESPIPE);
	assert_int_equal(rc(p.r->lseek(0, SEEK_CUR_)), -ESPIPE);
	assert_int_equal(rc(p.r->fsync(false)), -EINVAL);
	assert_int_equal(rc(p.r->truncate(0)), -EINVAL);
	Statx s;
	assert_int_equal(rc(p.r->statx(s)), 0);
	assert_int_equal(s.stx_mode & S_IFMT_, S_IFIFO_);
	// Data written before the writer closes is still read; then end-of-file, and POLLHUP.
	assert_int_equal(put(p.w, "bye", 3), 3);
	p.close_writer();
	assert_int_equal(p.r->poll(), POLLIN_ | POLLRDNORM_ | POLLHUP_);
	assert_int_equal(get(p.r, buf, sizeof buf), 3);
	assert_int_equal(get(p.r, buf, sizeof buf), 0);
	assert_int_equal(get(p.r, buf, sizeof buf, rw_nowait), 0);
	assert_int_equal(p.r->poll(), POLLHUP_);
}

void test_pipe_epipe(void **)
{
	Pipe p;
	p.close_reader();
	assert_int_equal(put(p.w, "x", 1), -EPIPE);
	assert_int_equal(put(p.w, "", 0), -EPIPE);
	assert_int_equal(p.w->poll(), POLLOUT_ | POLLWRNORM_ | POLLERR_);
}

void test_pipe_capacity_and_atomicity(void **)
{
	Pipe p(O_NONBLOCK_);
	assert_int_equal(p.w->status_flags(), O_WRONLY_ | O_NONBLOCK_);
	assert_int_equal(rc(pipe_get_size(p.w)), 65536);
	static char block[4096];
	memset(block, 'b', sizeof block);
	long total = 0;
	for (;;) {
		long n = put(p.w, block, sizeof block);
		if (n == -EAGAIN)
			break;
		assert_int_equal(n, 4096);
		total += n;
	}
	assert_int_equal(total, 65536);
	assert_int_equal(p.w->poll(), 0); // full: not writable
	assert_int_equal(put(p.w, "x", 1), -EAGAIN);
	// Free 100 bytes: a write of up to PIPE_BUF must go in whole or not at all; a larger one goes in partly.
	char buf[5000];
	assert_int_equal(get(p.r, buf, 100), 100);
	assert_int_equal(p.w->poll(), 0); // less than PIPE_BUF free
	assert_int_equal(put(p.w, block, 200), -EAGAIN);
	static char big[5000];
	assert_int_equal(put(p.w, big, sizeof big), 100);
	assert_int_equal(put(p.w, "x", 1), -EAGAIN);
	// Drain: after 4096 are free again the writer is writable.
	assert_int_equal(get(p.r, buf, 4096), 4096);
	assert_int_equal(p.w->poll(), POLLOUT_ | POLLWRNORM_);
	int n = 0;
	assert_int_equal(rc(p.r->ioctl(0x541B, uint64_t(&n))), 0); // FIONREAD
	assert_int_equal(n, 65536 - 4096);
}

// Byte i of the stream written through a pipe in the wrap-around test.
uint8_t pattern(uint64_t i) { return uint8_t(i * 131 + (i >> 9)); }

void test_pipe_wraparound_integrity(void **)
{
	// Odd-sized writes and reads that keep the pipe nearly full, so the ring wraps many times through partly
	// consumed pages (including writes that land on the page the reader is still in).
	for (size_t capacity : {size_t(65536), size_t(4096), size_t(8192)}) {
		Pipe p(O_NONBLOCK_);
		assert_int_equal(rc(pipe_set_size(p.w, capacity)), long(capacity));
		uint8_t out[5000], in[5000];
		uint64_t written = 0, read = 0;
		const size_t wsizes[] = {1, 7, 100, 777, 4999, 1095, 1500, 3, 4096, 4097};
		const size_t rsizes[] = {3, 1500, 1, 4999, 100, 2, 777, 4096};
		for (int round = 0; round < 4000; ++round) {
			size_t n = wsizes[round % 10];
			for (size_t i = 0; i < n; ++i)
				out[i] = pattern(written + i);
			long w = put(p.w, out, n);
			if (w != -EAGAIN) {
				assert_true(w > 0 && size_t(w) <= n);
				if (n <= 4096)
					assert_int_equal(w, n); // PIPE_BUF-sized writes are all or nothing
				written += uint64_t(w);
			}
			long r = get(p.r, in, rsizes[round % 8], rw_nowait);
			if (r == -EAGAIN)
				continue;
			assert_true(r > 0);
			for (long i = 0; i < r; ++i)
				assert_int_equal(in[i], pattern(read + uint64_t(i)));
			read += uint64_t(r);
			assert_true(written - read <= capacity);
		}
		assert_true(read > 20 * capacity);
		// Drain what is left, still in order.
		long r;
		while ((r = get(p.r, in, sizeof in, rw_nowait)) > 0) {
			for (long i = 0; i < r; ++i)
				assert_int_equal(in[i], pattern(read + uint64_t(i)));
			read += uint64_t(r);
		}
		assert_int_equal(read, written);
	}
}

void test_pipe_set_size(void **)
{
	Pipe p(O_NONBLOCK_);
	assert_int_equal(rc(pipe_set_size(p.w, 0)), 4096);
	assert_int_equal(rc(pipe_set_size(p.r, 5000)), 8192);
	assert_int_equal(rc(pipe_get_size(p.r)), 8192);
	assert_int_equal(rc(pipe_set_size(p.r, (1 << 20) + 1)), -EPERM);
	static char data[8192];
	for (size_t i = 0; i < sizeof data; ++i)
		data[i] = char(i * 7);
	assert_int_equal(put(p.w, data, 3000), 3000);
	char tmp[1000];
	assert_int_equal(get(p.r, tmp, 1000), 1000); // head moves off 0 so the resize must re-lay the bytes
	assert_int_equal(put(p.w, data + 3000, 5000), 5000);
	assert_int_equal(rc(pipe_set_size(p.w, 4096)), -EBUSY); // 7000 bytes queued
	assert_int_equal(rc(pipe_set_size(p.w, 65536)), 65536);
	static char back[7000];
	assert_int_equal(get(p.r, back, sizeof back), 7000);
	assert_memory_equal(back, data + 1000, 7000);
	File *e = eventfd_create(0, 0).value();
	assert_int_equal(rc(pipe_get_size(e)), -EINVAL);
	e->unref();
}

// Blocking: the host's wait_for_event runs a hook, standing in for the interrupt or deferred work that makes
// the pipe ready.
struct HookState {
	File *target;
	int calls;
	int ready_after;
	const char *data;
	bool close_instead;
};

void hook(void *arg)
{
	HookState *h = static_cast<HookState *>(arg);
	if (++h->calls != h->ready_after)
		return;
	if (h->close_instead)
		h->target->unref();
	else
		(void)h->target->write(IoBuffer::kernel(h->data, strlen(h->data)));
}

void test_pipe_blocking(void **)
{
	Pipe p;
	HookState h{p.w, 0, 3, "late", false};
	host::set_wait_hook(hook, &h);
	char buf[16];
	assert_int_equal(get(p.r, buf, sizeof buf), 4); // blocked until the third wake-up wrote
	assert_memory_equal(buf, "late", 4);
	assert_true(host::wait_count() >= 3);
	// Blocked reader, writer closes: end-of-file.
	HookState h2{p.w, 0, 2, nullptr, true};
	p.w = nullptr;
	host::set_wait_hook(hook, &h2);
	assert_int_equal(get(p.r, buf, sizeof buf), 0);
	// A process being killed: the wait gives up with EINTR.
	Pipe q;
	host::set_wait_hook(nullptr, nullptr);
	host::set_stop_requested(true);
	assert_int_equal(get(q.r, buf, sizeof buf), -EINTR);
	host::set_stop_requested(false);
}

void test_pipe_blocking_writer(void **)
{
	// A full pipe: a blocking write of more than the space waits for the reader and completes in full.
	Pipe p;
	static char fill[65536];
	assert_int_equal(put(p.w, fill, sizeof fill), 65536);
	struct Drain {
		File *r;
		int calls;
	} d{p.r, 0};
	host::set_wait_hook(
		[](void *arg) {
			Drain *dd = static_cast<Drain *>(arg);
			static char sink[8192];
			++dd->calls;
			(void)dd->r->read(IoBuffer::kernel(sink, sizeof sink));
		},
		&d);
	static char more[20000];
	assert_int_equal(put(p.w, more, sizeof more), 20000);
	assert_true(d.calls >= 3);
	host::set_wait_hook(nullptr, nullptr);
}

// ---- readiness waiters --------------------------------------------------------------------------------------

struct Seen {
	ReadinessWaiter waiter;
	int calls = 0;
	uint32_t last = 0;
	bool unregister_self = false;
	ReadinessWaiter *also_remove = nullptr;
	ReadinessWaiter *also_add = nullptr;
	File *file = nullptr;
};

void on_wake(ReadinessWaiter *w, uint32_t events)
{
	Seen *s = static_cast<Seen *>(w->context);
	++s->calls;
	s->last = events;
	if (s->unregister_self)
		s->file->remove_waiter(w);
	if (s->also_remove)
		s->file->remove_waiter(s->also_remove);
	if (s->also_add) {
		s->file->add_waiter(s->also_add);
		s->also_add = nullptr;
	}
}

void init(Seen &s, File *f)
{
	s.waiter.wake = on_wake;
	s.waiter.context = &s;
	s.file = f;
}

void test_waiters_run_inside_the_write(void **)
{
	Pipe p;
	Seen a, b;
	init(a, p.r);
	init(b, p.w);
	p.r->add_waiter(&a.waiter);
	p.w->add_waiter(&b.waiter);
	assert_true(p.r->has_waiters());
	assert_int_equal(put(p.w, "x", 1), 1);
	// The reader's waiter ran before write returned, with the new readiness.
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.last, POLLIN_ | POLLRDNORM_);
	assert_int_equal(b.calls, 0);
	char c;
	assert_int_equal(get(p.r, &c, 1), 1);
	assert_int_equal(b.calls, 1); // the read freed space: the writer's waiters ran
	assert_int_equal(b.last, POLLOUT_ | POLLWRNORM_);
	// Closing the writer wakes the reader with POLLHUP.
	p.w->remove_waiter(&b.waiter);
	p.close_writer();
	assert_int_equal(a.calls, 2);
	assert_int_equal(a.last, POLLHUP_);
	p.r->remove_waiter(&a.waiter);
	assert_false(p.r->has_waiters());
	assert_null(a.waiter.file);
}

void test_waiters_may_change_the_list(void **)
{
	Pipe p;
	Seen a, b, c, d;
	init(a, p.r);
	init(b, p.r);
	init(c, p.r);
	init(d, p.r);
	// a removes itself, and b (not yet called); c adds d, which is not called in this round.
	a.unregister_self = true;
	a.also_remove = &b.waiter;
	c.also_add = &d.waiter;
	p.r->add_waiter(&a.waiter);
	p.r->add_waiter(&b.waiter);
	p.r->add_waiter(&c.waiter);
	assert_int_equal(put(p.w, "x", 1), 1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(d.calls, 0);
	assert_int_equal(put(p.w, "y", 1), 1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(c.calls, 2);
	assert_int_equal(d.calls, 1);
	p.r->remove_waiter(&c.waiter);
	p.r->remove_waiter(&d.waiter);
	p.r->remove_waiter(&d.waiter); // a second removal is harmless
}

// ---- eventfd ------------------------------------------------------------------------------------------------

uint64_t u64(File *f, uint32_t rw = 0, long *err = nullptr)
{
	uint64_t v = 0;
	long r = rc(f->read(IoBuffer::kernel(&v, 8), rw));
	if (err)
		*err = r;
	else
		assert_int_equal(r, 8);
	return v;
}
long add(File *f, uint64_t v, uint32_t rw = 0) { return rc(f->write(IoBuffer::kernel(&v, 8), rw)); }

void test_eventfd_counter(void **)
{
	assert_int_equal(rc(eventfd_create(0, 0x10)), -EINVAL);
	File *e = eventfd_create(5, 0).value();
	assert_true(e->kind() == FileKind::eventfd);
	assert_int_equal(e->status_flags(), O_RDWR_);
	assert_int_equal(e->poll(), POLLIN_ | POLLRDNORM_ | POLLOUT_ | POLLWRNORM_);
	assert_int_equal(u64(e), 5);
	assert_int_equal(e->poll(), POLLOUT_ | POLLWRNORM_);
	long err;
	u64(e, rw_nowait, &err);
	assert_int_equal(err, -EAGAIN);
	assert_int_equal(add(e, 3), 8);
	assert_int_equal(add(e, 4), 8);
	assert_int_equal(u64(e), 7);
	// Short buffers and the reserved value.
	char small[7];
	assert_int_equal(rc(e->read(IoBuffer::kernel(small, 7))), -EINVAL);
	assert_int_equal(rc(e->write(IoBuffer::kernel(small, 7))), -EINVAL);
	assert_int_equal(add(e, ~uint64_t(0)), -EINVAL);
	// The maximum: 0xfffffffffffffffe fits, one more would block.
	assert_int_equal(add(e, 0xfffffffffffffffeull), 8);
	assert_int_equal(e->poll(), POLLIN_ | POLLRDNORM_);
	assert_int_equal(add(e, 1, rw_nowait), -EAGAIN);
	assert_int_equal(add(e, 0, rw_nowait), 8);
	assert_int_equal(u64(e), 0xfffffffffffffffeull);
	assert_int_equal(rc(e->lseek(0, SEEK_SET_)), -ESPIPE);
	assert_int_equal(rc(e->fsync(false)), -EINVAL);
	e->unref();
}

void test_eventfd_semaphore_nonblock(void **)
{
	File *e = eventfd_create(2, EFD_SEMAPHORE_ | EFD_NONBLOCK_ | EFD_CLOEXEC_).value();
	assert_int_equal(e->status_flags(), O_RDWR_ | O_NONBLOCK_);
	assert_int_equal(u64(e), 1);
	assert_int_equal(u64(e), 1);
	long err;
	u64(e, 0, &err);
	assert_int_equal(err, -EAGAIN); // O_NONBLOCK
	e->unref();
}

void test_eventfd_signal_and_waiters(void **)
{
	File *e = eventfd_create(0, 0).value();
	Seen s;
	init(s, e);
	e->add_waiter(&s.waiter);
	assert_int_equal(rc(eventfd_signal(e, 3)), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last, POLLIN_ | POLLRDNORM_ | POLLOUT_ | POLLWRNORM_);
	assert_int_equal(add(e, 1), 8);
	assert_int_equal(s.calls, 2);
	assert_int_equal(u64(e), 4);
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.last, POLLOUT_ | POLLWRNORM_);
	// eventfd_signal saturates at the maximum instead of blocking.
	assert_int_equal(rc(eventfd_signal(e, ~uint64_t(0))), 0);
	assert_int_equal(u64(e), 0xfffffffffffffffeull);
	e->remove_waiter(&s.waiter);
	Pipe p;
	assert_int_equal(rc(eventfd_signal(p.r, 1)), -EINVAL);
	// A blocking read wakes when the counter moves (the hook plays the signaller).
	struct Sig {
		File *e;
		int calls;
	} sig{e, 0};
	host::set_wait_hook(
		[](void *arg) {
			Sig *g = static_cast<Sig *>(arg);
			if (++g->calls == 2)
				(void)eventfd_signal(g->e, 9);
		},
		&sig);
	assert_int_equal(u64(e), 9);
	host::set_wait_hook(nullptr, nullptr);
	e->unref();
}

} // namespace

int main()
{
	const CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pipe_data_and_eof, check_leaks),
		cmocka_unit_test_teardown(test_pipe_epipe, check_leaks),
		cmocka_unit_test_teardown(test_pipe_capacity_and_atomicity, check_leaks),
		cmocka_unit_test_teardown(test_pipe_wraparound_integrity, check_leaks),
		cmocka_unit_test_teardown(test_pipe_set_size, check_leaks),
		cmocka_unit_test_teardown(test_pipe_blocking, check_leaks),
		cmocka_unit_test_teardown(test_pipe_blocking_writer, check_leaks),
		cmocka_unit_test_teardown(test_waiters_run_inside_the_write, check_leaks),
		cmocka_unit_test_teardown(test_waiters_may_change_the_list, check_leaks),
		cmocka_unit_test_teardown(test_eventfd_counter, check_leaks),
		cmocka_unit_test_teardown(test_eventfd_semaphore_nonblock, check_leaks),
		cmocka_unit_test_teardown(test_eventfd_signal_and_waiters, check_leaks),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
