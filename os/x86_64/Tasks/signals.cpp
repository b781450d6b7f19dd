// Signals: dispositions per process (rt_sigaction), a mask per thread (rt_sigprocmask), pending signals per
// process, delivery on the way back to user mode with Linux's x86_64 rt_sigframe (so SA_SIGINFO handlers see
// a real siginfo_t and ucontext_t), rt_sigreturn, kill/tgkill and alarm.
//
// Default actions as Linux: SIGCHLD, SIGCONT, SIGURG, SIGWINCH are ignored; the stop signals are ignored too
// (there is no job control); every other signal terminates the process with that signal. A blocking system
// call that a signal interrupts returns -EINTR (no SA_RESTART restarts).
#include "Arch/cpu.hpp"
#include "Library/errno.hpp"
#include "Library/print.hpp"
#include "Library/string.hpp"
#include "Memory/address_space.hpp"
#include "Tasks/process.hpp"

extern "C" [[noreturn]] void enter_user(kernel::Frame *frame);

namespace kernel {

void interrupt_thread(Thread *thread); // scheduler.cpp
extern const uint8_t clean_fpu_image[512]; // thread.cpp

namespace {

constexpr int sigkill = 9, sigstop = 19;
constexpr uint64_t sa_restorer = 0x04000000, sa_restart = 0x10000000, sa_nodefer = 0x40000000,
                   sa_resethand = 0x80000000;
constexpr uint64_t unblockable = (1ull << (sigkill - 1)) | (1ull << (sigstop - 1));

uint64_t bit(int signal) { return 1ull << (signal - 1); }

bool ignored_by_default(int signal)
{
	switch (signal) {
	case 17: // SIGCHLD
	case 18: // SIGCONT
	case 23: // SIGURG
	case 28: // SIGWINCH
	case 19: // SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: no job control, so nothing to stop for
	case 20:
	case 21:
	case 22:
		return true;
	default:
		return false;
	}
}

bool ignored(const Process *p, int signal)
{
	const SignalAction &a = p->actions[signal - 1];
	return a.handler == 1 || (a.handler == 0 && ignored_by_default(signal));
}

// Linux's struct sigcontext (x86_64), ucontext and rt_sigframe.
struct SigContext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved[8];
};
static_assert(sizeof(SigContext) == 256);
struct UContext {
	uint64_t flags, link;
	uint64_t stack_pointer;
	int32_t stack_flags, pad;
	uint64_t stack_size;
	SigContext mcontext;
	uint64_t sigmask;
};
struct SigInfo {
	int32_t signo, error, code, pad;
	int32_t pid, uid; // kill(): the sender
	uint8_t rest[104];
};
static_assert(sizeof(SigInfo) == 128);
struct RtSigFrame {
	uint64_t pretcode;
	UContext uc;
	SigInfo info;
};

// Builds the handler's frame on the user stack and points the frame at the handler: false when the stack is
// not writable (the process then dies with SIGSEGV, as Linux's force_sigsegv).
// A blocking call that the signal interrupted (-EINTR) is re-issued after the handler when the handler has
// SA_RESTART, as Linux's -ERESTARTSYS: the calls below, whose waits can simply start again (the futex word is
// read afresh, the child list rescanned, a ring enter waits for its completions again). Others - nanosleep,
// io_uring_enter, as on Linux - keep -EINTR.
bool restartable(uint64_t number)
{
	return number == 202 || number == 61 || number == 247 || number == 449 || number == 0x1001 /* RING_ENTER */;
}

bool setup_frame(Frame *frame, int signal, const SignalAction &action)
{
	Thread *t = current_thread();
	if (frame->vector == syscall_vector && static_cast<int64_t>(frame->rax) == -EINTR &&
	    (action.flags & sa_restart) && restartable(t->syscall_number)) {
		frame->rax = t->syscall_number;
		frame->rip -= 2; // back onto the syscall instruction (0F 05)
	}
	uint64_t sp = frame->rsp - 128; // the red zone
	sp -= 512;
	sp &= ~63ull;
	uint64_t fpstate = sp;
	sp -= sizeof(RtSigFrame);
	sp = (sp & ~15ull) - 8; // as after a call: the handler sees rsp + 8 16-byte aligned

	alignas(16) uint8_t fpu[512];
	asm volatile("fxsave %0" : "=m"(fpu));
	RtSigFrame f{};
	f.pretcode = action.restorer;
	SigContext &c = f.uc.mcontext;
	c = {frame->r8, frame->r9, frame->r10, frame->r11, frame->r12, frame->r13, frame->r14, frame->r15,
	     frame->rdi, frame->rsi, frame->rbp, frame->rbx, frame->rdx, frame->rax, frame->rcx, frame->rsp,
	     frame->rip, frame->rflags, static_cast<uint16_t>(frame->cs), 0, 0, static_cast<uint16_t>(frame->ss),
	     frame->error_code, frame->vector < 32 ? frame->vector : 0, t->signal_mask, 0, fpstate, {}};
	f.uc.sigmask = t->signal_mask;
	f.uc.stack_flags = 2; // SS_DISABLE: no sigaltstack
	f.info.signo = signal;
	f.info.code = 0; // SI_USER
	cpu::enable_interrupts();
	bool ok = copy_to_user(fpstate, fpu, sizeof fpu) == 0 && copy_to_user(sp, &f, sizeof f) == 0;
	cpu::disable_interrupts();
	if (!ok)
		return false;
	frame->rsp = sp;
	frame->rip = action.handler;
	frame->rdi = static_cast<uint64_t>(signal);
	frame->rsi = sp + offsetof(RtSigFrame, info);
	frame->rdx = sp + offsetof(RtSigFrame, uc);
	frame->rax = 0;
	frame->rflags &= ~(0x100ull | 0x400ull); // TF, DF
	frame->cs = user_code_selector;
	frame->ss = user_data_selector;
	asm volatile("fxrstor %0" : : "m"(*clean_fpu_image));
	t->signal_mask |= action.mask;
	if (!(action.flags & sa_nodefer))
		t->signal_mask |= bit(signal);
	t->signal_mask &= ~unblockable;
	return true;
}

} // namespace

