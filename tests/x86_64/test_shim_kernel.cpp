// Host tests of the in-kernel shim: the unmodified kernel-shim linked with os/x86_64/Shim's host.h, driven the
// way a Linux program drives io_uring (425/426/427 through the kernel's hooks, mmap of the ring fd through the
// filesystem's hook), over the ramfs. This proves the shim link before QEMU does.
#include "test_ring_helpers.hpp"

#include <ringport/linux/io_uring.hpp>

#include <fcntl.h>
#include <poll.h>

#include "FileSystem/eventfd.hpp"
#include "FileSystem/pipe.hpp"
#include <stdlib.h>
#include <sys/mman.h>

using namespace ring_test;
namespace lx = ringport::lx;

namespace {

// What liburing keeps for a ring: the fd, the params and the three mappings.
struct LinuxRing {
	int fd = -1;
	lx::io_uring_params p{};
	uint8_t *sq_ring = nullptr;
	uint8_t *cq_ring = nullptr;
	lx::io_uring_sqe *sqes = nullptr;

	uint32_t *word(uint8_t *base, uint32_t offset) { return reinterpret_cast<uint32_t *>(base + offset); }

	static LinuxRing make(uint32_t entries, uint32_t flags = 0)
	{
		LinuxRing r;
		r.p.flags = flags;
		long fd = io_uring_setup(entries, addr(&r.p));
		assert_true(fd >= 0);
		r.fd = int(fd);
		size_t sq_size = r.p.sq_off.array + r.p.sq_entries * sizeof(uint32_t);
		size_t cq_size = r.p.cq_off.cqes + r.p.cq_entries * sizeof(lx::io_uring_cqe);
		assert_true(r.p.features & lx::FEAT_SINGLE_MMAP);
		size_t size = sq_size > cq_size ? sq_size : cq_size;
		long sq = filesystem_mmap(uint64_t(fd), 0, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		                          lx::OFF_SQ_RING);
		assert_true(sq > 0);
		remember_mapping(uint64_t(sq), size);
		r.sq_ring = r.cq_ring = reinterpret_cast<uint8_t *>(sq);
		size_t sqes_size = r.p.sq_entries * sizeof(lx::io_uring_sqe);
		long sqes = filesystem_mmap(uint64_t(fd), 0, sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		                            lx::OFF_SQES);
		assert_true(sqes > 0);
		remember_mapping(uint64_t(sqes), sqes_size);
		r.sqes = reinterpret_cast<lx::io_uring_sqe *>(sqes);
		return r;
	}

	void push(const lx::io_uring_sqe &sqe)
	{
		uint32_t tail = *word(sq_ring, p.sq_off.tail);
		uint32_t index = tail & *word(sq_ring, p.sq_off.ring_mask);
		sqes[index] = sqe;
		word(sq_ring, p.sq_off.array)[index] = index;
		__atomic_store_n(word(sq_ring, p.sq_off.tail), tail + 1, __ATOMIC_RELEASE);
	}
	long enter(uint32_t to_submit, uint32_t min_complete)
	{
		return io_uring_enter(uint64_t(fd), to_submit, min_complete, min_complete ? lx::ENTER_GETEVENTS : 0, 0, 8);
	}
	bool pop(lx::io_uring_cqe *out)
	{
		uint32_t head = *word(cq_ring, p.cq_off.head);
		if (head == __atomic_load_n(word(cq_ring, p.cq_off.tail), __ATOMIC_ACQUIRE))
			return false;
		auto *cqes = reinterpret_cast<lx::io_uring_cqe *>(cq_ring + p.cq_off.cqes);
		*out = cqes[head & *word(cq_ring, p.cq_off.ring_mask)];
		__atomic_store_n(word(cq_ring, p.cq_off.head), head + 1, __ATOMIC_RELEASE);
		return true;
	}
	// Submits one SQE, waits for its CQE and returns its res.
	int32_t run(lx::io_uring_sqe sqe)
	{
		sqe.user_data = 0xfeed;
		push(sqe);
		assert_int_equal(enter(1, 1), 1);
		lx::io_uring_cqe cqe{};
		assert_true(pop(&cqe));
		assert_int_equal(cqe.user_data, 0xfeed);
		return cqe.res;
	}
};

lx::io_uring_sqe linux_sqe(uint8_t opcode)
{
	lx::io_uring_sqe s{};
	s.opcode = opcode;
	return s;
}

// A ramfs file with known contents, opened for reading: its fd.
int seeded_file(const char *path, const char *text)
{
	Result<int> fd = vfs_openat(AT_FDCWD_, path, O_CREAT_ | O_RDWR_, 0644);
	assert_true(fd.ok());
	File *file = current_fd_table()->peek(fd.value());
	assert_true(file->pwrite(IoBuffer::kernel(text, strlen(text)), 0).ok());
	return fd.value();
}

} // namespace

