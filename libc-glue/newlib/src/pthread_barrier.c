/*
 * Barriers in newlib's 32-bit pthread_barrier_t, packed so one futex word carries everything - which also
 * makes a PTHREAD_PROCESS_SHARED barrier in MAP_SHARED memory work across fork (across-fork's):
 *   bits 0-9 the count (1..1023), bits 10-19 how many arrived in this round, bits 20-31 the round number.
 * The last thread to arrive starts the next round (arrivals back to 0, round + 1) and wakes everyone; the
 * others sleep until the round number moves.
 */
#include "pthread_internal.h"

#include <errno.h>

#define RP_BARRIER_MAX 1023u
#define RP_COUNT(v) ((v) & 0x3FFu)
#define RP_ARRIVED(v) (((v) >> 10) & 0x3FFu)
#define RP_ROUND(v) ((v) >> 20)

int pthread_barrierattr_init(pthread_barrierattr_t *attr)
{
	attr->is_initialized = 1;
#if defined(_POSIX_THREAD_PROCESS_SHARED)
	attr->process_shared = PTHREAD_PROCESS_PRIVATE;
#endif
	return 0;
}

int pthread_barrierattr_destroy(pthread_barrierattr_t *attr)
{
	attr->is_initialized = 0;
	return 0;
}

int pthread_barrierattr_setpshared(pthread_barrierattr_t *attr, int shared)
{
	if (!attr->is_initialized || (shared != PTHREAD_PROCESS_PRIVATE && shared != PTHREAD_PROCESS_SHARED))
		return EINVAL;
#if defined(_POSIX_THREAD_PROCESS_SHARED)
	attr->process_shared = shared;
#endif
	return 0; /* every barrier works across processes (see above) */
}

int pthread_barrierattr_getpshared(const pthread_barrierattr_t *attr, int *shared)
{
	if (!attr->is_initialized)
		return EINVAL;
#if defined(_POSIX_THREAD_PROCESS_SHARED)
	*shared = attr->process_shared;
#else
	*shared = PTHREAD_PROCESS_PRIVATE;
#endif
	return 0;
}

int pthread_barrier_init(pthread_barrier_t *barrier, const pthread_barrierattr_t *attr, unsigned count)
{
	if (count == 0 || count > RP_BARRIER_MAX || (attr && !attr->is_initialized))
		return EINVAL;
	__atomic_store_n(barrier, count, __ATOMIC_RELEASE);
	return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *barrier)
{
	if (RP_ARRIVED(__atomic_load_n(barrier, __ATOMIC_ACQUIRE)))
		return EBUSY;
	return 0;
}

int pthread_barrier_wait(pthread_barrier_t *barrier)
{
	volatile uint32_t *word = (volatile uint32_t *)barrier;
	uint32_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	for (;;) {
		uint32_t count = RP_COUNT(v), arrived = RP_ARRIVED(v) + 1, round = RP_ROUND(v);
		if (count == 0)
			return EINVAL;
		if (arrived == count) {
			uint32_t next = count | (((round + 1) & 0xFFFu) << 20);
			if (__atomic_compare_exchange_n(word, &v, next, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				rp_futex_wake(word, 0x7FFFFFFF);
				return PTHREAD_BARRIER_SERIAL_THREAD;
			}
			continue; /* v was reloaded */
		}
		uint32_t mine = v + (1u << 10);
		if (!__atomic_compare_exchange_n(word, &v, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			continue;
		for (;;) {
			uint32_t now = __atomic_load_n(word, __ATOMIC_ACQUIRE);
			if (RP_ROUND(now) != round)
				return 0;
			rp_futex_wait(word, now);
		}
	}
}
