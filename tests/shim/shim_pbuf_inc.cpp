// Incremental provided-buffer rings (IOU_PBUF_RING_INC) at the edges: a read that transfers nothing (EOF)
// consumed nothing, so its buffer stays at the head and the CQE says CQE_F_BUF_MORE (Linux 6.18); a receive
// of 0 bytes gives its buffer back without naming it, as Linux recycles it; the next read uses the same buffer.
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

int reg_inc_ring(Ring& r, void* ring, uint32_t entries, uint16_t bgid)
{
	lx::io_uring_buf_reg reg{};
	reg.ring_addr = uint64_t(ring);
	reg.ring_entries = entries;
	reg.bgid = bgid;
	reg.flags = lx::PBUF_RING_INC;
	return rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1);
}

uint32_t ring_head(Ring& r, uint16_t bgid)
{
	lx::io_uring_buf_status st{};
	st.buf_group = bgid;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_STATUS, &st, 1), 0);
	return st.head;
}

lx::io_uring_buf* one_buffer_ring(void* buf, uint32_t len, uint16_t bid)
{
	void* p = nullptr;
	assert_int_equal(posix_memalign(&p, 4096, 4096), 0);
	std::memset(p, 0, 4096);
	auto* ring = static_cast<lx::io_uring_buf*>(p);
	ring[0].addr = uint64_t(buf);
	ring[0].len = len;
	ring[0].bid = bid;
	__atomic_store_n(&reinterpret_cast<lx::io_uring_buf_ring*>(ring)->tail, uint16_t(1), __ATOMIC_RELEASE);
	return ring;
}

void submit_select(Ring& r, uint8_t op, int fd, uint16_t bgid, uint64_t ud)
{
	auto* s = r.get_sqe();
	prep(s, op, fd, 0, 0, op == lx::OP_READ ? ~0ull : 0, ud);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = bgid;
	assert_int_equal(r.submit(), 1);
}

} // namespace

static void zero_byte_read_keeps_buffer(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[32];
	lx::io_uring_buf* br = one_buffer_ring(buf, sizeof(buf), 5);
	assert_int_equal(reg_inc_ring(r, br, 4, 3), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "abcd", 4), 4);
	submit_select(r, lx::OP_READ, fds[0], 3, 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 4);
	assert_int_equal(c.flags, lx::CQE_F_BUFFER | lx::CQE_F_BUF_MORE | (5u << lx::CQE_BUFFER_SHIFT));
	close(fds[1]);
	// EOF: nothing transferred. The buffer is named, still in use, and untouched.
	submit_select(r, lx::OP_READ, fds[0], 3, 2);
	c = must_next(r);
	assert_int_equal(c.res, 0);
	assert_int_equal(c.flags, lx::CQE_F_BUFFER | lx::CQE_F_BUF_MORE | (5u << lx::CQE_BUFFER_SHIFT));
	assert_int_equal(br[0].addr, uint64_t(buf) + 4);
	assert_int_equal(br[0].len, sizeof(buf) - 4);
	assert_int_equal(ring_head(r, 3), 0);
	close(fds[0]);
	// The same buffer serves the next read, from where it stopped.
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "efgh", 4), 4);
	submit_select(r, lx::OP_READ, fds[0], 3, 3);
	c = must_next(r);
	assert_int_equal(c.res, 4);
	assert_int_equal(c.flags, lx::CQE_F_BUFFER | lx::CQE_F_BUF_MORE | (5u << lx::CQE_BUFFER_SHIFT));
	assert_memory_equal(buf, "abcdefgh", 8);
	close(fds[0]);
	close(fds[1]);
	free(br);
}

static void zero_byte_recv_gives_buffer_back(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[16];
	lx::io_uring_buf* br = one_buffer_ring(buf, sizeof(buf), 9);
	assert_int_equal(reg_inc_ring(r, br, 4, 4), 0);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	shutdown(sv[1], SHUT_WR);
	submit_select(r, lx::OP_RECV, sv[0], 4, 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 0);
	assert_int_equal(c.flags, 0); // recycled: no buffer named
	assert_int_equal(br[0].addr, uint64_t(buf));
	assert_int_equal(br[0].len, sizeof(buf));
	assert_int_equal(ring_head(r, 4), 0);
	close(sv[0]);
	close(sv[1]);
	free(br);
}

// Using a buffer up moves the head on and clears the entry's length (Linux writes 0 there).
static void used_up_buffer_advances(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[8];
	lx::io_uring_buf* br = one_buffer_ring(buf, sizeof(buf), 2);
	assert_int_equal(reg_inc_ring(r, br, 4, 6), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "01234567", 8), 8);
	submit_select(r, lx::OP_READ, fds[0], 6, 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 8);
	assert_int_equal(c.flags, lx::CQE_F_BUFFER | (2u << lx::CQE_BUFFER_SHIFT));
	assert_int_equal(br[0].len, 0);
	assert_int_equal(ring_head(r, 6), 1);
	close(fds[0]);
	close(fds[1]);
	free(br);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(zero_byte_read_keeps_buffer),
	    cmocka_unit_test(zero_byte_recv_gives_buffer_back),
	    cmocka_unit_test(used_up_buffer_advances),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
