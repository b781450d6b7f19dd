// IORING_SETUP_CQE_MIXED and IORING_SETUP_SQE_MIXED with Linux's rules: each refused beside its all-big twin
// (CQE32, SQE128); on a mixed CQ a 32-byte CQE takes two 16-byte slots flagged CQE_F_32 and never straddles the
// wrap (a CQE_F_SKIP filler takes the last slot first), in the ring and when overflow is flushed; on a mixed SQ the
// 128-byte opcodes (NOP128, URING_CMD128) take two slots, fail -EINVAL where the pair would straddle the end of the
// SQE array or the batch, and everywhere on a ring of plain 64-byte SQEs; NOP's CQE32 flag and the probe.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <sys/socket.h>
#include <sys/wait.h>

using namespace shimtest;

namespace {

// A CQE of a mixed CQ as the program reads it: the 16 bytes, and the next 16 when it is a big one.
struct MixedCqe {
	lx::io_uring_cqe cqe;
	uint64_t extra[2];
	uint32_t slots; // 1, or 2 for CQE_F_32
};

// Reads the CQE at the head without consuming it; false when the CQ is empty.
bool peek_mixed(Ring& r, MixedCqe* out)
{
	uint32_t head = *Ring::u32(r.cq, r.p.cq_off.head);
	if (__atomic_load_n(Ring::u32(r.cq, r.p.cq_off.tail), __ATOMIC_ACQUIRE) == head)
		return false;
	uint32_t slot = head & (r.p.cq_entries - 1);
	const uint8_t* at = r.cq + r.p.cq_off.cqes + slot * 16u;
	std::memcpy(&out->cqe, at, 16);
	out->slots = (out->cqe.flags & lx::CQE_F_32) ? 2 : 1;
	if (out->slots == 2) {
		assert_true(slot + 1 < r.p.cq_entries); // a big CQE never straddles the wrap
		std::memcpy(out->extra, at + 16, 16);
	}
	return true;
}

void advance(Ring& r, uint32_t n)
{
	uint32_t* head = Ring::u32(r.cq, r.p.cq_off.head);
	__atomic_store_n(head, *head + n, __ATOMIC_RELEASE);
}

lx::io_uring_sqe* nop(Ring& r, uint64_t ud, uint32_t nop_flags = 0, uint64_t extra1 = 0, uint64_t extra2 = 0)
{
	lx::io_uring_sqe* s = r.get_sqe();
	assert_non_null(s);
	prep(s, lx::OP_NOP, -1, extra2, 0, extra1, ud);
	s->nop_flags = nop_flags;
	return s;
}

// One CQE: waits for it, then checks and consumes it.
void expect_cqe(Ring& r, uint64_t ud, int32_t res, uint32_t flags)
{
	MixedCqe c{};
	for (int i = 0; i < 1000 && !peek_mixed(r, &c); ++i)
		r.wait(1);
	assert_int_equal(c.cqe.user_data, ud);
	assert_int_equal(c.cqe.res, res);
	assert_int_equal(c.cqe.flags, flags);
	advance(r, c.slots);
}

uint32_t sq_head(Ring& r) { return __atomic_load_n(Ring::u32(r.sq, r.p.sq_off.head), __ATOMIC_ACQUIRE); }

} // namespace

static void setup_flag_rules(void**)
{
	Ring a, b, c, d, e;
	assert_int_equal(a.init(8, lx::SETUP_CQE_MIXED), 0);
	// The CQ keeps 16-byte entries: the SQ index array follows cq_entries * 16 bytes of CQEs.
	assert_int_equal(a.p.sq_off.array, (a.p.cq_off.cqes + a.p.cq_entries * 16 + 63) & ~63u);
	assert_int_equal(b.init(8, lx::SETUP_SQE_MIXED | lx::SETUP_CQE_MIXED), 0);
	assert_int_equal(c.init(8, lx::SETUP_CQE_MIXED | lx::SETUP_CQE32), -EINVAL);
	assert_int_equal(d.init(8, lx::SETUP_SQE_MIXED | lx::SETUP_SQE128), -EINVAL);
	assert_int_equal(e.init(8, lx::SETUP_SQE_MIXED | lx::SETUP_CQE32), 0); // the other twin mixes fine
}