static void test_setup_nop_and_read_through_the_shim(void **)
{
	LinuxRing r = LinuxRing::make(8);
	assert_int_equal(r.p.sq_entries, 8);
	assert_int_equal(r.p.cq_entries, 16);
	assert_true(r.p.features & lx::FEAT_NODROP);

	assert_int_equal(r.run(linux_sqe(lx::OP_NOP)), 0);

	int fd = seeded_file("/tmp/shim", "through the in-kernel shim");
	char buffer[32] = {};
	lx::io_uring_sqe rd = linux_sqe(lx::OP_READ);
	rd.fd = fd;
	rd.addr = addr(buffer);
	rd.len = 7;
	rd.off = 12; // positional
	assert_int_equal(r.run(rd), 7);
	assert_memory_equal(buffer, "in-kern", 7);
	rd.off = uint64_t(-1); // at the file position, which advances
	rd.len = 8;
	assert_int_equal(r.run(rd), 8);
	assert_memory_equal(buffer, "through ", 8);
	assert_int_equal(r.run(rd), 8);
	assert_memory_equal(buffer, "the in-k", 8);
	// A bad buffer is the CQE's -EFAULT.
	rd.addr = 8;
	rd.off = 0;
	assert_int_equal(r.run(rd), -EFAULT);
	// A bad fd is the CQE's -EBADF.
	rd.fd = 77;
	rd.addr = addr(buffer);
	assert_int_equal(r.run(rd), -EBADF);

	// Several at once, one enter.
	for (uint64_t i = 0; i < 4; i++) {
		lx::io_uring_sqe nop = linux_sqe(lx::OP_NOP);
		nop.user_data = i;
		r.push(nop);
	}
	assert_int_equal(r.enter(4, 4), 4);
	lx::io_uring_cqe cqe;
	for (uint64_t i = 0; i < 4; i++) {
		assert_true(r.pop(&cqe));
		assert_int_equal(cqe.user_data, i);
	}
	assert_false(r.pop(&cqe));
}

// SOCKET_URING_OP_TX_TIMESTAMP: the kernel has no sockets and answers the shim's RP_OP_SOCKET_TX_TIMESTAMPS
// -EOPNOTSUPP, so the program sees what a Linux kernel without the command says, whatever its CQ (not the
// -EINVAL of a 6.13+ kernel for a ring of 16-byte CQEs).
static void test_tx_timestamp_is_a_kernel_without_it(void **)
{
	LinuxRing r = LinuxRing::make(4);
	int fd = seeded_file("/tmp/stamps", "no sockets here");
	lx::io_uring_sqe cmd = linux_sqe(lx::OP_URING_CMD);
	cmd.fd = fd;
	cmd.cmd_op = lx::SOCKET_URING_OP_TX_TIMESTAMP;
	assert_int_equal(r.run(cmd), -EOPNOTSUPP);
	cmd.cmd_op = lx::SOCKET_URING_OP_SIOCINQ;
	assert_int_not_equal(r.run(cmd), 0); // refused too (the other socket commands have no sockets either)
}

