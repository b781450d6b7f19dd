/*
 * Signals: the reference kernel delivers them (part 2), so these are Linux's own calls. sigaction is
 * rt_sigaction (13) with the kernel's struct and SA_RESTORER pointing at rp_signal_return, which makes the
 * rt_sigreturn (15) a handler returns into, as glibc's restorer does; the mask is the kernel's 8-byte sigset
 * (newlib's sigset_t is an unsigned long, the same 64 bits). sigprocmask is rt_sigprocmask (14), alarm is 37.
 * newlib's struct sigaction has sa_handler, sa_mask and sa_flags (no sa_sigaction): its flags are passed as
 * they are, Linux values (SA_NOCLDSTOP is 1 on both sides).
 */
#include "glue.h"
#include "raw_syscall.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define RP_SA_RESTORER 0x04000000ul
#define RP_KERNEL_SIGSET_SIZE 8

_Static_assert(sizeof(sigset_t) == RP_KERNEL_SIGSET_SIZE, "newlib's sigset_t is the kernel's 64-bit set");

/* The kernel's struct sigaction on x86_64 (what rt_sigaction reads and writes). */
struct rp_kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/* Where a handler returns: straight into rt_sigreturn, which restores the interrupted context. */
void rp_signal_return(void);
__asm__(".text\n"
        ".globl rp_signal_return\n"
        ".type rp_signal_return, @function\n"
        "rp_signal_return:\n"
        "\tmovl $15, %eax\n"
        "\tsyscall\n"
        "\thlt\n"
        ".size rp_signal_return, . - rp_signal_return\n");

int sigaction(int sig, const struct sigaction *__restrict act, struct sigaction *__restrict old)
{
	struct rp_kernel_sigaction in, out;
	if (act) {
		in.handler = act->sa_handler;
		in.flags = (unsigned long)(unsigned)act->sa_flags | RP_SA_RESTORER;
		in.restorer = rp_signal_return;
		in.mask = act->sa_mask;
	}
	long r = rp_raw_syscall4(RP_NR_rt_sigaction, sig, act ? &in : NULL, old ? &out : NULL, RP_KERNEL_SIGSET_SIZE);
	if (r < 0)
		return (int)rp_result(r);
	if (old) {
		old->sa_handler = out.handler;
		old->sa_mask = out.mask;
		old->sa_flags = (int)(out.flags & ~RP_SA_RESTORER);
	}
	return 0;
}

int sigprocmask(int how, const sigset_t *__restrict set, sigset_t *__restrict old)
{
	return (int)rp_result(rp_raw_syscall4(RP_NR_rt_sigprocmask, how, set, old, RP_KERNEL_SIGSET_SIZE));
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	long r = rp_raw_syscall4(RP_NR_rt_sigprocmask, how, set, old, RP_KERNEL_SIGSET_SIZE);
	return r < 0 ? (int)-r : 0;
}

unsigned alarm(unsigned seconds) { return (unsigned)rp_raw_syscall1(RP_NR_alarm, seconds); }

/*
 * signal() and raise() as glibc gives them, over the kernel: newlib's own pair keeps handlers in a table of
 * its own and runs them from raise() in user space, so a signal the kernel delivers (SIGALRM from alarm, a
 * kill from another process) would never reach them. BSD semantics, as glibc's signal(): the handler stays
 * installed and interrupted calls restart.
 */
_sig_func_ptr signal(int sig, _sig_func_ptr handler)
{
	struct sigaction act, old;
	memset(&act, 0, sizeof act);
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

int raise(int sig) { return kill(getpid(), sig); }
