// Multishot READ_MULTISHOT, RECV/RECVMSG (IORING_RECV_MULTISHOT) and ACCEPT (IORING_ACCEPT_MULTISHOT): CQE_F_MORE
// while the request goes on, and Linux's ends: EOF, errors, -ENOBUFS, a full CQ, cancellation.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <arpa/inet.h>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace shimtest;

namespace {

lx::io_uring_cqe must_next(Ring& r)
{
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	return c;
}

struct BufRing {
	lx::io_uring_buf* ring = nullptr;
	uint32_t entries = 0;
	uint16_t tail = 0;
	char (*bufs)[64] = nullptr;

	void init(Ring& r, uint32_t n, uint16_t bgid)
	{
		void* p = nullptr;
		assert_int_equal(posix_memalign(&p, 4096, 4096), 0);
		std::memset(p, 0, 4096);
		ring = static_cast<lx::io_uring_buf*>(p);
		entries = n;
		bufs = static_cast<char(*)[64]>(calloc(n, 64));
		lx::io_uring_buf_reg reg{};
		reg.ring_addr = uint64_t(ring);
		reg.ring_entries = n;
		reg.bgid = bgid;
		assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), 0);
	}
	void add(uint16_t bid, uint32_t len)
	{
		lx::io_uring_buf& b = ring[tail & (entries - 1)];
		b.addr = uint64_t(bufs[bid]);
		b.len = len;
		b.bid = bid;
		++tail;
		__atomic_store_n(&reinterpret_cast<lx::io_uring_buf_ring*>(ring)->tail, tail, __ATOMIC_RELEASE);
	}
	~BufRing()
	{
		free(ring);
		free(bufs);
	}
};

uint16_t bid_of(const lx::io_uring_cqe& c) { return uint16_t(c.flags >> lx::CQE_BUFFER_SHIFT); }

} // namespace

// Each batch of data gives one CQE with F_MORE and the buffer; EOF ends the request with res 0 and no buffer.
static void read_mshot_until_eof(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	BufRing br;
	br.init(r, 8, 1);
	for (uint16_t i = 0; i < 4; ++i)
		br.add(i, 8);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ_MULTISHOT, fds[0], 0, 0, 0, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 1;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(write(fds[1], "abc", 3), 3);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 3);
	assert_int_equal(c.flags & (lx::CQE_F_MORE | lx::CQE_F_BUFFER), lx::CQE_F_MORE | lx::CQE_F_BUFFER);
	assert_int_equal(bid_of(c), 0);
	assert_memory_equal(br.bufs[0], "abc", 3);
	// Ten bytes fill one 8-byte buffer and two bytes of the next.
	assert_int_equal(write(fds[1], "0123456789", 10), 10);
	c = must_next(r);
	assert_int_equal(c.res, 8);
	assert_true(c.flags & lx::CQE_F_MORE);
	assert_int_equal(bid_of(c), 1);
	c = must_next(r);
	assert_int_equal(c.res, 2);
	assert_true(c.flags & lx::CQE_F_MORE);
	assert_int_equal(bid_of(c), 2);
	close(fds[1]);
	c = must_next(r);
	assert_int_equal(c.res, 0);
	assert_int_equal(c.flags, 0);
	close(fds[0]);
}

// Running out of buffers ends the request with -ENOBUFS; a regular file is refused with -EBADFD; buffer
// selection is required.
static void read_mshot_ends(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	BufRing br;
	br.init(r, 2, 2);
	br.add(0, 4);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "12345678", 8), 8);
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ_MULTISHOT, fds[0], 0, 0, 0, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 2;
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 4);
	assert_true(c.flags & lx::CQE_F_MORE);
	c = must_next(r);
	assert_int_equal(c.res, -ENOBUFS);
	assert_int_equal(c.flags, 0);

	char path[] = "/tmp/rp-mshot-XXXXXX";
	int file = mkstemp(path);
	assert_true(file >= 0);
	unlink(path);
	br.add(1, 4);
	s = r.get_sqe();
	prep(s, lx::OP_READ_MULTISHOT, file, 0, 0, 0, 2);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 2;
	s = r.get_sqe();
	prep(s, lx::OP_READ_MULTISHOT, fds[0], 0, 0, 0, 3);
	assert_int_equal(r.submit(), 2);
	for (int i = 0; i < 2; ++i) {
		c = must_next(r);
		assert_int_equal(c.res, c.user_data == 2 ? -EBADFD : -EINVAL);
		assert_int_equal(c.flags, 0);
	}
	close(file);
	close(fds[0]);
	close(fds[1]);
}