static void probe_reports_128_byte_ops(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	alignas(8) uint8_t buf[sizeof(lx::io_uring_probe) + 256 * sizeof(lx::io_uring_probe_op)] = {};
	auto* pr = reinterpret_cast<lx::io_uring_probe*>(buf);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_PROBE, pr, 256), 0);
	auto* ops = reinterpret_cast<lx::io_uring_probe_op*>(pr + 1);
	assert_true(pr->last_op >= lx::OP_URING_CMD128);
	assert_true(ops[lx::OP_NOP128].flags & lx::PROBE_OP_SUPPORTED);
	assert_true(ops[lx::OP_URING_CMD128].flags & lx::PROBE_OP_SUPPORTED);
}

static void nop_cqe32_needs_a_big_cq(void**)
{
	Ring plain, big, mixed;
	assert_int_equal(plain.init(4), 0);
	nop(plain, 1, lx::NOP_CQE32, 11, 12);
	assert_int_equal(plain.submit(), 1);
	expect_cqe(plain, 1, -EINVAL, 0);

	// A CQE32 ring: the extra words are off and addr, and no CQE_F_32 (every CQE is big there).
	assert_int_equal(big.init(4, lx::SETUP_CQE32), 0);
	nop(big, 2, lx::NOP_CQE32, 0x1111, 0x2222);
	assert_int_equal(big.submit(1), 1);
	assert_int_equal(big.ready(), 1u);
	const uint8_t* at = big.cq + big.p.cq_off.cqes + (*Ring::u32(big.cq, big.p.cq_off.head) & (big.p.cq_entries - 1)) * 32u;
	lx::io_uring_cqe c;
	uint64_t extra[2];
	std::memcpy(&c, at, 16);
	std::memcpy(extra, at + 16, 16);
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.res, 0);
	assert_int_equal(c.flags, 0);
	assert_int_equal(extra[0], 0x1111);
	assert_int_equal(extra[1], 0x2222);

	// A mixed ring: two slots, CQE_F_32, the tail moves by two; an injected result still comes back.
	assert_int_equal(mixed.init(4, lx::SETUP_CQE_MIXED), 0);
	nop(mixed, 3, lx::NOP_CQE32, 0x3333, 0x4444);
	lx::io_uring_sqe* s = nop(mixed, 4, lx::NOP_CQE32 | lx::NOP_INJECT_RESULT, 5, 6);
	s->len = uint32_t(-EBADF);
	nop(mixed, 5);
	assert_int_equal(mixed.submit(3), 3);
	assert_int_equal(mixed.ready(), 5u);
	MixedCqe m{};
	assert_true(peek_mixed(mixed, &m));
	assert_int_equal(m.cqe.user_data, 3);
	assert_int_equal(m.cqe.flags, lx::CQE_F_32);
	assert_int_equal(m.slots, 2);
	assert_int_equal(m.extra[0], 0x3333);
	assert_int_equal(m.extra[1], 0x4444);
	advance(mixed, 2);
	assert_true(peek_mixed(mixed, &m));
	assert_int_equal(m.cqe.user_data, 4);
	assert_int_equal(m.cqe.res, -EBADF);
	assert_int_equal(m.cqe.flags, lx::CQE_F_32);
	assert_int_equal(m.extra[0], 5);
	assert_int_equal(m.extra[1], 6);
	advance(mixed, 2);
	expect_cqe(mixed, 5, 0, 0); // a plain NOP on the mixed ring stays 16 bytes
	assert_int_equal(mixed.ready(), 0u);
}

