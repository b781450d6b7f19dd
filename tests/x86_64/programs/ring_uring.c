/*
 * The in-kernel shim end to end, without libc or liburing: io_uring_setup (425), mmap of the ring fd at
 * IORING_OFF_SQ_RING and IORING_OFF_SQES (9), io_uring_enter (426) with a NOP, a TIMEOUT, a WRITE to the console
 * and a READ of a pipe the same ring writes; a poll on the ring fd from a second ring; close (3). Also the native
 * ring beside it (RP_OP_OPENAT/WRITE/READ on /tmp). Exits with the number of failed checks (run-ring-smoke.sh).
 */
#include "smoke.h"

/* The Linux io_uring ABI this program needs (liburing's io_uring.h, restated). */
struct sq_offsets {
	uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1;
	uint64_t user_addr;
};
struct cq_offsets {
	uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1;
	uint64_t user_addr;
};
struct uring_params {
	uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
	struct sq_offsets sq_off;
	struct cq_offsets cq_off;
};
struct uring_sqe {
	uint8_t opcode, flags;
	uint16_t ioprio;
	int32_t fd;
	uint64_t off, addr;
	uint32_t len, op_flags;
	uint64_t user_data;
	uint64_t pad[3];
};
struct uring_cqe {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
};
_Static_assert(sizeof(struct uring_params) == 120, "io_uring_params");
_Static_assert(sizeof(struct uring_sqe) == 64, "io_uring_sqe");

enum { OP_NOP = 0, OP_POLL_ADD = 6, OP_TIMEOUT = 11, OP_READ = 22, OP_WRITE = 23 };
enum { ENTER_GETEVENTS = 1 };
enum { SYS_read = 0, SYS_close = 3, SYS_mmap = 9, SYS_pipe2 = 293, SYS_setup = 425, SYS_enter = 426 };
#define OFF_SQES 0x10000000L
#define POLLIN 1

struct ring {
	long fd;
	struct uring_params p;
	uint8_t *rings;
	struct uring_sqe *sqes;
};

static uint32_t *word(struct ring *r, uint32_t offset) { return (uint32_t *)(r->rings + offset); }

static int ring_init(struct ring *r, unsigned entries)
{
	__builtin_memset(r, 0, sizeof *r);
	r->fd = SYS2(SYS_setup, entries, &r->p);
	if (r->fd < 0)
		return (int)r->fd;
	size_t sq = r->p.sq_off.array + r->p.sq_entries * 4, cq = r->p.cq_off.cqes + r->p.cq_entries * 16;
	long rings = SYS6(SYS_mmap, 0, sq > cq ? sq : cq, 3, 0x8001 /* MAP_SHARED|MAP_POPULATE */, r->fd, 0);
	long sqes = SYS6(SYS_mmap, 0, r->p.sq_entries * 64, 3, 0x8001, r->fd, OFF_SQES);
	if (rings < 0 || sqes < 0)
		return -1;
	r->rings = (uint8_t *)rings;
	r->sqes = (struct uring_sqe *)sqes;
	return 0;
}

static void push(struct ring *r, const struct uring_sqe *sqe)
{
	uint32_t tail = *word(r, r->p.sq_off.tail), index = tail & *word(r, r->p.sq_off.ring_mask);
	r->sqes[index] = *sqe;
	word(r, r->p.sq_off.array)[index] = index;
	__atomic_store_n(word(r, r->p.sq_off.tail), tail + 1, __ATOMIC_RELEASE);
}

static int pop(struct ring *r, struct uring_cqe *out)
{
	uint32_t head = *word(r, r->p.cq_off.head);
	if (head == __atomic_load_n(word(r, r->p.cq_off.tail), __ATOMIC_ACQUIRE))
		return 0;
	*out = ((struct uring_cqe *)(r->rings + r->p.cq_off.cqes))[head & *word(r, r->p.cq_off.ring_mask)];
	__atomic_store_n(word(r, r->p.cq_off.head), head + 1, __ATOMIC_RELEASE);
	return 1;
}

/* Submits one SQE and waits for its completion: its res, or a large negative value when none came. */
static long run(struct ring *r, struct uring_sqe sqe)
{
	struct uring_cqe cqe;
	sqe.user_data = 0xabc;
	push(r, &sqe);
	long entered = SYS6(SYS_enter, r->fd, 1, 1, ENTER_GETEVENTS, 0, 8);
	if (entered != 1)
		return -100000 + entered;
	if (!pop(r, &cqe) || cqe.user_data != 0xabc)
		return -200000;
	return cqe.res;
}

static struct uring_sqe sqe_of(uint8_t opcode, int fd, const void *addr, uint32_t len, uint64_t off)
{
	struct uring_sqe s;
	__builtin_memset(&s, 0, sizeof s);
	s.opcode = opcode;
	s.fd = fd;
	s.addr = (uint64_t)(uintptr_t)addr;
	s.len = len;
	s.off = off;
	return s;
}

