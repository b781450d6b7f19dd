/*
 * Raw threads for the freestanding smoke programs (no libc): clone(CLONE_VM|CLONE_THREAD|...) onto a stack
 * from mmap, TLS through CLONE_SETTLS, and a join on the CLONE_CHILD_CLEARTID word with futex(2), the way a
 * C library builds pthread_create/pthread_join. Include after smoke.h.
 */
#ifndef RPK_THREADLIB_H
#define RPK_THREADLIB_H

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define THREAD_FLAGS                                                                                       \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |      \
	 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE 128

struct thread {
	volatile int tid;      /* set by the kernel (PARENT_SETTID), cleared and futex-woken at exit */
	void *tls[4];          /* the thread's TLS block: tls[0] points at itself, as x86_64's TCB does */
	int (*fn)(void *);
	void *arg;
	unsigned long stack_size;
	void *stack;
};

/* clone with fn/arg on the child's stack; the child calls fn(arg) and exits the thread with its result. */
static long thread_clone(unsigned long flags, void *stack_top, volatile int *ptid, volatile int *ctid, void *tls,
                         int (*fn)(void *), void *arg)
{
	unsigned long *sp = (unsigned long *)stack_top;
	*--sp = (unsigned long)arg;
	*--sp = (unsigned long)fn;
	register long r10 __asm__("r10") = (long)ctid;
	register long r8 __asm__("r8") = (long)tls;
	long ret;
	__asm__ volatile("syscall\n"
	                 "test %%rax, %%rax\n"
	                 "jnz 1f\n"
	                 "pop %%rax\n"
	                 "pop %%rdi\n"
	                 "call *%%rax\n"
	                 "mov %%eax, %%edi\n"
	                 "mov $60, %%eax\n"
	                 "syscall\n"
	                 "hlt\n"
	                 "1:\n"
	                 : "=a"(ret)
	                 : "a"(56), "D"(flags), "S"(sp), "d"(ptid), "r"(r10), "r"(r8)
	                 : "rcx", "r11", "memory");
	return ret;
}

__attribute__((unused)) static long thread_start(struct thread *t, int (*fn)(void *), void *arg)
{
	t->stack_size = 64 * 1024;
	t->stack = (void *)SYS6(9, 0, t->stack_size, 3, 0x22, -1, 0);
	if ((long)t->stack < 0)
		return (long)t->stack;
	t->tls[0] = t->tls;
	t->fn = fn;
	t->arg = arg;
	return thread_clone(THREAD_FLAGS, (char *)t->stack + t->stack_size, &t->tid, &t->tid, t->tls, fn, arg);
}

/* Waits until the kernel cleared the tid word (the thread is gone), sleeping on it with FUTEX_WAIT. */
__attribute__((unused)) static void thread_join(struct thread *t)
{
	for (;;) {
		int tid = t->tid;
		if (tid == 0)
			break;
		SYS4(202, &t->tid, FUTEX_WAIT, tid, 0);
	}
	SYS2(11, t->stack, t->stack_size);
}

/* The TLS block the running thread's FS base points at. */
__attribute__((unused)) static inline void **thread_self_tls(void)
{
	void **self;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	return self;
}

#endif