// liburing's nop32-overflow case: an 8-slot CQ, one small CQE to unalign it, then seven big ones. Three fit; the
// fourth finds one slot before the wrap, which gets a SKIP filler, and overflows with the rest; flushed, the four
// fill the ring exactly.
static void skip_filler_at_wrap_and_overflow(void**)
{
	Ring r;
	assert_int_equal(r.init(8, lx::SETUP_CQE_MIXED | lx::SETUP_CQSIZE, 8), 0);
	assert_int_equal(r.p.cq_entries, 8u);
	for (uint64_t i = 1; i <= 8; ++i)
		nop(r, i, i == 1 ? 0 : lx::NOP_CQE32, i * 100, i * 1000);
	assert_int_equal(r.submit(), 8);
	assert_int_equal(r.ready(), 8u);
	assert_true(r.sq_flags() & lx::SQ_CQ_OVERFLOW);
	MixedCqe m{};
	assert_true(peek_mixed(r, &m));
	assert_int_equal(m.cqe.user_data, 1);
	assert_int_equal(m.cqe.flags, 0);
	advance(r, 1);
	for (uint64_t i = 2; i <= 4; ++i) {
		assert_true(peek_mixed(r, &m));
		assert_int_equal(m.cqe.user_data, i);
		assert_int_equal(m.cqe.flags, lx::CQE_F_32);
		assert_int_equal(m.extra[0], i * 100);
		assert_int_equal(m.extra[1], i * 1000);
		advance(r, 2);
	}
	assert_true(peek_mixed(r, &m));
	assert_int_equal(m.cqe.user_data, 0);
	assert_int_equal(m.cqe.res, 0);
	assert_int_equal(m.cqe.flags, lx::CQE_F_SKIP);
	advance(r, 1);
	assert_int_equal(r.ready(), 0u);
	// Entering for events flushes the overflow: four big CQEs from slot 0, in order, nothing lost.
	assert_true(r.wait(1) >= 0);
	assert_int_equal(r.ready(), 8u);
	for (uint64_t i = 5; i <= 8; ++i) {
		assert_true(peek_mixed(r, &m));
		assert_int_equal(m.cqe.user_data, i);
		assert_int_equal(m.cqe.flags, lx::CQE_F_32);
		assert_int_equal(m.extra[0], i * 100);
		assert_int_equal(m.extra[1], i * 1000);
		advance(r, 2);
	}
	assert_false(r.sq_flags() & lx::SQ_CQ_OVERFLOW);
	assert_int_equal(*Ring::u32(r.cq, r.p.cq_off.overflow), 0u);
}

// The tail at the last slot with room behind the head: the filler takes the last slot and the big CQE starts
// again at slot 0, posted rather than overflowed.
static void skip_filler_then_slot_zero(void**)
{
	Ring r;
	assert_int_equal(r.init(4, lx::SETUP_CQE_MIXED | lx::SETUP_CQSIZE, 4), 0);
	for (uint64_t i = 1; i <= 3; ++i)
		nop(r, i);
	assert_int_equal(r.submit(), 3);
	advance(r, 2); // slots 0-1 free again; tail is at slot 3, the last
	nop(r, 9, lx::NOP_CQE32, 7, 8);
	assert_int_equal(r.submit(), 1);
	// Slot 3 took a filler; the big CQE needs slots 0-1, which are free: it is there, not overflowed.
	expect_cqe(r, 3, 0, 0);
	MixedCqe m{};
	assert_true(peek_mixed(r, &m));
	assert_int_equal(m.cqe.flags, lx::CQE_F_SKIP);
	advance(r, 1);
	expect_cqe(r, 9, 0, lx::CQE_F_32);
	assert_false(r.sq_flags() & lx::SQ_CQ_OVERFLOW);
}

// A ring shared with a forked child posts under the cross-process lock: the same filler and two-slot rule, and the
// filler is published with the big CQE after it.
static void shared_ring_posts_the_same(void**)
{
	Ring r;
	assert_int_equal(r.init(4, lx::SETUP_CQE_MIXED | lx::SETUP_CQSIZE, 4), 0);
	for (uint64_t i = 1; i <= 3; ++i)
		nop(r, i);
	assert_int_equal(r.submit(), 3);
	advance(r, 2); // the tail is at the last slot
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		lx::io_uring_sqe* s = r.get_sqe();
		prep(s, lx::OP_NOP, -1, 8, 0, 7, 9);
		s->nop_flags = lx::NOP_CQE32;
		_exit(r.submit() == 1 ? 0 : 1);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	expect_cqe(r, 3, 0, 0);
	MixedCqe m{};
	assert_true(peek_mixed(r, &m));
	assert_int_equal(m.cqe.flags, lx::CQE_F_SKIP);
	advance(r, 1);
	assert_true(peek_mixed(r, &m));
	assert_int_equal(m.cqe.user_data, 9);
	assert_int_equal(m.cqe.flags, lx::CQE_F_32);
	assert_int_equal(m.extra[0], 7);
	assert_int_equal(m.extra[1], 8);
	advance(r, 2);
	assert_int_equal(r.ready(), 0u);
}

