/*
 * Threads under the reference kernel: clone'd threads with their own TLS (FS base), stacks and tids; they run
 * preemptively (a spinning thread cannot starve the others: the 10 ms time slice ends on the timer tick); a
 * thread's exit clears its tid word and wakes its joiner (CLONE_CHILD_CLEARTID); exit_group ends the rest.
 */
#include "smoke.h"
#include "threadlib.h"

#define THREADS 4
#define ROUNDS 20000

static volatile long counter;
static volatile int go;       /* the main thread sets it once every worker exists; they spin until then */
static volatile int tls_ok[THREADS];
static volatile int tids[THREADS];

struct work {
	int index;
	struct thread *t;
};

static int worker(void *arg)
{
	struct work *w = arg;
	/* TLS: the FS base is this thread's own block. */
	tls_ok[w->index] = thread_self_tls() == w->t->tls;
	tids[w->index] = (int)SYS0(186);
	/* Spin without a system call: only preemption lets the main thread run again and set go. */
	while (!go)
		;
	for (int i = 0; i < ROUNDS; i++)
		__atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
	return 0;
}

static int sleeper(void *arg)
{
	(void)arg;
	for (;;)
		SYS4(202, &go, FUTEX_WAIT, go, 0); /* forever: exit_group must end it */
	return 0;
}

int main(long *stack)
{
	(void)stack;
	static struct thread threads[THREADS + 1];
	static struct work work[THREADS];
	long pid = SYS0(39);
	for (int i = 0; i < THREADS; i++) {
		work[i].index = i;
		work[i].t = &threads[i];
		long tid = thread_start(&threads[i], worker, &work[i]);
		CHECK(tid > 0 && tid != pid);
		CHECK(threads[i].tid == tid); /* CLONE_PARENT_SETTID (the worker cannot exit before go) */
	}
	/* Let every worker reach its spin loop (each needs the CPU taken from the others by the tick). */
	for (int i = 0; i < THREADS; i++)
		while (tids[i] == 0)
			SYS0(24);
	go = 1;
	for (int i = 0; i < THREADS; i++)
		thread_join(&threads[i]);
	CHECK(counter == (long)THREADS * ROUNDS);
	for (int i = 0; i < THREADS; i++) {
		CHECK(tls_ok[i]);
		CHECK(tids[i] > 0 && tids[i] != pid);
		for (int j = 0; j < i; j++)
			CHECK(tids[i] != tids[j]);
	}
	CHECK(SYS0(186) == pid); /* the main thread's tid is the pid */
	/* A thread blocked forever in a futex wait does not keep the process alive past exit_group. */
	CHECK(thread_start(&threads[THREADS], sleeper, 0) > 0);
	SYS0(24); /* sched_yield: let it block */
	if (failures == 0)
		say("threads: all checks passed\n");
	return failures;
}
