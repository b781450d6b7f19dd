// Two threads, one producer and one consumer, push millions of completions through a small ring (every third
// one an extended pair) and check that each arrives exactly once, in order, with its full 64-bit result.
// Both sides sleep on the indices through futexes when they cannot make progress. Meant to be clean under TSan.
#include "rp_test.h"
#include "rp_test_ring.hpp"

#include <ringport/native_ring_linux.hpp>

#include <thread>

using namespace ringport::native;
using rp_test::OwnedRing;

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kItems = 200000; // sanitizers slow each step down by 5-20x
#else
constexpr uint64_t kItems = 1000000;
#endif

int64_t value_for(uint64_t i)
{
	// Every third value needs 64 bits (positive and negative), the rest fit the 32-bit status.
	if (i % 3 == 0)
		return (i & 1) ? -int64_t((i << 20) | 1) : int64_t((i << 24) | 7);
	return int64_t(i & 0x7fffffff);
}

void produce(OwnedRing<rp_cqe>* ring, uint64_t items)
{
	auto p = ring->producer();
	for (uint64_t i = 0; i < items;) {
		rp_ring_error err = post_completion(p, i, value_for(i), 0);
		if (err == RP_RING_OK) {
			++i;
			if ((i & 15) == 0)
				publish_and_wake(p);
			continue;
		}
		assert_int_equal(err, RP_RING_FULL);
		publish_and_wake(p);
		(void)wait_for_head(ring->header, p.seen_head());
	}
	publish_and_wake(p);
}

void consume(OwnedRing<rp_cqe>* ring, uint64_t items, uint64_t* received, uint64_t* extended)
{
	auto c = ring->consumer();
	uint64_t next = 0;
	while (next < items) {
		rp_cqe cqe{};
		int64_t wide = 0;
		rp_ring_error err = pop_completion(c, &cqe, &wide);
		if (err == RP_RING_OK) {
			if (cqe.user_data != next || wide != value_for(next))
				fail_msg("item %llu arrived as user_data %llu value %lld", (unsigned long long)next,
				         (unsigned long long)cqe.user_data, (long long)wide);
			if (cqe.flags & RP_CQE_EXTENDED)
				++*extended;
			++next;
			if ((next & 15) == 0)
				release_and_wake(c);
			continue;
		}
		assert_int_equal(err, RP_RING_EMPTY);
		release_and_wake(c);
		(void)wait_for_tail(ring->header, c.seen_tail());
	}
	release_and_wake(c);
	*received = next;
}

void run(uint32_t entries, uint64_t start, uint32_t flags)
{
	OwnedRing<rp_cqe> ring(entries, flags, start);
	uint64_t received = 0, extended = 0;
	std::thread consumer(consume, &ring, kItems, &received, &extended);
	std::thread producer(produce, &ring, kItems);
	producer.join();
	consumer.join();
	assert_int_equal(received, kItems);
	uint64_t wide = 0;
	for (uint64_t i = 0; i < kItems; ++i)
		wide += value_for(i) != int64_t(int32_t(value_for(i)));
	assert_true(wide > kItems / 4);
	assert_int_equal(extended, wide);
	assert_int_equal(ring.header->tail - start, kItems + wide);
	assert_int_equal(ring.header->head, ring.header->tail);
}

} // namespace

static void test_spsc_small_ring(void**) { run(8, 0, 0); }
static void test_spsc_wrapping_indices(void**) { run(64, UINT64_MAX - 1000, 0); }
static void test_spsc_polled(void**) { run(256, 17, RP_RING_POLLED); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spsc_small_ring),
		cmocka_unit_test(test_spsc_wrapping_indices),
		cmocka_unit_test(test_spsc_polled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
