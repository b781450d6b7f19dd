/*
 * pthread_create/join/detach/exit/self and thread attributes. A thread is one anonymous mapping:
 *
 *   [ stack (attr stacksize, default 2 MiB, demand-zero) | static TLS block | struct rp_pthread ]
 *                                                                           ^ thread pointer (%fs base)
 *
 * laid out as x86_64's TLS variant II, like the main thread's (thread.c). The thread starts with
 * clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|
 * CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID): the kernel writes its tid into rp_pthread.tid before clone
 * returns and, when the thread has exited, zeroes the word and futex-wakes it - that is what pthread_join
 * sleeps on, and what makes freeing the stack safe. pthread_t is the thread's tid (newlib's pthread_t is 32
 * bits); the main thread's is the pid. Each thread gets its own struct _reent (errno, strtok...); stdio's
 * streams are newlib's global ones. Its native ring is created on its first system call, by the glue.
 */
#include "pthread_internal.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RP_CLONE_THREAD_FLAGS                                                                                   \
	(0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x80000 | 0x100000 | 0x200000)
#define RP_DEFAULT_STACK (2u << 20)
#define RP_MIN_STACK 16384u

extern const uint64_t *rp_auxv; /* start.c */
/* The glue's ring layer (ring.cpp) destroys the calling thread's native ring (RP_SYS_RING_DESTROY) when the
   thread ends; otherwise a thread's ring would live as long as the process. */
extern void rp_thread_ring_release(void) __attribute__((weak));

const void *rp_main_keys[RP_PTHREAD_KEYS];

static volatile uint32_t rp_threads_lock;
static struct rp_pthread *rp_threads; /* created and not yet reaped */
static struct rp_thread *rp_main_self; /* the main thread's struct rp_thread, once threads exist */

/* The program's PT_TLS segment (the TLS image every thread copies), found once from the auxv. */
static const Elf64_Phdr *rp_tls_segment(void)
{
	static int looked;
	static const Elf64_Phdr *tls;
	if (!looked) {
		const Elf64_Phdr *phdr = 0;
		uint64_t phnum = 0;
		for (const uint64_t *a = rp_auxv; a && a[0]; a += 2) {
			if (a[0] == 3 /* AT_PHDR */)
				phdr = (const Elf64_Phdr *)a[1];
			else if (a[0] == 5 /* AT_PHNUM */)
				phnum = a[1];
		}
		for (uint64_t i = 0; phdr && i < phnum; ++i)
			if (phdr[i].p_type == PT_TLS)
				tls = &phdr[i];
		looked = 1;
	}
	return tls;
}

struct rp_pthread *rp_pthread_self(void)
{
	struct rp_thread *self = rp_self();
	if (!rp_main_self || self == rp_main_self)
		return 0;
	return (struct rp_pthread *)self; /* thread is the first member */
}

/* Frees threads that are gone and that nobody will join (detached). Called with rp_threads_lock held. */
static void rp_reap_detached_locked(void)
{
	struct rp_pthread **link = &rp_threads;
	while (*link) {
		struct rp_pthread *t = *link;
		if (t->detached && __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE) == 0) {
			*link = t->next;
			munmap(t->map, t->map_size);
		} else {
			link = &t->next;
		}
	}
}

__attribute__((noreturn)) static void rp_thread_exit_now(void) { for (;;) rp_raw_syscall1(60, 0); }

__attribute__((noreturn)) void pthread_exit(void *value)
{
	struct rp_pthread *self = rp_pthread_self();
	if (!self) {
		/* The main thread: only it ends; the process lives on until its last thread exits. */
		rp_thread_exit_now();
	}
	self->result = value;
	/* Thread-specific data destructors are not run (no key destructor is registered by what runs here). */
	_reclaim_reent(&self->reent);
	if (rp_thread_ring_release)
		rp_thread_ring_release();
	/* From here the mapping belongs to whoever joins (or reaps) us once the kernel has cleared tid. */
	rp_thread_exit_now();
}

/* The new thread's first C frame (the clone trampoline below calls it on the new stack). */
__attribute__((noreturn, used)) static void rp_thread_main(struct rp_pthread *self)
{
	self->id = rp_gettid(); /* the creator stores the same value when clone returns; whoever is first */
	pthread_exit(self->start(self->arg));
}