bool interrupted(Thread *thread)
{
	Process *p = thread->process;
	return p && (p->dying || thread->exit_requested || (p->pending_signals & ~thread->signal_mask));
}

void send_signal(Process *p, int signal)
{
	if (signal <= 0 || signal > int(signal_count) || p->state != ProcessState::alive)
		return;
	if (signal == sigkill) {
		kill_process(p, sigkill);
		return;
	}
	if (ignored(p, signal))
		return; // Linux drops an ignored signal when it is sent
	bool were = cpu::interrupts_enabled();
	cpu::disable_interrupts();
	p->pending_signals |= bit(signal);
	for (Thread *t : p->threads)
		if (!(t->signal_mask & bit(signal)))
			interrupt_thread(t);
	if (were)
		cpu::enable_interrupts();
}

// return_to_user's signal step (interrupts off): one pending signal acted on; true when there was one.
bool deliver_signals(Frame *frame)
{
	Thread *t = current_thread();
	Process *p = t->process;
	uint64_t deliverable = p->pending_signals & ~t->signal_mask;
	if (!deliverable)
		return false;
	int signal = __builtin_ctzll(deliverable) + 1;
	p->pending_signals &= ~bit(signal);
	SignalAction action = p->actions[signal - 1];
	if (action.handler == 1 || (action.handler == 0 && ignored_by_default(signal)))
		return true;
	if (action.handler == 0)
		kill_current(signal);
	if (action.flags & sa_resethand)
		p->actions[signal - 1] = {};
	if (!setup_frame(frame, signal, action)) {
		print("rpk: %s: no room for a signal frame at %016lx\n", p->name, frame->rsp);
		kill_current(11);
	}
	return true;
}

// A fault in user mode (interrupts.cpp): a handler if the program installed one and does not block the
// signal, else death by that signal.
[[noreturn]] void fault_signal(Frame *frame, int signal)
{
	Thread *t = current_thread();
	Process *p = t->process;
	SignalAction action = p->actions[signal - 1];
	if (action.handler > 1 && !(t->signal_mask & bit(signal))) {
		if (action.flags & sa_resethand)
			p->actions[signal - 1] = {};
		if (setup_frame(frame, signal, action)) {
			return_to_user(frame);
			enter_user(frame);
		}
	}
	kill_current(signal);
}