/* One native SQE on the program's native ring (smoke.h's ring_view), waited for: its full result. */
static int64_t native_call(struct rp_sqe sqe)
{
	struct rp_ring_header *sq = (struct rp_ring_header *)ring_view.sq, *cq = (struct rp_ring_header *)ring_view.cq;
	struct rp_sqe *sqes = (struct rp_sqe *)ring_view.sqes;
	struct rp_cqe *cqes = (struct rp_cqe *)ring_view.cqes;
	uint64_t tail = sq->tail;
	sqes[tail & sq->mask] = sqe;
	__atomic_store_n(&sq->tail, tail + 1, __ATOMIC_RELEASE);
	if (SYS4(RP_SYS_RING_ENTER, ring_handle, 1, 0, -1L) != 1)
		return -1000;
	uint64_t head = cq->head;
	if (__atomic_load_n(&cq->tail, __ATOMIC_ACQUIRE) == head)
		return -2000;
	struct rp_cqe first = cqes[head & cq->mask];
	int64_t result = first.status;
	uint64_t used = 1;
	if (first.flags & RP_CQE_EXTENDED) {
		struct rp_cqe_ext ext;
		__builtin_memcpy(&ext, &cqes[(head + 1) & cq->mask], sizeof ext);
		result = ext.result;
		used = 2;
	}
	__atomic_store_n(&cq->head, head + used, __ATOMIC_RELEASE);
	return result;
}

/* Anonymous memory through the native ring, as newlib's sbrk asks for its heap. */
static void native_memory_checks(void)
{
	const uint64_t heap = 0x10000000;
	struct rp_sqe m;
	__builtin_memset(&m, 0, sizeof m);
	m.opcode = RP_OP_MMAP;
	m.addr = heap;
	m.len = 256 * 1024;
	m.fd = (uint64_t)-1;
	m.syscall_flags = 0x02 | 0x20 | 0x100000; /* MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE */
	m.additional1 = 3;                       /* PROT_READ | PROT_WRITE */
	CHECK(native_call(m) == (int64_t)heap);
	volatile char *p = (volatile char *)heap;
	p[100000] = 'q';
	CHECK(p[100000] == 'q' && p[0] == 0);
	CHECK(native_call(m) == -17 /* -EEXIST: the range is taken */);
	struct rp_sqe adv;
	__builtin_memset(&adv, 0, sizeof adv);
	adv.opcode = RP_OP_MADVISE;
	adv.addr = heap;
	adv.len = 256 * 1024;
	adv.syscall_flags = 4; /* MADV_DONTNEED */
	CHECK(native_call(adv) == 0);
	CHECK(p[100000] == 0);
	struct rp_sqe un;
	__builtin_memset(&un, 0, sizeof un);
	un.opcode = RP_OP_MUNMAP;
	un.addr = heap;
	un.len = 256 * 1024;
	CHECK(native_call(un) == 0);
}

/* SETUP_NO_MMAP with rings in fresh, untouched anonymous memory (liburing maps it that way itself): the shim
 * uses the pages directly, so the kernel must fault them in first, and a NOP must round-trip through them. */
