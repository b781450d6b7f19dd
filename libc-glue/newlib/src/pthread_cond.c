/*
 * Condition variables: the 32-bit pthread_cond_t is a sequence number. A waiter reads it, unlocks the mutex
 * and sleeps while it is unchanged; signal and broadcast bump it and wake one or all. A wake between the read
 * and the sleep changes the word, so the sleep returns at once (-EAGAIN) and nothing is lost; spurious
 * wake-ups are allowed by POSIX. The initializer (0xFFFFFFFF) is just a starting number. The clock of
 * pthread_cond_timedwait is CLOCK_REALTIME (newlib's 32-bit cond cannot remember a condattr clock).
 */
#include "pthread_internal.h"

#include <errno.h>

int pthread_condattr_init(pthread_condattr_t *attr)
{
	attr->is_initialized = 1;
	attr->clock = CLOCK_REALTIME;
#if defined(_POSIX_THREAD_PROCESS_SHARED)
	attr->process_shared = PTHREAD_PROCESS_PRIVATE;
#endif
	return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *attr)
{
	attr->is_initialized = 0;
	return 0;
}

int pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr)
{
	(void)attr;
	*cond = 0;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *cond)
{
	(void)cond;
	return 0;
}

int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex, const struct timespec *abstime)
{
	volatile uint32_t *word = (volatile uint32_t *)cond;
	uint32_t seq = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	int r = pthread_mutex_unlock(mutex);
	if (r)
		return r;
	int waited = rp_futex_timed_wait(word, seq, abstime, CLOCK_REALTIME);
	pthread_mutex_lock(mutex);
	if (waited == -ETIMEDOUT)
		return ETIMEDOUT;
	if (waited == -EINVAL)
		return EINVAL;
	return 0;
}

int pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex) { return pthread_cond_timedwait(cond, mutex, 0); }

int pthread_cond_signal(pthread_cond_t *cond)
{
	__atomic_fetch_add((volatile uint32_t *)cond, 1, __ATOMIC_RELEASE);
	rp_futex_wake((volatile uint32_t *)cond, 1);
	return 0;
}

int pthread_cond_broadcast(pthread_cond_t *cond)
{
	__atomic_fetch_add((volatile uint32_t *)cond, 1, __ATOMIC_RELEASE);
	rp_futex_wake((volatile uint32_t *)cond, 0x7FFFFFFF);
	return 0;
}
