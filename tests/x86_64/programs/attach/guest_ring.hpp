// What the attachment-mode programs share inside the reference kernel (newlib programs, C++ without a C++
// library): a raw system call, the CHECK macro, and sleeping/waking on native ring indices with futexes - the
// guest's counterpart of os/abi's native_ring_linux.hpp (which needs a hosted C++ library), with the same
// protocol: a side that finds nothing to do counts itself in the header's *_waiters word, re-checks the index
// and sleeps on its low 32 bits; the other side makes the wake call only when the count is non-zero.
#pragma once

#include <ringport/kernel_calls.h>
#include <ringport/native_ring.hpp>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

namespace guest {

inline long raw_syscall(long number, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0)
{
	long ret;
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(number), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}

constexpr long sys_futex = 202;
constexpr long futex_wait_op = 0, futex_wake_op = 1; // shared (not FUTEX_PRIVATE_FLAG): the words are in shared memory

// Counts the system calls the ring helpers make, so the userspace-to-userspace test can say how few there were.
inline unsigned long futex_calls;

inline uint32_t *low_word(uint64_t *index) { return reinterpret_cast<uint32_t *>(index); }

// Sleeps while *index == seen (spurious wake-ups allowed: callers loop).
inline void wait_index(uint64_t *index, uint32_t *waiters, uint64_t seen)
{
	__atomic_fetch_add(waiters, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(index, __ATOMIC_SEQ_CST) == seen) {
		++futex_calls;
		raw_syscall(sys_futex, long(low_word(index)), futex_wait_op, long(uint32_t(seen)), 0, 0, 0);
	}
	__atomic_fetch_sub(waiters, 1, __ATOMIC_SEQ_CST);
}

inline void wake_index(uint64_t *index)
{
	++futex_calls;
	raw_syscall(sys_futex, long(low_word(index)), futex_wake_op, 0x7fffffff, 0, 0, 0);
}

inline void wait_for_tail(rp_ring_header *h, uint64_t seen_tail) { wait_index(&h->tail, &h->tail_waiters, seen_tail); }
inline void wait_for_head(rp_ring_header *h, uint64_t seen_head) { wait_index(&h->head, &h->head_waiters, seen_head); }

template <class Entry>
inline void publish_and_wake(ringport::native::Producer<Entry> &p)
{
	if (p.publish())
		wake_index(&p.header()->tail);
}

template <class Entry>
inline void release_and_wake(ringport::native::Consumer<Entry> &c)
{
	if (c.release())
		wake_index(&c.header()->head);
}

} // namespace guest

inline int failures;
#define CHECK(c)                                                                                           \
	do {                                                                                                   \
		if (!(c)) {                                                                                        \
			printf("FAIL: %s (line %d, errno %d)\n", #c, __LINE__, errno);                                \
			failures++;                                                                                    \
		}                                                                                                  \
	} while (0)
