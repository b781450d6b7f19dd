// Provided-buffer rings: registration rules and errnos, selection for reads and receives, CQE buffer flags,
// the shim-allocated (mmapped) kind, incremental consumption and PBUF_STATUS.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <cstdlib>
#include <sys/socket.h>

using namespace shimtest;

namespace {

lx::io_uring_cqe must_next(Ring& r)
{
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	return c;
}

int reg_ring(Ring& r, uint64_t addr, uint32_t entries, uint16_t bgid, uint16_t flags = 0)
{
	lx::io_uring_buf_reg reg{};
	reg.ring_addr = addr;
	reg.ring_entries = entries;
	reg.bgid = bgid;
	reg.flags = flags;
	return rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1);
}

int unreg_ring(Ring& r, uint16_t bgid)
{
	lx::io_uring_buf_reg reg{};
	reg.bgid = bgid;
	return rp_sys_io_uring_register(r.fd, lx::UNREGISTER_PBUF_RING, &reg, 1);
}

int ring_head(Ring& r, uint16_t bgid, uint32_t* head)
{
	lx::io_uring_buf_status st{};
	st.buf_group = bgid;
	int ret = rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_STATUS, &st, 1);
	*head = st.head;
	return ret;
}

// Adds a buffer at the program's tail (as io_uring_buf_ring_add + advance do).
void add_buf(lx::io_uring_buf* ring, uint32_t entries, uint16_t* tail, void* addr, uint32_t len, uint16_t bid)
{
	lx::io_uring_buf& b = ring[*tail & (entries - 1)];
	b.addr = uint64_t(addr);
	b.len = len;
	b.bid = bid;
	++*tail;
	__atomic_store_n(&reinterpret_cast<lx::io_uring_buf_ring*>(ring)->tail, *tail, __ATOMIC_RELEASE);
}

lx::io_uring_buf* page_ring()
{
	void* p = nullptr;
	assert_int_equal(posix_memalign(&p, 4096, 4096), 0);
	std::memset(p, 0, 4096);
	return static_cast<lx::io_uring_buf*>(p);
}

} // namespace

// Registration arguments are checked with Linux's errnos.
static void register_rules(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	lx::io_uring_buf* br = page_ring();
	lx::io_uring_buf_reg reg{};
	reg.ring_addr = uint64_t(br);
	reg.ring_entries = 8;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 2), -EINVAL);
	reg.resv[1] = 1;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), -EINVAL);
	assert_int_equal(reg_ring(r, uint64_t(br), 8, 1, 0x4), -EINVAL);          // unknown flag
	assert_int_equal(reg_ring(r, 0, 8, 1), -EFAULT);                          // no memory
	assert_int_equal(reg_ring(r, uint64_t(br) + 16, 8, 1), -EINVAL);          // not page aligned
	assert_int_equal(reg_ring(r, uint64_t(br), 6, 1), -EINVAL);               // not a power of two
	assert_int_equal(reg_ring(r, uint64_t(br), 0, 1), -EINVAL);
	assert_int_equal(reg_ring(r, uint64_t(br), 65536, 1), -EINVAL);
	assert_int_equal(reg_ring(r, uint64_t(br), 8, 1, lx::PBUF_RING_MMAP), -EINVAL); // MMAP takes no address
	assert_int_equal(reg_ring(r, uint64_t(br), 8, 1), 0);
	assert_int_equal(reg_ring(r, uint64_t(br), 8, 1), -EEXIST);
	uint32_t head = 99;
	assert_int_equal(ring_head(r, 1, &head), 0);
	assert_int_equal(head, 0);
	assert_int_equal(ring_head(r, 2, &head), -ENOENT);
	// Classic buffers cannot go into a ring group, and a ring cannot replace a group holding buffers.
	static char pool[2][8];
	auto* s = r.get_sqe();
	prep(s, lx::OP_PROVIDE_BUFFERS, 2, uint64_t(pool), 8, 0, 1);
	s->buf_group = 1;
	s = r.get_sqe();
	prep(s, lx::OP_PROVIDE_BUFFERS, 2, uint64_t(pool), 8, 0, 2);
	s->buf_group = 3;
	assert_int_equal(r.submit(), 2);
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe c = must_next(r);
		assert_int_equal(c.res, c.user_data == 1 ? -EINVAL : 0);
	}
	assert_int_equal(reg_ring(r, uint64_t(br), 8, 3), -EEXIST);
	assert_int_equal(ring_head(r, 3, &head), -EINVAL);
	assert_int_equal(unreg_ring(r, 3), -EINVAL); // a classic group
	assert_int_equal(unreg_ring(r, 4), -ENOENT);
	assert_int_equal(unreg_ring(r, 1), 0);
	assert_int_equal(unreg_ring(r, 1), -ENOENT);
	free(br);
}

