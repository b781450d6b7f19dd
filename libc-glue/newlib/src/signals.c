/*
 * Signals, part 1: the reference kernel does not deliver signals to user handlers yet. sigaction and
 * sigprocmask keep what the program sets (so it reads back what it wrote) and alarm arms nothing; a
 * program that relies on a handler running (35fa71a030ca's SIGALRM) cannot pass until part 2. A signal
 * the kernel sends still has its default effect (the program is killed with that status).
 */
#include "glue.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static struct sigaction rp_actions[NSIG];
static sigset_t rp_blocked;

int sigaction(int sig, const struct sigaction *__restrict act, struct sigaction *__restrict old)
{
	if (sig <= 0 || sig >= NSIG || ((sig == SIGKILL || sig == SIGSTOP) && act)) {
		errno = EINVAL;
		return -1;
	}
	if (old)
		*old = rp_actions[sig];
	if (act)
		rp_actions[sig] = *act;
	return 0;
}

int sigprocmask(int how, const sigset_t *__restrict set, sigset_t *__restrict old)
{
	if (old)
		*old = rp_blocked;
	if (!set)
		return 0;
	switch (how) {
	case SIG_BLOCK: rp_blocked |= *set; break;
	case SIG_UNBLOCK: rp_blocked &= ~*set; break;
	case SIG_SETMASK: rp_blocked = *set; break;
	default: errno = EINVAL; return -1;
	}
	return 0;
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	return sigprocmask(how, set, old) == 0 ? 0 : errno;
}

unsigned alarm(unsigned seconds)
{
	(void)seconds;
	return 0;
}
