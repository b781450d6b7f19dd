// Send and receive bundles (IORING_RECVSEND_BUNDLE, FEAT_RECVSEND_BUNDLE) and accept's CQE_F_SOCK_NONEMPTY, by
// Linux 6.18's rules (io_uring/net.c, kbuf.c): a receive bundle fills several ring buffers in one CQE (flags name
// the first, res is the total; a plain ring's head moves past the buffers used, an incremental ring's entries are
// consumed byte-wise); a send bundle gathers the buffers it takes and owns them at once; the argument errors.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <arpa/inet.h>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

using namespace shimtest;

namespace {

lx::io_uring_cqe must_next(Ring& r)
{
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	return c;
}

uint32_t bid_flags(uint16_t bid) { return lx::CQE_F_BUFFER | (uint32_t(bid) << lx::CQE_BUFFER_SHIFT); }

// A provided-buffer ring in program memory with n buffers of len bytes each from base, bids first_bid on.
struct BufRing {
	lx::io_uring_buf* e = nullptr;
	uint32_t entries = 0;

	void make(uint32_t ring_entries)
	{
		void* p = nullptr;
		size_t bytes = (ring_entries * sizeof(lx::io_uring_buf) + 4095) & ~size_t(4095);
		assert_int_equal(posix_memalign(&p, 4096, bytes), 0);
		std::memset(p, 0, bytes);
		e = static_cast<lx::io_uring_buf*>(p);
		entries = ring_entries;
	}
	void add(char* base, uint32_t n, uint32_t len, uint16_t first_bid)
	{
		uint16_t t = tail();
		for (uint32_t i = 0; i < n; ++i) {
			auto& b = e[(t + i) & (entries - 1)];
			b.addr = uint64_t(base + i * len);
			b.len = len;
			b.bid = uint16_t(first_bid + i);
		}
		__atomic_store_n(&reinterpret_cast<lx::io_uring_buf_ring*>(e)->tail, uint16_t(t + n), __ATOMIC_RELEASE);
	}
	uint16_t tail() { return reinterpret_cast<lx::io_uring_buf_ring*>(e)->tail; }
	int reg(Ring& r, uint16_t bgid, uint16_t flags = 0)
	{
		lx::io_uring_buf_reg reg{};
		reg.ring_addr = uint64_t(e);
		reg.ring_entries = entries;
		reg.bgid = bgid;
		reg.flags = flags;
		return rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1);
	}
	~BufRing() { free(e); }
};

uint32_t ring_head(Ring& r, uint16_t bgid)
{
	lx::io_uring_buf_status st{};
	st.buf_group = bgid;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_STATUS, &st, 1), 0);
	return st.head;
}

lx::io_uring_sqe* prep_bundle(Ring& r, uint8_t op, int fd, uint32_t len, uint16_t bgid, uint64_t ud)
{
	auto* s = r.get_sqe();
	prep(s, op, fd, 0, len, 0, ud);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = bgid;
	s->ioprio = lx::RECVSEND_BUNDLE;
	return s;
}

void stream_pair(int sv[2]) { assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0); }

} // namespace

static void feature_is_advertised(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	assert_true(r.p.features & lx::FEAT_RECVSEND_BUNDLE);
}

// 20 bytes into four 8-byte buffers: three are used, the CQE names the first, the unused fourth stays for the next.
static void recv_bundle_fills_several_buffers(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[32];
	std::memset(buf, 0, sizeof(buf));
	BufRing br;
	br.make(8);
	br.add(buf, 4, 8, 10);
	assert_int_equal(br.reg(r, 1), 0);
	int sv[2];
	stream_pair(sv);
	assert_int_equal(write(sv[1], "abcdefghijklmnopqrst", 20), 20);
	prep_bundle(r, lx::OP_RECV, sv[0], 0, 1, 7);
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.user_data, 7);
	assert_int_equal(c.res, 20);
	assert_int_equal(c.flags, bid_flags(10));
	assert_memory_equal(buf, "abcdefghijklmnopqrst", 20);
	assert_int_equal(ring_head(r, 1), 3);
	// The next bundle starts at the fourth buffer.
	assert_int_equal(write(sv[1], "XY", 2), 2);
	prep_bundle(r, lx::OP_RECV, sv[0], 0, 1, 8);
	assert_int_equal(r.submit(), 1);
	c = must_next(r);
	assert_int_equal(c.res, 2);
	assert_int_equal(c.flags, bid_flags(13));
	assert_memory_equal(buf + 24, "XY", 2);
	assert_int_equal(ring_head(r, 1), 4);
	close(sv[0]);
	close(sv[1]);
}

