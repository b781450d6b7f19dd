/*
 * Clocks and sleeps. Reading a clock has no native opcode: clock_gettime/clock_getres are Linux system calls
 * 228/229. Every sleep is a native Timeout SQE (RP_OP_TIMEOUT completes with -ETIME when it fires), which is
 * how the kernel's timer queue serves both io_uring timeouts and newlib's sleeps.
 */
#include "glue.h"
#include "raw_syscall.h"

#include <errno.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	return (int)rp_result(rp_raw_syscall2(RP_NR_clock_gettime, clk, ts));
}

int clock_getres(clockid_t clk, struct timespec *ts)
{
	return (int)rp_result(rp_raw_syscall2(RP_NR_clock_getres, clk, ts));
}

int gettimeofday(struct timeval *__restrict tv, void *__restrict tz)
{
	(void)tz;
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	if (tv) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return 0;
}

/* One Timeout SQE: 0 when it fired, else -errno (-EINVAL for a bad clock, -EINTR). */
static int64_t rp_timeout(clockid_t clk, int flags, const struct timespec *req)
{
	if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L || req->tv_sec < 0)
		return -EINVAL;
	struct rp_sqe sqe = rp_sqe_for(RP_OP_TIMEOUT);
	uint32_t how = (flags & TIMER_ABSTIME) ? RP_TIMEOUT_ABS : 0;
	switch (clk) {
	case CLOCK_MONOTONIC:
		break;
	case CLOCK_REALTIME:
		how |= RP_TIMEOUT_REALTIME;
		break;
	case CLOCK_BOOTTIME:
		how |= RP_TIMEOUT_BOOTTIME;
		break;
	default:
		return -EINVAL;
	}
	sqe.syscall_flags = how;
	sqe.offset = (uint64_t)req->tv_sec * 1000000000ull + (uint64_t)req->tv_nsec;
	int64_t r = rp_native_call(&sqe);
	return r == -ETIME ? 0 : r;
}

/* clock_nanosleep returns the error number (POSIX), it does not set errno. */
int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
	int64_t r = rp_timeout(clk, flags, req);
	if (r == 0 && rem && !(flags & TIMER_ABSTIME))
		rem->tv_sec = rem->tv_nsec = 0;
	return r < 0 ? (int)-r : 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	int r = clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
	if (r) {
		errno = r;
		return -1;
	}
	return 0;
}

unsigned sleep(unsigned seconds)
{
	struct timespec ts = {(time_t)seconds, 0};
	return nanosleep(&ts, NULL) == 0 ? 0 : seconds;
}

int usleep(useconds_t usec)
{
	struct timespec ts = {(time_t)(usec / 1000000), (long)(usec % 1000000) * 1000};
	return nanosleep(&ts, NULL);
}

/* clock() and times(): CPU time is not accounted yet; the monotonic clock stands in (100 ticks a second). */
clock_t times(struct tms *buf)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return (clock_t)-1;
	clock_t ticks = (clock_t)(ts.tv_sec * 100 + ts.tv_nsec / 10000000);
	if (buf) {
		buf->tms_utime = ticks;
		buf->tms_stime = 0;
		buf->tms_cutime = 0;
		buf->tms_cstime = 0;
	}
	return ticks;
}
