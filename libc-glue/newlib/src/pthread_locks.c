/*
 * newlib's retargetable locks (configured with --enable-newlib-retargetable-locking): malloc, stdio, atexit,
 * the environment and time zones lock through these. newlib's libc.a carries do-nothing versions; this file
 * sits in libringport-newlib.a, which every program links before -lc, so ld.lld takes these definitions -
 * every routine and static lock, as newlib requires - whether or not the program makes threads (an
 * uncontended lock is one atomic instruction, a recursive one adds a pointer compare: no system call).
 */
#include "pthread_internal.h"

#include <stdlib.h>
#include <sys/lock.h>

struct __lock {
	volatile uint32_t word;
	uintptr_t volatile owner; /* recursive locks: the holder's struct rp_thread */
	unsigned count;
};

struct __lock __lock___sinit_recursive_mutex;
struct __lock __lock___sfp_recursive_mutex;
struct __lock __lock___atexit_recursive_mutex;
struct __lock __lock___at_quick_exit_mutex;
struct __lock __lock___malloc_recursive_mutex;
struct __lock __lock___env_recursive_mutex;
struct __lock __lock___tz_mutex;
struct __lock __lock___dd_hash_mutex;
struct __lock __lock___arc4random_mutex;

/* Dynamic locks (FILE locks...) come from the heap; malloc's own lock is a static one, so no recursion. */
void __retarget_lock_init(_LOCK_T *lock) { *lock = calloc(1, sizeof(struct __lock)); }
void __retarget_lock_init_recursive(_LOCK_T *lock) { __retarget_lock_init(lock); }
void __retarget_lock_close(_LOCK_T lock) { free(lock); }
void __retarget_lock_close_recursive(_LOCK_T lock) { free(lock); }

void __retarget_lock_acquire(_LOCK_T lock)
{
	if (lock)
		rp_lock_word(&lock->word);
}

int __retarget_lock_try_acquire(_LOCK_T lock) { return lock ? rp_trylock_word(&lock->word) == 0 : 1; }

void __retarget_lock_release(_LOCK_T lock)
{
	if (lock)
		rp_unlock_word(&lock->word);
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
	if (!lock)
		return;
	uintptr_t self = (uintptr_t)rp_self();
	if (lock->owner == self) {
		lock->count++;
		return;
	}
	rp_lock_word(&lock->word);
	lock->owner = self;
	lock->count = 1;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
	if (!lock)
		return 1;
	uintptr_t self = (uintptr_t)rp_self();
	if (lock->owner == self) {
		lock->count++;
		return 1;
	}
	if (rp_trylock_word(&lock->word))
		return 0;
	lock->owner = self;
	lock->count = 1;
	return 1;
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
	if (!lock || --lock->count)
		return;
	lock->owner = 0;
	rp_unlock_word(&lock->word);
}