// With a length, a bundle maps what the first buffer's size says is needed; a later buffer that would have to be
// cut short is left out (Linux's partial map), a first one is cut and its entry says so.
static void recv_bundle_length_limits_the_map(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[32];
	BufRing br;
	br.make(8);
	br.add(buf, 4, 8, 0);
	assert_int_equal(br.reg(r, 2), 0);
	int sv[2];
	stream_pair(sv);
	assert_int_equal(write(sv[1], "0123456789abcdefghij", 20), 20);
	prep_bundle(r, lx::OP_RECV, sv[0], 12, 2, 1);
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 8);
	assert_int_equal(c.flags, bid_flags(0) | lx::CQE_F_SOCK_NONEMPTY); // 12 bytes still queued
	assert_int_equal(ring_head(r, 2), 1);
	prep_bundle(r, lx::OP_RECV, sv[0], 5, 2, 2);
	assert_int_equal(r.submit(), 1);
	c = must_next(r);
	assert_int_equal(c.res, 5);
	assert_int_equal(c.flags, bid_flags(1) | lx::CQE_F_SOCK_NONEMPTY);
	assert_int_equal(br.e[1].len, 5); // the first buffer, cut to the length, is written back
	assert_memory_equal(buf + 8, "89abc", 5);
	close(sv[0]);
	close(sv[1]);
}

// An incremental ring: 12 bytes use up the first 8-byte buffer and 4 bytes of the second, which stays at the head
// with its address and length moved on; BUF_MORE says the last one named is still in use.
static void recv_bundle_incremental_ring(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[16];
	BufRing br;
	br.make(4);
	br.add(buf, 2, 8, 4);
	assert_int_equal(br.reg(r, 3, lx::PBUF_RING_INC), 0);
	int sv[2];
	stream_pair(sv);
	assert_int_equal(write(sv[1], "ABCDEFGHIJKL", 12), 12);
	prep_bundle(r, lx::OP_RECV, sv[0], 0, 3, 1);
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 12);
	assert_int_equal(c.flags, bid_flags(4) | lx::CQE_F_BUF_MORE);
	assert_int_equal(ring_head(r, 3), 1);
	assert_int_equal(br.e[0].len, 0);
	assert_int_equal(br.e[1].addr, uint64_t(buf + 12));
	assert_int_equal(br.e[1].len, 4);
	assert_memory_equal(buf, "ABCDEFGHIJKL", 12);
	close(sv[0]);
	close(sv[1]);
}

// A multishot receive bundle goes on (F_MORE) while buffers remain past the ones it used, and ends with the CQE
// whose buffers reached the ring's tail (Linux's BL_EMPTY). Data that comes later is waited for.
static void recv_bundle_multishot_ends_at_tail(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[32];
	BufRing br;
	br.make(4);
	br.add(buf, 4, 8, 0);
	assert_int_equal(br.reg(r, 4), 0);
	int sv[2];
	stream_pair(sv);
	auto* s = prep_bundle(r, lx::OP_RECV, sv[0], 0, 4, 9);
	s->ioprio |= lx::RECV_MULTISHOT;
	assert_int_equal(r.submit(), 1);
	assert_int_equal(write(sv[1], "0123456789", 10), 10); // two buffers
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 10);
	assert_int_equal(c.flags, bid_flags(0) | lx::CQE_F_MORE);
	assert_int_equal(write(sv[1], "abcdefghijklmn", 14), 14); // the last two: the tail
	c = must_next(r);
	assert_int_equal(c.res, 14);
	assert_int_equal(c.flags, bid_flags(2));
	assert_memory_equal(buf, "0123456789", 10);
	assert_memory_equal(buf + 16, "abcdefghijklmn", 14);
	assert_int_equal(ring_head(r, 4), 4);
	close(sv[0]);
	close(sv[1]);
}

