/*
 * Shared bits of the kernel's freestanding smoke programs (no libc): raw system calls, a console write and an
 * entry point that hands main() the initial stack. Each program is one .c file that includes this header.
 *
 * say() writes to fd 1 the way the system-call path works on this OS: an RP_OP_WRITE SQE on a native ring
 * (set up at the first call), submitted and waited for with RP_SYS_RING_ENTER.
 */
#ifndef RPK_SMOKE_H
#define RPK_SMOKE_H

#include <stddef.h>
#include <stdint.h>

#include <ringport/kernel_calls.h>
#include <ringport/native_ring.h>

static inline long raw_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}
#define SYS0(n) raw_syscall((n), 0, 0, 0, 0, 0, 0)
#define SYS1(n, a) raw_syscall((n), (long)(a), 0, 0, 0, 0, 0)
#define SYS2(n, a, b) raw_syscall((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define SYS3(n, a, b, c) raw_syscall((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYS4(n, a, b, c, d) raw_syscall((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SYS6(n, a, b, c, d, e, f) raw_syscall((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static size_t str_length(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* The native ring say() writes through, once set up (ring_handle >= 0). */
static long ring_handle = -1;
static struct rp_kernel_ring_view ring_view;

static int ring_write(const char *s, size_t n)
{
	struct rp_ring_header *sq = (struct rp_ring_header *)ring_view.sq;
	struct rp_ring_header *cq = (struct rp_ring_header *)ring_view.cq;
	struct rp_sqe *sqes = (struct rp_sqe *)ring_view.sqes;
	struct rp_cqe *cqes = (struct rp_cqe *)ring_view.cqes;
	uint64_t tail = sq->tail;
	struct rp_sqe *sqe = &sqes[tail & sq->mask];
	__builtin_memset(sqe, 0, sizeof *sqe);
	sqe->opcode = RP_OP_WRITE;
	sqe->fd = 1;
	sqe->addr = (uint64_t)(uintptr_t)s;
	sqe->len = n;
	sqe->user_data = 0x5157;
	__atomic_store_n(&sq->tail, tail + 1, __ATOMIC_RELEASE);
	long consumed = SYS4(RP_SYS_RING_ENTER, ring_handle, 1, 0, -1L);
	if (consumed < 0)
		return (int)consumed;
	uint64_t head = cq->head;
	if (__atomic_load_n(&cq->tail, __ATOMIC_ACQUIRE) == head)
		return -1;
	struct rp_cqe *cqe = &cqes[head & cq->mask];
	int status = cqe->status;
	__atomic_store_n(&cq->head, head + 1, __ATOMIC_RELEASE);
	return status;
}

static void say(const char *s)
{
	if (ring_handle < 0) {
		struct rp_kernel_ring_params params = {.sq_entries = 8, .cq_entries = 16};
		ring_handle = SYS2(RP_SYS_RING_SETUP, &params, &ring_view);
		if (ring_handle < 0)
			return; /* nowhere to write: the exit status still tells */
	}
	ring_write(s, str_length(s));
}

__attribute__((unused)) static void say_number(long v)
{
	char buf[24];
	int i = sizeof buf - 1;
	int negative = v < 0;
	unsigned long u = negative ? 0ul - (unsigned long)v : (unsigned long)v;
	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (negative)
		buf[--i] = '-';
	say(&buf[i]);
}

__attribute__((unused)) static void say_hex(unsigned long v)
{
	char buf[19] = "0x";
	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	buf[18] = '\0';
	say(buf);
}

__attribute__((noreturn, unused)) static void exit_with(int status)
{
	SYS1(231, status);
	__builtin_unreachable();
}

/* Counts failed checks; a program exits with the count (0 = all passed). */
static int failures;
#define CHECK(condition)                                                   \
	do {                                                                   \
		if (!(condition)) {                                                \
			say("FAIL: " #condition " (line ");                           \
			say_number(__LINE__);                                          \
			say(")\n");                                                    \
			failures++;                                                    \
		}                                                                  \
	} while (0)

int main(long *stack);

/* The process entry: RSP points at argc (16-byte aligned); pass it to main and exit with its result. */
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov %rsp, %rdi\n"
        "  call main\n"
        "  mov %eax, %edi\n"
        "  mov $231, %eax\n"
        "  syscall\n"
        "  hlt\n");

/* Compilers may emit calls to these even in freestanding code. */
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

#endif