static void test_timeout_wakes_the_waiting_shim(void **)
{
	LinuxRing r = LinuxRing::make(4);
	struct {
		int64_t tv_sec;
		long long tv_nsec;
	} ts = {0, 15000000};
	lx::io_uring_sqe t = linux_sqe(lx::OP_TIMEOUT);
	t.addr = addr(&ts);
	t.len = 1;
	uint64_t start = monotonic_ns();
	assert_int_equal(r.run(t), -ETIME);
	assert_true(monotonic_ns() - start >= 15000000);

	// io_uring_enter's own timeout (EXT_ARG): nothing to complete, -ETIME.
	lx::io_uring_getevents_arg arg{};
	arg.ts = addr(&ts);
	start = monotonic_ns();
	assert_int_equal(io_uring_enter(uint64_t(r.fd), 0, 1, lx::ENTER_GETEVENTS | lx::ENTER_EXT_ARG, addr(&arg),
	                                sizeof arg),
	                 -ETIME);
	assert_true(monotonic_ns() - start >= 15000000);
}

static void test_ring_fd_calls_and_errors(void **)
{
	lx::io_uring_params p{};
	assert_int_equal(io_uring_setup(0, addr(&p)), -EINVAL);
	assert_int_equal(io_uring_setup(8, 16), -EFAULT);
	p.flags = 1u << 30; // no such setup flag
	assert_int_equal(io_uring_setup(8, addr(&p)), -EINVAL);

	LinuxRing r = LinuxRing::make(8);
	int file = seeded_file("/tmp/plain", "x");
	assert_int_equal(io_uring_enter(uint64_t(file), 0, 0, 0, 0, 0), -EOPNOTSUPP);
	assert_int_equal(io_uring_enter(99, 0, 0, 0, 0, 0), -EBADF);
	assert_int_equal(io_uring_enter(uint64_t(r.fd), 0, 0, 1u << 20, 0, 0), -EINVAL);
	assert_int_equal(filesystem_mmap(uint64_t(r.fd), 0, 4096, PROT_READ, MAP_SHARED, 0x1234000), -EINVAL);
	assert_int_equal(filesystem_mmap(uint64_t(file), 0, 4096, PROT_READ, MAP_SHARED, 0), -ENODEV);
	// The ring fd is close-on-exec, as Linux's.
	Result<int> fd_flags = current_fd_table()->fd_flags(r.fd);
	assert_true(fd_flags.ok() && fd_flags.value() == FD_CLOEXEC_);

	// dup works; closing the original leaves the ring usable through the copy.
	Result<int> copy = current_fd_table()->dup(r.fd);
	assert_true(copy.ok());
	assert_int_equal(filesystem_close(uint64_t(r.fd)), 0);
	run_deferred();
	r.fd = copy.value();
	assert_int_equal(r.run(linux_sqe(lx::OP_NOP)), 0);
	// The last close tears the ring down; the mappings keep their pages until they go (teardown checks).
	assert_int_equal(filesystem_close(uint64_t(r.fd)), 0);
	run_deferred();
	assert_int_equal(io_uring_enter(uint64_t(r.fd), 0, 0, 0, 0, 0), -EBADF);

	// A registered ring fd: enter through its index.
	LinuxRing s = LinuxRing::make(4);
	lx::io_uring_rsrc_update up{};
	up.offset = ~0u;
	up.data = uint64_t(s.fd);
	assert_int_equal(io_uring_register(uint64_t(s.fd), lx::REGISTER_RING_FDS, addr(&up), 1), 1);
	assert_true(up.offset < 16);
	s.push(linux_sqe(lx::OP_NOP));
	assert_int_equal(io_uring_enter(up.offset, 1, 1, lx::ENTER_GETEVENTS | lx::ENTER_REGISTERED_RING, 0, 8), 1);
	lx::io_uring_cqe cqe;
	assert_true(s.pop(&cqe));
	assert_int_equal(cqe.res, 0);
	// The probe answers from the shim's op table.
	alignas(8) uint8_t probe_memory[sizeof(lx::io_uring_probe) + 256 * sizeof(lx::io_uring_probe_op)] = {};
	auto *probe = reinterpret_cast<lx::io_uring_probe *>(probe_memory);
	assert_int_equal(io_uring_register(uint64_t(s.fd), lx::REGISTER_PROBE, addr(probe), 256), 0);
	assert_true(probe->ops_len > lx::OP_READ);
	assert_true(probe->ops[lx::OP_NOP].flags & lx::PROBE_OP_SUPPORTED);
}

