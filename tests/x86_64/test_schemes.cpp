// Userspace schemes (os/x86_64/Schemes) on the host: registration and names, the VFS hook (only paths that name
// no file, only registered names), every forwarded operation as the server sees it (opcode, handle, slot,
// length, offset, the bytes in the slot) and as the client gets it back, the server's errors, a server that
// dies while a client waits, a hostile server (unknown tags, a corrupted reply ring), a killed client, and no
// scheme, file or page run left behind. The host Platform's wait hook plays the server process.
#include <string.h>

#include "rp_test.h"

#include "FileSystem/fd_table.hpp"
#include "FileSystem/vfs.hpp"
#include "Schemes/scheme.hpp"
#include "host_platform.hpp"

using namespace kernel;
using namespace kernel::schemes;
using namespace ringport;

namespace kernel {
// The host has one address space and no futex sleepers: a wake only needs counting.
static unsigned long page_run_wakes;
long futex_wake_page_run(PageRun *, size_t offset, uint32_t)
{
	assert_int_equal(offset, offsetof(rp_ring_header, tail)); // the request ring's tail, where servers sleep
	++page_run_wakes;
	return 0;
}
} // namespace kernel

namespace {

FdTable *table;
alignas(512) char empty_archive[1024]; // two zero blocks: a valid, empty USTAR

template <typename T>
long rc(const Result<T> &r)
{
	return r.ok() ? long(r.value()) : -long(r.error());
}
long rc(const Result<void> &r) { return r.ok() ? 0 : -long(r.error()); }

int setup(void **)
{
	host::reset();
	assert_true(vfs_init(empty_archive, sizeof empty_archive).ok());
	table = FdTable::create();
	table->set_cwd(vfs_root());
	host::set_fd_table(table);
	page_run_wakes = 0;
	return 0;
}

int teardown(void **)
{
	host::set_wait_hook(nullptr, nullptr);
	FdTable::destroy(table);
	host::set_fd_table(nullptr);
	vfs_shutdown();
	assert_int_equal(live_schemes(), 0);
	assert_int_equal(File::live_count(), 0);
	assert_int_equal(host::live_page_runs(), 0);
	return 0;
}

// The server's side, as a user program would have it: the view's rings and slots.
struct Server {
	rp_kernel_scheme_view view{};
	int fd = -1;
	native::SqConsumer requests;
	native::CqProducer replies;
	rp_sqe last{};        // the last request seen
	char last_data[64]{}; // the first bytes of its slot
	unsigned seen = 0;
	int64_t (*answer)(Server &, const rp_sqe &, char *slot) = nullptr;
	char file[64] = "0123456789"; // the one file the default answer serves
	bool die = false;             // close the scheme fd instead of answering

	void attach()
	{
		requests = native::SqConsumer(reinterpret_cast<rp_ring_header *>(view.sq), reinterpret_cast<rp_sqe *>(view.sqes));
		replies = native::CqProducer(reinterpret_cast<rp_ring_header *>(view.cq), reinterpret_cast<rp_cqe *>(view.cqes));
	}
	char *slot(uint64_t index) { return reinterpret_cast<char *>(view.data) + index * view.slot_size; }

	// Answers everything published so far.
	void step()
	{
		if (die) {
			if (fd >= 0)
				assert_true(table->close(fd).ok());
			fd = -1;
			return;
		}
		rp_sqe req;
		while (requests.pop(&req) == RP_RING_OK) {
			last = req;
			++seen;
			char *s = req.opcode == RP_OP_CLOSE ? nullptr : slot(req.addr);
			if (s)
				memcpy(last_data, s, sizeof last_data);
			int64_t result = answer ? answer(*this, req, s) : default_answer(req, s);
			assert_int_equal(native::post_completion(replies, req.user_data, result, 0), RP_RING_OK);
		}
		requests.release();
		replies.publish();
	}

