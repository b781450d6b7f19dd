/*
 * Signals under the reference kernel: SIGALRM from alarm() runs a handler (the only way out of a busy loop),
 * kill() to oneself, a blocked signal stays pending until unblocked, SA_SIGINFO handlers get siginfo and
 * ucontext, rt_sigreturn restores the interrupted registers (a loop counter in a register survives), a
 * handler interrupts a blocking futex wait with EINTR (or, with SA_RESTART, the wait is re-issued), and SIG_IGN
 * discards.
 */
#include "smoke.h"
#include "sigframe.h"

#define SIGUSR1 10
#define SIGUSR2 12
#define SIGALRM 14
#define EINTR 4
#define EAGAIN 11
#define EINVAL 22

static volatile int alarm_fired, usr1_count, usr2_signo, usr2_info_signo;

static void on_alarm(int signal) { alarm_fired = signal; }
static volatile unsigned int *word_to_set;
static void on_alarm_set_word(int signal)
{
	(void)signal;
	*word_to_set = 1;
}
static void on_usr1(int signal)
{
	(void)signal;
	usr1_count++;
}
static void on_usr2(int signal, int *info, void *context)
{
	usr2_signo = signal;
	usr2_info_signo = info[0];
	(void)context;
}

int main(long *stack)
{
	(void)stack;
	long self = SYS0(39);

	/* SIGALRM: alarm(1) ends a loop that makes no system call. */
	CHECK(install_handler(SIGALRM, on_alarm) == 0);
	CHECK(SYS1(37, 1) == 0);
	unsigned long spins = 0;
	while (!alarm_fired)
		spins++;
	CHECK(alarm_fired == SIGALRM);
	CHECK(spins > 0);
	CHECK(SYS1(37, 0) == 0); /* no alarm left */

	/* kill to ourselves: delivered before the call returns to us. */
	CHECK(install_handler(SIGUSR1, on_usr1) == 0);
	CHECK(SYS2(62, self, SIGUSR1) == 0);
	CHECK(usr1_count == 1);

	/* Blocked: pending until unblocked. */
	unsigned long set = 1ul << (SIGUSR1 - 1), old = 0, pending = 0;
	CHECK(SYS4(14, 0 /* SIG_BLOCK */, &set, &old, 8) == 0);
	CHECK(SYS2(62, self, SIGUSR1) == 0);
	CHECK(usr1_count == 1);
	CHECK(SYS2(127, &pending, 8) == 0 && pending == set);
	CHECK(SYS4(14, 1 /* SIG_UNBLOCK */, &set, 0, 8) == 0);
	CHECK(usr1_count == 2);

	/* SA_SIGINFO. */
	CHECK(install_action(SIGUSR2, (void *)on_usr2, SA_SIGINFO, 0) == 0);
	CHECK(SYS2(62, self, SIGUSR2) == 0);
	CHECK(usr2_signo == SIGUSR2 && usr2_info_signo == SIGUSR2);

	/* rt_sigreturn restores every register: a sum computed in registers across signals stays right. */
	CHECK(SYS1(37, 1) == 0);
	alarm_fired = 0;
	unsigned long a = 0, b = 0;
	while (!alarm_fired) {
		a += 3;
		b += 1;
	}
	CHECK(a == 3 * b);

	/* A handler interrupts a futex wait that nothing else would end. */
	static volatile unsigned int never;
	alarm_fired = 0;
	CHECK(SYS1(37, 1) == 0);
	CHECK(SYS4(202, &never, 0, 0, 0) == -EINTR);
	CHECK(alarm_fired == SIGALRM);

	/* SA_RESTART: the interrupted futex wait is re-issued after the handler; the handler changed the word, so
	   the restarted wait answers -EAGAIN instead of -EINTR. */
	static volatile unsigned int restart_word;
	restart_word = 0;
	word_to_set = &restart_word;
	alarm_fired = 0;
	CHECK(install_action(SIGALRM, (void *)on_alarm_set_word, 0x10000000 /* SA_RESTART */, 0) == 0);
	CHECK(SYS1(37, 1) == 0);
	CHECK(SYS4(202, &restart_word, 0, 0, 0) == -EAGAIN);
	CHECK(restart_word == 1);

	/* SIG_IGN: discarded. */
	struct kernel_sigaction ignore = {(void *)1, SA_RESTORER, signal_restorer, 0};
	CHECK(SYS4(13, SIGUSR1, &ignore, 0, 8) == 0);
	CHECK(SYS2(62, self, SIGUSR1) == 0);
	CHECK(usr1_count == 2);
	CHECK(SYS4(13, 99, &ignore, 0, 8) == -EINVAL);
	CHECK(SYS4(13, 9, &ignore, 0, 8) == -EINVAL); /* SIGKILL cannot be caught or ignored */

	if (failures == 0)
		say("signals: all checks passed\n");
	return failures;
}
