// getpid, gettid, exit, exit_group, set_tid_address, arch_prctl and futex(2) / futex_waitv(2).
#include "Arch/cpu.hpp"
#include "Library/errno.hpp"
#include "Memory/address_space.hpp"
#include "Syscalls/calls.hpp"
#include "Tasks/futex.hpp"
#include "Tasks/process.hpp"

namespace kernel {

[[noreturn]] void exit_thread(int status); // Tasks/process.cpp

long sys_getpid() { return current()->pid; }
long sys_gettid() { return current_thread()->tid; }

void sys_exit(uint64_t status) { exit_thread(static_cast<int>(status & 0xFF)); }
void sys_exit_group(uint64_t status) { exit_current(static_cast<int>(status & 0xFF)); }

long sys_set_tid_address(uint64_t address)
{
	current_thread()->clear_child_tid = address;
	return current_thread()->tid;
}

long sys_arch_prctl(uint64_t code, uint64_t address)
{
	constexpr uint64_t set_gs = 0x1001, set_fs = 0x1002, get_fs = 0x1003, get_gs = 0x1004;
	Thread *t = current_thread();
	switch (code) {
	case set_fs:
	case set_gs:
		if (address >= user_space_end)
			return -EPERM; // Linux refuses a base outside the user half
		if (code == set_fs) {
			t->fs_base = address;
			cpu::write_msr(cpu::msr_fs_base, address);
		} else {
			// The kernel never uses swapgs, so the user's GS base lives in GS_BASE itself.
			t->gs_base = address;
			cpu::write_msr(cpu::msr_gs_base, address);
		}
		return 0;
	case get_fs:
	case get_gs: {
		uint64_t value = code == get_fs ? t->fs_base : t->gs_base;
		return copy_to_user(address, &value, sizeof value);
	}
	default:
		return -EINVAL;
	}
}

namespace {

// A user struct timespec as nanoseconds: -EFAULT / -EINVAL as Linux.
long read_timespec(uint64_t user, uint64_t *ns)
{
	struct {
		int64_t seconds, nanoseconds;
	} ts;
	if (copy_from_user(&ts, user, sizeof ts))
		return -EFAULT;
	if (ts.seconds < 0 || ts.nanoseconds < 0 || ts.nanoseconds >= 1000000000)
		return -EINVAL;
	*ns = static_cast<uint64_t>(ts.seconds) * 1000000000ull + static_cast<uint64_t>(ts.nanoseconds);
	return 0;
}

// An absolute time on clock as a CLOCK_MONOTONIC deadline.
uint64_t monotonic_deadline(uint32_t clock, uint64_t absolute)
{
	uint64_t now_on_clock = now_ns(clock);
	uint64_t now = now_ns(1);
	return absolute > now_on_clock ? now + (absolute - now_on_clock) : now;
}

} // namespace

// futex(2): WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAIT_BITSET, WAKE_BITSET onto Tasks/futex.cpp. The PI and WAKE_OP
// operations answer -ENOSYS (nothing here uses them).
long sys_futex(uint64_t address, uint64_t op, uint64_t value, uint64_t timeout, uint64_t address2, uint64_t value3)
{
	constexpr uint64_t private_flag = 128, realtime_flag = 256;
	constexpr uint64_t wait = 0, wake = 1, requeue = 3, cmp_requeue = 4, wait_bitset = 9, wake_bitset = 10;
	uint64_t command = op & ~(private_flag | realtime_flag);
	bool is_private = op & private_flag;
	if ((op & realtime_flag) && command != wait_bitset && command != wait)
		return -ENOSYS;
	switch (command) {
	case wake:
		return futex_wake(address, static_cast<uint32_t>(value), ~0u, is_private);
	case wake_bitset:
		if (uint32_t(value3) == 0)
			return -EINVAL;
		return futex_wake(address, static_cast<uint32_t>(value), uint32_t(value3), is_private);
	case requeue:
	case cmp_requeue:
		// The requeue count travels in the timeout argument's register.
		return futex_requeue(address, address2, uint32_t(value), uint32_t(timeout), command == cmp_requeue,
		                     uint32_t(value3), is_private);
	case wait:
	case wait_bitset: {
		uint32_t bitset = command == wait ? ~0u : uint32_t(value3);
		if (bitset == 0)
			return -EINVAL;
		uint64_t deadline = no_deadline;
		if (timeout) {
			uint64_t span;
			if (long r = read_timespec(timeout, &span))
				return r;
			if (command == wait && !(op & realtime_flag)) {
				uint64_t now = now_ns(1);
				deadline = span > no_deadline - now ? no_deadline : now + span; // FUTEX_WAIT: relative
			} else {
				deadline = monotonic_deadline((op & realtime_flag) ? 0 : 1, span); // absolute
			}
		}
		return futex_wait(address, static_cast<uint32_t>(value), deadline, bitset, is_private);
	}
	default:
		return -ENOSYS;
	}
}

// futex_waitv(waiters, nr, flags, timeout, clockid): timeout absolute on clockid (MONOTONIC or REALTIME).
long sys_futex_waitv(uint64_t user_waiters, uint64_t count, uint64_t flags, uint64_t timeout, uint64_t clock)
{
	if (flags)
		return -EINVAL;
	uint64_t deadline = no_deadline;
	if (timeout) {
		if (clock != 0 && clock != 1)
			return -EINVAL;
		uint64_t absolute;
		if (long r = read_timespec(timeout, &absolute))
			return r;
		deadline = monotonic_deadline(uint32_t(clock), absolute);
	}
	return futex_waitv(user_waiters, uint32_t(count), deadline);
}

} // namespace kernel
