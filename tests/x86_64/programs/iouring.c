/*
 * Linux io_uring through the in-kernel shim, with raw system calls as liburing issues them: io_uring_setup
 * (425), the three ring mmaps of the ring fd (MAP_SHARED|MAP_POPULATE at IORING_OFF_SQ_RING/CQ_RING/SQES),
 * a NOP and a WRITE to fd 1 submitted and reaped with io_uring_enter (426), munmap and close. Also -EFAULT for a
 * bad params pointer. Exits with the number of failed checks.
 */
#include "smoke.h"

#define EFAULT 14
#define EINVAL 22

struct sqring_offsets {
	uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1;
	uint64_t user_addr;
};
struct cqring_offsets {
	uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1;
	uint64_t user_addr;
};
struct uring_params {
	uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
	struct sqring_offsets sq_off;
	struct cqring_offsets cq_off;
};
_Static_assert(sizeof(struct uring_params) == 120, "io_uring_params");
struct uring_sqe {
	uint8_t opcode, flags;
	uint16_t ioprio;
	int32_t fd;
	uint64_t off, addr;
	uint32_t len, rw_flags;
	uint64_t user_data;
	uint16_t buf_index, personality;
	int32_t splice_fd_in;
	uint64_t addr3, pad;
};
_Static_assert(sizeof(struct uring_sqe) == 64, "io_uring_sqe");
struct uring_cqe {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
};

#define OP_NOP 0
#define OP_WRITE 23
#define FEAT_SINGLE_MMAP 1u
#define ENTER_GETEVENTS 1u

static struct uring_params p;
static char *sq_ring, *cq_ring;
static struct uring_sqe *sqes;

static int submit_and_wait(int fd, struct uring_sqe *sqe, struct uring_cqe *out)
{
	uint32_t *sq_tail = (uint32_t *)(sq_ring + p.sq_off.tail);
	uint32_t *sq_array = (uint32_t *)(sq_ring + p.sq_off.array);
	uint32_t mask = *(uint32_t *)(sq_ring + p.sq_off.ring_mask);
	uint32_t tail = *sq_tail;
	sqes[tail & mask] = *sqe;
	sq_array[tail & mask] = tail & mask;
	__atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
	long submitted = raw_syscall(426, fd, 1, 1, ENTER_GETEVENTS, 0, 0);
	if (submitted != 1)
		return -1;
	uint32_t *cq_head = (uint32_t *)(cq_ring + p.cq_off.head);
	uint32_t *cq_tail = (uint32_t *)(cq_ring + p.cq_off.tail);
	uint32_t cq_mask = *(uint32_t *)(cq_ring + p.cq_off.ring_mask);
	uint32_t head = *cq_head;
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == head)
		return -2;
	*out = ((struct uring_cqe *)(cq_ring + p.cq_off.cqes))[head & cq_mask];
	__atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

int main(long *stack)
{
	(void)stack;
	CHECK(SYS2(425, 4, 8) == -EFAULT);
	CHECK(SYS2(425, 0, &p) == -EINVAL);

	int fd = (int)SYS2(425, 4, &p);
	CHECK(fd >= 0);
	if (fd < 0)
		return failures;
	CHECK(p.sq_entries == 4 && p.cq_entries == 8);
	unsigned long sq_size = p.sq_off.array + p.sq_entries * 4;
	unsigned long cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct uring_cqe);
	if ((p.features & FEAT_SINGLE_MMAP) && cq_size > sq_size)
		sq_size = cq_size;
	long sq = SYS6(9, 0, sq_size, 3, 0x8001, fd, 0); /* PROT_READ|WRITE, MAP_SHARED|MAP_POPULATE */
	CHECK(sq > 0);
	long cq = (p.features & FEAT_SINGLE_MMAP) ? sq : SYS6(9, 0, cq_size, 3, 0x8001, fd, 0x8000000);
	CHECK(cq > 0);
	long sqe_map = SYS6(9, 0, p.sq_entries * sizeof(struct uring_sqe), 3, 0x8001, fd, 0x10000000);
	CHECK(sqe_map > 0);
	CHECK(SYS6(9, 0, 4096, 3, 0x8001, fd, 0x4000) < 0); /* no such ring part */
	if (sq <= 0 || cq <= 0 || sqe_map <= 0)
		return failures;
	sq_ring = (char *)sq;
	cq_ring = (char *)cq;
	sqes = (struct uring_sqe *)sqe_map;

	struct uring_sqe sqe;
	struct uring_cqe cqe;
	memset(&sqe, 0, sizeof sqe);
	sqe.opcode = OP_NOP;
	sqe.user_data = 0x1234;
	CHECK(submit_and_wait(fd, &sqe, &cqe) == 0);
	CHECK(cqe.user_data == 0x1234 && cqe.res == 0);

	static const char text[] = "iouring: written by IORING_OP_WRITE\n";
	memset(&sqe, 0, sizeof sqe);
	sqe.opcode = OP_WRITE;
	sqe.fd = 1;
	sqe.addr = (uint64_t)(uintptr_t)text;
	sqe.len = sizeof text - 1;
	sqe.off = (uint64_t)-1;
	sqe.user_data = 0x5678;
	CHECK(submit_and_wait(fd, &sqe, &cqe) == 0);
	CHECK(cqe.user_data == 0x5678 && cqe.res == (int)(sizeof text - 1));

	/* A write from an unmapped buffer completes with -EFAULT, as on Linux. */
	sqe.addr = 0x10;
	sqe.user_data = 0x9abc;
	CHECK(submit_and_wait(fd, &sqe, &cqe) == 0);
	CHECK(cqe.user_data == 0x9abc && cqe.res == -EFAULT);

	CHECK(SYS2(11, sqe_map, p.sq_entries * sizeof(struct uring_sqe)) == 0);
	if (cq != sq)
		CHECK(SYS2(11, cq, cq_size) == 0);
	CHECK(SYS2(11, sq, sq_size) == 0);
	CHECK(SYS1(3, fd) == 0);
	CHECK(SYS1(3, fd) == -9);
	if (!failures)
		say("iouring: all checks passed\n");
	return failures;
}