// A send bundle gathers the buffers in ring order and consumes them: one CQE for all, naming the first.
static void send_bundle_gathers_buffers(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[12];
	std::memcpy(buf, "aaaabbbbcccc", 12);
	BufRing br;
	br.make(4);
	br.add(buf, 3, 4, 20);
	assert_int_equal(br.reg(r, 5), 0);
	int sv[2];
	stream_pair(sv);
	prep_bundle(r, lx::OP_SEND, sv[0], 0, 5, 3);
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 12);
	assert_int_equal(c.flags, bid_flags(20));
	assert_int_equal(ring_head(r, 5), 3);
	char got[16];
	assert_int_equal(read(sv[1], got, sizeof(got)), 12);
	assert_memory_equal(got, "aaaabbbbcccc", 12);
	// Nothing left: -ENOBUFS.
	prep_bundle(r, lx::OP_SEND, sv[0], 0, 5, 4);
	assert_int_equal(r.submit(), 1);
	c = must_next(r);
	assert_int_equal(c.res, -ENOBUFS);
	assert_int_equal(c.flags, 0);
	close(sv[0]);
	close(sv[1]);
}

// A send bundle cut by its length stops short of the ring's tail even when its last buffer is the last one there
// (Linux's head stays on it): the CQE says F_MORE, and the next round finds no buffer (-ENOBUFS ends it).
static void send_bundle_cut_by_length_goes_on(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[8];
	std::memcpy(buf, "wxyzWXYZ", 8);
	BufRing br;
	br.make(4);
	br.add(buf, 2, 4, 30);
	assert_int_equal(br.reg(r, 9), 0);
	int sv[2];
	stream_pair(sv);
	prep_bundle(r, lx::OP_SEND, sv[0], 8, 9, 1);
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 8);
	assert_int_equal(c.flags, bid_flags(30) | lx::CQE_F_MORE);
	c = must_next(r);
	assert_int_equal(c.res, -ENOBUFS);
	assert_int_equal(c.flags, 0);
	char got[8];
	assert_int_equal(read(sv[1], got, sizeof(got)), 8);
	assert_memory_equal(got, "wxyzWXYZ", 8);
	close(sv[0]);
	close(sv[1]);
}

// More buffers than one bundle maps (256): the first CQE says F_MORE and the bundle goes on with the rest.
static void send_bundle_continues_past_one_map(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	constexpr uint32_t kBufs = 300, kLen = 16;
	static char buf[kBufs * kLen];
	for (uint32_t i = 0; i < sizeof(buf); ++i)
		buf[i] = char('a' + i % 26);
	BufRing br;
	br.make(512);
	br.add(buf, kBufs, kLen, 0);
	assert_int_equal(br.reg(r, 6), 0);
	int sv[2];
	stream_pair(sv);
	prep_bundle(r, lx::OP_SEND, sv[0], 0, 6, 5);
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 256 * kLen);
	assert_int_equal(c.flags, bid_flags(0) | lx::CQE_F_MORE);
	c = must_next(r);
	assert_int_equal(c.res, (kBufs - 256) * kLen);
	assert_int_equal(c.flags, bid_flags(256));
	static char got[kBufs * kLen];
	size_t n = 0;
	while (n < sizeof(got)) {
		ssize_t k = read(sv[1], got + n, sizeof(got) - n);
		assert_true(k > 0);
		n += size_t(k);
	}
	assert_memory_equal(got, buf, sizeof(buf));
	close(sv[0]);
	close(sv[1]);
}