static void nop128_takes_two_slots(void**)
{
	Ring r;
	assert_int_equal(r.init(8, lx::SETUP_SQE_MIXED), 0);
	nop(r, 1);
	lx::io_uring_sqe* s = r.get_sqe();
	prep(s, lx::OP_NOP128, -1, 0, 0, 0, 2);
	std::memset(r.get_sqe(), 0xff, sizeof(lx::io_uring_sqe)); // the second half: not an SQE, never read as one
	r.sqes[2].user_data = 0x77;
	nop(r, 3);
	assert_int_equal(r.submit(), 4); // slots consumed, the second half counted too, as Linux counts
	assert_int_equal(sq_head(r), 4u);
	expect_cqe(r, 1, 0, 0);
	expect_cqe(r, 2, 0, 0);
	expect_cqe(r, 3, 0, 0);
	assert_int_equal(r.ready(), 0u);
}

// liburing's sqe-mixed-bad-wrap: a 128-byte SQE in the SQ's last slot would straddle the end: -EINVAL, one slot
// taken, and the ring goes on from the wrap.
static void nop128_in_last_slot_fails(void**)
{
	Ring r;
	assert_int_equal(r.init(8, lx::SETUP_SQE_MIXED), 0);
	for (uint64_t i = 1; i <= 7; ++i)
		nop(r, i);
	assert_int_equal(r.submit(), 7);
	for (uint64_t i = 1; i <= 7; ++i)
		expect_cqe(r, i, 0, 0);
	prep(r.get_sqe(), lx::OP_NOP128, -1, 0, 0, 0, 8);
	assert_int_equal(r.submit(), 1);
	expect_cqe(r, 8, -EINVAL, 0);
	nop(r, 9);
	assert_int_equal(r.submit(), 1);
	expect_cqe(r, 9, 0, 0);
	assert_int_equal(sq_head(r), 9u);
}

// The pair must be in the batch: a NOP128 that is the last SQE to_submit covers fails -EINVAL, taking one slot.
static void nop128_cut_by_batch_fails(void**)
{
	Ring r;
	assert_int_equal(r.init(8, lx::SETUP_SQE_MIXED), 0);
	prep(r.get_sqe(), lx::OP_NOP128, -1, 0, 0, 0, 1);
	r.get_sqe();
	r.publish();
	assert_int_equal(rp_sys_io_uring_enter(r.fd, 1, 0, 0, nullptr), 1);
	expect_cqe(r, 1, -EINVAL, 0);
	assert_int_equal(sq_head(r), 1u);
}

// Through the index array a 128-byte SQE may be named at the array's last physical entry: -EINVAL too (it would
// read past the SQE array), as liburing's sqe-mixed-boundary expects.
static void nop128_at_last_physical_sqe_fails(void**)
{
	Ring r;
	assert_int_equal(r.init(4, lx::SETUP_SQE_MIXED), 0);
	nop(r, 1);
	prep(r.get_sqe(), lx::OP_NOP128, -1, 0, 0, 0, 2);
	r.get_sqe();
	auto* array = Ring::u32(r.sq, r.p.sq_off.array);
	array[1] = 3;
	std::memset(&r.sqes[3], 0, sizeof(lx::io_uring_sqe));
	prep(&r.sqes[3], lx::OP_NOP128, -1, 0, 0, 0, 3);
	int n = r.submit();
	assert_true(n >= 2);
	expect_cqe(r, 1, 0, 0);
	expect_cqe(r, 3, -EINVAL, 0);
}

