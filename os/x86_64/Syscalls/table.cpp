// syscall_dispatch: the system-call table. Numbers below RP_KERNEL_CALL_BASE are Linux's (only those liburing
// and its tests issue themselves; newlib's file and time calls travel as native SQEs instead), numbers from
// RP_KERNEL_CALL_BASE are the reference kernel's own (os/abi/include/ringport/kernel_calls.h). Anything else:
// -ENOSYS, as Linux answers an unknown number.
#include "Arch/cpu.hpp"
#include "Arch/frame.hpp"
#include "Library/errno.hpp"
#include "Library/print.hpp"
#include "Syscalls/calls.hpp"
#include "Syscalls/hooks.hpp"
#include "Tasks/process.hpp"

#include <ringport/kernel_calls.h>

namespace kernel {

namespace {

// The first -ENOSYS of each number from the file and time families (which answer it for numbers they do not
// serve) goes to the kernel log (COM1): a program failing with ENOSYS shows which call it lacked.
void note_unknown(uint64_t number)
{
	static uint64_t seen[16]; // numbers below 1024
	if (number < 1024) {
		if (seen[number / 64] & (1ull << (number % 64)))
			return;
		seen[number / 64] |= 1ull << (number % 64);
	}
	print("rpk: %s: system call %lu answered -ENOSYS\n", current_program_name(), number);
}

long dispatch(Frame *frame, uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	switch (number) {
	case 3: // close
		return filesystem_close(a0);
	case 9:
		return sys_mmap(a0, a1, a2, a3, a4, a5);
	case 10:
		return sys_mprotect(a0, a1, a2);
	case 11:
		return sys_munmap(a0, a1);
	case 12:
		return sys_brk(a0);
	case 28:
		return sys_madvise(a0, a1, a2);
	case 39:
		return sys_getpid();
	case 60:
		sys_exit(a0);
	case 231:
		sys_exit_group(a0);
	case 13:
		return sys_rt_sigaction(a0, a1, a2, a3);
	case 14:
		return sys_rt_sigprocmask(a0, a1, a2, a3);
	case 157:
		return sys_prctl(a0, a1, a2, a3, a4);
	case 24: // sched_yield
		yield();
		return 0;
	case 37:
		return sys_alarm(a0);
	case 56:
		return sys_clone(*frame, a0, a1, a2, a3, a4);
	case 57: // fork
	case 58: // vfork: a fork (the parent does not wait for the child's exec)
		return sys_clone(*frame, 17, 0, 0, 0, 0);
	case 59:
		return sys_execve(frame, a0, a1, a2);
	case 61:
		return sys_wait4(int64_t(a0), a1, a2, a3);
	case 62:
		return sys_kill(int64_t(int32_t(a0)), a1);
	case 109:
		return sys_setpgid(int64_t(int32_t(a0)), int64_t(int32_t(a1)));
	case 110:
		return sys_getppid();
	case 111:
		return sys_getpgid(0);
	case 112:
		return sys_setsid();
	case 121:
		return sys_getpgid(int64_t(int32_t(a0)));
	case 124:
		return sys_getsid(int64_t(int32_t(a0)));
	case 127:
		return sys_rt_sigpending(a0, a1);
	case 200: // tkill
		return sys_tgkill(-1, int64_t(int32_t(a0)), a1);
	case 234:
		return sys_tgkill(int64_t(int32_t(a0)), int64_t(int32_t(a1)), a2);
	case 247:
		return sys_waitid(a0, a1, a2, a3, a4);
	case 449:
		return sys_futex_waitv(a0, a1, a2, a3, a4);
	case 97:
		return sys_getrlimit(a0, a1);
	case 98:
		return sys_getrusage(int64_t(a0), a1);
	case 102: // getuid
	case 104: // getgid
	case 107: // geteuid
	case 108: // getegid
		return sys_getuid();
	case 158:
		return sys_arch_prctl(a0, a1);
	case 160:
		return sys_setrlimit(a0, a1);
	case 140:
		return sys_getpriority(a0, a1);
	case 141:
		return sys_setpriority(a0, a1, a2);
	case 203:
		return sys_sched_setaffinity(a0, a1, a2);
	case 204:
		return sys_sched_getaffinity(a0, a1, a2);
	case 186:
		return sys_gettid();
	case 202:
		return sys_futex(a0, a1, a2, a3, a4, a5);
	case 218:
		return sys_set_tid_address(a0);
	case 302:
		return sys_prlimit64(a0, a1, a2, a3);
	case 425:
		return io_uring_setup(a0, a1);
	case 426:
		return io_uring_enter(a0, a1, a2, a3, a4, a5);
	case 427:
		return io_uring_register(a0, a1, a2, a3);
	case RP_SYS_RING_SETUP:
		return ring_setup(a0, a1);
	case RP_SYS_RING_ENTER:
		return ring_enter(a0, a1, a2, a3);
	case RP_SYS_RING_DESTROY:
		return ring_destroy(a0);
	case RP_SYS_SCHEME_CREATE:
		return scheme_create(a0, a1);
	default: {
		// The file and time families keep their own tables (file_calls.cpp, time_calls.cpp).
		long result = file_call(number, a0, a1, a2, a3, a4);
		if (result == -ENOSYS)
			result = time_call(number, a0, a1, a2, a3);
		if (result == -ENOSYS)
			note_unknown(number);
		return result;
	}
	}
}

} // namespace

extern "C" void syscall_dispatch(Frame *frame)
{
	// Interrupts back on for the call: the timer keeps ticking (timeouts, idle waits) while the kernel works.
	cpu::enable_interrupts();
	current_thread()->publish_on_block = true;
	current_thread()->syscall_number = frame->rax;
	if (frame->rax == 15) { // rt_sigreturn: the whole frame comes back from the signal frame
		sys_rt_sigreturn(frame);
		cpu::disable_interrupts();
		return_to_user(frame);
		return;
	}
	long result = dispatch(frame, frame->rax, frame->rdi, frame->rsi, frame->rdx, frame->r10, frame->r8, frame->r9);
	frame->rax = static_cast<uint64_t>(result);
	cpu::disable_interrupts();
	return_to_user(frame); // publishes what the call (and its deferred work) changed to sleeping threads
}

} // namespace kernel
