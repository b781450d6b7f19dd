/*
 * Processes under the reference kernel: fork copies private memory (the child's writes stay its own), wait4
 * and waitid report Linux's status encoding (exit 42 -> 0x2a00; SIGKILL -> 9; a faulting child -> SIGSEGV 11),
 * WNOHANG answers 0 while a child runs, ECHILD without children, getppid, SIGCHLD reaches the parent's
 * handler, kill(SIGKILL) ends a child blocked forever, and with SIGCHLD ignored children leave no zombie.
 */
#include "smoke.h"
#include "sigframe.h"

#define WNOHANG 1
#define WEXITED 4
#define P_PID 1
#define SIGKILL 9
#define SIGSEGV 11
#define SIGCHLD 17
#define ECHILD 10

static volatile int private_value = 1;
static volatile int sigchld_count;

static void on_sigchld(int signal)
{
	if (signal == SIGCHLD)
		sigchld_count++;
}

static long fork_child(void)
{
	long pid = SYS0(57);
	if (pid == 0)
		ring_handle = -1; /* native rings are per process: the child makes its own if it prints */
	return pid;
}

int main(long *stack)
{
	(void)stack;
	long self = SYS0(39);
	int status = -1;
	CHECK(SYS4(61, -1, &status, 0, 0) == -ECHILD);
	CHECK(install_handler(SIGCHLD, on_sigchld) == 0);

	/* exit status and private memory. */
	long child = fork_child();
	if (child == 0) {
		private_value = 2;
		exit_with(SYS0(110) == self ? 42 : 1); /* getppid */
	}
	CHECK(child > 0 && child != self);
	CHECK(SYS4(61, child, &status, 0, 0) == child);
	CHECK(status == 42 << 8); /* WIFEXITED, WEXITSTATUS 42 */
	CHECK(private_value == 1);
	CHECK(SYS4(61, child, &status, 0, 0) == -ECHILD); /* reaped */

	/* A child that faults dies with SIGSEGV; the parent reports it through waitid. */
	child = fork_child();
	if (child == 0) {
		*(volatile int *)16 = 1;
		exit_with(0);
	}
	struct {
		int signo, error, code, pad, pid, uid, status;
		char rest[100];
	} info;
	CHECK(SYS6(247, P_PID, child, &info, WEXITED, 0, 0) == 0);
	CHECK(info.signo == SIGCHLD && info.pid == child && info.code == 2 /* CLD_KILLED */ &&
	      info.status == SIGSEGV);

	/* WNOHANG on a running child, then kill(SIGKILL) of a child blocked forever. */
	child = fork_child();
	if (child == 0) {
		static volatile unsigned int never;
		for (;;)
			SYS4(202, &never, 0, 0, 0);
	}
	CHECK(SYS4(61, child, &status, WNOHANG, 0) == 0);
	CHECK(SYS2(62, child, 0) == 0); /* signal 0: it exists */
	CHECK(SYS2(62, child, SIGKILL) == 0);
	CHECK(SYS4(61, child, &status, 0, 0) == child);
	CHECK(status == SIGKILL); /* WIFSIGNALED, WTERMSIG 9 */
	CHECK(SYS2(62, child, 0) == -3); /* ESRCH: reaped */

	/* Three children at once, reaped with wait4(-1). */
	for (int i = 0; i < 3; i++)
		if (fork_child() == 0)
			exit_with(10 + i);
	int seen = 0;
	for (int i = 0; i < 3; i++) {
		CHECK(SYS4(61, -1, &status, 0, 0) > 0);
		seen |= 1 << (((status >> 8) & 0xFF) - 10);
	}
	CHECK(seen == 7);
	CHECK(sigchld_count >= 1); /* SIGCHLD reached the handler (signals may coalesce) */

	/* SIGCHLD ignored: children leave no zombies, so wait4 waits for them to go and then finds none. */
	struct kernel_sigaction ignore = {(void *)1, SA_RESTORER, signal_restorer, 0};
	CHECK(SYS4(13, SIGCHLD, &ignore, 0, 8) == 0);
	if (fork_child() == 0)
		exit_with(5);
	CHECK(SYS4(61, -1, &status, 0, 0) == -ECHILD);

	struct kernel_sigaction dfl = {0, SA_RESTORER, signal_restorer, 0};
	CHECK(SYS4(13, SIGCHLD, &dfl, 0, 8) == 0);

	if (failures == 0)
		say("fork: all checks passed\n");
	return failures;
}