/* clone with the new thread's first argument on its stack: the child pops it and calls rp_thread_main. */
static long rp_clone(struct rp_pthread *t, void *stack_top, void *tls)
{
	uint64_t *sp = (uint64_t *)stack_top;
	*--sp = 0; /* keeps the stack 16-byte aligned at the call */
	*--sp = (uint64_t)(uintptr_t)t;
	register long r10 __asm__("r10") = (long)&t->tid;
	register long r8 __asm__("r8") = (long)tls;
	long ret;
	__asm__ volatile("syscall\n\t"
	                 "test %%rax, %%rax\n\t"
	                 "jnz 1f\n\t"
	                 "xor %%ebp, %%ebp\n\t"
	                 "pop %%rdi\n\t"
	                 "pop %%rax\n\t"
	                 "call rp_thread_main\n\t"
	                 "hlt\n"
	                 "1:"
	                 : "=a"(ret)
	                 : "a"(56), "D"((long)RP_CLONE_THREAD_FLAGS), "S"(sp), "d"(&t->tid), "r"(r10), "r"(r8)
	                 : "rcx", "r11", "memory");
	return ret;
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
	if (!rp_main_self)
		rp_main_self = rp_self(); /* only the main thread can create the first thread */
	size_t stack_size = RP_DEFAULT_STACK;
	int detached = 0;
	if (attr) {
		if (!attr->is_initialized)
			return EINVAL;
		if (attr->stacksize)
			stack_size = (size_t)attr->stacksize;
		detached = attr->detachstate == PTHREAD_CREATE_DETACHED;
		if (attr->stackaddr)
			return ENOTSUP; /* caller-provided stacks are not supported */
	}
	stack_size = (stack_size + 4095) & ~(size_t)4095;

	const Elf64_Phdr *tls = rp_tls_segment();
	uint64_t align = tls && tls->p_align > 64 ? tls->p_align : 64;
	uint64_t block = tls ? (tls->p_memsz + align - 1) & ~(align - 1) : 0;
	size_t tail = (size_t)(block + sizeof(struct rp_pthread) + align + 4095) & ~(size_t)4095;
	size_t map_size = stack_size + tail;
	void *map = mmap(0, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return EAGAIN;

	uintptr_t tp = ((uintptr_t)map + stack_size + block + align - 1) & ~(uintptr_t)(align - 1);
	if (tls) {
		unsigned char *image = (unsigned char *)(tp - block);
		memcpy(image, (const void *)tls->p_vaddr, tls->p_filesz);
		/* the rest of the block is already zero (fresh anonymous memory) */
	}
	struct rp_pthread *t = (struct rp_pthread *)tp;
	t->thread.self = &t->thread;
	t->thread.reent = &t->reent;
	_REENT_INIT_PTR(&t->reent);
	t->start = start;
	t->arg = arg;
	t->map = map;
	t->map_size = map_size;
	t->detached = detached;

	rp_lock_word(&rp_threads_lock);
	rp_reap_detached_locked();
	t->next = rp_threads;
	rp_threads = t;
	rp_unlock_word(&rp_threads_lock);

	long tid = rp_clone(t, (char *)map + stack_size, (void *)tp);
	if (tid < 0) {
		rp_lock_word(&rp_threads_lock);
		for (struct rp_pthread **link = &rp_threads; *link; link = &(*link)->next)
			if (*link == t) {
				*link = t->next;
				break;
			}
		rp_unlock_word(&rp_threads_lock);
		munmap(map, map_size);
		return tid == -ENOMEM ? EAGAIN : (int)-tid;
	}
	t->id = (int)tid;
	*thread = (pthread_t)tid;
	return 0;
}

static struct rp_pthread *rp_find_locked(pthread_t id)
{
	for (struct rp_pthread *t = rp_threads; t; t = t->next)
		if ((pthread_t)t->id == id)
			return t;
	return 0;
}

int pthread_join(pthread_t id, void **result)
{
	rp_lock_word(&rp_threads_lock);
	struct rp_pthread *t = rp_find_locked(id);
	rp_unlock_word(&rp_threads_lock);
	if (!t)
		return ESRCH;
	if (t->detached)
		return EINVAL;
	if (t == rp_pthread_self())
		return EDEADLK;
	/* Sleep on the tid word until the kernel clears it at the thread's exit. */
	for (;;) {
		int tid = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE);
		if (tid == 0)
			break;
		rp_futex_wait((volatile uint32_t *)&t->tid, (uint32_t)tid);
	}
	if (result)
		*result = t->result;
	rp_lock_word(&rp_threads_lock);
	for (struct rp_pthread **link = &rp_threads; *link; link = &(*link)->next)
		if (*link == t) {
			*link = t->next;
			break;
		}
	rp_unlock_word(&rp_threads_lock);
	munmap(t->map, t->map_size);
	return 0;
}

