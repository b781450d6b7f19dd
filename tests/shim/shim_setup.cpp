// io_uring_setup through the shim: Linux's entries/CQSIZE/CLAMP rules, the flag refusals, every params field.
#include "rp_test.h"

#include "shim_ring.hpp"

using namespace shimtest;

static int setup_with(unsigned entries, lx::io_uring_params* p)
{
	int fd = rp_sys_io_uring_setup(entries, reinterpret_cast<io_uring_params*>(p));
	if (fd >= 0)
		rp_sys_close(fd);
	return fd < 0 ? fd : 0;
}

static void entries_rules(void**)
{
	lx::io_uring_params p{};
	assert_int_equal(setup_with(0, &p), -EINVAL);
	p = {};
	assert_int_equal(setup_with(32769, &p), -EINVAL);
	p = {};
	p.flags = lx::SETUP_CLAMP;
	assert_int_equal(setup_with(100000, &p), 0);
	assert_int_equal(p.sq_entries, 32768);
	assert_int_equal(p.cq_entries, 65536);
	p = {};
	assert_int_equal(setup_with(3, &p), 0);
	assert_int_equal(p.sq_entries, 4); // rounded up to a power of two
	assert_int_equal(p.cq_entries, 8); // twice the SQ
}

static void cqsize_rules(void**)
{
	lx::io_uring_params p{};
	p.flags = lx::SETUP_CQSIZE;
	p.cq_entries = 0;
	assert_int_equal(setup_with(4, &p), -EINVAL);
	p = {};
	p.flags = lx::SETUP_CQSIZE;
	p.cq_entries = 2;
	assert_int_equal(setup_with(4, &p), -EINVAL); // smaller than the SQ
	p = {};
	p.flags = lx::SETUP_CQSIZE;
	p.cq_entries = 100;
	assert_int_equal(setup_with(4, &p), 0);
	assert_int_equal(p.cq_entries, 128);
	p = {};
	p.flags = lx::SETUP_CQSIZE;
	p.cq_entries = 1u << 20;
	assert_int_equal(setup_with(4, &p), -EINVAL);
	p = {};
	p.flags = lx::SETUP_CQSIZE | lx::SETUP_CLAMP;
	p.cq_entries = 1u << 20;
	assert_int_equal(setup_with(4, &p), 0);
	assert_int_equal(p.cq_entries, 65536);
}

static void flag_rules(void**)
{
	lx::io_uring_params p{};
	p.flags = 1u << 20; // unknown
	assert_int_equal(setup_with(4, &p), -EINVAL);
	p = {};
	p.resv[1] = 1;
	assert_int_equal(setup_with(4, &p), -EINVAL);
	p = {};
	p.flags = lx::SETUP_DEFER_TASKRUN; // needs SINGLE_ISSUER
	assert_int_equal(setup_with(4, &p), -EINVAL);
	p = {};
	p.flags = lx::SETUP_DEFER_TASKRUN | lx::SETUP_SINGLE_ISSUER;
	assert_int_equal(setup_with(4, &p), 0);
	p = {};
	p.flags = lx::SETUP_TASKRUN_FLAG; // needs COOP_TASKRUN or DEFER_TASKRUN
	assert_int_equal(setup_with(4, &p), -EINVAL);
	p = {};
	p.flags = lx::SETUP_COOP_TASKRUN | lx::SETUP_TASKRUN_FLAG;
	assert_int_equal(setup_with(4, &p), 0);
	p = {};
	p.flags = lx::SETUP_SQ_AFF; // without SQPOLL
	assert_int_equal(setup_with(4, &p), -EINVAL);
	p = {};
	p.flags = lx::SETUP_REGISTERED_FD_ONLY; // without NO_MMAP
	assert_int_equal(setup_with(4, &p), -EINVAL);
	p = {};
	p.flags = lx::SETUP_HYBRID_IOPOLL; // without IOPOLL
	assert_int_equal(setup_with(4, &p), -EINVAL);
	p = {};
	p.flags = lx::SETUP_NO_SQARRAY | lx::SETUP_SUBMIT_ALL | lx::SETUP_CQE32 | lx::SETUP_SQE128;
	assert_int_equal(setup_with(4, &p), 0);
	assert_int_equal(p.sq_off.array, 0);
	assert_int_equal(rp_sys_io_uring_setup(4, nullptr), -EFAULT);
}

