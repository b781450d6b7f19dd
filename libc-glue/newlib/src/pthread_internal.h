/*
 * The newlib pthread layer on the reference kernel (pthread_*.c, semaphore.c, pthread_locks.c): threads are
 * clone(CLONE_VM|CLONE_THREAD|...) with their own TLS block and struct rp_thread at the thread pointer, and
 * every blocking path is a futex word.
 *
 * Futex calls: waits and wakes without a timeout are the native ring's RP_OP_FUTEX, submitted on the calling
 * thread's own ring (rp_native_call), as the Redox design puts them. Timed waits (pthread_cond_timedwait,
 * sem_timedwait, pthread_mutex_timedlock) use Linux's futex(2) instead: the native op has no timeout field,
 * and a linked RP_OP_TIMEOUT cannot cut short an op that blocks inside the executor.
 *
 * All futexes are issued without the private flag: on this kernel a non-private futex in private memory is
 * keyed by (address space, address) exactly like a private one, and in MAP_SHARED memory by physical page, so
 * one code path serves PTHREAD_PROCESS_SHARED objects (across-fork's barrier) and private ones alike.
 */
#ifndef RP_PTHREAD_INTERNAL_H
#define RP_PTHREAD_INTERNAL_H

#include "glue.h"
#include "raw_syscall.h"

#include <pthread.h>
#include <reent.h>
#include <stdint.h>
#include <time.h>

#define RP_PTHREAD_KEYS 64

/* newlib names these only with _POSIX_THREAD_PROCESS_SHARED (off in this configuration); their POSIX values. */
#ifndef PTHREAD_PROCESS_PRIVATE
#define PTHREAD_PROCESS_PRIVATE 0
#define PTHREAD_PROCESS_SHARED 1
#endif

/* One per thread created by pthread_create, in the same mapping as its stack and TLS block. */
struct rp_pthread {
	struct rp_thread thread; /* at the thread pointer: %fs:0 points at thread.self */
	volatile int tid;        /* the kernel writes it (CLONE_PARENT_SETTID), clears and futex-wakes it at exit */
	volatile int detached;   /* pthread_detach or PTHREAD_CREATE_DETACHED: nobody will join */
	int id;                  /* its pthread_t: the tid, kept after the kernel clears `tid` */
	void *(*start)(void *);
	void *arg;
	void *result;
	void *map;        /* the whole mapping: stack, TLS block, this struct */
	size_t map_size;
	struct rp_pthread *next; /* the list of live and unreaped threads (rp_threads) */
	const void *keys[RP_PTHREAD_KEYS];
	struct _reent reent;
};

/* The calling thread's struct, or 0 for the main thread (which the glue's crt0 set up, not pthread_create). */
struct rp_pthread *rp_pthread_self(void);
/* The main thread's key values (the main thread has no struct rp_pthread). */
extern const void *rp_main_keys[RP_PTHREAD_KEYS];

/* Futex primitives (see above). Waits return 0 when woken (or spuriously), -EAGAIN when the word differed,
   -EINTR, and for the timed one -ETIMEDOUT. abstime: CLOCK_REALTIME or CLOCK_MONOTONIC per clock. */
int rp_futex_wait(volatile uint32_t *word, uint32_t expected);
int rp_futex_timed_wait(volatile uint32_t *word, uint32_t expected, const struct timespec *abstime,
                        clockid_t clock);
int rp_futex_wake(volatile uint32_t *word, uint32_t count);

/* A plain lock on one futex word (0 free, 1 held, 2 held with waiters): mutexes and newlib's locks. */
void rp_lock_word(volatile uint32_t *word);
int rp_trylock_word(volatile uint32_t *word);
/* abstime 0: no deadline. 0 or ETIMEDOUT. */
int rp_timedlock_word(volatile uint32_t *word, const struct timespec *abstime);
void rp_unlock_word(volatile uint32_t *word);

/* Linux thread id of the caller. */
static inline int rp_gettid(void) { return (int)rp_raw_syscall0(186); }

#endif