// A pipe installed in the current table: fds[0] reads, fds[1] writes.
static void make_pipe(int fds[2])
{
	File *read_end = nullptr, *write_end = nullptr;
	assert_true(pipe_create(0, &read_end, &write_end).ok());
	Result<int> r = current_fd_table()->install(read_end, false);
	Result<int> w = current_fd_table()->install(write_end, false);
	assert_true(r.ok() && w.ok());
	read_end->unref();
	write_end->unref();
	fds[0] = r.value();
	fds[1] = w.value();
}

static void test_poll_links_and_eventfd_through_the_shim(void **)
{
	LinuxRing r = LinuxRing::make(8);
	int fds[2];
	make_pipe(fds);
	lx::io_uring_cqe cqe{};

	// A one-shot poll waits; a WRITE on the same ring completes it within that enter.
	lx::io_uring_sqe poll = linux_sqe(lx::OP_POLL_ADD);
	poll.fd = fds[0];
	poll.poll32_events = POLLIN;
	poll.user_data = 1;
	r.push(poll);
	assert_int_equal(r.enter(1, 0), 1);
	assert_false(r.pop(&cqe));
	lx::io_uring_sqe wr = linux_sqe(lx::OP_WRITE);
	wr.fd = fds[1];
	wr.addr = addr("data");
	wr.len = 4;
	wr.user_data = 2;
	r.push(wr);
	assert_int_equal(r.enter(1, 2), 1);
	uint32_t seen = 0;
	while (r.pop(&cqe)) {
		seen |= 1u << cqe.user_data;
		assert_int_equal(cqe.res, cqe.user_data == 1 ? POLLIN : 4);
	}
	assert_int_equal(seen, 6);

	// A multishot poll posts a CQE with F_MORE per write, from the writer's call (here a write outside the
	// ring, as another program's write(2) would be), without the ring being entered.
	poll.len = lx::POLL_ADD_MULTI;
	poll.user_data = 3;
	r.push(poll);
	assert_int_equal(r.enter(1, 0), 1);
	while (r.pop(&cqe)) // the pipe still holds "data": the first event may be there at once
		assert_true(cqe.user_data == 3 && (cqe.flags & lx::CQE_F_MORE));
	File *writer = current_fd_table()->peek(fds[1]);
	for (int i = 0; i < 2; i++) {
		assert_true(writer->write(IoBuffer::kernel("x", 1)).ok());
		run_deferred(); // as before the write(2) returns
		assert_true(r.pop(&cqe));
		assert_int_equal(cqe.user_data, 3);
		assert_int_equal(cqe.res, POLLIN);
		assert_true(cqe.flags & lx::CQE_F_MORE);
	}
	lx::io_uring_sqe remove = linux_sqe(lx::OP_POLL_REMOVE);
	remove.addr = 3;
	remove.user_data = 4;
	r.push(remove);
	assert_int_equal(r.enter(1, 2), 1);
	seen = 0;
	while (r.pop(&cqe)) {
		seen |= 1u << cqe.user_data;
		if (cqe.user_data == 3)
			assert_int_equal(cqe.res, -ECANCELED);
		else
			assert_int_equal(cqe.res, 0);
	}
	assert_int_equal(seen, (1u << 3) | (1u << 4));

	// A READ that cannot finish, linked to a LINK_TIMEOUT: the timeout cancels it.
	char sink[16];
	lx::io_uring_sqe drain = linux_sqe(lx::OP_READ);
	drain.fd = fds[0];
	drain.addr = addr(sink);
	drain.len = sizeof sink;
	assert_int_equal(r.run(drain), 6); // "data" + "xx": empty afterwards
	drain.flags = lx::SQE_IO_LINK;
	drain.user_data = 5;
	struct {
		int64_t tv_sec;
		long long tv_nsec;
	} ts = {0, 10000000};
	lx::io_uring_sqe lt = linux_sqe(lx::OP_LINK_TIMEOUT);
	lt.addr = addr(&ts);
	lt.len = 1;
	lt.user_data = 6;
	r.push(drain);
	r.push(lt);
	assert_int_equal(r.enter(2, 2), 2);
	seen = 0;
	while (r.pop(&cqe)) {
		seen |= 1u << cqe.user_data;
		assert_int_equal(cqe.res, cqe.user_data == 5 ? -ECANCELED : -ETIME);
	}
	assert_int_equal(seen, (1u << 5) | (1u << 6));

	// A registered eventfd counts the CQEs posted.
	Result<File *> efd = eventfd_create(0, O_NONBLOCK);
	assert_true(efd.ok());
	Result<int> efd_fd = current_fd_table()->install(efd.value(), false);
	efd.value()->unref();
	int32_t event_fd = efd_fd.value();
	assert_int_equal(io_uring_register(uint64_t(r.fd), lx::REGISTER_EVENTFD, addr(&event_fd), 1), 0);
	assert_int_equal(r.run(linux_sqe(lx::OP_NOP)), 0);
	uint64_t count = 0;
	assert_true(current_fd_table()->peek(event_fd)->read(IoBuffer::kernel(&count, 8)).ok());
	assert_int_equal(count, 1);

	// With an eventfd registered, the shim asks the OS (FILE_INFO) whether a multishot poll's file is that
	// eventfd: a multishot poll on the pipe stays multishot, one on the ring's own eventfd becomes one-shot, as
	// on Linux (each CQE would otherwise trigger it again).
	lx::io_uring_sqe multi = linux_sqe(lx::OP_POLL_ADD);
	multi.fd = fds[0];
	multi.poll32_events = POLLIN;
	multi.len = lx::POLL_ADD_MULTI;
	multi.user_data = 20;
	r.push(multi);
	multi.fd = event_fd;
	multi.user_data = 21;
	r.push(multi);
	assert_int_equal(r.enter(2, 0), 2);
	assert_true(writer->write(IoBuffer::kernel("y", 1)).ok()); // the pipe: one event, more to come
	run_deferred();
	assert_true(current_fd_table()->peek(event_fd)->write(IoBuffer::kernel(&count, 8)).ok()); // the eventfd
	run_deferred();
	bool pipe_more = false, eventfd_done = false;
	while (r.pop(&cqe)) {
		if (cqe.user_data == 20)
			pipe_more = cqe.res == POLLIN && (cqe.flags & lx::CQE_F_MORE);
		if (cqe.user_data == 21)
			eventfd_done = (cqe.res & POLLIN) && !(cqe.flags & lx::CQE_F_MORE);
	}
	assert_true(pipe_more);
	assert_true(eventfd_done);
}

