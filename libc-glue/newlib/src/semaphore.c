/*
 * POSIX unnamed semaphores (compat/semaphore.h's sem_t): `value` is the count and the futex word. sem_wait
 * takes one when there is one and otherwise sleeps while it is 0; sem_post adds one and wakes a sleeper when
 * one may exist (`waiters`, kept in the first reserved word, counts threads between their decision to sleep
 * and their return). Works across processes in shared memory (see pthread_internal.h).
 */
#include "pthread_internal.h"

#include <errno.h>
#include <semaphore.h>

#define RP_SEM_MAX 0x7FFFFFFFu

static volatile long *rp_waiters(sem_t *sem) { return (volatile long *)&sem->reserved[0]; }

int sem_init(sem_t *sem, int pshared, unsigned value)
{
	if (value > RP_SEM_MAX) {
		errno = EINVAL;
		return -1;
	}
	sem->value = value;
	sem->pshared = pshared;
	sem->reserved[0] = sem->reserved[1] = 0;
	return 0;
}

int sem_destroy(sem_t *sem)
{
	(void)sem;
	return 0;
}

int sem_trywait(sem_t *sem)
{
	unsigned v = __atomic_load_n(&sem->value, __ATOMIC_ACQUIRE);
	while (v > 0)
		if (__atomic_compare_exchange_n(&sem->value, &v, v - 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
			return 0;
	errno = EAGAIN;
	return -1;
}

int sem_timedwait(sem_t *__restrict sem, const struct timespec *__restrict abstime)
{
	for (;;) {
		if (sem_trywait(sem) == 0)
			return 0;
		__atomic_fetch_add(rp_waiters(sem), 1, __ATOMIC_ACQ_REL);
		int r = rp_futex_timed_wait((volatile uint32_t *)&sem->value, 0, abstime, CLOCK_REALTIME);
		__atomic_fetch_sub(rp_waiters(sem), 1, __ATOMIC_ACQ_REL);
		if (r == -ETIMEDOUT || r == -EINVAL) {
			errno = -r;
			return -1;
		}
		if (r == -EINTR) {
			errno = EINTR;
			return -1;
		}
	}
}

int sem_wait(sem_t *sem) { return sem_timedwait(sem, 0); }

int sem_post(sem_t *sem)
{
	unsigned v = __atomic_load_n(&sem->value, __ATOMIC_RELAXED);
	do {
		if (v >= RP_SEM_MAX) {
			errno = EOVERFLOW;
			return -1;
		}
	} while (!__atomic_compare_exchange_n(&sem->value, &v, v + 1, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	if (__atomic_load_n(rp_waiters(sem), __ATOMIC_ACQUIRE) > 0)
		rp_futex_wake((volatile uint32_t *)&sem->value, 1);
	return 0;
}

int sem_getvalue(sem_t *__restrict sem, int *__restrict value)
{
	*value = (int)__atomic_load_n(&sem->value, __ATOMIC_ACQUIRE);
	return 0;
}