// A full CQ ends a multishot read: the result that found no room completes it (without F_MORE), kept in the
// overflow list, and nothing is lost.
static void read_mshot_overflow_ends(void**)
{
	Ring r;
	assert_int_equal(r.init(1, lx::SETUP_CQSIZE, 2), 0);
	BufRing br;
	br.init(r, 8, 3);
	for (uint16_t i = 0; i < 8; ++i)
		br.add(i, 4);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ_MULTISHOT, fds[0], 0, 0, 0, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 3;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(write(fds[1], "0123456789abcdef", 16), 16);
	int seen = 0, more = 0;
	for (;;) {
		lx::io_uring_cqe c = must_next(r);
		assert_int_equal(c.res, 4);
		assert_int_equal(bid_of(c), seen);
		++seen;
		if (!(c.flags & lx::CQE_F_MORE))
			break;
		++more;
	}
	assert_int_equal(more, 2);
	assert_int_equal(seen, 3);
	close(fds[0]);
	close(fds[1]);
}

// RECV multishot on a stream socket: each arrival is a CQE with F_MORE; the peer's shutdown ends it with 0.
static void recv_mshot(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	BufRing br;
	br.init(r, 8, 4);
	for (uint16_t i = 0; i < 4; ++i)
		br.add(i, 64);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_RECV, sv[0], 0, 0, 0, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 4;
	s->ioprio = lx::RECV_MULTISHOT;
	assert_int_equal(r.submit(), 1);
	for (int i = 0; i < 2; ++i) {
		assert_int_equal(write(sv[1], "hello", 5), 5);
		lx::io_uring_cqe c = must_next(r);
		assert_int_equal(c.res, 5);
		assert_int_equal(c.flags & (lx::CQE_F_MORE | lx::CQE_F_BUFFER), lx::CQE_F_MORE | lx::CQE_F_BUFFER);
		assert_int_equal(bid_of(c), i);
		assert_memory_equal(br.bufs[i], "hello", 5);
	}
	shutdown(sv[1], SHUT_WR);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 0);
	assert_int_equal(c.flags, 0);
	// Without buffer selection, or with MSG_WAITALL, multishot is refused (each stops its submit call).
	s = r.get_sqe();
	prep(s, lx::OP_RECV, sv[0], 0, 0, 0, 2);
	s->ioprio = lx::RECV_MULTISHOT;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, -EINVAL);
	s = r.get_sqe();
	prep(s, lx::OP_RECV, sv[0], 0, 0, 0, 3);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 4;
	s->ioprio = lx::RECV_MULTISHOT;
	s->msg_flags = MSG_WAITALL;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(must_next(r).res, -EINVAL);
	close(sv[0]);
	close(sv[1]);
}

// RECVMSG multishot: the buffer starts with io_uring_recvmsg_out, then the reserved name space, then the data;
// the CQE counts all of it.
static void recvmsg_mshot_layout(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	BufRing br;
	br.init(r, 8, 5);
	br.add(0, 64);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	struct msghdr msg{};
	msg.msg_namelen = 8;
	auto* s = r.get_sqe();
	prep(s, lx::OP_RECVMSG, sv[0], uint64_t(&msg), 1, 0, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 5;
	s->ioprio = lx::RECV_MULTISHOT;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(write(sv[1], "datagram", 8), 8);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, int(sizeof(lx::io_uring_recvmsg_out)) + 8 + 8);
	assert_true(c.flags & lx::CQE_F_MORE);
	lx::io_uring_recvmsg_out out;
	std::memcpy(&out, br.bufs[0], sizeof(out));
	assert_int_equal(out.payloadlen, 8);
	assert_memory_equal(br.bufs[0] + sizeof(out) + 8, "datagram", 8);
	// The ring is empty now: the next datagram ends the request with -ENOBUFS.
	assert_int_equal(write(sv[1], "x", 1), 1);
	c = must_next(r);
	assert_int_equal(c.res, -ENOBUFS);
	assert_false(c.flags & lx::CQE_F_MORE);
	close(sv[0]);
	close(sv[1]);
}