	int64_t default_answer(const rp_sqe &req, char *s)
	{
		switch (req.opcode) {
		case RP_OP_OPEN:
			return strcmp(s, "missing") == 0 ? -ENOENT : 7;
		case RP_OP_PREAD: {
			size_t n = strlen(file) - size_t(req.offset);
			n = n < req.len ? n : size_t(req.len);
			memcpy(s, file + req.offset, n);
			return int64_t(n);
		}
		case RP_OP_READ:
			memcpy(s, file, 4);
			return 4;
		case RP_OP_WRITE:
		case RP_OP_PWRITE: {
			size_t room = sizeof file - 1 - size_t(req.offset);
			memcpy(file + req.offset, s, req.len < room ? size_t(req.len) : room);
			return int64_t(req.len);
		}
		case RP_OP_CLOSE:
			return 0;
		}
		return -EOPNOTSUPP;
	}
};

void serve(void *arg) { static_cast<Server *>(arg)->step(); }

void start(Server &s, const char *name = "demo")
{
	long fd = scheme_create_call(uint64_t(name), uint64_t(&s.view));
	assert_true(fd >= 0);
	s.fd = int(fd);
	s.attach();
	host::set_wait_hook(serve, &s);
}

// ---- registration -------------------------------------------------------------------------------------------

void test_register_names_and_view(void **)
{
	rp_kernel_scheme_view v{};
	assert_int_equal(scheme_create_call(uint64_t("bad/name"), uint64_t(&v)), -EINVAL);
	assert_int_equal(scheme_create_call(uint64_t(""), uint64_t(&v)), -EINVAL);
	char long_name[80];
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = 0;
	assert_int_equal(scheme_create_call(uint64_t(long_name), uint64_t(&v)), -EINVAL);
	assert_int_equal(scheme_create_call(uint64_t("demo"), 0), -EFAULT);
	host::arm_fault(uint64_t(&v), sizeof v);
	assert_int_equal(scheme_create_call(uint64_t("demo"), uint64_t(&v)), -EFAULT);
	host::disarm_faults();
	assert_int_equal(live_schemes(), 0);

	long fd = scheme_create_call(uint64_t("demo.1_x-y"), uint64_t(&v));
	assert_true(fd >= 0);
	assert_non_null(scheme_find("demo.1_x-y", 10));
	assert_int_equal(v.slot_size, slot_size);
	assert_int_equal(v.slot_count, slot_count);
	auto *sq = reinterpret_cast<rp_ring_header *>(v.sq);
	auto *cq = reinterpret_cast<rp_ring_header *>(v.cq);
	assert_int_equal(native::check_header(sq, sizeof(rp_sqe)), RP_RING_OK);
	assert_int_equal(native::check_header(cq, sizeof(rp_cqe)), RP_RING_OK);
	assert_int_equal(sq->entry_count, request_entries);
	assert_int_equal(cq->entry_count, reply_entries);
	assert_int_equal(table->fd_flags(int(fd)).value(), 1); // FD_CLOEXEC
	rp_kernel_scheme_view again{};
	assert_int_equal(scheme_create_call(uint64_t("demo.1_x-y"), uint64_t(&again)), -EADDRINUSE);
	// The last close of the scheme fd frees the name (the mappings keep the pages until unmapped).
	assert_true(table->close(int(fd)).ok());
	assert_null(scheme_find("demo.1_x-y", 10));
	assert_int_equal(unmap_user(v.sq, ring_bytes), 0);
	assert_int_equal(unmap_user(v.data, size_t(slot_count) * slot_size), 0);
}

void test_prefix_rules(void **)
{
	assert_int_equal(scheme_prefix("demo:x"), 4);
	assert_int_equal(scheme_prefix("demo:"), 4);
	assert_int_equal(scheme_prefix("/demo:x"), 0);
	assert_int_equal(scheme_prefix("dir/demo:x"), 0);
	assert_int_equal(scheme_prefix(":x"), 0);
	assert_int_equal(scheme_prefix("de mo:x"), 0);
	assert_int_equal(scheme_prefix("plain"), 0);
}

// ---- forwarding ---------------------------------------------------------------------------------------------

void test_open_and_transfers_are_forwarded(void **)
{
	Server s;
	start(s);
	Result<int> fd = vfs_openat(AT_FDCWD_, "demo:some/file", O_RDWR_ | O_CLOEXEC_, 0640);
	assert_true(fd.ok());
	assert_int_equal(s.last.opcode, RP_OP_OPEN);
	assert_string_equal(s.last_data, "some/file");
	assert_int_equal(s.last.len, strlen("some/file") + 1);
	assert_int_equal(s.last.syscall_flags, O_RDWR_ | O_CLOEXEC_);
	assert_int_equal(s.last.offset, 0640);
	assert_true(page_run_wakes == 0); // the server never slept: no futex wake was needed
	File *f = table->peek(fd.value());
	assert_non_null(f);
	assert_int_equal(f->status_flags() & O_ACCMODE_, O_RDWR_);

	char buf[16] = {};
	assert_int_equal(rc(f->pread(IoBuffer::kernel(buf, 5), 3)), 5);
	assert_memory_equal(buf, "34567", 5);
	assert_int_equal(s.last.opcode, RP_OP_PREAD);
	assert_int_equal(s.last.fd, 7); // the server's handle
	assert_int_equal(s.last.offset, 3);
	assert_int_equal(s.last.len, 5);
	assert_true(s.last.addr < slot_count);

	assert_int_equal(rc(f->read(IoBuffer::kernel(buf, sizeof buf))), 4);
	assert_int_equal(s.last.opcode, RP_OP_READ);
	assert_int_equal(s.last.len, sizeof buf);

	assert_int_equal(rc(f->pwrite(IoBuffer::kernel("AB", 2), 1)), 2);
	assert_int_equal(s.last.opcode, RP_OP_PWRITE);
	assert_memory_equal(s.last_data, "AB", 2);
	assert_string_equal(s.file, "0AB3456789");
	assert_int_equal(rc(f->write(IoBuffer::kernel("xyz", 3))), 3);
	assert_int_equal(s.last.opcode, RP_OP_WRITE);

	// A transfer larger than a slot is short, as the hosted OS's.
	static char big[slot_size + 100];
	assert_int_equal(rc(f->pwrite(IoBuffer::kernel(big, sizeof big), 0)), slot_size);
	assert_int_equal(s.last.len, slot_size);

	// Close: the server learns of it without anyone waiting (the reply comes at the next step).
	unsigned before = s.seen;
	assert_true(table->close(fd.value()).ok());
	s.step();
	assert_int_equal(s.seen, before + 1);
	assert_int_equal(s.last.opcode, RP_OP_CLOSE);
	assert_int_equal(s.last.fd, 7);

	assert_true(table->close(s.fd).ok());
	assert_int_equal(unmap_user(s.view.sq, ring_bytes), 0);
	assert_int_equal(unmap_user(s.view.data, size_t(slot_count) * slot_size), 0);
}

void test_only_missing_paths_of_registered_names(void **)
{
	// A file that exists wins over the scheme: the server never hears of it.
	Result<int> local = vfs_openat(AT_FDCWD_, "demo:local", O_RDWR_ | O_CREAT_, 0600);
	assert_true(local.ok());
	assert_true(table->close(local.value()).ok());
	Server s;
	start(s);
	Result<int> again = vfs_openat(AT_FDCWD_, "demo:local", O_RDONLY_, 0);
	assert_true(again.ok());
	assert_int_equal(s.seen, 0);
	assert_int_equal(table->peek(again.value())->kind(), FileKind::regular);
	assert_true(table->close(again.value()).ok());
	// Other names and paths with a directory before the colon are ordinary paths.
	assert_int_equal(rc(vfs_openat(AT_FDCWD_, "other:x", O_RDONLY_, 0)), -ENOENT);
	assert_int_equal(rc(vfs_openat(AT_FDCWD_, "/demo:x", O_RDONLY_, 0)), -ENOENT);
	assert_int_equal(s.seen, 0);
	// The server's own error comes back unchanged.
	assert_int_equal(rc(vfs_openat(AT_FDCWD_, "demo:missing", O_RDONLY_, 0)), -ENOENT);
	assert_int_equal(s.seen, 1);
	// Read-only: the kernel refuses writes before forwarding.
	Result<int> ro = vfs_openat(AT_FDCWD_, "demo:x", O_RDONLY_, 0);
	assert_true(ro.ok());
	assert_int_equal(rc(table->peek(ro.value())->write(IoBuffer::kernel("a", 1))), -EBADF);
	assert_int_equal(s.seen, 2);
	assert_true(table->close(ro.value()).ok());
	s.step();
	assert_true(table->close(s.fd).ok());
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD_, "demo:local", 0)), 0);
	assert_int_equal(unmap_user(s.view.sq, ring_bytes), 0);
	assert_int_equal(unmap_user(s.view.data, size_t(slot_count) * slot_size), 0);
}