// A poll on one ring's fd, armed on another ring, completes when the first ring posts: inside that enter.
static void test_poll_on_a_ring_fd(void **)
{
	LinuxRing a = LinuxRing::make(4), b = LinuxRing::make(4);
	lx::io_uring_sqe poll = linux_sqe(lx::OP_POLL_ADD);
	poll.fd = a.fd;
	poll.poll32_events = POLLIN;
	poll.user_data = 9;
	b.push(poll);
	assert_int_equal(b.enter(1, 0), 1);
	lx::io_uring_cqe cqe{};
	assert_false(b.pop(&cqe));
	a.push(linux_sqe(lx::OP_NOP));
	assert_int_equal(a.enter(1, 0), 1);
	assert_true(b.pop(&cqe)); // b was not entered
	assert_int_equal(cqe.user_data, 9);
	assert_int_equal(cqe.res, POLLIN);
	File *ring_file = current_fd_table()->peek(a.fd);
	assert_true(ring_file->poll() & POLLIN);
	assert_true(a.pop(&cqe));
	assert_false(ring_file->poll() & POLLIN);
}

// upstream eventfd.c: a POLL_ADD on a registered eventfd, linked to a READV of it; a NOP's CQE signals the
// eventfd, which completes the poll, which starts the read.
static void test_registered_eventfd_wakes_a_linked_poll(void **)
{
	LinuxRing r = LinuxRing::make(8);
	Result<File *> made = eventfd_create(0, 0);
	assert_true(made.ok());
	int32_t evfd = current_fd_table()->install(made.value(), true).value();
	made.value()->unref();
	assert_int_equal(io_uring_register(uint64_t(r.fd), lx::REGISTER_EVENTFD, addr(&evfd), 1), 0);
	uint64_t value = 0;
	struct {
		uint64_t base, len;
	} vec = {addr(&value), 8};
	lx::io_uring_sqe poll = linux_sqe(lx::OP_POLL_ADD);
	poll.fd = evfd;
	poll.poll32_events = POLLIN;
	poll.flags = lx::SQE_IO_LINK;
	poll.user_data = 1;
	lx::io_uring_sqe rd = linux_sqe(lx::OP_READV);
	rd.fd = evfd;
	rd.addr = addr(&vec);
	rd.len = 1;
	rd.user_data = 2;
	r.push(poll);
	r.push(rd);
	assert_int_equal(r.enter(2, 0), 2);
	lx::io_uring_sqe nop = linux_sqe(lx::OP_NOP);
	nop.user_data = 3;
	r.push(nop);
	assert_int_equal(r.enter(1, 0), 1);
	run_deferred(); // as on the way back to user mode
	uint32_t seen = 0;
	for (int i = 0; i < 3; i++) {
		lx::io_uring_cqe cqe{};
		if (!r.pop(&cqe)) {
			assert_int_equal(r.enter(0, 1), 0);
			assert_true(r.pop(&cqe));
		}
		seen |= 1u << cqe.user_data;
		if (cqe.user_data == 1)
			assert_int_equal(cqe.res, POLLIN);
		if (cqe.user_data == 2)
			assert_int_equal(cqe.res, 8);
	}
	assert_int_equal(seen, 0xe);
}

