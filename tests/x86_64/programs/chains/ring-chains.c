/*
 * Chains and ring registers on a native ring in the reference kernel (make check-qemu: ring-chains). A program
 * sets up its own ring (RP_SYS_RING_SETUP) and submits, each in one enter:
 *   open(path) [r0] -> read(fd<-r0) [r1] -> pwrite(out, len<-r1) -> close(fd<-r0): four completions in order,
 *     the file copied, both registers stored;
 *   nop -> read(empty pipe) [r2] -> pwrite(out, len<-r2): the read waits; the rest completes once the
 *     program writes the pipe with a plain write(2), with nothing run before;
 *   open(missing) [r3] -> close(fd<-r3): -ENOENT, -ECANCELED, r3 not stored;
 *   a CHAIN entry with nothing before it: -EINVAL.
 * Exits 0 when every check passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ringport/kernel_calls.h>
#include <ringport/native_ring.h>

static int failures;
#define CHECK(c)                                                                                           \
	do {                                                                                                   \
		if (!(c)) {                                                                                        \
			printf("ring-chains: FAIL %s (line %d)\n", #c, __LINE__);                                      \
			failures++;                                                                                    \
		}                                                                                                  \
	} while (0)

static long raw_syscall4(long number, long a0, long a1, long a2, long a3)
{
	long ret;
	register long r10 __asm__("r10") = a3;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(number), "D"(a0), "S"(a1), "d"(a2), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}

static struct rp_kernel_ring_view view;
static long handle;

static struct rp_ring_header *sq(void) { return (struct rp_ring_header *)(uintptr_t)view.sq; }
static struct rp_ring_header *cq(void) { return (struct rp_ring_header *)(uintptr_t)view.cq; }

static void push(struct rp_sqe s)
{
	struct rp_ring_header *h = sq();
	uint64_t tail = h->tail;
	((struct rp_sqe *)(uintptr_t)view.sqes)[tail & h->mask] = s;
	__atomic_store_n(&h->tail, tail + 1, __ATOMIC_RELEASE);
}

static long enter(unsigned min_complete)
{
	return raw_syscall4(RP_SYS_RING_ENTER, handle, min_complete, 0, 2000000000L /* 2 s */);
}

/* The next completion: 1, or 0 when the CQ is empty. Results here fit 32 bits (no extended pairs). */
static int pop(uint64_t *user_data, int32_t *status)
{
	struct rp_ring_header *h = cq();
	uint64_t head = h->head;
	if (head == __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE))
		return 0;
	struct rp_cqe *c = &((struct rp_cqe *)(uintptr_t)view.cqes)[head & h->mask];
	*user_data = c->user_data;
	*status = c->status;
	CHECK(c->flags == 0);
	__atomic_store_n(&h->head, head + 1, __ATOMIC_RELEASE);
	return 1;
}

static void expect(uint64_t user_data, int32_t status)
{
	uint64_t ud = 0;
	int32_t st = 0;
	int got = pop(&ud, &st);
	if (!got || ud != user_data || st != status) {
		printf("ring-chains: completion %d %llu %d, wanted %llu %d\n", got, (unsigned long long)ud, st,
		       (unsigned long long)user_data, status);
		failures++;
	}
}

static struct rp_sqe entry(uint8_t opcode, uint64_t user_data, uint16_t spec, int chained)
{
	struct rp_sqe s;
	memset(&s, 0, sizeof s);
	s.opcode = opcode;
	s.user_data = user_data;
	if (spec) {
		s.flags |= RP_SQE_REGISTERS;
		s.priority = spec;
	}
	if (chained)
		s.flags |= RP_SQE_CHAIN;
	return s;
}

