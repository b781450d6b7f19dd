// Raw io_uring system calls routed into the shim: a seccomp filter makes io_uring_setup, io_uring_enter and
// io_uring_register trap (SECCOMP_RET_TRAP) wherever they are issued, libc's syscall() or a program's own
// inline `syscall` instruction alike (Debian's fio enters its rings that way), and the SIGSYS handler here
// performs the call through the glue and puts the result in the trapped thread's rax, as if the kernel had
// answered. Nothing reaches Linux's io_uring, so this also works where Linux refuses it (a container's
// seccomp profile returning EPERM, kernel.io_uring_disabled): among stacked filters the strictest action
// wins, and TRAP outranks ERRNO.
//
// Who installs what: `ringport run` (tools/run) installs the filter before it executes the program, so a
// program that escapes libringport (statically linked, LD_PRELOAD dropped) dies by SIGSYS instead of talking
// to Linux, and the launcher explains that death. It also sets RINGPORT_TRAP=1, on which the constructor
// below installs the handler in every process that loads libringport. rp_trap_install() does both for a
// program that wants the trap without the launcher.
//
// The handler runs synchronously at the program's system call instruction, on the calling thread, which is
// in no library lock or allocator at that moment: calling into the glue there is like a function call.
// errno is preserved (a raw system call does not set it). Linux resets the handler to the default (and so
// kills the process) when SIGSYS is blocked at the trap, so while the trap is active sigprocmask and
// pthread_sigmask never block SIGSYS.
#include "glue_internal.hpp"
#include "trap_filter.h"

#include <ringport/glue.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <ucontext.h>

namespace ringport::glue {
namespace {

bool g_trap_active = false;
constexpr int kSysSeccomp = 1; // si_code of a SIGSYS raised by a seccomp filter (SYS_SECCOMP)

void say(const char* msg) { raw_syscall(SYS_write, 2, long(msg), long(std::strlen(msg))); }

// Decimal for the messages below (no stdio in a signal handler).
const char* dec(long v, char (&buf)[24])
{
	char* p = buf + sizeof buf;
	*--p = 0;
	bool neg = v < 0;
	unsigned long u = neg ? 0ul - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
	do
		*--p = char('0' + u % 10);
	while (u /= 10);
	if (neg)
		*--p = '-';
	return p;
}

void on_sigsys(int, siginfo_t* si, void* ctx)
{
	auto* uc = static_cast<ucontext_t*>(ctx);
	greg_t* g = uc->uc_mcontext.gregs;
	int nr = si->si_syscall;
	if (si->si_code != kSysSeccomp || si->si_arch != AUDIT_ARCH_X86_64 ||
	    (nr != __NR_io_uring_setup && nr != __NR_io_uring_enter && nr != __NR_io_uring_register)) {
		// Not ours to answer (an i386/x32 entry, another filter's trap): never guess, stop loudly.
		char b[24];
		say("libringport: SIGSYS for a system call it cannot route into the shim (number ");
		say(dec(nr, b));
		say(si->si_arch == AUDIT_ARCH_X86_64 ? ")\n" : ", not the x86_64 ABI)\n");
		raw_syscall(SYS_exit_group, 159);
	}
	int saved_errno = errno;
	long a = g[REG_RDI], b = g[REG_RSI], c = g[REG_RDX], d = g[REG_R10], e = g[REG_R8], f = g[REG_R9];
	long r;
	if (nr == __NR_io_uring_setup)
		r = rp_sys_io_uring_setup(unsigned(a), reinterpret_cast<io_uring_params*>(b));
	else if (nr == __NR_io_uring_enter)
		r = rp_sys_io_uring_enter2(unsigned(a), unsigned(b), unsigned(c), unsigned(d), reinterpret_cast<void*>(e),
		                           size_t(f));
	else
		r = rp_sys_io_uring_register(unsigned(a), unsigned(b), reinterpret_cast<const void*>(c), unsigned(d));
	g[REG_RAX] = r;
	errno = saved_errno;
}

int install_handler()
{
	struct sigaction sa {};
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, nullptr) != 0)
		return -errno;
	// The thread that installs it must not have SIGSYS blocked either.
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGSYS);
	raw_syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, long(&s), 0, 8);
	g_trap_active = true;
	return 0;
}

__attribute__((constructor)) void trap_from_environment()
{
	const char* v = std::getenv("RINGPORT_TRAP");
	if (v && std::strcmp(v, "1") == 0 && install_handler() != 0)
		say("libringport: RINGPORT_TRAP=1 but the SIGSYS handler could not be installed\n");
}

// Drops SIGSYS from a mask about to be blocked, while the trap is active (see the top of the file).
const sigset_t* without_sigsys(int how, const sigset_t* set, sigset_t* copy)
{
	if (!g_trap_active || !set || how == SIG_UNBLOCK || !sigismember(set, SIGSYS))
		return set;
	*copy = *set;
	sigdelset(copy, SIGSYS);
	return copy;
}

int sigprocmask_raw(int how, const sigset_t* set, sigset_t* old)
{
	long r = raw_syscall(SYS_rt_sigprocmask, how, long(set), long(old), 8);
	if (r < 0) {
		errno = int(-r);
		return -1;
	}
	return 0;
}

} // namespace
} // namespace ringport::glue

using namespace ringport::glue;

extern "C" {

// The seccomp filter `ringport run` installs (trap_filter.h), also usable on its own. Sets no_new_privs,
// which an unprivileged seccomp filter needs.
int rp_trap_filter_install(void)
{
	struct sock_filter prog[] = RP_TRAP_FILTER_INIT;
	struct sock_fprog fprog = {static_cast<unsigned short>(sizeof prog / sizeof prog[0]), prog};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	long r = raw_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, long(&fprog));
	return r < 0 ? int(r) : 0;
}

// Handler and filter: from now on this process's raw io_uring system calls (and its children's, where they
// load libringport with RINGPORT_TRAP=1) go to the shim.
int rp_trap_install(void)
{
	if (int r = install_handler(); r != 0)
		return r;
	return rp_trap_filter_install();
}

int sigprocmask(int how, const sigset_t* set, sigset_t* old)
{
	using fn = int (*)(int, const sigset_t*, sigset_t*);
	static fn next = reinterpret_cast<fn>(dlsym(RTLD_NEXT, "sigprocmask"));
	sigset_t copy;
	set = without_sigsys(how, set, &copy);
	if (next)
		return next(how, set, old);
	return sigprocmask_raw(how, set, old); // a fully static program: no libc definition to find
}

int pthread_sigmask(int how, const sigset_t* set, sigset_t* old)
{
	using fn = int (*)(int, const sigset_t*, sigset_t*);
	static fn next = reinterpret_cast<fn>(dlsym(RTLD_NEXT, "pthread_sigmask"));
	sigset_t copy;
	set = without_sigsys(how, set, &copy);
	if (next)
		return next(how, set, old);
	return sigprocmask_raw(how, set, old); // a fully static program: no libc definition to find
}

} // extern "C"
