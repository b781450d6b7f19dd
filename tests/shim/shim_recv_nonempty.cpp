// IORING_CQE_F_SOCK_NONEMPTY on receives: RECV and RECVMSG (one shot and multishot) say that data is still
// queued after them on TCP and AF_UNIX byte streams, and never on datagram or seqpacket sockets, where Linux's
// protocols leave msg_inq unset. Each case runs through the shim and on this machine's io_uring, and both must
// agree.
#include "rp_test.h"

#include "dual_ring.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace {

using namespace dualtest;

constexpr uint32_t kNonEmpty = lx::CQE_F_SOCK_NONEMPTY;

// A connected loopback TCP pair: *client writes, the returned end reads.
int tcp_pair(int* client)
{
	sockaddr_in a;
	int ls = loopback_listener(&a);
	assert_true(ls >= 0);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(*client, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
	int s = accept(ls, nullptr, nullptr);
	assert_true(s >= 0);
	close(ls);
	return s;
}

// One receive of up to len bytes: its CQE.
Cqe recv_one(TRing& r, uint8_t op, int fd, char* buf, uint32_t len, int flags = 0)
{
	static iovec iov;
	static msghdr m;
	lx::io_uring_sqe* s = r.get();
	s->opcode = op;
	s->fd = fd;
	if (op == lx::OP_RECVMSG) {
		iov = {buf, len};
		m = {};
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		s->addr = reinterpret_cast<uint64_t>(&m);
		s->len = 1;
	} else {
		s->addr = reinterpret_cast<uint64_t>(buf);
		s->len = len;
	}
	s->msg_flags = uint32_t(flags);
	s->user_data = 1;
	assert_int_equal(r.submit(), 1);
	auto got = collect(r, 2000, 1);
	assert_int_equal(got.size(), 1);
	return got[0];
}

void expect(const Cqe& c, int32_t res, bool nonempty)
{
	assert_int_equal(c.res, res);
	assert_int_equal(c.flags & kNonEmpty, nonempty ? kNonEmpty : 0);
}

// A byte stream: a partial read leaves data (NONEMPTY), the read that takes the rest does not, nor does a read
// into a larger buffer; MSG_PEEK leaves everything.
void byte_stream(int reader, int writer, bool native, uint8_t op)
{
	TRing r(native);
	assert_int_equal(r.init(8, 0), 0);
	char buf[64];
	assert_int_equal(write(writer, "0123456789", 10), 10);
	usleep(10000);
	expect(recv_one(r, op, reader, buf, 4), 4, true);
	expect(recv_one(r, op, reader, buf, 6), 6, false);
	assert_int_equal(write(writer, "0123456789", 10), 10);
	usleep(10000);
	expect(recv_one(r, op, reader, buf, sizeof buf), 10, false);
	assert_int_equal(write(writer, "abc", 3), 3);
	usleep(10000);
	expect(recv_one(r, op, reader, buf, sizeof buf, MSG_PEEK), 3, true);
	expect(recv_one(r, op, reader, buf, sizeof buf), 3, false);
}

void tcp(bool native)
{
	for (uint8_t op : {uint8_t(lx::OP_RECV), uint8_t(lx::OP_RECVMSG)}) {
		int client;
		int s = tcp_pair(&client);
		byte_stream(s, client, native, op);
		close(s);
		close(client);
	}
}

void unix_stream(bool native)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	byte_stream(sv[1], sv[0], native, lx::OP_RECV);
	close(sv[0]);
	close(sv[1]);
}

// Datagrams and seqpackets: never, even with another message queued and a message cut short.
void messages(bool native)
{
	TRing r(native);
	assert_int_equal(r.init(8, 0), 0);
	char buf[64];
	for (int type : {SOCK_DGRAM, SOCK_SEQPACKET}) {
		int sv[2];
		assert_int_equal(socketpair(AF_UNIX, type, 0, sv), 0);
		assert_int_equal(write(sv[0], "0123", 4), 4);
		assert_int_equal(write(sv[0], "0123", 4), 4);
		expect(recv_one(r, lx::OP_RECV, sv[1], buf, 2), 2, false);
		expect(recv_one(r, lx::OP_RECVMSG, sv[1], buf, 4), 4, false);
		close(sv[0]);
		close(sv[1]);
	}
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(rx, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(rx, reinterpret_cast<sockaddr*>(&a), &len), 0);
	for (int i = 0; i < 2; ++i)
		assert_int_equal(sendto(tx, "abc", 3, 0, reinterpret_cast<sockaddr*>(&a), sizeof a), 3);
	usleep(10000);
	expect(recv_one(r, lx::OP_RECV, rx, buf, 3), 3, false);
	close(rx);
	close(tx);
}

// A multishot receive with provided buffers of 4 bytes: each item but the last of a 10-byte write says more is
// queued.
void multishot(bool native)
{
	TRing r(native);
	assert_int_equal(r.init(8, 0), 0);
	static char bufs[4][4];
	lx::io_uring_sqe* s = r.get();
	s->opcode = lx::OP_PROVIDE_BUFFERS;
	s->fd = 4;
	s->addr = reinterpret_cast<uint64_t>(bufs);
	s->len = 4;
	s->buf_group = 7;
	s->user_data = 9;
	assert_int_equal(r.submit(), 1);
	auto got = collect(r, 2000, 1);
	assert_int_equal(got.size(), 1);
	assert_int_equal(got[0].res, 0);
	int client;
	int fd = tcp_pair(&client);
	assert_int_equal(write(client, "0123456789", 10), 10);
	usleep(10000);
	s = r.get();
	s->opcode = lx::OP_RECV;
	s->fd = fd;
	s->ioprio = lx::RECV_MULTISHOT;
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 7;
	s->user_data = 2;
	assert_int_equal(r.submit(), 1);
	got = collect(r, 2000, 3);
	assert_int_equal(got.size(), 3);
	const int32_t sizes[3] = {4, 4, 2};
	for (int i = 0; i < 3; ++i) {
		assert_int_equal(got[i].res, sizes[i]);
		assert_true(got[i].flags & lx::CQE_F_MORE);
		assert_int_equal(got[i].flags & kNonEmpty, i < 2 ? kNonEmpty : 0);
	}
	close(client); // EOF ends it (a buffer is left for the 0)
	got = collect(r, 2000, 1);
	assert_int_equal(got.size(), 1);
	assert_int_equal(got[0].res, 0);
	assert_false(got[0].flags & lx::CQE_F_MORE);
	close(fd);
}

template <void (*Case)(bool)> void both(void**)
{
	Case(false);
	TRing probe(true);
	if (probe.init(2, 0) == 0)
		Case(true);
	else
		print_message("no native io_uring here: the shim's side only\n");
}

} // namespace

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(both<tcp>),
	    cmocka_unit_test(both<unix_stream>),
	    cmocka_unit_test(both<messages>),
	    cmocka_unit_test(both<multishot>),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
