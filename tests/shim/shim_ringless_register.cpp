// io_uring_register(-1, ...) (Linux 6.13+) and REGISTER_QUERY (6.18): the opcodes that need no ring are served,
// every other is -EINVAL (never -EBADF, which a feature probe would read as "the kernel has it"), and the
// register opcode is checked before the fd.
#include "rp_test.h"

#include "shim_ring.hpp"

using namespace shimtest;

static int reg(int fd, unsigned op, const void* arg, unsigned nr) { return rp_sys_io_uring_register(unsigned(fd), op, arg, nr); }

static void other_opcodes_are_einval(void**)
{
	for (unsigned op = 0; op < lx::REGISTER_LAST; ++op) {
		if (op == lx::REGISTER_SEND_MSG_RING || op == lx::REGISTER_QUERY)
			continue;
		assert_int_equal(reg(-1, op, nullptr, 0), -EINVAL);
	}
	// Beyond the last opcode: -EINVAL whatever the fd, even one that is not open.
	assert_int_equal(reg(-1, lx::REGISTER_LAST, nullptr, 0), -EINVAL);
	assert_int_equal(reg(987, lx::REGISTER_LAST, nullptr, 0), -EINVAL);
	// A closed fd that is not -1 is still -EBADF.
	assert_int_equal(reg(987, lx::REGISTER_PROBE, nullptr, 0), -EBADF);
	// The registered-ring flag does not change what fd -1 means.
	assert_int_equal(reg(-1, lx::REGISTER_PROBE | lx::REGISTER_USE_REGISTERED_RING, nullptr, 0), -EINVAL);
}

static void msg_sqe(lx::io_uring_sqe* s, int target, uint32_t res, uint64_t ud)
{
	std::memset(s, 0, sizeof(*s));
	s->opcode = lx::OP_MSG_RING;
	s->fd = target;
	s->addr = lx::MSG_DATA;
	s->len = res;
	s->off = ud;
}

static void send_msg_ring_posts(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	lx::io_uring_sqe s;
	msg_sqe(&s, r.fd, 77, 0xabc);
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), 0);
	lx::io_uring_cqe c;
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, 0xabc);
	assert_int_equal(c.res, 77);
	assert_int_equal(c.flags, 0);
	// FLAGS_PASS carries file_index into cqe.flags.
	msg_sqe(&s, r.fd, 1, 0xdef);
	s.msg_ring_flags = lx::MSG_RING_FLAGS_PASS;
	s.file_index = 0x50000;
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), 0);
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, 0xdef);
	assert_int_equal(c.flags, 0x50000);
}

static void send_msg_ring_rules(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	lx::io_uring_sqe s;
	msg_sqe(&s, r.fd, 1, 1);
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, nullptr, 1), -EINVAL);
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 0), -EINVAL);
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 2), -EINVAL);
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, reinterpret_cast<void*>(8), 1), -EFAULT);
	s.flags = lx::SQE_IO_LINK; // no SQE flags without a ring
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), -EINVAL);
	msg_sqe(&s, r.fd, 1, 1);
	s.opcode = lx::OP_NOP;
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), -EINVAL);
	msg_sqe(&s, r.fd, 1, 1);
	s.addr = lx::MSG_SEND_FD; // no source ring to take a file from
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), -EINVAL);
	msg_sqe(&s, r.fd, 1, 1);
	s.personality = 1;
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), -EINVAL);
	msg_sqe(&s, r.fd, 1, 1);
	s.file_index = 3; // without FLAGS_PASS
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), -EINVAL);
	msg_sqe(&s, r.fd, 1, 1);
	s.addr3 = 1;
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), -EINVAL);
	msg_sqe(&s, 987, 1, 1);
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), -EBADF);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	msg_sqe(&s, fds[0], 1, 1);
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), -EBADFD);
	close(fds[0]);
	close(fds[1]);
	// A disabled target refuses messages.
	Ring d;
	assert_int_equal(d.init(4, lx::SETUP_R_DISABLED), 0);
	msg_sqe(&s, d.fd, 1, 1);
	assert_int_equal(reg(-1, lx::REGISTER_SEND_MSG_RING, &s, 1), -EBADFD);
	// On a ring fd the opcode means nothing: Linux's per-ring switch has no case for it.
	msg_sqe(&s, r.fd, 1, 1);
	assert_int_equal(reg(r.fd, lx::REGISTER_SEND_MSG_RING, &s, 1), -EINVAL);
	lx::io_uring_cqe c;
	assert_false(r.pop(&c)); // nothing was posted by the refused calls
}

