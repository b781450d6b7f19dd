// A tiny tour of the native ring: a producer thread submits NOPs and a consumer thread "executes" them and
// posts completions, some as extended 64-bit results. Prints what crossed the rings.
#include <ringport/native_ring_linux.hpp>

#include <cstdio>
#include <cstdlib>
#include <thread>

using namespace ringport::native;

int main()
{
	constexpr uint32_t kEntries = 16;
	constexpr uint64_t kOps = 100000;
	auto* sqh = static_cast<rp_ring_header*>(std::aligned_alloc(128, sizeof(rp_ring_header)));
	auto* cqh = static_cast<rp_ring_header*>(std::aligned_alloc(128, sizeof(rp_ring_header)));
	auto* sqes = static_cast<rp_sqe*>(std::calloc(kEntries, sizeof(rp_sqe)));
	auto* cqes = static_cast<rp_cqe*>(std::calloc(kEntries, sizeof(rp_cqe)));
	(void)init_header(sqh, kEntries, sizeof(rp_sqe), 0);
	(void)init_header(cqh, kEntries, sizeof(rp_cqe), 0);

	std::thread os([&] {
		SqConsumer sq(sqh, sqes);
		CqProducer cq(cqh, cqes);
		for (uint64_t done = 0; done < kOps;) {
			rp_sqe sqe;
			if (sq.pop(&sqe) != RP_RING_OK) {
				release_and_wake(sq);
				(void)wait_for_tail(sqh, sq.seen_tail());
				continue;
			}
			int64_t result = sqe.opcode == RP_OP_NOP ? int64_t(sqe.user_data) << 32 : -38;
			while (post_completion(cq, sqe.user_data, result, 0) == RP_RING_FULL) {
				publish_and_wake(cq);
				(void)wait_for_head(cqh, cq.seen_head());
			}
			publish_and_wake(cq);
			++done;
			release_and_wake(sq); // hand the slot back at once: the submitter may be waiting for room
		}
	});

	SqProducer sq(sqh, sqes);
	CqConsumer cq(cqh, cqes);
	uint64_t submitted = 0, completed = 0, wide = 0;
	while (completed < kOps) {
		while (submitted < kOps && submitted - completed < kEntries && sq.push(rp_sqe{RP_OP_NOP, 0, 0, 0, 0, 0, submitted, 0, 0, 0, 0}) == RP_RING_OK)
			++submitted;
		publish_and_wake(sq);
		rp_cqe cqe;
		int64_t result;
		if (pop_completion(cq, &cqe, &result) == RP_RING_OK) {
			if (result != int64_t(cqe.user_data) << 32 || cqe.user_data != completed) {
				std::fprintf(stderr, "ring-demo: completion %llu is wrong\n", (unsigned long long)completed);
				return 1;
			}
			wide += (cqe.flags & RP_CQE_EXTENDED) != 0;
			++completed;
			release_and_wake(cq);
		} else {
			(void)wait_for_tail(cqh, cq.seen_tail());
		}
	}
	os.join();
	std::printf("ring-demo: %llu NOPs crossed a %u-entry native ring; %llu completions were extended 64-bit pairs\n",
	            (unsigned long long)completed, kEntries, (unsigned long long)wide);
	std::free(sqh);
	std::free(cqh);
	std::free(sqes);
	std::free(cqes);
	return 0;
}
