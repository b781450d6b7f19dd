/*
 * Futexes under the reference kernel: a ping-pong of 1000 rounds between two threads (private FUTEX_WAIT/WAKE,
 * each side sleeping until the other wakes it), futex_waitv returning the woken entry's index, a wake count,
 * and a shared futex across fork in MAP_SHARED|MAP_ANONYMOUS memory (keyed by physical page, so the child's
 * wake reaches the parent's wait).
 */
#include "smoke.h"
#include "threadlib.h"

#define ROUNDS 1000
#define EAGAIN 11
#define EINVAL 22

static volatile unsigned int turn; /* even: main's turn, odd: the partner's */
static volatile int partner_rounds;

static void wait_while(volatile unsigned int *word, unsigned int value)
{
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value)
		SYS4(202, word, FUTEX_WAIT | FUTEX_PRIVATE, value, 0);
}

static int partner(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		wait_while(&turn, 2u * i);   /* until main made it odd */
		partner_rounds++;
		__atomic_store_n(&turn, 2u * i + 2, __ATOMIC_RELEASE);
		SYS3(202, &turn, FUTEX_WAKE | FUTEX_PRIVATE, 1);
	}
	return 0;
}

static volatile unsigned int words[3];

static int waitv_waker(void *arg)
{
	(void)arg;
	SYS0(24);
	SYS0(24);
	words[2] = 1;
	while (SYS3(202, &words[2], FUTEX_WAKE | FUTEX_PRIVATE, 1) == 0)
		SYS0(24); /* until the main thread is asleep on it */
	return 0;
}

static volatile unsigned int crowd_word;
static int crowd(void *arg)
{
	(void)arg;
	while (crowd_word == 0)
		SYS4(202, &crowd_word, FUTEX_WAIT, 0, 0);
	return 0;
}

int main(long *stack)
{
	(void)stack;
	static struct thread t, w, crowds[3];

	/* Ping-pong: every round both threads sleep and are woken by the other. */
	CHECK(thread_start(&t, partner, 0) > 0);
	for (int i = 0; i < ROUNDS; i++) {
		__atomic_store_n(&turn, 2u * i + 1, __ATOMIC_RELEASE);
		SYS3(202, &turn, FUTEX_WAKE | FUTEX_PRIVATE, 1);
		wait_while(&turn, 2u * i + 1); /* until the partner made it even */
	}
	thread_join(&t);
	CHECK(partner_rounds == ROUNDS);
	CHECK(turn == 2u * ROUNDS);

	/* futex_waitv on three words: the waker changes and wakes the third, so the answer is index 2. */
	struct {
		unsigned long val, uaddr;
		unsigned int flags, reserved;
	} v[3];
	for (int i = 0; i < 3; i++) {
		v[i].val = 0;
		v[i].uaddr = (unsigned long)&words[i];
		v[i].flags = 2 | 128; /* FUTEX2_SIZE_U32 | FUTEX2_PRIVATE */
		v[i].reserved = 0;
	}
	CHECK(thread_start(&w, waitv_waker, 0) > 0);
	CHECK(SYS6(449, v, 3, 0, 0, 0, 0) == 2);
	thread_join(&w);
	v[0].val = 7; /* differs from the word: EAGAIN */
	CHECK(SYS6(449, v, 3, 0, 0, 0, 0) == -EAGAIN);
	v[0].val = 0;
	v[0].flags = 3; /* not a 32-bit futex */
	CHECK(SYS6(449, v, 3, 0, 0, 0, 0) == -EINVAL);

	/* A wake count: three sleepers, a wake of 2 wakes two, then the rest. */
	for (int i = 0; i < 3; i++)
		CHECK(thread_start(&crowds[i], crowd, 0) > 0);
	for (int spins = 0; spins < 50; spins++)
		SYS0(24); /* let them all fall asleep */
	crowd_word = 1;
	CHECK(SYS3(202, &crowd_word, FUTEX_WAKE, 2) == 2);
	CHECK(SYS3(202, &crowd_word, FUTEX_WAKE, 5) == 1);
	for (int i = 0; i < 3; i++)
		thread_join(&crowds[i]);

	/* Shared futex across fork in MAP_SHARED|MAP_ANONYMOUS memory. */
	volatile unsigned int *shared = (volatile unsigned int *)SYS6(9, 0, 4096, 3, 0x21, -1, 0);
	CHECK((long)shared > 0);
	shared[0] = 0;
	long child = SYS0(57);
	if (child == 0) {
		ring_handle = -1; /* native rings are not inherited: make our own if we print */
		for (int i = 0; i < 5; i++)
			SYS0(24);
		shared[1] = 1234; /* the parent reads it: the page is really shared */
		__atomic_store_n(&shared[0], 1, __ATOMIC_RELEASE);
		long woken = SYS3(202, &shared[0], FUTEX_WAKE, 1); /* shared: no PRIVATE flag */
		exit_with(woken == 1 ? 0 : 3);
	}
	CHECK(child > 0);
	while (__atomic_load_n(&shared[0], __ATOMIC_ACQUIRE) == 0)
		SYS4(202, &shared[0], FUTEX_WAIT, 0, 0);
	CHECK(shared[1] == 1234);
	int status = -1;
	CHECK(SYS4(61, child, &status, 0, 0) == child);
	CHECK(status == 0); /* the child's wake found the parent asleep (or the word already set: 3) */

	if (failures == 0)
		say("futex: all checks passed\n");
	return failures;
}
