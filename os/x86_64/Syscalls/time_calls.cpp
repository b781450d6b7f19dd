// Clocks and sleeps as Linux's system calls (clock_gettime, clock_getres, gettimeofday, nanosleep,
// clock_nanosleep) and poll/ppoll, whose timeouts are time arguments too. Programs mostly sleep through native
// Timeout ops; these serve code that calls the kernel directly (upstream tests through syscall(), newlib's
// glue where no opcode fits). Returns -ENOSYS for a number that is not a time call.
#include "FileSystem/syscalls.hpp"
#include "Library/errno.hpp"
#include "Platform/platform.hpp"
#include "Syscalls/calls.hpp"

namespace kernel {

namespace {

struct LinuxTimespec {
	int64_t seconds;
	int64_t nanoseconds;
};
struct LinuxTimeval {
	int64_t seconds;
	int64_t microseconds;
};
constexpr uint64_t ns_per_second = 1000000000ull;
constexpr uint64_t timer_abstime = 1;

// A user timespec as nanoseconds: -EFAULT, or -EINVAL for negative or out-of-range fields (Linux's rule).
long read_timespec(uint64_t user, uint64_t *ns)
{
	LinuxTimespec ts;
	if (copy_from_user(&ts, user, sizeof ts) != 0)
		return -EFAULT;
	if (ts.seconds < 0 || ts.nanoseconds < 0 || ts.nanoseconds >= static_cast<int64_t>(ns_per_second))
		return -EINVAL;
	uint64_t seconds = static_cast<uint64_t>(ts.seconds);
	*ns = seconds > (UINT64_MAX - ns_per_second) / ns_per_second ? no_deadline
	                                                               : seconds * ns_per_second + ts.nanoseconds;
	return 0;
}

long write_timespec(uint64_t user, uint64_t ns)
{
	LinuxTimespec ts{static_cast<int64_t>(ns / ns_per_second), static_cast<int64_t>(ns % ns_per_second)};
	return copy_to_user(user, &ts, sizeof ts) == 0 ? 0 : -EFAULT;
}

// Sleeps until the absolute time deadline on clock_id. A process being killed gives -EINTR, and the time
// left is written to remaining (relative sleeps only), as Linux does for an interrupted sleep.
long sleep_until(uint32_t clock_id, uint64_t deadline, uint64_t remaining_user)
{
	while (now_ns(clock_id) < deadline) {
		if (stop_requested()) {
			if (remaining_user != 0)
				write_timespec(remaining_user, deadline - now_ns(clock_id));
			return -EINTR;
		}
		// wait_for_event takes a MONOTONIC deadline; for another clock wake at the timer tick and re-check.
		uint64_t monotonic = now_ns(1);
		uint64_t left = deadline - now_ns(clock_id);
		wait_for_event(clock_id == 1 || clock_id == 7 ? deadline : monotonic + left);
	}
	return 0;
}

long clock_nanosleep(uint64_t clock_id, uint64_t flags, uint64_t request, uint64_t remaining)
{
	if (!valid_clock(static_cast<uint32_t>(clock_id)))
		return -EINVAL;
	uint64_t ns;
	if (long err = read_timespec(request, &ns))
		return err;
	uint32_t clock = static_cast<uint32_t>(clock_id);
	if (flags & timer_abstime)
		return sleep_until(clock, ns, 0);
	uint64_t now = now_ns(clock);
	return sleep_until(clock, ns > UINT64_MAX - now ? no_deadline : now + ns, remaining);
}

long poll_with_timeout(uint64_t fds, uint64_t nfds, uint64_t timeout_user)
{
	uint64_t ns = no_deadline;
	if (timeout_user != 0)
		if (long err = read_timespec(timeout_user, &ns))
			return err;
	return fs_poll(fds, nfds, ns);
}

} // namespace

long time_call(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	switch (number) {
	case 7: { // poll: timeout in milliseconds, negative waits for ever
		int64_t ms = static_cast<int32_t>(a2);
		return fs_poll(a0, a1, ms < 0 ? no_deadline : static_cast<uint64_t>(ms) * 1000000ull);
	}
	case 271: // ppoll: the signal mask is inert until signals exist (part 2)
		return poll_with_timeout(a0, a1, a2);
	case 35: // nanosleep
		return clock_nanosleep(1, 0, a0, a1);
	case 230:
		return clock_nanosleep(a0, a1, a2, a3);
	case 228: // clock_gettime
		if (!valid_clock(static_cast<uint32_t>(a0)))
			return -EINVAL;
		return write_timespec(a1, now_ns(static_cast<uint32_t>(a0)));
	case 229: // clock_getres: the clocks count nanoseconds
		if (!valid_clock(static_cast<uint32_t>(a0)))
			return -EINVAL;
		return a1 == 0 ? 0 : write_timespec(a1, 1);
	case 96: { // gettimeofday; the timezone argument is obsolete and left untouched
		uint64_t ns = now_ns(0);
		LinuxTimeval tv{static_cast<int64_t>(ns / ns_per_second), static_cast<int64_t>(ns % ns_per_second / 1000)};
		if (a0 != 0 && copy_to_user(a0, &tv, sizeof tv) != 0)
			return -EFAULT;
		return 0;
	}
	default:
		return -ENOSYS;
	}
}

} // namespace kernel