// A send bundle that had to wait for room ends with that CQE (Linux's REQ_F_POLLED), buffers left or not; the
// next bundle starts after the ones it mapped.
static void send_bundle_that_waited_ends(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	constexpr uint32_t kBufs = 300, kLen = 16;
	static char buf[kBufs * kLen];
	for (uint32_t i = 0; i < sizeof(buf); ++i)
		buf[i] = char('A' + i % 26);
	BufRing br;
	br.make(512);
	br.add(buf, kBufs, kLen, 0);
	assert_int_equal(br.reg(r, 8), 0);
	int sv[2];
	stream_pair(sv);
	static char fill[4096];
	size_t filled = 0;
	for (;;) {
		ssize_t k = send(sv[0], fill, sizeof(fill), MSG_DONTWAIT);
		if (k < 0)
			break;
		filled += size_t(k);
	}
	prep_bundle(r, lx::OP_SEND, sv[0], 0, 8, 6);
	assert_int_equal(r.submit(), 1);
	static char got[1 << 20];
	size_t want = filled + 256 * kLen, n = 0;
	assert_true(want <= sizeof(got));
	while (n < want) {
		ssize_t k = read(sv[1], got + n, want - n);
		assert_true(k > 0);
		n += size_t(k);
	}
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, 256 * kLen);
	assert_int_equal(c.flags, bid_flags(0));
	assert_memory_equal(got + filled, buf, 256 * kLen);
	assert_int_equal(ring_head(r, 8), 256);
	close(sv[0]);
	close(sv[1]);
}

// The argument rules: SENDMSG, RECVMSG and SEND_ZC take no bundle, a send bundle needs provided buffers, a
// receive bundle with an empty ring has no buffer.
static void bundle_argument_errors(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char buf[8];
	BufRing br;
	br.make(2);
	assert_int_equal(br.reg(r, 7), 0);
	int sv[2];
	stream_pair(sv);
	struct {
		uint8_t op;
		bool select;
		int res;
	} cases[] = {
	    {lx::OP_SENDMSG, false, -EINVAL},
	    {lx::OP_RECVMSG, true, -EINVAL},
	    {lx::OP_SEND, false, -EINVAL},
	    {lx::OP_SEND_ZC, false, -EINVAL},
	};
	for (auto& k : cases) {
		auto* s = prep_bundle(r, k.op, sv[0], 0, 7, 1);
		s->addr = uint64_t(buf);
		if (!k.select)
			s->flags = 0;
		assert_int_equal(r.submit(), 1);
		lx::io_uring_cqe c = must_next(r);
		assert_int_equal(c.res, k.res);
		if (k.op == lx::OP_SEND_ZC) { // its notification exists by then, and follows (Linux's order)
			assert_true(c.flags & lx::CQE_F_MORE);
			c = must_next(r);
			assert_int_equal(c.flags, lx::CQE_F_NOTIF);
		}
	}
	assert_int_equal(write(sv[1], "x", 1), 1);
	prep_bundle(r, lx::OP_RECV, sv[0], 0, 7, 2);
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.res, -ENOBUFS);
	close(sv[0]);
	close(sv[1]);
}

namespace {
int tcp_listener(sockaddr_in* addr)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0);
	std::memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, reinterpret_cast<sockaddr*>(addr), sizeof(*addr)), 0);
	socklen_t len = sizeof(*addr);
	assert_int_equal(getsockname(l, reinterpret_cast<sockaddr*>(addr), &len), 0);
	assert_int_equal(listen(l, 8), 0);
	return l;
}

lx::io_uring_cqe accept_one(Ring& r, int l, uint32_t file_index = 0)
{
	auto* s = r.get_sqe();
	prep(s, lx::OP_ACCEPT, l, 0, 0, 0, 1);
	s->file_index = file_index;
	assert_int_equal(r.submit(), 1);
	return must_next(r);
}
} // namespace