// A read on an empty pipe does not hold a buffer while it waits; when data comes it takes the head buffer and
// the CQE names it; an empty ring gives -ENOBUFS.
static void select_from_ring(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	lx::io_uring_buf* br = page_ring();
	uint16_t tail = 0;
	static char bufs[2][32];
	assert_int_equal(reg_ring(r, uint64_t(br), 4, 5), 0);
	add_buf(br, 4, &tail, bufs[0], 32, 40);
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], 0, 0, 0, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 5;
	assert_int_equal(r.submit(), 1);
	uint32_t head = 9;
	assert_int_equal(ring_head(r, 5, &head), 0);
	assert_int_equal(head, 0);
	assert_int_equal(write(fds[1], "abcdef", 6), 6);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 6);
	assert_int_equal(c.flags & lx::CQE_F_BUFFER, lx::CQE_F_BUFFER);
	assert_int_equal(c.flags >> lx::CQE_BUFFER_SHIFT, 40);
	assert_false(c.flags & lx::CQE_F_BUF_MORE);
	assert_memory_equal(bufs[0], "abcdef", 6);
	assert_int_equal(ring_head(r, 5, &head), 0);
	assert_int_equal(head, 1);
	// Nothing left in the ring.
	assert_int_equal(write(fds[1], "x", 1), 1);
	s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], 0, 0, 0, 2);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 5;
	assert_int_equal(r.submit(), 1);
	c = must_next(r);
	assert_int_equal(c.res, -ENOBUFS);
	assert_int_equal(c.flags, 0);
	// A receive picks from the ring too; the buffer length bounds it.
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	add_buf(br, 4, &tail, bufs[1], 4, 41);
	assert_int_equal(write(sv[1], "123456", 6), 6);
	s = r.get_sqe();
	prep(s, lx::OP_RECV, sv[0], 0, 0, 0, 3);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 5;
	assert_int_equal(r.submit(), 1);
	c = must_next(r);
	assert_int_equal(c.res, 4);
	assert_int_equal(c.flags >> lx::CQE_BUFFER_SHIFT, 41);
	assert_memory_equal(bufs[1], "1234", 4);
	close(sv[0]);
	close(sv[1]);
	close(fds[0]);
	close(fds[1]);
	free(br);
}

// IOU_PBUF_RING_MMAP: the shim allocates the ring and the program maps it at OFF_PBUF_RING | bgid << 16.
static void mmapped_ring(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	assert_int_equal(reg_ring(r, 0, 8, 9, lx::PBUF_RING_MMAP), 0);
	void* m = rp_sys_mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd,
	                      off_t(lx::OFF_PBUF_RING | (uint64_t(9) << lx::OFF_PBUF_SHIFT)));
	assert_false(long(m) < 0 && long(m) > -4096);
	void* bad = rp_sys_mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd,
	                        off_t(lx::OFF_PBUF_RING | (uint64_t(10) << lx::OFF_PBUF_SHIFT)));
	assert_int_equal(long(bad), -EINVAL);
	auto* br = static_cast<lx::io_uring_buf*>(m);
	uint16_t tail = 0;
	static char buf[16];
	add_buf(br, 8, &tail, buf, 16, 3);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "mapped", 6), 6);
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], 0, 16, ~0ull, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 9;
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 6);
	assert_int_equal(c.flags, lx::CQE_F_BUFFER | (3u << lx::CQE_BUFFER_SHIFT));
	assert_memory_equal(buf, "mapped", 6);
	assert_int_equal(unreg_ring(r, 9), 0);
	rp_sys_munmap(m, 4096);
	close(fds[0]);
	close(fds[1]);
}

// IOU_PBUF_RING_INC: a read uses part of a buffer; the entry advances, the head stays and the CQE says
// F_BUF_MORE; the read that uses the rest moves the head on.
static void incremental_ring(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	lx::io_uring_buf* br = page_ring();
	uint16_t tail = 0;
	static char buf[16];
	assert_int_equal(reg_ring(r, uint64_t(br), 4, 2, lx::PBUF_RING_INC), 0);
	add_buf(br, 4, &tail, buf, 16, 7);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "0123456789", 10), 10);
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], 0, 0, ~0ull, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 2;
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 10);
	assert_int_equal(c.flags, lx::CQE_F_BUFFER | lx::CQE_F_BUF_MORE | (7u << lx::CQE_BUFFER_SHIFT));
	assert_int_equal(br[0].addr, uint64_t(buf) + 10);
	assert_int_equal(br[0].len, 6);
	uint32_t head = 9;
	assert_int_equal(ring_head(r, 2, &head), 0);
	assert_int_equal(head, 0);
	assert_int_equal(write(fds[1], "abcdefgh", 8), 8);
	s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], 0, 0, ~0ull, 2);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 2;
	assert_int_equal(r.submit(), 1);
	c = must_next(r);
	assert_int_equal(c.res, 6);
	assert_int_equal(c.flags, lx::CQE_F_BUFFER | (7u << lx::CQE_BUFFER_SHIFT));
	assert_memory_equal(buf, "0123456789abcdef", 16);
	assert_int_equal(ring_head(r, 2, &head), 0);
	assert_int_equal(head, 1);
	close(fds[0]);
	close(fds[1]);
	free(br);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(register_rules),
	    cmocka_unit_test(select_from_ring),
	    cmocka_unit_test(mmapped_ring),
	    cmocka_unit_test(incremental_ring),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