// upstream multicqes_drain.c: drained requests run as soon as the completions before them are in, not at the
// program's next enter. A one-shot poll is followed by two drained NOPs; the pipe's write completes the poll, that
// releases the first NOP, whose completion releases the second. Linux issues released drained requests from task
// work that runs before write(2) returns (each then completes at once on an io-wq worker); here they complete
// within the write's deferred work. The shim once left a released chain on its ready list: when the notify's
// publish released it (nothing asked for a run), and when a run's final publish released it (the run had ended).
// Upstream's test then saw a drained request of one batch complete in the next, ahead of that batch's first
// requests ("drain failed").
static void test_released_drains_run_before_the_write_returns(void **)
{
	LinuxRing r = LinuxRing::make(8);
	int fds[2];
	make_pipe(fds);
	lx::io_uring_sqe poll = linux_sqe(lx::OP_POLL_ADD);
	poll.fd = fds[0];
	poll.poll32_events = POLLIN;
	poll.user_data = 1;
	r.push(poll);
	lx::io_uring_sqe nop = linux_sqe(lx::OP_NOP);
	nop.flags = lx::SQE_IO_DRAIN;
	nop.user_data = 2;
	r.push(nop);
	nop.user_data = 3;
	r.push(nop);
	assert_int_equal(r.enter(3, 0), 3);
	lx::io_uring_cqe cqe{};
	assert_false(r.pop(&cqe));

	assert_true(current_fd_table()->peek(fds[1])->write(IoBuffer::kernel("x", 1)).ok());
	run_deferred(); // as before the write(2) returns
	for (uint64_t ud = 1; ud <= 3; ud++) {
		assert_true(r.pop(&cqe));
		assert_int_equal(cqe.user_data, ud);
		assert_int_equal(cqe.res, ud == 1 ? POLLIN : 0);
	}
	assert_false(r.pop(&cqe));
}

// SETUP_NO_MMAP: the rings live in the program's own memory (upstream no-mmap-inval and init-mem).
static void test_no_mmap_rings_in_program_memory(void **)
{
	void *sqes = aligned_alloc(4096, 4096), *rings = aligned_alloc(4096, 4096);
	lx::io_uring_params p{};
	p.sq_entries = 2;
	p.cq_entries = 4;
	p.flags = lx::SETUP_NO_MMAP | lx::SETUP_CQSIZE;
	p.cq_off.user_addr = addr(rings);
	p.sq_off.user_addr = 0; // no SQE memory: Linux's -EFAULT
	assert_int_equal(io_uring_setup(2, addr(&p)), -EFAULT);
	p.sq_off.user_addr = addr(sqes);
	long fd = io_uring_setup(2, addr(&p));
	assert_true(fd >= 0);
	assert_int_equal(filesystem_mmap(uint64_t(fd), 0, 4096, PROT_READ, MAP_SHARED, lx::OFF_SQ_RING), -EINVAL);
	LinuxRing r;
	r.fd = int(fd);
	r.p = p;
	r.sq_ring = r.cq_ring = static_cast<uint8_t *>(rings);
	r.sqes = static_cast<lx::io_uring_sqe *>(sqes);
	assert_int_equal(r.run(linux_sqe(lx::OP_NOP)), 0);
	assert_int_equal(filesystem_close(uint64_t(fd)), 0);
	run_deferred();
	// The shim pinned both ranges: the program's view is now a mapping of the pinned pages, which holds them
	// until the program unmaps it (its exit would): unmapping frees them (teardown checks none is left).
	assert_int_equal(kernel::unmap_user(addr(sqes), 4096), 0);
	assert_int_equal(kernel::unmap_user(addr(rings), 4096), 0);
	free(sqes);
	free(rings);
}