static void params_layout(void**)
{
	lx::io_uring_params p{};
	assert_int_equal(setup_with(8, &p), 0);
	// struct io_rings as Linux lays it out.
	assert_int_equal(p.sq_off.head, 0);
	assert_int_equal(p.sq_off.tail, 4);
	assert_int_equal(p.cq_off.head, 8);
	assert_int_equal(p.cq_off.tail, 12);
	assert_int_equal(p.sq_off.ring_mask, 16);
	assert_int_equal(p.cq_off.ring_mask, 20);
	assert_int_equal(p.sq_off.ring_entries, 24);
	assert_int_equal(p.cq_off.ring_entries, 28);
	assert_int_equal(p.sq_off.dropped, 32);
	assert_int_equal(p.sq_off.flags, 36);
	assert_int_equal(p.cq_off.flags, 40);
	assert_int_equal(p.cq_off.overflow, 44);
	assert_int_equal(p.cq_off.cqes, 64);
	assert_int_equal(p.sq_off.array, 64 + 16 * 16); // after 16 CQEs, cache-line aligned
	assert_true(p.features & lx::FEAT_NODROP);
	assert_true(p.features & lx::FEAT_SINGLE_MMAP);
	assert_true(p.features & lx::FEAT_EXT_ARG);
	assert_true(p.features & lx::FEAT_RSRC_TAGS);
	assert_true(p.features & lx::FEAT_RECVSEND_BUNDLE); // send/recv bundles are honoured (ops_net.cpp)
	Ring r;
	assert_int_equal(r.init(8), 0);
	assert_int_equal(*Ring::u32(r.sq, r.p.sq_off.ring_entries), 8);
	assert_int_equal(*Ring::u32(r.cq, r.p.cq_off.ring_entries), 16);
	assert_int_equal(*Ring::u32(r.cq, r.p.cq_off.ring_mask), 15);
	// mmap at an unknown offset is refused.
	void* m = rp_sys_mmap(nullptr, 4096, PROT_READ, MAP_SHARED, r.fd, 0x40000000);
	assert_int_equal(long(m), -EINVAL);
}

static void probe_matches_table(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	alignas(8) uint8_t buf[sizeof(lx::io_uring_probe) + 256 * sizeof(lx::io_uring_probe_op)] = {};
	auto* probe = reinterpret_cast<lx::io_uring_probe*>(buf);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PROBE, probe, 256), 0);
	assert_int_equal(probe->last_op, lx::OP_LAST - 1);
	assert_int_equal(probe->ops_len, lx::OP_LAST);
	assert_true(probe->ops[lx::OP_NOP].flags & lx::PROBE_OP_SUPPORTED);
	assert_true(probe->ops[lx::OP_READV].flags & lx::PROBE_OP_SUPPORTED);
	assert_true(probe->ops[lx::OP_URING_CMD].flags & lx::PROBE_OP_SUPPORTED);
	assert_false(probe->ops[lx::OP_EPOLL_CTL].flags & lx::PROBE_OP_SUPPORTED);
	// A probe buffer that is not zeroed is refused.
	probe->resv2[0] = 1;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PROBE, probe, 4), -EINVAL);
	// An unsupported opcode completes with -EINVAL.
	auto* s = r.get_sqe();
	prep(s, lx::OP_EPOLL_CTL, -1, 0, 0, 0, 7);
	assert_int_equal(r.submit(1), 1);
	lx::io_uring_cqe c;
	assert_true(r.pop(&c));
	assert_int_equal(c.user_data, 7);
	assert_int_equal(c.res, -EINVAL);
}

