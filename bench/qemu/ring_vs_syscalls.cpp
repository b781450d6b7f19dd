// The native ring against plain system calls inside the reference kernel (make bench-qemu). Runs in the guest,
// under QEMU's TCG: absolute times say little about hardware, so the report is ratios between paths measured
// in the same guest, back to back.
//
//   nop        one NOP round trip (push, publish, RP_SYS_RING_ENTER with min_complete=1, pop) against getppid(2)
//              as a raw `syscall` (the cheapest call that reaches the kernel and returns a value)
//   nop x32    32 NOPs per enter (per NOP) against the same getppid
//   read 4k    one native PREAD of 4 KiB from a ramfs file against pread64(2) as a raw `syscall`
//   read 4k x32  32 PREADs per enter (per read) against the same pread64
//
// Each path runs in rounds that alternate (A B A B ...) so drift in the host hurts both alike; the best
// round's mean is reported. Every result is checked (NOP 0, 4096 bytes read, the bytes themselves once).
#include <ringport/kernel_calls.h>
#include <ringport/native_ring.hpp>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

using namespace ringport;

namespace {

long raw_syscall(long number, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0)
{
	long ret;
	register long r10 __asm__("r10") = a3;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(number), "D"(a0), "S"(a1), "d"(a2), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}

constexpr long sys_pread64 = 17, sys_getppid = 110;
constexpr uint32_t batch = 32;
constexpr size_t file_bytes = 1 << 20;

uint64_t now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

struct Ring {
	long handle = -1;
	native::SqProducer sq;
	native::CqConsumer cq;
};

bool ring_setup(Ring &r)
{
	rp_kernel_ring_params p{64, 128, 0, 0};
	rp_kernel_ring_view v{};
	r.handle = raw_syscall(RP_SYS_RING_SETUP, long(&p), long(&v));
	if (r.handle < 0)
		return false;
	r.sq = native::SqProducer(reinterpret_cast<rp_ring_header *>(v.sq), reinterpret_cast<rp_sqe *>(v.sqes));
	r.cq = native::CqConsumer(reinterpret_cast<rp_ring_header *>(v.cq), reinterpret_cast<rp_cqe *>(v.cqes));
	return true;
}

int failures;
char buffers[batch][4096];

// n SQEs like `proto` (PREADs spread over the file), one enter waiting for all n, every completion checked.
void ring_round_trip(Ring &r, const rp_sqe &proto, uint32_t n, int64_t want, uint64_t iteration)
{
	for (uint32_t i = 0; i < n; ++i) {
		rp_sqe s = proto;
		s.user_data = i;
		if (s.opcode == RP_OP_PREAD) {
			s.addr = uint64_t(buffers[i]);
			s.offset = ((iteration * n + i) * 4096) % file_bytes;
		}
		if (r.sq.push(s) != RP_RING_OK)
			++failures;
	}
	r.sq.publish();
	long entered = raw_syscall(RP_SYS_RING_ENTER, r.handle, n, 0, long(UINT64_MAX));
	if (entered != long(n))
		++failures;
	for (uint32_t i = 0; i < n; ++i) {
		rp_cqe c;
		int64_t result;
		if (native::pop_completion(r.cq, &c, &result) != RP_RING_OK || result != want)
			++failures;
	}
	r.cq.release();
}

struct Path {
	const char *name;
	uint64_t iterations; // per round
	uint32_t per_iteration; // operations per iteration
	void (*run)(Ring &, int fd, uint64_t iteration);
};

void nop1(Ring &r, int, uint64_t i) { ring_round_trip(r, rp_sqe{RP_OP_NOP}, 1, 0, i); }
void nop32(Ring &r, int, uint64_t i) { ring_round_trip(r, rp_sqe{RP_OP_NOP}, batch, 0, i); }
void getppid1(Ring &, int, uint64_t)
{
	if (raw_syscall(sys_getppid) < 0)
		++failures;
}
rp_sqe pread_sqe(int fd)
{
	rp_sqe s{};
	s.opcode = RP_OP_PREAD;
	s.fd = uint64_t(fd);
	s.len = 4096;
	return s;
}
void read1(Ring &r, int fd, uint64_t i) { ring_round_trip(r, pread_sqe(fd), 1, 4096, i); }
void read32(Ring &r, int fd, uint64_t i) { ring_round_trip(r, pread_sqe(fd), batch, 4096, i); }
void pread1(Ring &, int fd, uint64_t i)
{
	if (raw_syscall(sys_pread64, fd, long(buffers[0]), 4096, long((i * 4096) % file_bytes)) != 4096)
		++failures;
}

// Best (lowest) mean ns per operation over the rounds, alternating with the other path.
void measure_pair(Ring &r, int fd, const Path &a, const Path &b, double *best_a, double *best_b)
{
	*best_a = *best_b = 1e30;
	for (int round = 0; round < 5; ++round) {
		const Path *order[2] = {&a, &b};
		double *best[2] = {best_a, best_b};
		for (int k = 0; k < 2; ++k) {
			const Path &p = *order[k];
			uint64_t start = now_ns();
			for (uint64_t i = 0; i < p.iterations; ++i)
				p.run(r, fd, i);
			double per_op = double(now_ns() - start) / double(p.iterations * p.per_iteration);
			if (per_op < *best[k])
				*best[k] = per_op;
		}
	}
}

} // namespace

