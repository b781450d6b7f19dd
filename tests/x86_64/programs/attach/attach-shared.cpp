// Userspace-to-userspace attachment in the reference kernel (make check-qemu: attach-shared): two processes
// share one native ring pair in MAP_SHARED anonymous memory (fork shares it), the parent submitting SQEs and
// the child consuming them and answering with CQEs (extended ones for 64-bit results), each sleeping on the
// other's index with shared futexes only when there is nothing to do - no system call moves an entry. Small
// rings (8 SQEs, 16 CQEs) make both sides fill up and wait for room many times. Every entry is checked on
// both sides (order, every field, every result). Exits 0 when every check passed.
#include "guest_ring.hpp"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace ringport;

namespace {

constexpr uint32_t sq_entries = 8, cq_entries = 16;
constexpr uint64_t entries = 20000;

// One page: SQ header, CQ header, SQEs, CQEs (the layout is the two processes' own agreement).
struct SharedRing {
	rp_ring_header sq, cq;
	rp_sqe sqes[sq_entries];
	rp_cqe cqes[cq_entries];
};
static_assert(sizeof(SharedRing) <= 4096);

// What entry i carries, so the consumer can check every field.
rp_sqe entry(uint64_t i)
{
	rp_sqe s{};
	s.opcode = uint8_t(RP_OP_SCHEME_PRIVATE + i % 7);
	s.syscall_flags = uint32_t(i * 2654435761u);
	s.fd = i ^ 0x5a5a;
	s.len = i * 3;
	s.user_data = i;
	s.addr = ~i;
	s.offset = i << 20;
	s.additional1 = i + 1;
	s.additional2 = i * i;
	return s;
}
// The consumer's answer: every seventh one is wider than 32 bits (an extended completion).
int64_t answer(uint64_t i) { return i % 7 == 3 ? int64_t(i) << 33 : -int64_t(i % 4096); }

int consumer(SharedRing *r)
{
	native::SqConsumer requests(&r->sq, r->sqes);
	native::CqProducer replies(&r->cq, r->cqes);
	unsigned long bad = 0;
	for (uint64_t i = 0; i < entries;) {
		rp_sqe s;
		rp_ring_error e = requests.pop(&s);
		if (e == RP_RING_EMPTY) {
			guest::release_and_wake(requests);
			guest::publish_and_wake(replies);
			guest::wait_for_tail(&r->sq, requests.seen_tail());
			continue;
		}
		if (e != RP_RING_OK)
			return 2;
		rp_sqe want = entry(i);
		if (__builtin_memcmp(&s, &want, sizeof s) != 0)
			++bad;
		// Room for the answer (two slots when extended): wait for the producer to consume.
		while ((e = native::post_completion(replies, s.user_data, answer(i), 0)) == RP_RING_FULL) {
			guest::release_and_wake(requests);
			guest::publish_and_wake(replies);
			guest::wait_for_head(&r->cq, replies.seen_head());
		}
		if (e != RP_RING_OK)
			return 3;
		++i;
	}
	guest::release_and_wake(requests);
	guest::publish_and_wake(replies);
	if (bad)
		printf("attach-shared: consumer saw %lu entries differ\n", bad);
	printf("attach-shared: consumer made %lu futex calls for %llu entries\n", guest::futex_calls,
	       (unsigned long long)entries);
	return bad ? 1 : 0;
}

void producer(SharedRing *r)
{
	native::SqProducer requests(&r->sq, r->sqes);
	native::CqConsumer replies(&r->cq, r->cqes);
	uint64_t sent = 0, answered = 0, wrong = 0;
	while (answered < entries) {
		bool progress = false;
		while (sent < entries && requests.push(entry(sent)) == RP_RING_OK) {
			++sent;
			progress = true;
		}
		guest::publish_and_wake(requests);
		rp_cqe c;
		int64_t result;
		while (native::pop_completion(replies, &c, &result) == RP_RING_OK) {
			if (c.user_data != answered || result != answer(answered))
				++wrong;
			++answered;
			progress = true;
		}
		guest::release_and_wake(replies);
		if (!progress) {
			// Nothing moved: sleep on the CQ tail (the consumer publishes answers there). The SQ might be full
			// instead, but a full SQ means the consumer has work and will answer, moving the tail.
			guest::wait_for_tail(&r->cq, replies.seen_tail());
		}
	}
	CHECK(wrong == 0);
	CHECK(sent == entries);
	printf("attach-shared: producer moved %llu entries, %llu answers checked, %lu futex calls\n",
	       (unsigned long long)sent, (unsigned long long)answered, guest::futex_calls);
}

} // namespace

int main()
{
	void *m = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return 1;
	auto *r = static_cast<SharedRing *>(m);
	CHECK(native::init_header(&r->sq, sq_entries, sizeof(rp_sqe), 0) == RP_RING_OK);
	CHECK(native::init_header(&r->cq, cq_entries, sizeof(rp_cqe), 0) == RP_RING_OK);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(consumer(r));
	producer(r);
	int status = -1;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	// Fewer futex calls than entries: the data path is the shared memory, the kernel only puts idle sides to sleep.
	CHECK(guest::futex_calls < entries);
	printf("attach-shared: %s\n", failures ? "FAILED" : "20000 entries and answers crossed the shared ring intact");
	return failures ? 1 : 0;
}
