// Hostile and unlucky memory (issue 12): IORING_SETUP_NO_MMAP ring memory and provided-buffer rings laid over
// read-only memory or a range with a hole are refused with -EFAULT wherever the bad page is (Linux pins every
// page at set-up); the shim keeps working on them after the program unmaps them, with requests pending; and the
// interposed syscall() reads only the arguments the call takes.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <csignal>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

using namespace shimtest;

namespace {

constexpr size_t kPage = 4096;

uint8_t* map_pages(size_t n)
{
	void* p = mmap(nullptr, n * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	return static_cast<uint8_t*>(p);
}

// The rings' size for a NO_MMAP ring of `entries` (Linux's layout: CQEs at 64, then the SQ array).
size_t rings_bytes(unsigned entries) { return 64 + 2 * entries * 16 + 64 + entries * 4; }

int setup_no_mmap(unsigned entries, void* rings, void* sqes, lx::io_uring_params* p)
{
	std::memset(p, 0, sizeof(*p));
	p->flags = lx::SETUP_NO_MMAP;
	p->cq_off.user_addr = uint64_t(rings);
	p->sq_off.user_addr = uint64_t(sqes);
	return rp_sys_io_uring_setup(entries, reinterpret_cast<io_uring_params*>(p));
}

// A ring whose program view is plain memory (NO_MMAP): SQ and CQ access through it.
struct NoMmapRing {
	lx::io_uring_params p{};
	uint8_t* rings = nullptr;
	lx::io_uring_sqe* sqes = nullptr;
	int fd = -1;
	uint32_t* u32(uint32_t off) { return reinterpret_cast<uint32_t*>(rings + off); }
	lx::io_uring_sqe* sqe_at(uint32_t tail)
	{
		auto* array = u32(p.sq_off.array);
		uint32_t slot = tail & (p.sq_entries - 1);
		array[slot] = slot;
		std::memset(&sqes[slot], 0, sizeof(sqes[slot]));
		return &sqes[slot];
	}
};

} // namespace

// Read-only SQE memory, read-only rings, and a hole in the middle of the rings (the last byte is mapped): each
// is -EFAULT, never a crash in set-up and never a ring the shim cannot write.
static void no_mmap_refuses_bad_memory(void**)
{
	const unsigned entries = 256; // rings span 3 pages
	assert_true(rings_bytes(entries) > 2 * kPage);
	lx::io_uring_params p;

	uint8_t* rings = map_pages(3);
	uint8_t* sqes = map_pages(4);
	assert_int_equal(mprotect(sqes, 4 * kPage, PROT_READ), 0);
	assert_int_equal(setup_no_mmap(entries, rings, sqes, &p), -EFAULT);
	assert_int_equal(mprotect(sqes, 4 * kPage, PROT_READ | PROT_WRITE), 0);

	assert_int_equal(mprotect(rings, 3 * kPage, PROT_READ), 0);
	assert_int_equal(setup_no_mmap(entries, rings, sqes, &p), -EFAULT);
	assert_int_equal(mprotect(rings, 3 * kPage, PROT_READ | PROT_WRITE), 0);

	assert_int_equal(munmap(rings + kPage, kPage), 0); // a hole between mapped first and last pages
	assert_int_equal(setup_no_mmap(entries, rings, sqes, &p), -EFAULT);
	assert_int_equal(munmap(sqes + 2 * kPage, kPage), 0); // and in the SQE array
	uint8_t* good = map_pages(3);
	assert_int_equal(setup_no_mmap(entries, good, sqes, &p), -EFAULT);

	// The memory the refusals left alone is still usable for a ring.
	uint8_t* sqes2 = map_pages(4);
	int fd = setup_no_mmap(entries, good, sqes2, &p);
	assert_true(fd >= 0);
	rp_sys_close(fd);
	munmap(rings, 3 * kPage);
	munmap(sqes, 4 * kPage);
	munmap(good, 3 * kPage);
	munmap(sqes2, 4 * kPage);
}

// The program unmaps its SQE array and rings after set-up, one request staged and one read pending: the shim
// consumes the staged SQE and the reactor posts the read's CQE into the pinned rings, without a crash, and
// io_uring_enter reports both.
static void no_mmap_survives_munmap(void**)
{
	NoMmapRing r;
	r.rings = map_pages(1);
	r.sqes = reinterpret_cast<lx::io_uring_sqe*>(map_pages(1));
	r.fd = setup_no_mmap(8, r.rings, r.sqes, &r.p);
	assert_true(r.fd >= 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	static char buf[16];
	uint32_t tail = *r.u32(r.p.sq_off.tail);
	prep(r.sqe_at(tail), lx::OP_READ, fds[0], uint64_t(buf), sizeof buf, 0, 1);
	__atomic_store_n(r.u32(r.p.sq_off.tail), ++tail, __ATOMIC_RELEASE);
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 1, 0, 0, nullptr), 1); // the read waits for data
	prep(r.sqe_at(tail), lx::OP_NOP, -1, 0, 0, 0, 2);
	__atomic_store_n(r.u32(r.p.sq_off.tail), ++tail, __ATOMIC_RELEASE);