// IORING_OP_FUTEX_WAIT through the shim parks on the native FUTEX op: the enter returns at once, a FUTEX_WAKE
// of a later enter completes it, and a LINK_TIMEOUT cancels one that nobody wakes (no waiter is left behind).
static void test_futex_wait_parks_through_the_shim(void **)
{
	LinuxRing r = LinuxRing::make(8);
	volatile uint32_t word = 0;
	lx::io_uring_sqe wait = linux_sqe(lx::OP_FUTEX_WAIT);
	wait.fd = 2 | 128; // FUTEX2_SIZE_U32 | FUTEX2_PRIVATE
	wait.addr = addr(const_cast<uint32_t *>(&word));
	wait.addr2 = 0;          // the value expected
	wait.addr3 = 0xFFFFFFFF; // FUTEX_BITSET_MATCH_ANY
	wait.user_data = 1;
	r.push(wait);
	assert_int_equal(r.enter(1, 0), 1);
	lx::io_uring_cqe cqe{};
	assert_false(r.pop(&cqe));

	word = 1;
	lx::io_uring_sqe wake = wait;
	wake.opcode = lx::OP_FUTEX_WAKE;
	wake.addr2 = 1; // wake one
	wake.user_data = 2;
	r.push(wake);
	assert_int_equal(r.enter(1, 2), 1);
	unsigned seen = 0;
	while (r.pop(&cqe)) {
		seen |= 1u << cqe.user_data;
		assert_int_equal(cqe.res, cqe.user_data == 1 ? 0 : 1);
	}
	assert_int_equal(seen, (1u << 1) | (1u << 2));

	struct {
		int64_t tv_sec;
		long long tv_nsec;
	} ts = {0, 10000000};
	wait.addr2 = 1;
	wait.flags = lx::SQE_IO_LINK;
	wait.user_data = 3;
	lx::io_uring_sqe lt = linux_sqe(lx::OP_LINK_TIMEOUT);
	lt.addr = addr(&ts);
	lt.len = 1;
	lt.user_data = 4;
	r.push(wait);
	r.push(lt);
	assert_int_equal(r.enter(2, 2), 2);
	seen = 0;
	while (r.pop(&cqe)) {
		seen |= 1u << cqe.user_data;
		// The timeout's res is its cancel's answer, and Linux's futex cancel answers the count it ended (1),
		// not -ETIME (upstream's waitid.t checks the same for WAITID).
		assert_int_equal(cqe.res, cqe.user_data == 3 ? -ECANCELED : 1);
	}
	assert_int_equal(seen, (1u << 3) | (1u << 4));
	assert_int_equal(host::parked_futex_waits(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_setup_nop_and_read_through_the_shim, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_timeout_wakes_the_waiting_shim, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_tx_timestamp_is_a_kernel_without_it, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_ring_fd_calls_and_errors, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_poll_links_and_eventfd_through_the_shim, setup_process,
	                                    teardown_process),
	    cmocka_unit_test_setup_teardown(test_poll_on_a_ring_fd, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_registered_eventfd_wakes_a_linked_poll, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_released_drains_run_before_the_write_returns, setup_process,
	                                    teardown_process),
	    cmocka_unit_test_setup_teardown(test_no_mmap_rings_in_program_memory, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_futex_wait_parks_through_the_shim, setup_process, teardown_process),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
