// Native ring producer/consumer: ordering, wrap-around of the 64-bit indices, extended completions across the
// end of the ring, and every corrupted-header case returning its defined error.
#include "rp_test.h"
#include "rp_test_ring.hpp"

using namespace ringport::native;
using rp_test::make_sqe;
using rp_test::OwnedRing;

static void test_push_pop_in_order(void**)
{
	OwnedRing<rp_sqe> ring(8);
	auto p = ring.producer();
	auto c = ring.consumer();
	for (uint64_t i = 0; i < 8; ++i)
		assert_int_equal(p.push(make_sqe(RP_OP_NOP, i)), RP_RING_OK);
	assert_int_equal(p.push(make_sqe(RP_OP_NOP, 99)), RP_RING_FULL);
	rp_sqe out{};
	assert_int_equal(c.pop(&out), RP_RING_EMPTY); // staged but not yet published
	(void)p.publish();
	for (uint64_t i = 0; i < 8; ++i) {
		assert_int_equal(c.pop(&out), RP_RING_OK);
		assert_int_equal(out.user_data, i);
	}
	assert_int_equal(c.pop(&out), RP_RING_EMPTY);
	(void)c.release();
	assert_int_equal(p.push(make_sqe(RP_OP_NOP, 100)), RP_RING_OK);
}

static void test_indices_wrap_at_2_pow_64(void**)
{
	const uint64_t start = UINT64_MAX - 5;
	OwnedRing<rp_sqe> ring(4, 0, start);
	auto p = ring.producer();
	auto c = ring.consumer();
	uint64_t next_in = 0, next_out = 0;
	for (int round = 0; round < 6; ++round) {
		while (p.push(make_sqe(RP_OP_NOP, next_in)) == RP_RING_OK)
			++next_in;
		(void)p.publish();
		rp_sqe out{};
		while (c.pop(&out) == RP_RING_OK)
			assert_int_equal(out.user_data, next_out++);
		(void)c.release();
	}
	assert_int_equal(next_in, 24);
	assert_int_equal(next_out, 24);
	assert_true(ring.header->tail < start); // really wrapped
	assert_int_equal(ring.header->tail, start + 24);
}

static void test_extended_completion_straddles_end(void**)
{
	OwnedRing<rp_cqe> ring(8, 0, UINT64_MAX); // slot 7 is next; the index itself wraps too
	auto p = ring.producer();
	auto c = ring.consumer();
	const int64_t big = int64_t(1) << 40;
	assert_int_equal(post_completion(p, 7, big, 0), RP_RING_OK);
	assert_int_equal(post_completion(p, 8, -22, 0), RP_RING_OK);
	(void)p.publish();
	// The pair sits in slot 7 and slot 0.
	assert_true(ring.entries[7].flags & RP_CQE_EXTENDED);
	rp_cqe cqe{};
	int64_t wide = 0;
	assert_int_equal(pop_completion(c, &cqe, &wide), RP_RING_OK);
	assert_int_equal(cqe.user_data, 7);
	assert_true(wide == big);
	assert_int_equal(pop_completion(c, &cqe, &wide), RP_RING_OK);
	assert_int_equal(cqe.user_data, 8);
	assert_int_equal(wide, -22);
	assert_false(cqe.flags & RP_CQE_EXTENDED);
	assert_int_equal(pop_completion(c, &cqe, &wide), RP_RING_EMPTY);
}

static void test_negative_wide_result(void**)
{
	OwnedRing<rp_cqe> ring(4);
	auto p = ring.producer();
	auto c = ring.consumer();
	const int64_t low = INT64_MIN + 1;
	assert_int_equal(post_completion(p, 1, low, RP_CQE_EVENT), RP_RING_OK);
	(void)p.publish();
	rp_cqe cqe{};
	int64_t wide = 0;
	assert_int_equal(pop_completion(c, &cqe, &wide), RP_RING_OK);
	assert_true(wide == low);
	assert_true(cqe.status < 0);
	assert_true(cqe.flags & RP_CQE_EVENT);
}

static void test_pair_needs_two_free_slots(void**)
{
	OwnedRing<rp_cqe> ring(4);
	auto p = ring.producer();
	for (int i = 0; i < 3; ++i)
		assert_int_equal(post_completion(p, i, i, 0), RP_RING_OK);
	const uint64_t before = p.staged_tail();
	assert_int_equal(post_completion(p, 9, int64_t(1) << 33, 0), RP_RING_FULL);
	assert_int_equal(p.staged_tail(), before); // nothing half-written
	assert_int_equal(post_completion(p, 9, 5, 0), RP_RING_OK); // a narrow one still fits
}

static void test_half_pair_is_corrupt(void**)
{
	OwnedRing<rp_cqe> ring(4);
	ring.entries[0] = rp_cqe{1, INT32_MAX, RP_CQE_EXTENDED};
	ring.header->tail = 1; // a broken producer published only the first slot
	auto c = ring.consumer();
	rp_cqe cqe{};
	int64_t wide = 0;
	assert_int_equal(pop_completion(c, &cqe, &wide), RP_RING_CORRUPT);
	assert_int_equal(c.consumed_head(), 0); // not consumed
}

static void test_tail_beyond_count_is_corrupt(void**)
{
	OwnedRing<rp_sqe> ring(8);
	ring.header->tail = 9; // 9 ready in an 8-entry ring
	auto c = ring.consumer();
	rp_sqe out{};
	assert_int_equal(c.pop(&out), RP_RING_CORRUPT);
	assert_int_equal(c.ready().error(), RP_RING_CORRUPT);
	// A tail behind the head looks like an enormous distance: also corrupt, never a wild read.
	OwnedRing<rp_sqe> ring2(8, 0, 100);
	ring2.header->tail = 50;
	auto c2 = ring2.consumer();
	assert_int_equal(c2.pop(&out), RP_RING_CORRUPT);
}

