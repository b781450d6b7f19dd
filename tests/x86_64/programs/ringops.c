/*
 * The native ring's process and futex opcodes: RP_OP_WAITPID reaps a forked child (waitid's siginfo: exited
 * with 7, then a SIGKILLed child), RP_OP_FUTEX WAIT sleeps until another thread's futex(2) wake, RP_OP_FUTEX
 * WAKE reports how many it woke, and WAIT on a changed word answers -EAGAIN.
 */
#include "smoke.h"
#include "threadlib.h"

#define EAGAIN_ 11
#define ECHILD_ 10

static volatile unsigned int word;
static volatile unsigned int sleepers;

static int waker(void *arg)
{
	(void)arg;
	/* Until the main thread sleeps in its RP_OP_FUTEX WAIT (then the wake finds it). */
	__atomic_store_n(&word, 1, __ATOMIC_RELEASE);
	while (SYS3(202, &word, FUTEX_WAKE | FUTEX_PRIVATE, 1) == 0)
		SYS0(24);
	return 0;
}

static int sleeper(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&sleepers, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) == 1)
		SYS4(202, &word, FUTEX_WAIT | FUTEX_PRIVATE, 1, 0);
	return 0;
}

int main(long *stack)
{
	(void)stack;
	struct rp_sqe s;

	/* WAITPID: a child that exits 7. */
	long child = SYS0(57);
	if (child == 0)
		exit_with(7);
	struct {
		int signo, error, code, pad, pid, uid, status;
		char rest[100];
	} info;
	__builtin_memset(&s, 0, sizeof s);
	s.opcode = RP_OP_WAITPID;
	s.fd = (uint64_t)child;
	s.syscall_flags = 1; /* P_PID */
	s.len = 4;           /* WEXITED */
	s.addr = (uint64_t)(uintptr_t)&info;
	CHECK(ring_run(&s) == 0);
	CHECK(info.signo == 17 && info.pid == child && info.code == 1 && info.status == 7);
	CHECK(ring_run(&s) == -ECHILD_); /* reaped */

	/* WAITPID of a child blocked forever, killed meanwhile. */
	child = SYS0(57);
	if (child == 0)
		for (;;)
			SYS4(202, &word, 0, 0, 0);
	CHECK(SYS2(62, child, 9) == 0);
	s.fd = (uint64_t)child;
	CHECK(ring_run(&s) == 0);
	CHECK(info.code == 2 && info.status == 9); /* CLD_KILLED by SIGKILL */

	/* FUTEX WAIT: sleeps in the ring op until the waker thread's futex(2) wake. */
	static struct thread t, u[2];
	CHECK(thread_start(&t, waker, 0) > 0);
	__builtin_memset(&s, 0, sizeof s);
	s.opcode = RP_OP_FUTEX;
	s.syscall_flags = RP_FUTEX_WAIT | RP_FUTEX_PRIVATE_FLAG;
	s.addr = (uint64_t)(uintptr_t)&word;
	s.offset = 0;
	CHECK(ring_run(&s) == 0);
	CHECK(word == 1);
	thread_join(&t);
	CHECK(ring_run(&s) == -EAGAIN_); /* the word is 1 now, not 0 */

	/* FUTEX WAKE from the ring: two sleepers in futex(2), one op wakes both. */
	for (int i = 0; i < 2; i++)
		CHECK(thread_start(&u[i], sleeper, 0) > 0);
	while (sleepers < 2)
		SYS0(24);
	for (int i = 0; i < 5; i++)
		SYS0(24);
	word = 2;
	s.syscall_flags = RP_FUTEX_WAKE | RP_FUTEX_PRIVATE_FLAG;
	s.len = 10;
	CHECK(ring_run(&s) == 2);
	for (int i = 0; i < 2; i++)
		thread_join(&u[i]);

	if (failures == 0)
		say("ringops: all checks passed\n");
	return failures;
}
