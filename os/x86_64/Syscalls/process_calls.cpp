// getpid, gettid, exit, set_tid_address, arch_prctl and futex for a process with one thread.
#include "Arch/cpu.hpp"
#include "Library/errno.hpp"
#include "Memory/address_space.hpp"
#include "Syscalls/calls.hpp"
#include "Tasks/process.hpp"

namespace kernel {

long sys_getpid() { return current()->pid; }
long sys_gettid() { return current()->pid; } // the only thread's id is the process id, as on Linux

void sys_exit(uint64_t status) { exit_current(static_cast<int>(status & 0xFF)); }

long sys_set_tid_address(uint64_t address)
{
	current()->clear_child_tid = address;
	return current()->pid;
}

long sys_arch_prctl(uint64_t code, uint64_t address)
{
	constexpr uint64_t set_gs = 0x1001, set_fs = 0x1002, get_fs = 0x1003, get_gs = 0x1004;
	Process *p = current();
	switch (code) {
	case set_fs:
	case set_gs:
		if (address >= user_space_end)
			return -EPERM; // Linux refuses a base outside the user half
		if (code == set_fs) {
			p->fs_base = address;
			cpu::write_msr(cpu::msr_fs_base, address);
		} else {
			// The kernel never uses swapgs, so the user's GS base lives in GS_BASE itself.
			p->gs_base = address;
			cpu::write_msr(cpu::msr_gs_base, address);
		}
		return 0;
	case get_fs:
	case get_gs: {
		uint64_t value = code == get_fs ? p->fs_base : p->gs_base;
		return copy_to_user(address, &value, sizeof value);
	}
	default:
		return -EINVAL;
	}
}

// futex with one thread: nobody else can change the word or wake us. WAKE wakes nobody (0). WAIT returns
// -EAGAIN when the word differs (as Linux); when it matches, a wait with a timeout sleeps it out and returns
// -ETIMEDOUT, and a wait without one returns -EAGAIN at once instead of blocking forever (a deliberate
// difference: the only waker would be a thread or process that part 1 does not have).
long sys_futex(uint64_t address, uint64_t op, uint64_t value, uint64_t timeout, uint64_t, uint64_t value3)
{
	constexpr uint64_t private_flag = 128, realtime_flag = 256;
	constexpr uint64_t wait = 0, wake = 1, requeue = 3, cmp_requeue = 4, wake_op = 5, wait_bitset = 9,
	                   wake_bitset = 10;
	uint64_t command = op & ~(private_flag | realtime_flag);
	if ((op & realtime_flag) && command != wait_bitset)
		return -ENOSYS; // Linux: FUTEX_CLOCK_REALTIME only with the bitset/LOCK_PI waits
	if (address % 4)
		return -EINVAL;
	switch (command) {
	case wake:
	case wake_bitset:
	case requeue:
	case cmp_requeue:
	case wake_op:
		if (command == wake_bitset && value3 == 0)
			return -EINVAL;
		return 0;
	case wait:
	case wait_bitset: {
		if (command == wait_bitset && value3 == 0)
			return -EINVAL;
		uint32_t word;
		if (copy_from_user(&word, address, sizeof word))
			return -EFAULT;
		if (word != static_cast<uint32_t>(value))
			return -EAGAIN;
		if (!timeout)
			return -EAGAIN;
		struct {
			int64_t seconds, nanoseconds;
		} ts;
		if (copy_from_user(&ts, timeout, sizeof ts))
			return -EFAULT;
		if (ts.seconds < 0 || ts.nanoseconds < 0 || ts.nanoseconds >= 1000000000)
			return -EINVAL;
		uint64_t span = static_cast<uint64_t>(ts.seconds) * 1000000000ull + static_cast<uint64_t>(ts.nanoseconds);
		uint64_t deadline;
		if (command == wait) {
			deadline = now_ns(1) + span; // FUTEX_WAIT: relative
		} else {
			// FUTEX_WAIT_BITSET: absolute, on CLOCK_MONOTONIC or (with the flag) CLOCK_REALTIME.
			uint64_t now_on_clock = now_ns((op & realtime_flag) ? 0 : 1);
			deadline = now_ns(1) + (span > now_on_clock ? span - now_on_clock : 0);
		}
		while (now_ns(1) < deadline) {
			if (stop_requested())
				return -EINTR;
			wait_for_event(deadline);
		}
		return -ETIMEDOUT;
	}
	default:
		return -ENOSYS;
	}
}

} // namespace kernel