int main(void)
{
	struct rp_kernel_ring_params params = {8, 16, 0, 0};
	handle = raw_syscall4(RP_SYS_RING_SETUP, (long)&params, (long)&view, 0, 0);
	if (handle < 0) {
		printf("ring-chains: ring setup %ld\n", handle);
		return 1;
	}

	/* open -> read -> pwrite -> close, the fd and the length passed through registers. */
	const char text[] = "a chain in the reference kernel";
	int in = open("/tmp/ring-chains.in", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(in >= 0 && write(in, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
	close(in);
	int out = open("/tmp/ring-chains.out", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(out >= 0);
	char path[64] = "/tmp/ring-chains.in", buf[64];
	memset(buf, 0, sizeof buf);
	struct rp_sqe s = entry(RP_OP_OPEN, 1, RP_REG_STORE(0), 0);
	s.addr = (uint64_t)(uintptr_t)path;
	s.syscall_flags = O_RDONLY;
	push(s);
	s = entry(RP_OP_READ, 2, RP_REG_LOAD(RP_REG_FIELD_FD, 0) | RP_REG_STORE(1), 1);
	s.addr = (uint64_t)(uintptr_t)buf;
	s.len = sizeof buf;
	push(s);
	s = entry(RP_OP_PWRITE, 3, RP_REG_LOAD2(RP_REG_FIELD_LEN, 1), 1);
	s.fd = (uint64_t)out;
	s.addr = (uint64_t)(uintptr_t)buf;
	push(s);
	s = entry(RP_OP_CLOSE, 4, RP_REG_LOAD(RP_REG_FIELD_FD, 0), 1);
	push(s);
	CHECK(enter(4) == 4);
	strcpy(path, "/nonexistent"); /* consumed: the kernel has its own copy */
	int64_t fd = sq()->registers[0];
	CHECK(fd >= 0);
	expect(1, (int32_t)fd);
	expect(2, (int32_t)(sizeof text - 1));
	expect(3, (int32_t)(sizeof text - 1));
	expect(4, 0);
	CHECK(sq()->registers[1] == (int64_t)(sizeof text - 1));
	CHECK((sq()->registers_set & 3u) == 3u);
	CHECK(close((int)fd) == -1 && errno == EBADF); /* the chain closed it */
	char back[64];
	memset(back, 0, sizeof back);
	CHECK(pread(out, back, sizeof back, 0) == (ssize_t)(sizeof text - 1) && memcmp(back, text, sizeof text - 1) == 0);

	/* A waiting middle step: nothing after it runs until the pipe has data; write(2) completes the rest. */
	int p[2];
	CHECK(pipe(p) == 0);
	memset(buf, 0, sizeof buf);
	push(entry(RP_OP_NOP, 10, 0, 0));
	s = entry(RP_OP_READ, 11, RP_REG_STORE(2), 1);
	s.fd = (uint64_t)p[0];
	s.addr = (uint64_t)(uintptr_t)buf;
	s.len = sizeof buf;
	push(s);
	s = entry(RP_OP_PWRITE, 12, RP_REG_LOAD(RP_REG_FIELD_LEN, 2), 1);
	s.fd = (uint64_t)out;
	s.addr = (uint64_t)(uintptr_t)buf;
	s.offset = 100;
	push(s);
	CHECK(enter(1) == 3);
	expect(10, 0);
	uint64_t ud;
	int32_t st;
	CHECK(!pop(&ud, &st));
	CHECK(!(sq()->registers_set & 4u));
	CHECK(write(p[1], "later", 5) == 5);
	CHECK(enter(2) == 0);
	expect(11, 5);
	expect(12, 5);
	CHECK(sq()->registers[2] == 5);
	memset(back, 0, sizeof back);
	CHECK(pread(out, back, 5, 100) == 5 && memcmp(back, "later", 5) == 0);

	/* A failing first step cancels the rest and stores nothing. */
	sq()->registers_set &= ~8u;
	s = entry(RP_OP_OPEN, 20, RP_REG_STORE(3), 0);
	s.addr = (uint64_t)(uintptr_t)"/tmp/no-such-file";
	s.syscall_flags = O_RDONLY;
	push(s);
	push(entry(RP_OP_CLOSE, 21, RP_REG_LOAD(RP_REG_FIELD_FD, 3), 1));
	CHECK(enter(2) == 2);
	expect(20, -ENOENT);
	expect(21, -ECANCELED);
	CHECK(!(sq()->registers_set & 8u));

	/* CHAIN on the first entry of an enter. */
	push(entry(RP_OP_NOP, 30, 0, 1));
	CHECK(enter(1) == 1);
	expect(30, -EINVAL);

	CHECK(raw_syscall4(RP_SYS_RING_DESTROY, handle, 0, 0, 0) == 0);
	printf("ring-chains: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
