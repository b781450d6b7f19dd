/*
 * Mutexes. newlib's pthread_mutex_t is one 32-bit word (PTHREAD_MUTEX_INITIALIZER is 0xFFFFFFFF), so:
 *   - a NORMAL/DEFAULT mutex is that word itself, a three-state futex lock (pthread_futex.c); the
 *     initializer value reads as "free" and becomes 0 at the first lock;
 *   - a RECURSIVE or ERRORCHECK mutex needs an owner and a count: the word holds a handle (index + 16) of an
 *     object in a table that pthread_mutex_init fills. Such mutexes are private to the process (the table is
 *     process memory); PTHREAD_PROCESS_SHARED ones must be NORMAL (as the tests use them).
 */
#include "pthread_internal.h"

#include <errno.h>
#include <stdlib.h>

/* newlib declares mutex types only with _UNIX98_THREAD_MUTEX_ATTRIBUTES; the compat <pthread.h> gives them
   with glibc's values (DEFAULT is NORMAL), and an attribute without a type field asks for recursion with
   its `recursive` field. */

#define RP_MUTEX_HANDLE_BASE 16u
#define RP_MUTEX_OBJECTS 1024u

struct rp_mutex_object {
	volatile uint32_t word;
	int type;
	uintptr_t volatile owner; /* the holder's struct rp_thread (no system call to ask) */
	unsigned count;
};

static struct rp_mutex_object *rp_mutex_table[RP_MUTEX_OBJECTS];
static volatile uint32_t rp_mutex_next;

static struct rp_mutex_object *rp_object(pthread_mutex_t *mutex)
{
	uint32_t v = __atomic_load_n(mutex, __ATOMIC_ACQUIRE);
	if (v >= RP_MUTEX_HANDLE_BASE && v != 0xFFFFFFFFu && v - RP_MUTEX_HANDLE_BASE < RP_MUTEX_OBJECTS)
		return rp_mutex_table[v - RP_MUTEX_HANDLE_BASE];
	return 0;
}

/* A plain mutex word: the static initializer counts as free. */
static volatile uint32_t *rp_plain_word(pthread_mutex_t *mutex)
{
	uint32_t initial = 0xFFFFFFFFu;
	__atomic_compare_exchange_n(mutex, &initial, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	return (volatile uint32_t *)mutex;
}

static int rp_attr_type(const pthread_mutexattr_t *attr)
{
#if defined(_UNIX98_THREAD_MUTEX_ATTRIBUTES)
	return attr->type;
#else
	return attr->recursive ? PTHREAD_MUTEX_RECURSIVE : PTHREAD_MUTEX_DEFAULT;
#endif
}

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
	attr->is_initialized = 1;
#if defined(_UNIX98_THREAD_MUTEX_ATTRIBUTES)
	attr->type = PTHREAD_MUTEX_DEFAULT;
#endif
	attr->recursive = 0;
#if defined(_POSIX_THREAD_PROCESS_SHARED)
	attr->process_shared = PTHREAD_PROCESS_PRIVATE;
#endif
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
	attr->is_initialized = 0;
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
	if (!attr->is_initialized || (type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_RECURSIVE &&
	                              type != PTHREAD_MUTEX_ERRORCHECK && type != PTHREAD_MUTEX_DEFAULT))
		return EINVAL;
#if defined(_UNIX98_THREAD_MUTEX_ATTRIBUTES)
	attr->type = type;
#else
	if (type == PTHREAD_MUTEX_ERRORCHECK)
		return EINVAL; /* not representable in this attribute layout */
#endif
	attr->recursive = type == PTHREAD_MUTEX_RECURSIVE;
	return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type)
{
	if (!attr->is_initialized)
		return EINVAL;
	*type = rp_attr_type(attr);
	return 0;
}

#if defined(_POSIX_THREAD_PROCESS_SHARED)
int pthread_mutexattr_setpshared(pthread_mutexattr_t *attr, int shared)
{
	if (!attr->is_initialized || (shared != PTHREAD_PROCESS_PRIVATE && shared != PTHREAD_PROCESS_SHARED))
		return EINVAL;
	attr->process_shared = shared;
	return 0;
}
#endif

int pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr)
{
	int type = attr && attr->is_initialized ? rp_attr_type(attr) : PTHREAD_MUTEX_DEFAULT;
	if (type != PTHREAD_MUTEX_RECURSIVE && type != PTHREAD_MUTEX_ERRORCHECK) {
		*mutex = 0;
		return 0;
	}
	uint32_t index = __atomic_fetch_add(&rp_mutex_next, 1, __ATOMIC_RELAXED);
	if (index >= RP_MUTEX_OBJECTS)
		return EAGAIN;
	struct rp_mutex_object *object = calloc(1, sizeof *object);
	if (!object)
		return ENOMEM;
	object->type = type;
	rp_mutex_table[index] = object;
	__atomic_store_n(mutex, index + RP_MUTEX_HANDLE_BASE, __ATOMIC_RELEASE);
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *mutex)
{
	struct rp_mutex_object *object = rp_object(mutex);
	if (object) {
		if (object->word)
			return EBUSY;
		rp_mutex_table[*mutex - RP_MUTEX_HANDLE_BASE] = 0;
		free(object);
	} else if (*mutex != 0 && *mutex != 0xFFFFFFFFu) {
		return EBUSY;
	}
	*mutex = 0xFFFFFFFFu;
	return 0;
}

static int rp_mutex_acquire(pthread_mutex_t *mutex, int try_only, const struct timespec *abstime)
{
	struct rp_mutex_object *object = rp_object(mutex);
	if (!object) {
		volatile uint32_t *word = rp_plain_word(mutex);
		return try_only ? rp_trylock_word(word) : rp_timedlock_word(word, abstime);
	}
	uintptr_t self = (uintptr_t)rp_self();
	if (object->owner == self) {
		if (object->type == PTHREAD_MUTEX_ERRORCHECK)
			return EDEADLK;
		if (object->count == ~0u)
			return EAGAIN;
		object->count++;
		return 0;
	}
	int r = try_only ? rp_trylock_word(&object->word) : rp_timedlock_word(&object->word, abstime);
	if (r)
		return r;
	object->owner = self;
	object->count = 1;
	return 0;
}

int pthread_mutex_lock(pthread_mutex_t *mutex) { return rp_mutex_acquire(mutex, 0, 0); }
int pthread_mutex_trylock(pthread_mutex_t *mutex) { return rp_mutex_acquire(mutex, 1, 0); }
int pthread_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *abstime)
{
	return rp_mutex_acquire(mutex, 0, abstime);
}

int pthread_mutex_unlock(pthread_mutex_t *mutex)
{
	struct rp_mutex_object *object = rp_object(mutex);
	if (!object) {
		rp_unlock_word(rp_plain_word(mutex));
		return 0;
	}
	if (object->owner != (uintptr_t)rp_self())
		return EPERM;
	if (--object->count)
		return 0;
	object->owner = 0;
	rp_unlock_word(&object->word);
	return 0;
}