static void query_opcodes(void**)
{
	lx::io_uring_query_opcode q;
	std::memset(&q, 0xff, sizeof(q));
	lx::io_uring_query_hdr h{};
	h.query_data = reinterpret_cast<uint64_t>(&q);
	h.query_op = lx::QUERY_OPCODES;
	h.size = sizeof(q);
	h.result = 0;
	std::memset(&q, 0, sizeof(q));
	assert_int_equal(reg(-1, lx::REGISTER_QUERY, &h, 0), 0);
	assert_int_equal(h.result, 0);
	assert_int_equal(h.size, lx::QUERY_OPCODE_SIZE_6_18); // 6.18 fills the first 40 bytes
	assert_int_equal(q.nr_request_opcodes, lx::OP_LAST);
	assert_int_equal(q.nr_register_opcodes, lx::REGISTER_LAST);
	assert_int_equal(q.sqe_flags, lx::SQE_VALID_FLAGS);
	assert_int_equal(q.nr_query_opcodes, 0);
	// The bits are what setup really advertises and accepts.
	Ring r;
	assert_int_equal(r.init(4), 0);
	assert_int_equal(q.feature_flags, r.p.features);
	assert_true(q.ring_setup_flags & lx::SETUP_DEFER_TASKRUN);
	assert_true(q.ring_setup_flags & lx::SETUP_SQE_MIXED);
	assert_true(q.ring_setup_flags & lx::SETUP_CQE_MIXED);
	assert_true(q.enter_flags & lx::ENTER_EXT_ARG_REG);
	// The same through a ring fd.
	lx::io_uring_query_opcode q2{};
	h.query_data = reinterpret_cast<uint64_t>(&q2);
	h.size = sizeof(q2);
	h.result = 0;
	assert_int_equal(reg(r.fd, lx::REGISTER_QUERY, &h, 0), 0);
	assert_int_equal(std::memcmp(&q, &q2, sizeof(q)), 0);
	assert_int_equal(reg(-1, lx::REGISTER_QUERY, &h, 1), -EINVAL); // nr_args must be 0
}

static void query_chain_and_errors(void**)
{
	lx::io_uring_query_opcode q{};
	uint8_t big[64];
	std::memset(big, 0xee, sizeof(big));
	lx::io_uring_query_hdr h[3]{};
	// An unknown query: -EOPNOTSUPP in its result, and its data zeroed.
	h[0].query_data = reinterpret_cast<uint64_t>(big);
	h[0].query_op = 2; // IO_URING_QUERY_SCQ: later than 6.18
	h[0].size = sizeof(big);
	h[0].next_entry = reinterpret_cast<uint64_t>(&h[1]);
	// A short result structure: only its size is written.
	uint32_t small[2] = {0, 0xdeadbeef};
	h[1].query_data = reinterpret_cast<uint64_t>(small);
	h[1].query_op = lx::QUERY_OPCODES;
	h[1].size = 4;
	h[1].next_entry = reinterpret_cast<uint64_t>(&h[2]);
	// Reserved fields set: -EINVAL in its result.
	h[2].query_data = reinterpret_cast<uint64_t>(&q);
	h[2].query_op = lx::QUERY_OPCODES;
	h[2].size = sizeof(q);
	h[2].resv[1] = 1;
	assert_int_equal(reg(-1, lx::REGISTER_QUERY, &h[0], 0), 0);
	assert_int_equal(h[0].result, -EOPNOTSUPP);
	assert_int_equal(h[0].size, 0);
	for (uint8_t b : big)
		assert_int_equal(b, 0);
	assert_int_equal(h[1].result, 0);
	assert_int_equal(h[1].size, 4);
	assert_int_equal(small[0], lx::OP_LAST);
	assert_int_equal(small[1], 0xdeadbeef);
	assert_int_equal(h[2].result, -EINVAL);
	// A header that cannot be read fails the call; a cycle ends with -ERANGE.
	assert_int_equal(reg(-1, lx::REGISTER_QUERY, reinterpret_cast<void*>(8), 0), -EFAULT);
	lx::io_uring_query_hdr loop{};
	loop.query_data = reinterpret_cast<uint64_t>(&q);
	loop.query_op = lx::QUERY_OPCODES;
	loop.size = sizeof(q);
	loop.next_entry = reinterpret_cast<uint64_t>(&loop);
	assert_int_equal(reg(-1, lx::REGISTER_QUERY, &loop, 0), -ERANGE);
	// A zero size is -EINVAL in the result (a result already set, likewise).
	lx::io_uring_query_hdr z{};
	z.query_data = reinterpret_cast<uint64_t>(&q);
	assert_int_equal(reg(-1, lx::REGISTER_QUERY, &z, 0), 0);
	assert_int_equal(z.result, -EINVAL);
}

// The register opcodes docs/compat-matrix.md lists as refused are -EINVAL on a ring too, whatever the arguments,
// as on a kernel without them.
static void refused_register_ops_are_einval(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	alignas(8) uint8_t arg[256] = {};
	static const unsigned refused[] = {lx::REGISTER_NAPI, lx::UNREGISTER_NAPI, lx::REGISTER_ZCRX_IFQ};
	for (unsigned op : refused) {
		assert_int_equal(reg(r.fd, op, nullptr, 0), -EINVAL);
		assert_int_equal(reg(r.fd, op, arg, 1), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(other_opcodes_are_einval), cmocka_unit_test(send_msg_ring_posts),
	    cmocka_unit_test(send_msg_ring_rules),      cmocka_unit_test(query_opcodes),
	    cmocka_unit_test(query_chain_and_errors),   cmocka_unit_test(refused_register_ops_are_einval),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