void test_server_death_and_hostility(void **)
{
	Server s;
	start(s);
	Result<int> fd = vfs_openat(AT_FDCWD_, "demo:f", O_RDWR_, 0);
	assert_true(fd.ok());
	File *f = table->peek(fd.value());

	// Replies with tags the kernel never sent are dropped; the real one still arrives.
	s.answer = [](Server &srv, const rp_sqe &req, char *slot) -> int64_t {
		(void)native::post_completion(srv.replies, req.user_data + 1000, 99, 0);
		memcpy(slot, "ok", 2);
		return 2;
	};
	char buf[8] = {};
	assert_int_equal(rc(f->pread(IoBuffer::kernel(buf, 8), 0)), 2);
	assert_memory_equal(buf, "ok", 2);
	// A server claiming more bytes than asked is an I/O error, not an overrun.
	s.answer = [](Server &, const rp_sqe &req, char *) -> int64_t { return int64_t(req.len) + 1; };
	assert_int_equal(rc(f->pread(IoBuffer::kernel(buf, 8), 0)), -EIO);
	s.answer = nullptr;

	// A client killed while it waits gives up (EINTR); the late reply frees its slot.
	host::set_wait_hook([](void *) { host::set_stop_requested(true); }, nullptr);
	assert_int_equal(rc(f->pread(IoBuffer::kernel(buf, 8), 0)), -EINTR);
	host::set_stop_requested(false);
	host::set_wait_hook(serve, &s);
	s.step();
	assert_int_equal(rc(f->pread(IoBuffer::kernel(buf, 8), 0)), 8);

	// The server dies while a client waits: EPIPE, then EPIPE for every later request, and the name is free.
	s.die = true;
	assert_int_equal(rc(f->pread(IoBuffer::kernel(buf, 8), 0)), -EPIPE);
	assert_null(scheme_find("demo", 4));
	assert_int_equal(rc(f->write(IoBuffer::kernel("a", 1))), -EPIPE);
	assert_int_equal(rc(vfs_openat(AT_FDCWD_, "demo:f", O_RDONLY_, 0)), -ENOENT);
	assert_true(table->close(fd.value()).ok()); // the dead scheme's last reference goes here
	assert_int_equal(unmap_user(s.view.sq, ring_bytes), 0);
	assert_int_equal(unmap_user(s.view.data, size_t(slot_count) * slot_size), 0);

	// A corrupted reply ring (tail far beyond head) kills the scheme instead of misleading the kernel.
	Server t;
	start(t, "demo2");
	Result<int> g = vfs_openat(AT_FDCWD_, "demo2:f", O_RDWR_, 0);
	assert_true(g.ok());
	host::set_wait_hook([](void *arg) {
		auto *srv = static_cast<Server *>(arg);
		__atomic_store_n(&reinterpret_cast<rp_ring_header *>(srv->view.cq)->tail, uint64_t(1) << 40, __ATOMIC_RELEASE);
	}, &t);
	assert_int_equal(rc(table->peek(g.value())->pread(IoBuffer::kernel(buf, 8), 0)), -EPIPE);
	assert_null(scheme_find("demo2", 5));
	assert_true(table->close(g.value()).ok());
	assert_true(table->close(t.fd).ok());
	assert_int_equal(unmap_user(t.view.sq, ring_bytes), 0);
	assert_int_equal(unmap_user(t.view.data, size_t(slot_count) * slot_size), 0);
}