static void nop128_needs_sqe_mixed_or_sqe128(void**)
{
	Ring plain;
	assert_int_equal(plain.init(4), 0);
	prep(plain.get_sqe(), lx::OP_NOP128, -1, 0, 0, 0, 1);
	nop(plain, 2);
	// A failed SQE outside a link ends the batch (no SUBMIT_ALL), after its one slot: the NOP waits its turn.
	assert_int_equal(plain.submit(), 1);
	assert_int_equal(sq_head(plain), 1u);
	expect_cqe(plain, 1, -EINVAL, 0);
	assert_int_equal(plain.submit(), 1);
	expect_cqe(plain, 2, 0, 0);
	prep(plain.get_sqe(), lx::OP_URING_CMD128, -1, 0, 0, 0, 3);
	assert_int_equal(plain.submit(), 1);
	expect_cqe(plain, 3, -EINVAL, 0);

	// On an SQE128 ring every SQE is 128 bytes: NOP128 is an ordinary one-slot op there.
	Ring big;
	assert_int_equal(big.init(4, lx::SETUP_SQE128), 0);
	rp_sys_munmap(big.sqes, big.sqes_len);
	big.sqes_len = big.p.sq_entries * 128u;
	void* m = rp_sys_mmap(nullptr, big.sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED, big.fd, lx::OFF_SQES);
	assert_false(long(m) < 0 && long(m) > -4096);
	big.sqes = static_cast<lx::io_uring_sqe*>(m);
	std::memset(m, 0, big.sqes_len);
	prep(&big.sqes[0], lx::OP_NOP128, -1, 0, 0, 0, 4);
	prep(&big.sqes[2], lx::OP_NOP, -1, 0, 0, 0, 5); // index 1 in units of 128 bytes
	big.sq_tail += 2;
	assert_int_equal(big.submit(), 2);
	expect_cqe(big, 4, 0, 0);
	expect_cqe(big, 5, 0, 0);
}

// URING_CMD128 is URING_CMD in a 128-byte SQE: on a mixed SQ its socket commands run from two slots.
static void uring_cmd128_socket_command(void**)
{
	Ring r;
	assert_int_equal(r.init(8, lx::SETUP_SQE_MIXED), 0);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(send(sv[0], "12345", 5, 0), 5);
	nop(r, 1);
	lx::io_uring_sqe* s = r.get_sqe();
	prep(s, lx::OP_URING_CMD128, sv[1], 0, 0, 0, 2);
	s->cmd_op = lx::SOCKET_URING_OP_SIOCINQ;
	std::memset(r.get_sqe(), 0, sizeof(lx::io_uring_sqe)); // the command's second 64 bytes
	nop(r, 3);
	assert_int_equal(r.submit(), 4);
	// The command goes to the OS, so the NOPs may complete first: results by user_data.
	int32_t res[4] = {1, 1, 1, 1};
	for (int n = 0; n < 3; ++n) {
		MixedCqe c{};
		for (int i = 0; i < 1000 && !peek_mixed(r, &c); ++i)
			r.wait(1);
		assert_in_range(c.cqe.user_data, 1, 3);
		assert_int_equal(c.cqe.flags, 0);
		res[c.cqe.user_data] = c.cqe.res;
		advance(r, c.slots);
	}
	assert_int_equal(res[1], 0);
	assert_int_equal(res[2], 5);
	assert_int_equal(res[3], 0);
	close(sv[0]);
	close(sv[1]);
}

// A failed NOP128 fails its link like any SQE that fails init.
static void nop128_failure_breaks_its_link(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	lx::io_uring_sqe* s = r.get_sqe();
	prep(s, lx::OP_NOP128, -1, 0, 0, 0, 1);
	s->flags = lx::SQE_IO_LINK;
	nop(r, 2);
	assert_int_equal(r.submit(), 2);
	expect_cqe(r, 1, -EINVAL, 0);
	expect_cqe(r, 2, -ECANCELED, 0);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(setup_flag_rules),
		cmocka_unit_test(probe_reports_128_byte_ops),
		cmocka_unit_test(nop_cqe32_needs_a_big_cq),
		cmocka_unit_test(skip_filler_at_wrap_and_overflow),
		cmocka_unit_test(skip_filler_then_slot_zero),
		cmocka_unit_test(shared_ring_posts_the_same),
		cmocka_unit_test(nop128_takes_two_slots),
		cmocka_unit_test(nop128_in_last_slot_fails),
		cmocka_unit_test(nop128_cut_by_batch_fails),
		cmocka_unit_test(nop128_at_last_physical_sqe_fails),
		cmocka_unit_test(nop128_needs_sqe_mixed_or_sqe128),
		cmocka_unit_test(uring_cmd128_socket_command),
		cmocka_unit_test(nop128_failure_breaks_its_link),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