static void no_mmap_checks(void)
{
	long rings = SYS6(SYS_mmap, 0, 65536, 3, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
	long sqes = SYS6(SYS_mmap, 0, 65536, 3, 0x22, -1, 0);
	CHECK(rings > 0 && sqes > 0);
	struct ring r;
	__builtin_memset(&r, 0, sizeof r);
	r.p.flags = 1u << 14; /* IORING_SETUP_NO_MMAP */
	r.p.cq_off.user_addr = (uint64_t)rings;
	r.p.sq_off.user_addr = (uint64_t)sqes;
	r.fd = SYS2(SYS_setup, 256, &r.p);
	CHECK(r.fd >= 0);
	if (r.fd < 0)
		return;
	r.rings = (uint8_t *)rings;
	r.sqes = (struct uring_sqe *)sqes;
	CHECK(run(&r, sqe_of(OP_NOP, -1, 0, 0, 0)) == 0);
	CHECK(SYS1(SYS_close, r.fd) == 0);
}

int main(long *stack)
{
	(void)stack;
	struct rp_kernel_ring_params params = {.sq_entries = 8, .cq_entries = 16};
	long handle = SYS2(RP_SYS_RING_SETUP, &params, &ring_view);
	CHECK(handle >= 0);
	if (handle >= 0)
		ring_handle = handle;

	if (handle >= 0)
		native_memory_checks();
	no_mmap_checks();

	struct ring r;
	CHECK(ring_init(&r, 8) == 0);
	CHECK(r.p.sq_entries == 8 && r.p.cq_entries == 16);
	CHECK(run(&r, sqe_of(OP_NOP, -1, 0, 0, 0)) == 0);

	static const char text[] = "ring_uring: hello through the in-kernel shim\n";
	CHECK(run(&r, sqe_of(OP_WRITE, 1, text, sizeof text - 1, 0)) == (long)sizeof text - 1);

	struct {
		long long sec, nsec;
	} ts = {0, 20000000};
	CHECK(run(&r, sqe_of(OP_TIMEOUT, -1, &ts, 1, 0)) == -62 /* -ETIME */);

	/* A timeout fires while the program spins on its CQ without entering: the kernel advances the timers on
	 * its way back to user mode after each tick. */
	struct uring_sqe spin = sqe_of(OP_TIMEOUT, -1, &ts, 1, 0);
	spin.user_data = 0x5b1;
	push(&r, &spin);
	CHECK(SYS6(SYS_enter, r.fd, 1, 0, 0, 0, 8) == 1);
	struct uring_cqe cqe;
	int fired = 0;
	for (unsigned long i = 0; i < 4000000000ul && !fired; i++)
		fired = pop(&r, &cqe);
	CHECK(fired && cqe.user_data == 0x5b1 && cqe.res == -62);

	/* A READ of an empty pipe waits; the WRITE after it in the same submission completes it. */
	int fds[2];
	long piped = SYS2(SYS_pipe2, fds, 0);
	if (piped == -38 /* -ENOSYS: the kernel does not serve pipe2 yet */) {
		say("ring_uring: pipe2 not served yet, pipe checks skipped\n");
		goto ring_fd_poll;
	}
	CHECK(piped == 0);
	char got[8] = {0};
	struct uring_sqe rd = sqe_of(OP_READ, fds[0], got, sizeof got, 0), wr = sqe_of(OP_WRITE, fds[1], "pipe!", 5, 0);
	rd.user_data = 1;
	wr.user_data = 2;
	push(&r, &rd);
	push(&r, &wr);
	CHECK(SYS6(SYS_enter, r.fd, 2, 2, ENTER_GETEVENTS, 0, 8) == 2);
	int seen = 0;
	while (pop(&r, &cqe)) {
		CHECK(cqe.res == 5);
		seen |= 1 << cqe.user_data;
	}
	CHECK(seen == 6);
	CHECK(got[0] == 'p' && got[4] == '!');

ring_fd_poll:;
	/* A second ring polls the first ring's fd: the first ring's completion makes it readable. */
	struct ring watcher;
	CHECK(ring_init(&watcher, 4) == 0);
	struct uring_sqe poll = sqe_of(OP_POLL_ADD, (int)r.fd, 0, 0, 0);
	poll.op_flags = POLLIN;
	poll.user_data = 7;
	push(&watcher, &poll);
	CHECK(SYS6(SYS_enter, watcher.fd, 1, 0, 0, 0, 8) == 1);
	CHECK(!pop(&watcher, &cqe));
	struct uring_sqe nop = sqe_of(OP_NOP, -1, 0, 0, 0);
	push(&r, &nop);
	CHECK(SYS6(SYS_enter, r.fd, 1, 0, 0, 0, 8) == 1);
	CHECK(pop(&watcher, &cqe) && cqe.user_data == 7 && (cqe.res & POLLIN)); /* without entering the watcher */

	CHECK(SYS1(SYS_close, watcher.fd) == 0);
	CHECK(SYS1(SYS_close, r.fd) == 0);
	CHECK(SYS6(SYS_enter, r.fd, 0, 0, 0, 0, 8) == -9 /* -EBADF */);
	/* Exit with work in flight: a ring whose fd stays open with a 10 s timeout parked in the shim, and a 10 s
	 * native Timeout on the native ring. Process exit must cancel both and free everything (the runner logs
	 * free memory; run-ring-smoke.sh runs hello afterwards). */
	struct ring leaked;
	CHECK(ring_init(&leaked, 4) == 0);
	ts.sec = 10;
	ts.nsec = 0;
	struct uring_sqe late = sqe_of(OP_TIMEOUT, -1, &ts, 1, 0);
	push(&leaked, &late);
	CHECK(SYS6(SYS_enter, leaked.fd, 1, 0, 0, 0, 8) == 1);
	if (ring_handle >= 0) {
		struct rp_ring_header *sq = (struct rp_ring_header *)ring_view.sq;
		struct rp_sqe *sqes = (struct rp_sqe *)ring_view.sqes;
		struct rp_sqe t;
		__builtin_memset(&t, 0, sizeof t);
		t.opcode = RP_OP_TIMEOUT;
		t.offset = 10000000000ull;
		uint64_t tail = sq->tail;
		sqes[tail & sq->mask] = t;
		__atomic_store_n(&sq->tail, tail + 1, __ATOMIC_RELEASE);
		CHECK(SYS4(RP_SYS_RING_ENTER, ring_handle, 0, 0, -1L) == 1);
	}
	say(failures ? "ring_uring: FAILED\n" : "ring_uring: all checks passed\n");
	return failures;
}