void test_waking_a_sleeping_server(void **)
{
	Server s;
	start(s);
	// The server sleeps on the request tail: the kernel's publish must wake it (futex on the tail word).
	__atomic_store_n(&reinterpret_cast<rp_ring_header *>(s.view.sq)->tail_waiters, 1u, __ATOMIC_RELEASE);
	// ... and a server sleeping in poll(2) on its scheme fd is told too, inside the forwarding call.
	File *server_file = table->peek(s.fd);
	assert_int_equal(server_file->poll() & POLLIN_, 0);
	struct Seen {
		unsigned calls = 0;
		uint32_t events = 0;
	} seen;
	ReadinessWaiter waiter;
	waiter.context = &seen;
	waiter.wake = [](ReadinessWaiter *w, uint32_t events) {
		auto *c = static_cast<Seen *>(w->context);
		++c->calls;
		c->events = events;
	};
	server_file->add_waiter(&waiter);
	Result<int> fd = vfs_openat(AT_FDCWD_, "demo:f", O_RDONLY_, 0);
	assert_true(fd.ok());
	assert_int_equal(page_run_wakes, 1);
	assert_int_equal(seen.calls, 1);
	assert_true(seen.events & POLLIN_); // the request was there when the waiter ran
	server_file->remove_waiter(&waiter);
	assert_int_equal(server_file->poll() & POLLIN_, 0); // answered and consumed
	// While a client waits, the kernel counts itself among the reply ring's sleepers, so the server wakes it.
	s.answer = [](Server &srv, const rp_sqe &req, char *) -> int64_t {
		assert_int_equal(reinterpret_cast<rp_ring_header *>(srv.view.cq)->tail_waiters, 1);
		return req.opcode == RP_OP_CLOSE ? 0 : 0;
	};
	char buf[4];
	assert_int_equal(rc(table->peek(fd.value())->pread(IoBuffer::kernel(buf, 4), 0)), 0);
	assert_int_equal(reinterpret_cast<rp_ring_header *>(s.view.cq)->tail_waiters, 0);
	__atomic_store_n(&reinterpret_cast<rp_ring_header *>(s.view.sq)->tail_waiters, 0u, __ATOMIC_RELEASE);
	assert_true(table->close(fd.value()).ok());
	assert_true(table->close(s.fd).ok());
	assert_int_equal(unmap_user(s.view.sq, ring_bytes), 0);
	assert_int_equal(unmap_user(s.view.data, size_t(slot_count) * slot_size), 0);
}