int main()
{
	Ring r;
	if (!ring_setup(r)) {
		printf("bench-qemu: RP_SYS_RING_SETUP failed\n");
		return 1;
	}
	// A 1 MiB ramfs file with a known pattern; the first ring read is checked byte for byte.
	int fd = open("/tmp/bench-4k", O_RDWR | O_CREAT | O_TRUNC, 0644);
	static char chunk[4096];
	for (size_t off = 0; off < file_bytes; off += sizeof chunk) {
		for (size_t i = 0; i < sizeof chunk; ++i)
			chunk[i] = char((off + i) * 31 / 7);
		if (fd < 0 || write(fd, chunk, sizeof chunk) != ssize_t(sizeof chunk)) {
			printf("bench-qemu: cannot write /tmp/bench-4k\n");
			return 1;
		}
	}
	ring_round_trip(r, pread_sqe(fd), 1, 4096, 5); // offset 5 * 4096
	for (size_t i = 0; i < 4096; ++i)
		if (buffers[0][i] != char((5 * 4096 + i) * 31 / 7))
			++failures;

	const Path nop{"nop", 4000, 1, nop1}, nop_batch{"nop x32", 250, batch, nop32};
	const Path ppid{"getppid", 4000, 1, getppid1};
	const Path rd{"read 4k", 2000, 1, read1}, rd_batch{"read 4k x32", 125, batch, read32};
	const Path prd{"pread64", 2000, 1, pread1};
	struct Row {
		const Path *ring, *plain;
	} rows[] = {{&nop, &ppid}, {&nop_batch, &ppid}, {&rd, &prd}, {&rd_batch, &prd}};

	printf("bench-qemu: native ring vs plain system calls in the reference kernel (QEMU TCG; ns are guest ns, compare ratios)\n");
	printf("bench-qemu: %-14s %12s   %-10s %12s   %s\n", "ring path", "ns/op", "syscall", "ns/op", "ring/syscall");
	for (const Row &row : rows) {
		double ring_ns, plain_ns;
		measure_pair(r, fd, *row.ring, *row.plain, &ring_ns, &plain_ns);
		// Integer formatting: newlib is built without floating-point printf in some configurations.
		unsigned long ratio_x100 = (unsigned long)(ring_ns * 100.0 / plain_ns + 0.5);
		printf("bench-qemu: %-14s %12lu   %-10s %12lu   %lu.%02lu\n", row.ring->name, (unsigned long)ring_ns,
		       row.plain->name, (unsigned long)plain_ns, ratio_x100 / 100, ratio_x100 % 100);
	}
	close(fd);
	unlink("/tmp/bench-4k");
	if (failures)
		printf("bench-qemu: %d results were wrong\n", failures);
	return failures ? 1 : 0;
}