	assert_int_equal(munmap(r.sqes, kPage), 0);
	assert_int_equal(munmap(r.rings, kPage), 0);
	assert_int_equal(write(fds[1], "hello", 5), 5); // the reactor completes the read into the pinned CQ
	// The staged NOP is read from the pinned SQE array; both CQEs are there for the wait.
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 1, 2, lx::ENTER_GETEVENTS, nullptr), 1);
	assert_memory_equal(buf, "hello", 5);
	// Still usable: the program cannot see its CQ any more, but enter and teardown work on the pinned pages.
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 0, 0, lx::ENTER_GETEVENTS, nullptr), 0);
	assert_int_equal(rp_sys_close(r.fd), 0);
	close(fds[0]);
	close(fds[1]);
}

// A NO_MMAP ring keeps showing the program its CQEs through its own view while that view exists (the pinned
// pages are the same bytes, both ways).
static void no_mmap_views_agree(void**)
{
	NoMmapRing r;
	r.rings = map_pages(1);
	r.sqes = reinterpret_cast<lx::io_uring_sqe*>(map_pages(1));
	r.fd = setup_no_mmap(8, r.rings, r.sqes, &r.p);
	assert_true(r.fd >= 0);
	uint32_t tail = *r.u32(r.p.sq_off.tail);
	for (uint64_t ud = 1; ud <= 3; ++ud)
		prep(r.sqe_at(tail++), lx::OP_NOP, -1, 0, 0, 0, ud);
	__atomic_store_n(r.u32(r.p.sq_off.tail), tail, __ATOMIC_RELEASE);
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 3, 3, lx::ENTER_GETEVENTS, nullptr), 3);
	assert_int_equal(*r.u32(r.p.cq_off.tail) - *r.u32(r.p.cq_off.head), 3);
	auto* cqes = reinterpret_cast<lx::io_uring_cqe*>(r.rings + r.p.cq_off.cqes);
	assert_int_equal(cqes[0].user_data, 1);
	assert_int_equal(cqes[2].user_data, 3);
	rp_sys_close(r.fd);
	munmap(r.rings, kPage);
	munmap(r.sqes, kPage);
}

// REGISTER_PBUF_RING checks every page of the ring: a hole in the middle or read-only memory is -EFAULT (the
// shim used to probe only the tail word and the last bytes).
static void pbuf_ring_refuses_bad_memory(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	const uint32_t entries = 1024; // 16 KiB: 4 pages
	uint8_t* mem = map_pages(4);
	lx::io_uring_buf_reg reg{};
	reg.ring_addr = uint64_t(mem);
	reg.ring_entries = entries;
	reg.bgid = 3;
	assert_int_equal(munmap(mem + 2 * kPage, kPage), 0);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), -EFAULT);
	uint8_t* ro = map_pages(4);
	assert_int_equal(mprotect(ro + kPage, kPage, PROT_READ), 0);
	reg.ring_addr = uint64_t(ro);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), -EFAULT);
	assert_int_equal(mprotect(ro + kPage, kPage, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), 0);
	munmap(mem, 2 * kPage);
	munmap(mem + 3 * kPage, kPage);
	munmap(ro, 4 * kPage);
}

// The program unmaps its provided-buffer ring after registering it: the ring stays the registered pages, so a
// buffer added before the unmap is still selected (Linux keeps the pinned pages).
static void pbuf_ring_survives_munmap(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	auto* ring = reinterpret_cast<lx::io_uring_buf*>(map_pages(1));
	lx::io_uring_buf_reg reg{};
	reg.ring_addr = uint64_t(ring);
	reg.ring_entries = 8;
	reg.bgid = 5;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), 0);
	static char data[32];
	ring[0].addr = uint64_t(data);
	ring[0].len = sizeof data;
	ring[0].bid = 7;
	__atomic_store_n(&reinterpret_cast<lx::io_uring_buf_ring*>(ring)->tail, uint16_t(1), __ATOMIC_RELEASE);
	assert_int_equal(munmap(ring, kPage), 0);

	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "pinned", 6), 6);
	lx::io_uring_sqe* s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], 0, 0, 0, 9);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 5;
	assert_int_equal(r.submit(1), 1);
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, 9);
	assert_int_equal(c.res, 6);
	assert_true(c.flags & lx::CQE_F_BUFFER);
	assert_int_equal(c.flags >> lx::CQE_BUFFER_SHIFT, 7);
	assert_memory_equal(data, "pinned", 6);
	close(fds[0]);
	close(fds[1]);
}

