/*
 * Futex primitives and the word lock every pthread object is built on (pthread_internal.h). The lock is the
 * classic three-state futex mutex: 0 free, 1 held, 2 held and somebody may sleep; an unlock that finds 2
 * wakes one sleeper, so an uncontended lock/unlock makes no system call.
 */
#include "pthread_internal.h"

#include <errno.h>

int rp_futex_wait(volatile uint32_t *word, uint32_t expected)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_FUTEX);
	sqe.syscall_flags = RP_FUTEX_WAIT;
	sqe.addr = (uint64_t)(uintptr_t)word;
	sqe.offset = expected;
	return (int)rp_native_call(&sqe);
}

int rp_futex_timed_wait(volatile uint32_t *word, uint32_t expected, const struct timespec *abstime, clockid_t clock)
{
	if (!abstime)
		return rp_futex_wait(word, expected);
	if (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000)
		return -EINVAL;
	/* FUTEX_WAIT_BITSET takes an absolute time; FUTEX_CLOCK_REALTIME picks the clock. */
	long op = 9 /* FUTEX_WAIT_BITSET */ | (clock == CLOCK_REALTIME ? 256 : 0);
	return (int)rp_raw_syscall6(202, (long)word, op, (long)expected, (long)abstime, 0, (long)0xFFFFFFFF);
}

int rp_futex_wake(volatile uint32_t *word, uint32_t count)
{
	struct rp_sqe sqe = rp_sqe_for(RP_OP_FUTEX);
	sqe.syscall_flags = RP_FUTEX_WAKE;
	sqe.addr = (uint64_t)(uintptr_t)word;
	sqe.len = count;
	return (int)rp_native_call(&sqe);
}

int rp_trylock_word(volatile uint32_t *word)
{
	uint32_t expected = 0;
	return __atomic_compare_exchange_n(word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED) ? 0 : EBUSY;
}

int rp_timedlock_word(volatile uint32_t *word, const struct timespec *abstime)
{
	uint32_t c = 0;
	if (__atomic_compare_exchange_n(word, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	/* Contended: mark the word 2 (a sleeper may exist) and sleep until it was free when we set it. */
	if (c != 2)
		c = __atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		int r = rp_futex_timed_wait(word, 2, abstime, CLOCK_REALTIME);
		if (r == -ETIMEDOUT)
			return ETIMEDOUT;
		c = __atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE);
	}
	return 0;
}

void rp_lock_word(volatile uint32_t *word) { (void)rp_timedlock_word(word, 0); }

void rp_unlock_word(volatile uint32_t *word)
{
	if (__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) == 2)
		rp_futex_wake(word, 1);
}