static void test_head_beyond_tail_is_corrupt_for_producer(void**)
{
	OwnedRing<rp_sqe> ring(8, 0, 10);
	auto p = ring.producer();
	ring.header->head = 20; // the consumer claims to have consumed entries that were never produced
	assert_int_equal(p.space().error(), RP_RING_CORRUPT);
	for (int i = 0; i < 8; ++i)
		(void)p.push(make_sqe(RP_OP_NOP, i));
	assert_int_equal(p.push(make_sqe(RP_OP_NOP, 0)), RP_RING_CORRUPT);
}

static void test_indirect_index_out_of_range(void**)
{
	OwnedRing<rp_sqe> ring(4, RP_RING_INDIRECT);
	ring.entries[2] = make_sqe(RP_OP_NOP, 42);
	ring.indirect[0] = 7; // out of range
	ring.indirect[1] = 2;
	ring.header->tail = 2;
	auto c = ring.consumer();
	rp_sqe out{};
	assert_int_equal(c.pop(&out), RP_RING_BAD_INDEX);
	assert_int_equal(ring.header->dropped, 1);
	assert_int_equal(c.pop(&out), RP_RING_OK);
	assert_int_equal(out.user_data, 42);
	assert_int_equal(c.pop(&out), RP_RING_EMPTY);
}

static void test_indirect_producer_identity(void**)
{
	OwnedRing<rp_sqe> ring(4, RP_RING_INDIRECT);
	auto p = ring.producer();
	auto c = ring.consumer();
	for (uint64_t i = 0; i < 4; ++i)
		assert_int_equal(p.push(make_sqe(RP_OP_READ, i)), RP_RING_OK);
	(void)p.publish();
	rp_sqe out{};
	for (uint64_t i = 0; i < 4; ++i) {
		assert_int_equal(c.pop(&out), RP_RING_OK);
		assert_int_equal(out.user_data, i);
		assert_int_equal(out.opcode, RP_OP_READ);
	}
}

static void test_dropped_ring(void**)
{
	OwnedRing<rp_sqe> ring(4);
	auto p = ring.producer();
	auto c = ring.consumer();
	assert_int_equal(p.push(make_sqe(RP_OP_NOP, 1)), RP_RING_OK);
	(void)p.publish();
	mark_dropped(ring.header);
	rp_sqe out{};
	assert_int_equal(c.pop(&out), RP_RING_DROPPED);
	assert_int_equal(p.push(make_sqe(RP_OP_NOP, 2)), RP_RING_DROPPED);
	assert_int_equal(c.ready().error(), RP_RING_DROPPED);
}

static void test_check_header(void**)
{
	OwnedRing<rp_cqe> ring(16);
	assert_int_equal(check_header(ring.header, sizeof(rp_cqe)), RP_RING_OK);
	assert_int_equal(check_header(ring.header, sizeof(rp_sqe)), RP_RING_CORRUPT);
	ring.header->mask = 7;
	assert_int_equal(check_header(ring.header, sizeof(rp_cqe)), RP_RING_CORRUPT);
	ring.header->mask = 15;
	ring.header->entry_count = 12;
	assert_int_equal(check_header(ring.header, sizeof(rp_cqe)), RP_RING_CORRUPT);
	ring.header->entry_count = 16;
	ring.header->version = 99;
	assert_int_equal(check_header(ring.header, sizeof(rp_cqe)), RP_RING_CORRUPT);
	rp_ring_header h{};
	assert_int_equal(init_header(&h, 12, sizeof(rp_sqe), 0), RP_RING_CORRUPT);
	assert_int_equal(init_header(&h, 0, sizeof(rp_sqe), 0), RP_RING_CORRUPT);
}

static void test_mask_captured_at_attach(void**)
{
	// A consumer attached to an 8-entry ring keeps its mask even if the shared header is scribbled on later.
	OwnedRing<rp_sqe> ring(8);
	auto p = ring.producer();
	auto c = ring.consumer();
	ring.header->mask = 0xffffffff;
	ring.header->entry_count = 0x80000000u;
	for (uint64_t i = 0; i < 8; ++i)
		assert_int_equal(p.push(make_sqe(RP_OP_NOP, i)), RP_RING_OK);
	assert_int_equal(p.push(make_sqe(RP_OP_NOP, 8)), RP_RING_FULL);
	(void)p.publish();
	rp_sqe out{};
	for (uint64_t i = 0; i < 8; ++i)
		assert_int_equal(c.pop(&out), RP_RING_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_pop_in_order),
		cmocka_unit_test(test_indices_wrap_at_2_pow_64),
		cmocka_unit_test(test_extended_completion_straddles_end),
		cmocka_unit_test(test_negative_wide_result),
		cmocka_unit_test(test_pair_needs_two_free_slots),
		cmocka_unit_test(test_half_pair_is_corrupt),
		cmocka_unit_test(test_tail_beyond_count_is_corrupt),
		cmocka_unit_test(test_head_beyond_tail_is_corrupt_for_producer),
		cmocka_unit_test(test_indirect_index_out_of_range),
		cmocka_unit_test(test_indirect_producer_identity),
		cmocka_unit_test(test_dropped_ring),
		cmocka_unit_test(test_check_header),
		cmocka_unit_test(test_mask_captured_at_attach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
