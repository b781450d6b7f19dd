/*
 * syscall(): the Linux-numbered calls upstream tests make directly. statx (332) becomes the native Statx SQE,
 * futex (202) WAIT/WAKE without a timeout become the native Futex SQE (the path pthreads will take); every
 * other number is issued as the raw Linux system call, which the kernel serves or answers -ENOSYS. Like
 * glibc's, it returns -1 and sets errno on failure.
 */
#include "glue.h"
#include "raw_syscall.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>

#define RP_NR_futex 202
#define RP_NR_statx 332
#define RP_FUTEX_CMD_MASK 0x7f /* Linux: ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME) */
#define RP_LINUX_FUTEX_WAIT 0
#define RP_LINUX_FUTEX_WAKE 1
#define RP_LINUX_FUTEX_PRIVATE 128

static int64_t rp_futex(long uaddr, long op, long val, long timeout)
{
	long cmd = op & RP_FUTEX_CMD_MASK;
	uint32_t private_flag = (op & RP_LINUX_FUTEX_PRIVATE) ? RP_FUTEX_PRIVATE_FLAG : 0;
	if (cmd == RP_LINUX_FUTEX_WAIT && timeout == 0) {
		struct rp_sqe sqe = rp_sqe_for(RP_OP_FUTEX);
		sqe.syscall_flags = RP_FUTEX_WAIT | private_flag;
		sqe.addr = (uint64_t)uaddr;
		sqe.offset = (uint32_t)val;
		return rp_native_call(&sqe);
	}
	if (cmd == RP_LINUX_FUTEX_WAKE) {
		struct rp_sqe sqe = rp_sqe_for(RP_OP_FUTEX);
		sqe.syscall_flags = RP_FUTEX_WAKE | private_flag;
		sqe.addr = (uint64_t)uaddr;
		sqe.len = (uint64_t)(uint32_t)val;
		return rp_native_call(&sqe);
	}
	return rp_raw_syscall4(RP_NR_futex, uaddr, op, val, timeout);
}

long syscall(long number, ...)
{
	va_list ap;
	va_start(ap, number);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	switch (number) {
	case RP_NR_statx:
		return statx((int)a, (const char *)b, (int)c, (unsigned)d, (struct statx *)e);
	case RP_NR_futex:
		return rp_result(rp_futex(a, b, c, d));
	default:
		return rp_result(rp_raw_syscall6(number, a, b, c, d, e, f));
	}
}
