// Sleeping and waking on native ring indices with Linux futexes (hosted builds only).
//
// A side that finds nothing to do announces itself in the header's *_waiters word, re-checks the index and
// sleeps on the index's low 32 bits; the other side wakes only when the waiter count is non-zero (Producer::
// publish and Consumer::release report that). Rings created with RP_RING_POLLED spin instead of sleeping.
#pragma once

#include <ringport/native_ring.hpp>

#include <cerrno>
#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ringport::native {

namespace detail {
inline uint32_t* low_word(uint64_t* index)
{
	static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "futex word is the low half of the index");
	return reinterpret_cast<uint32_t*>(index);
}

inline void cpu_relax() { __builtin_ia32_pause(); }

// Sleeps while *index == seen. Returns 0, or -ETIMEDOUT / -EINTR. timeout is relative (nullptr = forever).
inline int wait_index(uint64_t* index, uint32_t* waiters, uint64_t seen, bool polled, const timespec* timeout)
{
	if (polled) {
		// Polling rings never sleep; a relative timeout is honoured by the clock.
		timespec start{};
		if (timeout)
			clock_gettime(CLOCK_MONOTONIC, &start);
		for (unsigned spins = 0; __atomic_load_n(index, __ATOMIC_ACQUIRE) == seen; ++spins) {
			cpu_relax();
			if (timeout && (spins & 1023) == 0) {
				timespec now{};
				clock_gettime(CLOCK_MONOTONIC, &now);
				int64_t elapsed = (now.tv_sec - start.tv_sec) * 1000000000LL + (now.tv_nsec - start.tv_nsec);
				if (elapsed >= timeout->tv_sec * 1000000000LL + timeout->tv_nsec)
					return -ETIMEDOUT;
			}
		}
		return 0;
	}
	__atomic_fetch_add(waiters, 1, __ATOMIC_SEQ_CST);
	int ret = 0;
	if (__atomic_load_n(index, __ATOMIC_SEQ_CST) == seen) {
		long r = syscall(SYS_futex, low_word(index), FUTEX_WAIT, uint32_t(seen), timeout, nullptr, 0);
		if (r < 0 && errno != EAGAIN)
			ret = -errno;
	}
	__atomic_fetch_sub(waiters, 1, __ATOMIC_SEQ_CST);
	return ret;
}

inline void wake_index(uint64_t* index) { syscall(SYS_futex, low_word(index), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0); }
} // namespace detail

// Consumer side: sleep until the producer publishes past `seen_tail`.
inline int wait_for_tail(rp_ring_header* h, uint64_t seen_tail, const timespec* timeout = nullptr)
{
	return detail::wait_index(&h->tail, &h->tail_waiters, seen_tail, h->flags & RP_RING_POLLED, timeout);
}

// Producer side: sleep until the consumer releases past `seen_head` (the ring was full).
inline int wait_for_head(rp_ring_header* h, uint64_t seen_head, const timespec* timeout = nullptr)
{
	return detail::wait_index(&h->head, &h->head_waiters, seen_head, h->flags & RP_RING_POLLED, timeout);
}

inline void wake_tail_waiters(rp_ring_header* h) { detail::wake_index(&h->tail); }
inline void wake_head_waiters(rp_ring_header* h) { detail::wake_index(&h->head); }

// Publishes and wakes a sleeping consumer if there is one.
template <class Entry>
inline void publish_and_wake(Producer<Entry>& p)
{
	if (p.publish())
		wake_tail_waiters(p.header());
}

template <class Entry>
inline void release_and_wake(Consumer<Entry>& c)
{
	if (c.release())
		wake_head_waiters(c.header());
}

// Marks a ring shut down and wakes everyone sleeping on it.
inline void shut_down(rp_ring_header* h)
{
	mark_dropped(h);
	wake_tail_waiters(h);
	wake_head_waiters(h);
}

} // namespace ringport::native