// A page registered, unregistered and registered again (already moved once by the first pin), then unmapped:
// the second registration holds it as firmly as the first did.
static void pbuf_ring_registered_again_survives_munmap(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	auto* ring = reinterpret_cast<lx::io_uring_buf*>(map_pages(1));
	lx::io_uring_buf_reg reg{};
	reg.ring_addr = uint64_t(ring);
	reg.ring_entries = 8;
	reg.bgid = 6;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), 0);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::UNREGISTER_PBUF_RING, &reg, 1), 0);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), 0);
	static char data[16];
	ring[0].addr = uint64_t(data);
	ring[0].len = sizeof data;
	ring[0].bid = 3;
	__atomic_store_n(&reinterpret_cast<lx::io_uring_buf_ring*>(ring)->tail, uint16_t(1), __ATOMIC_RELEASE);
	assert_int_equal(munmap(ring, kPage), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "again", 5), 5);
	lx::io_uring_sqe* s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], 0, 0, 0, 4);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 6;
	assert_int_equal(r.submit(1), 1);
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	assert_int_equal(c.res, 5);
	assert_int_equal(c.flags >> lx::CQE_BUFFER_SHIFT, 3);
	assert_memory_equal(data, "again", 5);
	close(fds[0]);
	close(fds[1]);
}

// The same page registered as the buffer ring of two rings, then written by the program through its own view:
// the first ring sees the program's entries too (pins of pages already pinned share them, they are not moved
// again behind the first pin's back).
static void pbuf_rings_share_a_page(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	uint8_t* page = map_pages(1);
	auto* ring = reinterpret_cast<lx::io_uring_buf*>(page);
	lx::io_uring_buf_reg reg{};
	reg.ring_addr = uint64_t(page);
	reg.ring_entries = 16;
	reg.bgid = 1;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), 0);
	Ring r2;
	assert_int_equal(r2.init(8), 0);
	reg.bgid = 2;
	assert_int_equal(rp_sys_io_uring_register(r2.fd, lx::REGISTER_PBUF_RING, &reg, 1), 0);
	static char d1[8], d2[8];
	ring[0].addr = uint64_t(d1);
	ring[0].len = sizeof d1;
	ring[0].bid = 1;
	ring[1].addr = uint64_t(d2);
	ring[1].len = sizeof d2;
	ring[1].bid = 2;
	__atomic_store_n(&reinterpret_cast<lx::io_uring_buf_ring*>(ring)->tail, uint16_t(2), __ATOMIC_RELEASE);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "abcd", 4), 4);
	lx::io_uring_sqe* s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], 0, 0, 0, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 1;
	assert_int_equal(r.submit(1), 1);
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	assert_int_equal(c.res, 4);
	assert_int_equal(c.flags >> lx::CQE_BUFFER_SHIFT, 1); // the head was 0: the program's first entry
	assert_memory_equal(d1, "abcd", 4);
	close(fds[0]);
	close(fds[1]);
	munmap(page, kPage);
}

// syscall() with fewer than six arguments, called with the caller's stack ending right where a sixth
// argument would be read: the interposer must not read past the arguments the call takes.
extern "C" long rp_test_call_at_stack_edge(void* stack_top, long nr, long a1, long a2, long a3);
asm(R"(
	.text
	.globl rp_test_call_at_stack_edge
	.type rp_test_call_at_stack_edge, @function
rp_test_call_at_stack_edge:
	pushq %rbx
	movq %rsp, %rbx
	movq %rdi, %rsp
	movq %rsi, %rdi
	movq %rdx, %rsi
	movq %rcx, %rdx
	movq %r8, %rcx
	xorl %eax, %eax
	call syscall@PLT
	movq %rbx, %rsp
	popq %rbx
	ret
	.size rp_test_call_at_stack_edge, .-rp_test_call_at_stack_edge
	.section .note.GNU-stack,"",@progbits
	.text
)");

static void syscall_reads_only_its_arguments(void**)
{
	// A stack whose top page is followed by an inaccessible one: a read of a stack-passed argument the caller
	// did not pass faults. Run in a child so that a fault is a failed status, not a dead test program.
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const size_t stack = 256 * 1024;
		auto* base = static_cast<uint8_t*>(
		    mmap(nullptr, stack + kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		if (base == MAP_FAILED || mprotect(base + stack, kPage, PROT_NONE) != 0)
			_exit(2);
		void* top = base + stack;
		if (rp_test_call_at_stack_edge(top, SYS_getpid, 0, 0, 0) != getpid())
			_exit(3);
		int fds[2];
		char c = 'x';
		if (pipe(fds) != 0 || rp_test_call_at_stack_edge(top, SYS_write, fds[1], long(&c), 1) != 1)
			_exit(4);
		if (rp_test_call_at_stack_edge(top, SYS_close, fds[0], 0, 0) != 0)
			_exit(5);
		_exit(0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(no_mmap_refuses_bad_memory),
	    cmocka_unit_test(no_mmap_survives_munmap),
	    cmocka_unit_test(no_mmap_views_agree),
	    cmocka_unit_test(pbuf_ring_refuses_bad_memory),
	    cmocka_unit_test(pbuf_ring_survives_munmap),
	    cmocka_unit_test(pbuf_ring_registered_again_survives_munmap),
	    cmocka_unit_test(pbuf_rings_share_a_page),
	    cmocka_unit_test(syscall_reads_only_its_arguments),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