// With every slot in use (16 requests from other threads), a request waits for one instead of failing.
void test_waiting_for_a_slot(void **)
{
	static Server s;
	s = Server{};
	start(s);
	Result<int> fd = vfs_openat(AT_FDCWD_, "demo:f", O_RDWR_, 0);
	assert_true(fd.ok());
	Scheme *scheme = scheme_find("demo", 4);
	for (uint32_t i = 0; i < slot_count; ++i)
		assert_int_equal(scheme_take_slot(scheme), int(i));
	assert_int_equal(scheme_take_slot(scheme), -1);
	static unsigned waits;
	waits = 0;
	host::set_wait_hook([](void *arg) {
		if (++waits == 3)
			scheme_free_slot(static_cast<Scheme *>(arg), 5); // another thread's request finished
		s.step();
	}, scheme);
	char buf[4];
	assert_int_equal(rc(table->peek(fd.value())->pread(IoBuffer::kernel(buf, 4), 0)), 4);
	assert_int_equal(s.last.addr, 5);
	assert_true(waits >= 3);
	assert_int_equal(scheme_take_slot(scheme), 5); // given back after the request
	// The server dies while a request waits for a slot: EPIPE.
	host::set_wait_hook([](void *) { s.die = true; s.step(); }, nullptr);
	assert_int_equal(rc(table->peek(fd.value())->pread(IoBuffer::kernel(buf, 4), 0)), -EPIPE);
	assert_true(table->close(fd.value()).ok());
	assert_int_equal(unmap_user(s.view.sq, ring_bytes), 0);
	assert_int_equal(unmap_user(s.view.data, size_t(slot_count) * slot_size), 0);
}

} // namespace

int main()
{
	const CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_names_and_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_and_transfers_are_forwarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_missing_paths_of_registered_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_death_and_hostility, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waking_a_sleeping_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waiting_for_a_slot, setup, teardown),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