// Accept says CQE_F_SOCK_NONEMPTY while more connections wait on a TCP listener, plain and direct alike; the last
// one waiting, and a Unix-domain listener (Linux knows only TCP's queue), say nothing.
static void accept_reports_more_connections(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	sockaddr_in addr;
	int l = tcp_listener(&addr);
	int c[3];
	for (int& fd : c) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_equal(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
	}
	lx::io_uring_cqe cqe = accept_one(r, l);
	assert_true(cqe.res >= 0);
	assert_int_equal(cqe.flags, lx::CQE_F_SOCK_NONEMPTY);
	close(cqe.res);
	int fds[1] = {-1};
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_FILES, fds, 1), 0);
	cqe = accept_one(r, l, 1); // direct, into slot 0
	assert_int_equal(cqe.res, 0);
	assert_int_equal(cqe.flags, lx::CQE_F_SOCK_NONEMPTY);
	cqe = accept_one(r, l);
	assert_true(cqe.res >= 0);
	assert_int_equal(cqe.flags, 0);
	close(cqe.res);
	for (int fd : c)
		close(fd);
	close(l);

	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	sockaddr_un ua{};
	ua.sun_family = AF_UNIX;
	std::snprintf(ua.sun_path + 1, sizeof(ua.sun_path) - 1, "rp-bundles-%d", int(getpid())); // abstract
	socklen_t ulen = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + std::strlen(ua.sun_path + 1));
	assert_int_equal(bind(u, reinterpret_cast<sockaddr*>(&ua), ulen), 0);
	assert_int_equal(listen(u, 8), 0);
	int uc[2];
	for (int& fd : uc) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_int_equal(connect(fd, reinterpret_cast<sockaddr*>(&ua), ulen), 0);
	}
	cqe = accept_one(r, u);
	assert_true(cqe.res >= 0);
	assert_int_equal(cqe.flags, 0);
	close(cqe.res);
	for (int fd : uc)
		close(fd);
	close(u);
}

// A multishot accept's items say SOCK_NONEMPTY as single accepts do.
static void multishot_accept_reports_more_connections(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	sockaddr_in addr;
	int l = tcp_listener(&addr);
	int c[3];
	for (int& fd : c) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_equal(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
	}
	auto* s = r.get_sqe();
	prep(s, lx::OP_ACCEPT, l, 0, 0, 0, 4);
	s->ioprio = lx::ACCEPT_MULTISHOT;
	assert_int_equal(r.submit(), 1);
	for (uint32_t want : {lx::CQE_F_SOCK_NONEMPTY, lx::CQE_F_SOCK_NONEMPTY, 0u}) {
		lx::io_uring_cqe cqe = must_next(r);
		assert_true(cqe.res >= 0);
		assert_int_equal(cqe.flags, want | lx::CQE_F_MORE);
		close(cqe.res);
	}
	s = r.get_sqe();
	prep(s, lx::OP_ASYNC_CANCEL, -1, 4, 0, 0, 5);
	assert_int_equal(r.submit(), 1);
	for (int i = 0; i < 2; ++i) {
		lx::io_uring_cqe cqe = must_next(r);
		assert_int_equal(cqe.res, cqe.user_data == 4 ? -ECANCELED : 0);
	}
	for (int fd : c)
		close(fd);
	close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(feature_is_advertised),
	    cmocka_unit_test(recv_bundle_fills_several_buffers),
	    cmocka_unit_test(recv_bundle_length_limits_the_map),
	    cmocka_unit_test(recv_bundle_incremental_ring),
	    cmocka_unit_test(recv_bundle_multishot_ends_at_tail),
	    cmocka_unit_test(send_bundle_gathers_buffers),
	    cmocka_unit_test(send_bundle_cut_by_length_goes_on),
	    cmocka_unit_test(send_bundle_continues_past_one_map),
	    cmocka_unit_test(send_bundle_that_waited_ends),
	    cmocka_unit_test(bundle_argument_errors),
	    cmocka_unit_test(accept_reports_more_connections),
	    cmocka_unit_test(multishot_accept_reports_more_connections),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
