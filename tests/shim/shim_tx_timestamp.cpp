// SOCKET_URING_OP_TX_TIMESTAMP (URING_CMD on a socket, Linux 6.13) over loopback UDP and TCP with
// SO_TIMESTAMPING TX_SOFTWARE | SOFTWARE | OPT_ID | OPT_TSONLY: the keys in sequence (one per datagram, the last
// byte's sequence number on TCP), the type above TIMESTAMP_TYPE_SHIFT, the time in the big CQE; multishot until
// cancelled (-ECANCELED); -EINVAL without 32-byte CQEs, -EOPNOTSUPP on a pipe or with URING_CMD flags Linux 6.18
// does not have; nothing from a socket without timestamps or whose stamps carry the packet (those stay in the
// error queue); a full CQ neither overflows nor loses a stamp. Every case runs through the shim and, where this
// kernel has the command, on native io_uring too, and both must see the same.
#include "rp_test.h"

#include "dual_ring.hpp"

#include <arpa/inet.h>
#include <ctime>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <vector>

namespace {

using namespace dualtest;

constexpr unsigned kTsFlags =
    SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
constexpr uint32_t kTypeShift = lx::TIMESTAMP_TYPE_SHIFT;

// A UDP socket connected to a bound loopback peer (rx), with SO_TIMESTAMPING flags (0: none).
int udp_socket(int* rx, unsigned flags)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	*rx = socket(AF_INET, SOCK_DGRAM, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(*rx, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(*rx, reinterpret_cast<sockaddr*>(&a), &len), 0);
	assert_int_equal(connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
	if (flags)
		assert_int_equal(setsockopt(s, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags), 0);
	return s;
}

// A connected loopback TCP socket without Nagle (peer: the accepted end).
int tcp_socket(int* peer, unsigned flags)
{
	sockaddr_in a;
	int ls = loopback_listener(&a);
	assert_true(ls >= 0);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	assert_int_equal(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
	assert_int_equal(connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
	*peer = accept(ls, nullptr, nullptr);
	assert_true(*peer >= 0);
	close(ls);
	assert_int_equal(setsockopt(s, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags), 0);
	return s;
}

void send_n(int s, int n, size_t len = 10)
{
	for (int i = 0; i < n; ++i)
		assert_int_equal(send(s, "0123456789", len, 0), ssize_t(len));
}

void ts_cmd(TRing& r, int fd, uint64_t ud, uint32_t cmd_flags = 0)
{
	lx::io_uring_sqe* s = r.get();
	s->opcode = lx::OP_URING_CMD;
	s->fd = fd;
	s->cmd_op = lx::SOCKET_URING_OP_TX_TIMESTAMP;
	s->uring_cmd_flags = cmd_flags;
	s->user_data = ud;
}

void cancel(TRing& r, uint64_t target, uint64_t ud)
{
	lx::io_uring_sqe* s = r.get();
	s->opcode = lx::OP_ASYNC_CANCEL;
	s->addr = target;
	s->user_data = ud;
}

// The timestamp CQEs must be in the CQ: key, type, F_MORE (and F_32 on a mixed ring), a time of today.
void expect_stamp(const Cqe& c, uint64_t ud, int32_t key, uint32_t type, bool mixed)
{
	assert_int_equal(c.ud, ud);
	assert_int_equal(c.res, key);
	assert_int_equal(c.flags, lx::CQE_F_MORE | (mixed ? lx::CQE_F_32 : 0) | (type << kTypeShift));
	timespec now{};
	clock_gettime(CLOCK_REALTIME, &now);
	assert_true(c.sec + 60 > uint64_t(now.tv_sec) && c.sec <= uint64_t(now.tv_sec)); // a software stamp: now
	assert_true(c.nsec < 1000000000u);
}

// Whether the case can run on this side: native needs a kernel with the command (6.13+), which a first probe
// on a pipe cannot tell, so a plain socket answers: -EINVAL on a 16-byte CQ (the command exists), -EOPNOTSUPP
// (it does not).
bool side_runs(bool native)
{
	if (!native)
		return true;
	TRing r(true);
	if (r.init(2, 0) < 0)
		return false; // io_uring disabled here
	int rx;
	int s = udp_socket(&rx, 0);
	ts_cmd(r, s, 1);
	bool runs = r.submit() == 1 && [&] {
		auto got = collect(r, 1000, 1);
		return got.size() == 1 && got[0].res == -EINVAL;
	}();
	close(s);
	close(rx);
	if (!runs)
		print_message("native io_uring here has no SOCKET_URING_OP_TX_TIMESTAMP: the shim's side only\n");
	return runs;
}

// UDP: stamps already queued arrive at once, later ones as they are made, keys counting datagrams; cancel ends
// it with -ECANCELED (and the cancel itself says 0).
void udp_keys(bool native, uint32_t ring_flags)
{
	const bool mixed = ring_flags & lx::SETUP_CQE_MIXED;
	TRing r(native);
	assert_int_equal(r.init(8, ring_flags), 0);
	int rx;
	int s = udp_socket(&rx, kTsFlags);
	send_n(s, 3);
	usleep(20000);
	ts_cmd(r, s, 7);
	assert_int_equal(r.submit(), 1);
	auto got = collect(r, 2000, 3);
	assert_int_equal(got.size(), 3);
	for (int i = 0; i < 3; ++i)
		expect_stamp(got[i], 7, i, SCM_TSTAMP_SND, mixed);
	send_n(s, 2);
	got = collect(r, 2000, 2);
	assert_int_equal(got.size(), 2);
	expect_stamp(got[0], 7, 3, SCM_TSTAMP_SND, mixed);
	expect_stamp(got[1], 7, 4, SCM_TSTAMP_SND, mixed);
	cancel(r, 7, 8);
	assert_int_equal(r.submit(), 1);
	got = collect(r, 2000, 2);
	assert_int_equal(got.size(), 2);
	for (const Cqe& c : got) {
		if (c.ud == 8) {
			assert_int_equal(c.res, 0);
		} else {
			assert_int_equal(c.ud, 7);
			assert_int_equal(c.res, -ECANCELED);
			assert_int_equal(c.flags, 0);
		}
	}
	close(s);
	close(rx);
}

// TCP with SCHED and ACK stamps too: keys are the last byte's sequence number (9, 19, ...), each send stamped
// three times, in the order the kernel makes them: SCHED, SND, ACK.
void tcp_keys(bool native)
{
	TRing r(native);
	assert_int_equal(r.init(16, lx::SETUP_CQE32), 0);
	int peer;
	int s = tcp_socket(&peer, kTsFlags | SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_ACK);
	ts_cmd(r, s, 3);
	assert_int_equal(r.submit(), 1);
	usleep(20000);
	for (int i = 0; i < 2; ++i) {
		send_n(s, 1);
		auto got = collect(r, 2000, 3);
		assert_int_equal(got.size(), 3);
		expect_stamp(got[0], 3, 9 + 10 * i, SCM_TSTAMP_SCHED, false);
		expect_stamp(got[1], 3, 9 + 10 * i, SCM_TSTAMP_SND, false);
		expect_stamp(got[2], 3, 9 + 10 * i, SCM_TSTAMP_ACK, false);
	}
	close(s);
	close(peer);
}

void refusals(bool native)
{
	TRing plain(native);
	assert_int_equal(plain.init(4, 0), 0);
	TRing big(native);
	assert_int_equal(big.init(4, lx::SETUP_CQE32), 0);
	int rx;
	int s = udp_socket(&rx, kTsFlags);
	int p[2];
	assert_int_equal(pipe(p), 0);
	// A socket on a ring of 16-byte CQEs: -EINVAL; a pipe has no commands at all, whatever the ring.
	ts_cmd(plain, s, 1);
	ts_cmd(plain, p[0], 2);
	assert_int_equal(plain.submit(), 2);
	auto got = collect(plain, 2000, 2);
	assert_int_equal(got.size(), 2);
	for (const Cqe& c : got) {
		assert_int_equal(c.res, c.ud == 1 ? -EINVAL : -EOPNOTSUPP);
		assert_int_equal(c.flags, 0);
	}
	ts_cmd(big, p[0], 3);
	ts_cmd(big, s, 4, 1u << 1); // IORING_URING_CMD_MULTISHOT: not a 6.18 flag
	assert_int_equal(big.submit(), 2);
	got = collect(big, 2000, 2);
	assert_int_equal(got.size(), 2);
	for (const Cqe& c : got) // unlinked requests: in whichever order they finish
		assert_int_equal(c.res, c.ud == 3 ? -EOPNOTSUPP : -EINVAL);
	close(p[0]);
	close(p[1]);
	close(s);
	close(rx);
}

// Sockets that give nothing: no SO_TIMESTAMPING at all, and stamps without OPT_TSONLY (they carry the packet,
// which Linux never posts, and stay for recvmsg(MSG_ERRQUEUE)). The request stays armed until cancelled.
void nothing_to_take(bool native)
{
	TRing r(native);
	assert_int_equal(r.init(8, lx::SETUP_CQE32), 0);
	int rx1, rx2;
	int none = udp_socket(&rx1, 0);
	int with_packet = udp_socket(&rx2, kTsFlags & ~SOF_TIMESTAMPING_OPT_TSONLY);
	ts_cmd(r, none, 1);
	ts_cmd(r, with_packet, 2);
	assert_int_equal(r.submit(), 2);
	send_n(none, 2);
	send_n(with_packet, 2, 3);
	assert_int_equal(collect(r, 150).size(), 0);
	char buf[16], control[256];
	iovec iov{buf, sizeof buf};
	msghdr m{};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = control;
	m.msg_controllen = sizeof control;
	assert_true(recvmsg(with_packet, &m, MSG_ERRQUEUE | MSG_DONTWAIT) > 0); // still there, with its packet
	cancel(r, 1, 11);
	cancel(r, 2, 12);
	assert_int_equal(r.submit(), 2);
	auto got = collect(r, 2000, 4);
	assert_int_equal(got.size(), 4);
	int canceled = 0;
	for (const Cqe& c : got)
		if (c.ud == 1 || c.ud == 2) {
			assert_int_equal(c.res, -ECANCELED);
			++canceled;
		} else {
			assert_int_equal(c.res, 0);
		}
	assert_int_equal(canceled, 2);
	close(none);
	close(with_packet);
	close(rx1);
	close(rx2);
}

// IP_RECVERR: stamps and an ICMP error share the queue. Linux posts the stamps and leaves the error; here the
// OS cannot take a stamp without taking what is before it, so it takes nothing from such a socket (the
// compat matrix says so). On both, the error is never lost: recvmsg(MSG_ERRQUEUE) still finds it.
void icmp_error_kept(bool native)
{
	TRing r(native);
	assert_int_equal(r.init(8, lx::SETUP_CQE32), 0);
	int rx;
	int connected = udp_socket(&rx, 0); // only for rx's address: an ICMP error finds only an unconnected socket
	sockaddr_in to{};
	socklen_t to_len = sizeof to;
	assert_int_equal(getpeername(connected, reinterpret_cast<sockaddr*>(&to), &to_len), 0);
	close(connected);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned flags = kTsFlags;
	assert_int_equal(setsockopt(s, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags), 0);
	int one = 1;
	assert_int_equal(setsockopt(s, SOL_IP, IP_RECVERR, &one, sizeof one), 0);
	for (int i = 0; i < 2; ++i)
		assert_int_equal(sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 1);
	sockaddr_in closed{};
	closed.sin_family = AF_INET;
	closed.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	closed.sin_port = htons(9); // discard: nobody listens here
	assert_int_equal(sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&closed), sizeof closed), 1);
	usleep(20000);
	ts_cmd(r, s, 1);
	assert_int_equal(r.submit(), 1);
	for (const Cqe& c : collect(r, 150))
		assert_int_equal(c.flags & lx::CQE_F_MORE, lx::CQE_F_MORE); // stamps only (natively), nothing ended
	bool icmp = false;
	for (int i = 0; i < 8 && !icmp; ++i) {
		char buf[64], control[512];
		iovec iov{buf, sizeof buf};
		msghdr m{};
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = control;
		m.msg_controllen = sizeof control;
		if (recvmsg(s, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR)
				icmp |= reinterpret_cast<sock_extended_err*>(CMSG_DATA(c))->ee_origin == SO_EE_ORIGIN_ICMP;
	}
	assert_true(icmp);
	cancel(r, 1, 2);
	assert_int_equal(r.submit(), 1);
	auto got = collect(r, 2000, 2);
	assert_true(got.size() >= 2);
	assert_int_equal(got.back().ud == 1 ? got.back().res : got[got.size() - 2].res, -ECANCELED);
	close(s);
	close(rx);
}

// A CQ of four: four stamps are posted, the other two are neither overflowed nor lost: they come (with the next
// one) at the next stamp after the program made room, as on Linux.
void full_cq(bool native)
{
	TRing r(native);
	assert_int_equal(r.init(2, lx::SETUP_CQE32), 0);
	assert_int_equal(r.p.cq_entries, 4);
	int rx;
	int s = udp_socket(&rx, kTsFlags);
	send_n(s, 6);
	usleep(20000);
	ts_cmd(r, s, 5);
	assert_int_equal(r.submit(), 1);
	usleep(50000);
	(void)r.enter(0, lx::ENTER_GETEVENTS);
	assert_false(r.overflowed());
	auto got = collect(r, 2000, 4);
	assert_int_equal(got.size(), 4);
	for (int i = 0; i < 4; ++i)
		expect_stamp(got[i], 5, i, SCM_TSTAMP_SND, false);
	assert_int_equal(collect(r, 100).size(), 0);
	send_n(s, 1);
	got = collect(r, 2000, 3);
	assert_int_equal(got.size(), 3);
	for (int i = 0; i < 3; ++i)
		expect_stamp(got[i], 5, 4 + i, SCM_TSTAMP_SND, false);
	close(s);
	close(rx);
}

template <void (*Case)(bool)> void both(void**)
{
	Case(false);
	if (side_runs(true))
		Case(true);
}

void udp_cqe32(bool native) { udp_keys(native, lx::SETUP_CQE32); }
void udp_mixed(bool native) { udp_keys(native, lx::SETUP_CQE_MIXED); }

} // namespace

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(both<udp_cqe32>),       cmocka_unit_test(both<udp_mixed>),
	    cmocka_unit_test(both<tcp_keys>),        cmocka_unit_test(both<refusals>),
	    cmocka_unit_test(both<nothing_to_take>), cmocka_unit_test(both<full_cq>),
	    cmocka_unit_test(both<icmp_error_kept>),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