// ACCEPT multishot: one CQE with F_MORE per connection; cancelling ends it with -ECANCELED.
static void accept_mshot(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
	socklen_t al = sizeof(a);
	assert_int_equal(getsockname(ls, reinterpret_cast<sockaddr*>(&a), &al), 0);
	assert_int_equal(listen(ls, 8), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_ACCEPT, ls, 0, 0, 0, 1);
	s->ioprio = lx::ACCEPT_MULTISHOT;
	assert_int_equal(r.submit(), 1);
	int clients[2];
	for (int i = 0; i < 2; ++i) {
		clients[i] = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_equal(connect(clients[i], reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
		lx::io_uring_cqe c = must_next(r);
		assert_true(c.res >= 0);
		assert_true(c.flags & lx::CQE_F_MORE);
		close(c.res);
	}
	s = r.get_sqe();
	prep(s, lx::OP_ASYNC_CANCEL, -1, 1, 0, 0, 2);
	assert_int_equal(r.submit(), 1);
	int32_t res[3] = {1, 1, 1};
	uint32_t flags[3] = {};
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe c = must_next(r);
		res[c.user_data] = c.res;
		flags[c.user_data] = c.flags;
	}
	assert_int_equal(res[1], -ECANCELED);
	assert_false(flags[1] & lx::CQE_F_MORE);
	assert_int_equal(res[2], 0);
	close(clients[0]);
	close(clients[1]);
	close(ls);
}

// Cancelling a multishot receive: what already arrived is still delivered (F_MORE), then the request ends with
// -ECANCELED, and the cancel itself succeeds.
static void cancel_delivers_arrived_data(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	BufRing br;
	br.init(r, 8, 6);
	for (uint16_t i = 0; i < 8; ++i)
		br.add(i, 64);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_RECV, sv[0], 0, 0, 0, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 6;
	s->ioprio = lx::RECV_MULTISHOT;
	assert_int_equal(r.submit(), 1);
	for (int i = 0; i < 3; ++i)
		assert_int_equal(write(sv[1], "abcd", 4), 4);
	s = r.get_sqe();
	prep(s, lx::OP_ASYNC_CANCEL, -1, 1, 0, 0, 2);
	assert_int_equal(r.submit(), 1);
	int data = 0;
	bool ended = false, cancel_seen = false;
	while (!ended || !cancel_seen) {
		lx::io_uring_cqe c = must_next(r);
		if (c.user_data == 2) {
			assert_int_equal(c.res, 0);
			cancel_seen = true;
			continue;
		}
		assert_false(ended);
		if (c.flags & lx::CQE_F_MORE) {
			assert_int_equal(c.res, 4);
			++data;
		} else {
			assert_int_equal(c.res, -ECANCELED);
			ended = true;
		}
	}
	assert_int_equal(data, 3);
	close(sv[0]);
	close(sv[1]);
}

// Writes the program makes without entering are each read on their own: Linux runs the multishot read's next
// attempt inside each write, so no write lands in the pipe beside one not yet read (liburing's read-mshot.t
// writes every millisecond). Through the shim the OS thread that completes a read issues the next one itself
// rather than handing that to a helper thread that may run after the next write.
static void read_mshot_separate_writes(void**)
{
	Ring r;
	assert_int_equal(r.init(64, lx::SETUP_CQSIZE, 64), 0);
	BufRing br;
	br.init(r, 32, 1);
	for (uint16_t i = 0; i < 32; ++i)
		br.add(i, 64);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ_MULTISHOT, fds[0], 0, 0, 0, 1);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 1;
	assert_int_equal(r.submit(), 1);
	const char msg[] = "one message of 22 byte";
	// Back to back: each write's wakeup has run (the next read armed) by the time write returns.
	for (int i = 0; i < 24; ++i) {
		assert_int_equal(write(fds[1], msg, 22), 22);
	}
	for (int i = 0; i < 24; ++i) {
		lx::io_uring_cqe c = must_next(r);
		assert_int_equal(c.res, 22); // 44 would be two writes merged into one read
		assert_true(c.flags & lx::CQE_F_MORE);
	}
	close(fds[1]);
	close(fds[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(read_mshot_until_eof), cmocka_unit_test(read_mshot_ends),
	    cmocka_unit_test(read_mshot_overflow_ends), cmocka_unit_test(recv_mshot),
	    cmocka_unit_test(recvmsg_mshot_layout), cmocka_unit_test(accept_mshot),
	    cmocka_unit_test(cancel_delivers_arrived_data), cmocka_unit_test(read_mshot_separate_writes),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