long sys_rt_sigaction(uint64_t signal, uint64_t user_new, uint64_t user_old, uint64_t set_size)
{
	if (set_size != 8)
		return -EINVAL;
	if (signal < 1 || signal > signal_count)
		return -EINVAL;
	Process *p = current();
	SignalAction old = p->actions[signal - 1];
	if (user_new) {
		if (signal == sigkill || signal == sigstop)
			return -EINVAL;
		SignalAction action;
		if (copy_from_user(&action, user_new, sizeof action))
			return -EFAULT;
		if (action.handler > 1 && !(action.flags & sa_restorer))
			return -EINVAL; // x86_64 has no vDSO trampoline here: the C library must give a restorer
		action.mask &= ~unblockable;
		p->actions[signal - 1] = action;
		if (ignored(p, int(signal)))
			p->pending_signals &= ~bit(int(signal));
	}
	if (user_old && copy_to_user(user_old, &old, sizeof old))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(uint64_t how, uint64_t user_set, uint64_t user_old, uint64_t set_size)
{
	if (set_size != 8)
		return -EINVAL;
	Thread *t = current_thread();
	uint64_t old = t->signal_mask;
	if (user_set) {
		uint64_t set;
		if (copy_from_user(&set, user_set, sizeof set))
			return -EFAULT;
		switch (how) {
		case 0:
			t->signal_mask |= set;
			break;
		case 1:
			t->signal_mask &= ~set;
			break;
		case 2:
			t->signal_mask = set;
			break;
		default:
			return -EINVAL;
		}
		t->signal_mask &= ~unblockable;
	}
	if (user_old && copy_to_user(user_old, &old, sizeof old))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(uint64_t user_set, uint64_t set_size)
{
	if (set_size > 8)
		return -EINVAL;
	uint64_t pending = current()->pending_signals & current_thread()->signal_mask;
	return copy_to_user(user_set, &pending, set_size) ? -EFAULT : 0;
}

// rt_sigreturn: the handler returned into its restorer, which made this call with rsp just past pretcode.
void sys_rt_sigreturn(Frame *frame)
{
	UContext uc;
	if (copy_from_user(&uc, frame->rsp, sizeof uc)) {
		cpu::disable_interrupts();
		kill_current(11);
	}
	const SigContext &c = uc.mcontext;
	frame->r8 = c.r8, frame->r9 = c.r9, frame->r10 = c.r10, frame->r11 = c.r11;
	frame->r12 = c.r12, frame->r13 = c.r13, frame->r14 = c.r14, frame->r15 = c.r15;
	frame->rdi = c.rdi, frame->rsi = c.rsi, frame->rbp = c.rbp, frame->rbx = c.rbx;
	frame->rdx = c.rdx, frame->rax = c.rax, frame->rcx = c.rcx, frame->rsp = c.rsp, frame->rip = c.rip;
	// The user may change the arithmetic flags, DF, TF, AC and RF; IF stays on, IOPL stays 0.
	constexpr uint64_t user_flags = 0xCD5 | 0x100 | 0x40000 | 0x10000;
	frame->rflags = (c.eflags & user_flags) | 0x202;
	frame->cs = user_code_selector;
	frame->ss = user_data_selector;
	if (c.fpstate) {
		alignas(16) uint8_t fpu[512];
		if (copy_from_user(fpu, c.fpstate, sizeof fpu) == 0) {
			uint32_t mxcsr;
			memcpy(&mxcsr, fpu + 24, 4);
			mxcsr &= 0xFFFF; // reserved MXCSR bits would make fxrstor fault
			memcpy(fpu + 24, &mxcsr, 4);
			asm volatile("fxrstor %0" : : "m"(fpu));
		}
	}
	current_thread()->signal_mask = uc.sigmask & ~unblockable;
}

namespace {
// kill(2)'s permission and reach: only processes of the same test (the runner's world is one user).
bool reachable(Process *p) { return p->test == current()->test; }
} // namespace

long sys_kill(int64_t pid, uint64_t signal)
{
	if (signal > signal_count)
		return -EINVAL;
	Process *self = current();
	int found = 0;
	for (Process *p : all_processes()) {
		if (!reachable(p))
			continue;
		bool match = pid > 0 ? p->pid == pid
		             : pid == 0 ? p->pgid == self->pgid
		             : pid == -1 ? p != self
		                         : p->pgid == -pid;
		if (!match)
			continue;
		found++;
		if (signal)
			send_signal(p, int(signal));
	}
	return found ? 0 : -ESRCH;
}

long sys_tgkill(int64_t tgid, int64_t tid, uint64_t signal)
{
	if (signal > signal_count || tid <= 0)
		return -EINVAL;
	for (Process *p : all_processes()) {
		if (!reachable(p) || (tgid > 0 && p->pid != tgid))
			continue;
		for (Thread *t : p->threads) {
			if (t->tid == tid) {
				if (signal)
					send_signal(p, int(signal));
				return 0;
			}
		}
	}
	return -ESRCH;
}

long sys_alarm(uint64_t seconds)
{
	Process *p = current();
	uint64_t now = now_ns(1);
	long remaining = 0;
	if (p->alarm_deadline_ns > now)
		remaining = long((p->alarm_deadline_ns - now + 500000000ull) / 1000000000ull);
	if (p->alarm_deadline_ns && remaining == 0)
		remaining = 1;
	p->alarm_deadline_ns = seconds ? now + (seconds & 0xFFFFFFFFull) * 1000000000ull : 0;
	return remaining;
}

} // namespace kernel
