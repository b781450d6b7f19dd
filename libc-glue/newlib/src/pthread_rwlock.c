/*
 * Reader-writer locks on one futex word (newlib's pthread_rwlock_t is a 32-bit word; its static initializer
 * 0xFFFFFFFF reads as "free" and becomes 0 at first use, as the mutexes' does):
 *   bits 0-29  the number of readers holding the lock
 *   bit 30     a writer holds it
 *   bit 31     someone sleeps on the word
 * Readers are preferred (glibc's default, PTHREAD_RWLOCK_PREFER_READER_NP): a reader enters whenever no
 * writer holds the lock. The last reader out, or the writer, wakes every sleeper when bit 31 is set and
 * clears it; sleepers that still cannot enter set it again before they sleep, so no wake-up is lost.
 */
#include "pthread_internal.h"

#include <errno.h>

#define RP_RW_READERS 0x3FFFFFFFu
#define RP_RW_WRITER 0x40000000u
#define RP_RW_WAITERS 0x80000000u
#define RP_RW_INITIAL 0xFFFFFFFFu

static volatile uint32_t *rp_rw_word(pthread_rwlock_t *lock)
{
	uint32_t initial = RP_RW_INITIAL;
	__atomic_compare_exchange_n(lock, &initial, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	return (volatile uint32_t *)lock;
}

int pthread_rwlockattr_init(pthread_rwlockattr_t *attr)
{
	attr->is_initialized = 1;
	return 0;
}

int pthread_rwlockattr_destroy(pthread_rwlockattr_t *attr)
{
	attr->is_initialized = 0;
	return 0;
}

int pthread_rwlock_init(pthread_rwlock_t *__restrict lock, const pthread_rwlockattr_t *__restrict attr)
{
	if (attr && !attr->is_initialized)
		return EINVAL;
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
	return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t *lock)
{
	uint32_t v = __atomic_load_n(lock, __ATOMIC_ACQUIRE);
	return (v != RP_RW_INITIAL && (v & (RP_RW_READERS | RP_RW_WRITER))) ? EBUSY : 0;
}

/* One attempt: 0 when the lock was taken, EBUSY when it is held the other way, EAGAIN at the reader limit. */
static int rp_try_read(volatile uint32_t *word, uint32_t *seen)
{
	uint32_t v = __atomic_load_n(word, __ATOMIC_RELAXED);
	for (;;) {
		*seen = v;
		if (v & RP_RW_WRITER)
			return EBUSY;
		if ((v & RP_RW_READERS) == RP_RW_READERS)
			return EAGAIN;
		if (__atomic_compare_exchange_n(word, &v, v + 1, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
	}
}

static int rp_try_write(volatile uint32_t *word, uint32_t *seen)
{
	uint32_t v = __atomic_load_n(word, __ATOMIC_RELAXED);
	for (;;) {
		*seen = v;
		if (v & (RP_RW_READERS | RP_RW_WRITER))
			return EBUSY;
		if (__atomic_compare_exchange_n(word, &v, v | RP_RW_WRITER, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
	}
}

/* Marks the word as slept on (unless it changed meanwhile) and sleeps while it keeps that value. */
static void rp_rw_sleep(volatile uint32_t *word, uint32_t seen)
{
	uint32_t marked = seen | RP_RW_WAITERS;
	if (seen != marked && !__atomic_compare_exchange_n(word, &seen, marked, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return; /* changed: try again */
	rp_futex_wait(word, marked);
}

int pthread_rwlock_rdlock(pthread_rwlock_t *lock)
{
	volatile uint32_t *word = rp_rw_word(lock);
	uint32_t seen;
	int r;
	while ((r = rp_try_read(word, &seen)) == EBUSY)
		rp_rw_sleep(word, seen);
	return r;
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *lock)
{
	uint32_t seen;
	return rp_try_read(rp_rw_word(lock), &seen);
}

int pthread_rwlock_wrlock(pthread_rwlock_t *lock)
{
	volatile uint32_t *word = rp_rw_word(lock);
	uint32_t seen;
	while (rp_try_write(word, &seen) == EBUSY)
		rp_rw_sleep(word, seen);
	return 0;
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *lock)
{
	uint32_t seen;
	return rp_try_write(rp_rw_word(lock), &seen);
}

int pthread_rwlock_unlock(pthread_rwlock_t *lock)
{
	volatile uint32_t *word = rp_rw_word(lock);
	uint32_t v = __atomic_load_n(word, __ATOMIC_RELAXED), next;
	do {
		if (v & RP_RW_WRITER)
			next = v & ~RP_RW_WRITER;
		else if (v & RP_RW_READERS)
			next = v - 1;
		else
			return EPERM; /* not held */
		/* Whoever leaves the lock free wakes the sleepers (and clears the mark they will set again). */
		if (!(next & (RP_RW_READERS | RP_RW_WRITER)))
			next &= ~RP_RW_WAITERS;
	} while (!__atomic_compare_exchange_n(word, &v, next, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	if ((v & RP_RW_WAITERS) && !(next & RP_RW_WAITERS))
		rp_futex_wake(word, 0x7FFFFFFF);
	return 0;
}