int pthread_detach(pthread_t id)
{
	rp_lock_word(&rp_threads_lock);
	struct rp_pthread *t = rp_find_locked(id);
	int r = t ? (t->detached ? EINVAL : 0) : ESRCH;
	if (r == 0) {
		t->detached = 1;
		rp_reap_detached_locked(); /* already gone: freed now */
	}
	rp_unlock_word(&rp_threads_lock);
	return r;
}

pthread_t pthread_self(void)
{
	struct rp_pthread *self = rp_pthread_self();
	if (self)
		return (pthread_t)self->id;
	static pthread_t main_id;
	if (!main_id)
		main_id = (pthread_t)getpid(); /* the main thread's tid is the pid */
	return main_id;
}

int pthread_equal(pthread_t a, pthread_t b) { return a == b; }

/* ---- attributes ---- */

int pthread_attr_init(pthread_attr_t *attr)
{
	memset(attr, 0, sizeof *attr);
	attr->is_initialized = 1;
	attr->stacksize = RP_DEFAULT_STACK;
	attr->detachstate = PTHREAD_CREATE_JOINABLE;
	attr->inheritsched = PTHREAD_INHERIT_SCHED;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
	if (!attr->is_initialized)
		return EINVAL;
	attr->is_initialized = 0;
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
	if (!attr->is_initialized || size < RP_MIN_STACK || size > 0x7FFFFFFF)
		return EINVAL;
	attr->stacksize = (int)size;
	return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size)
{
	if (!attr->is_initialized)
		return EINVAL;
	*size = (size_t)attr->stacksize;
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
	if (!attr->is_initialized || (state != PTHREAD_CREATE_DETACHED && state != PTHREAD_CREATE_JOINABLE))
		return EINVAL;
	attr->detachstate = state;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
	if (!attr->is_initialized)
		return EINVAL;
	*state = attr->detachstate;
	return 0;
}

/* ---- once and keys ---- */

static volatile uint32_t rp_once_lock;

int pthread_once(pthread_once_t *once, void (*fn)(void))
{
	if (__atomic_load_n(&once->init_executed, __ATOMIC_ACQUIRE))
		return 0;
	/* One lock for every once: routines are short and rare. (A routine calling pthread_once deadlocks.) */
	rp_lock_word(&rp_once_lock);
	if (!once->init_executed) {
		fn();
		__atomic_store_n(&once->init_executed, 1, __ATOMIC_RELEASE);
	}
	rp_unlock_word(&rp_once_lock);
	return 0;
}

static volatile uint32_t rp_keys_used[RP_PTHREAD_KEYS];

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	(void)destructor; /* not run at thread exit (see pthread_exit) */
	for (uint32_t i = 0; i < RP_PTHREAD_KEYS; i++) {
		uint32_t expected = 0;
		if (__atomic_compare_exchange_n(&rp_keys_used[i], &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			*key = i;
			return 0;
		}
	}
	return EAGAIN;
}

int pthread_key_delete(pthread_key_t key)
{
	if (key >= RP_PTHREAD_KEYS || !rp_keys_used[key])
		return EINVAL;
	__atomic_store_n(&rp_keys_used[key], 0, __ATOMIC_RELEASE);
	return 0;
}

static const void **rp_key_slots(void)
{
	struct rp_pthread *self = rp_pthread_self();
	return self ? self->keys : rp_main_keys;
}

void *pthread_getspecific(pthread_key_t key)
{
	return key < RP_PTHREAD_KEYS ? (void *)rp_key_slots()[key] : 0;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
	if (key >= RP_PTHREAD_KEYS || !rp_keys_used[key])
		return EINVAL;
	rp_key_slots()[key] = value;
	return 0;
}