static void enter_errors(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 0, 0, ~0u, nullptr), -EINVAL);
	assert_int_equal(rp_sys_io_uring_enter(12345, 0, 0, 0, nullptr), -EBADF);
	assert_int_equal(rp_sys_io_uring_enter(0, 0, 0, 0, nullptr), -EOPNOTSUPP);
	lx::io_uring_getevents_arg arg{};
	assert_int_equal(rp_sys_io_uring_enter2(r.fd, 0, 1, lx::ENTER_GETEVENTS | lx::ENTER_EXT_ARG, &arg, 3), -EINVAL);
	lx::kernel_timespec ts{0, 20 * 1000 * 1000};
	arg.ts = reinterpret_cast<uint64_t>(&ts);
	assert_int_equal(rp_sys_io_uring_enter2(r.fd, 0, 1, lx::ENTER_GETEVENTS | lx::ENTER_EXT_ARG, &arg, sizeof(arg)),
	                 -ETIME);
}

static void disabled_ring(void**)
{
	Ring r;
	assert_int_equal(r.init(4, lx::SETUP_R_DISABLED), 0);
	auto* s = r.get_sqe();
	prep(s, lx::OP_NOP, -1, 0, 0, 0, 1);
	assert_int_equal(r.submit(), -EBADFD);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_ENABLE_RINGS, nullptr, 0), 0);
	assert_int_equal(r.submit(1), 1);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_ENABLE_RINGS, nullptr, 0), -EBADFD);
}

// SQPOLL: the SQ thread starts awake (NEED_WAKEUP clear, as on Linux) and consumes what is published; enter
// with GETEVENTS waits for it (tests/shim/test_sqpoll has the thread's rules).
static void sqpoll_and_iopoll_rules(void**)
{
	Ring r;
	assert_int_equal(r.init(4, lx::SETUP_SQPOLL), 0);
	assert_false(r.sq_flags() & lx::SQ_NEED_WAKEUP);
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 5);
	r.publish();
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 1, 1, lx::ENTER_SQ_WAKEUP | lx::ENTER_GETEVENTS, nullptr), 1);
	lx::io_uring_cqe c;
	assert_true(r.pop(&c));
	assert_int_equal(c.user_data, 5);

	Ring p;
	assert_int_equal(p.init(4, lx::SETUP_IOPOLL), 0);
	lx::kernel_timespec ts{0, 1000};
	char buf[8];
	prep(p.get_sqe(), lx::OP_READ, 0, uint64_t(buf), 8, 0, 2); // stdin is not O_DIRECT
	prep(p.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 3);
	prep(p.get_sqe(), lx::OP_TIMEOUT, -1, uint64_t(&ts), 1, 0, 1); // no polled completion for timeouts
	assert_int_equal(p.submit(), 3); // the init failure counts as submitted and ends the batch
	int32_t want[] = {-EINVAL, -EOPNOTSUPP, 0};
	for (int i = 0; i < 3; ++i) {
		assert_true(p.next(&c));
		assert_int_equal(c.res, want[c.user_data - 1]);
	}
	// MSG_RING needs no file polling: Linux allows it on IOPOLL rings (a message to itself here).
	prep(p.get_sqe(), lx::OP_MSG_RING, p.fd, 0, 0x10, 0x1234, 4);
	assert_int_equal(p.submit(), 1);
	int seen = 0;
	for (int i = 0; i < 2; ++i) {
		assert_true(p.next(&c));
		if (c.user_data == 4) {
			assert_int_equal(c.res, 0);
			seen |= 1;
		} else if (c.user_data == 0x1234) {
			assert_int_equal(c.res, 0x10);
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
	lx::io_uring_params q{};
	q.flags = lx::SETUP_SQPOLL | lx::SETUP_COOP_TASKRUN;
	assert_int_equal(setup_with(4, &q), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(entries_rules),       cmocka_unit_test(cqsize_rules),  cmocka_unit_test(flag_rules),
	    cmocka_unit_test(params_layout),       cmocka_unit_test(probe_matches_table),
	    cmocka_unit_test(enter_errors),        cmocka_unit_test(disabled_ring),
	    cmocka_unit_test(sqpoll_and_iopoll_rules),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
