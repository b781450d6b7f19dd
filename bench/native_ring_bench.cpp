// Native ring on the hosted OS, beside plain system calls, in one run:
//   nop-batch32   NOP throughput, 32 SQEs per enter
//   nop-qd1       one NOP per enter (round trip)
//   pread-qd32    4 KiB Pread at random offsets of a page-cached file, 32 in flight per enter
//   pread(2)      the same reads with plain pread(2) in a loop
// Usage: native-ring-bench [--seconds S] [--file PATH]. Prints a table and, per figure, a TSV line
// "name<TAB>unit<TAB>value" on stdout.
#include <ringport/hosted_os.h>
#include <ringport/native_ring.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

using namespace ringport::native;
using Clock = std::chrono::steady_clock;

namespace {

struct Ring {
	rp_os_ring* ring = nullptr;
	rp_os_ring_view view{};
	SqProducer sq;
	CqConsumer cq;
	explicit Ring(uint32_t entries)
	{
		rp_os_ring_params p{entries, entries * 2, 0, 0};
		if (rp_os_ring_create(&p, &ring, &view) != 0) {
			std::fprintf(stderr, "rp_os_ring_create failed\n");
			std::exit(1);
		}
		sq = SqProducer(view.sq, view.sqes);
		cq = CqConsumer(view.cq, view.cqes);
	}
	~Ring() { rp_os_ring_destroy(ring); }
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void report(const char* name, const char* unit, double value) { std::printf("%s\t%s\t%.1f\n", name, unit, value); }

// Runs `round` until `budget` seconds have passed; returns operations per second.
template <class F>
double rate(double budget, F round)
{
	uint64_t ops = 0;
	auto start = Clock::now();
	double elapsed;
	do {
		for (int i = 0; i < 64; ++i)
			ops += round();
		elapsed = seconds_since(start);
	} while (elapsed < budget);
	return double(ops) / elapsed;
}

uint32_t reap(Ring& r, uint32_t want, int64_t* bad)
{
	uint32_t got = 0;
	rp_cqe cqe;
	int64_t res;
	while (got < want && pop_completion(r.cq, &cqe, &res) == RP_RING_OK) {
		if (res < 0)
			++*bad;
		++got;
	}
	(void)r.cq.release();
	return got;
}

} // namespace

int main(int argc, char** argv)
{
	double budget = 1.0;
	std::string path = "/tmp/rp-native-ring-bench.dat";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!std::strcmp(argv[i], "--seconds"))
			budget = std::atof(argv[i + 1]);
		else if (!std::strcmp(argv[i], "--file"))
			path = argv[i + 1];
	}
	int64_t bad = 0;

	// NOP, 32 per enter.
	double nop_batch;
	{
		Ring r(64);
		nop_batch = rate(budget, [&] {
			for (uint64_t i = 0; i < 32; ++i)
				(void)r.sq.push(rp_sqe{RP_OP_NOP, 0, 0, 0, 0, 0, i, 0, 0, 0, 0});
			(void)r.sq.publish();
			rp_os_ring_enter(r.ring, 32, 0, nullptr);
			return reap(r, 32, &bad);
		});
	}
	// NOP, one per enter.
	double nop_qd1;
	{
		Ring r(64);
		nop_qd1 = rate(budget, [&] {
			(void)r.sq.push(rp_sqe{RP_OP_NOP, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0});
			(void)r.sq.publish();
			rp_os_ring_enter(r.ring, 1, 0, nullptr);
			return reap(r, 1, &bad);
		});
	}

	// A 64 MiB file, written and read once so that it is page-cached.
	const uint64_t file_size = 64ull << 20, block = 4096, blocks = file_size / block;
	int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		std::perror(path.c_str());
		return 1;
	}
	std::vector<char> chunk(1 << 20, 'r');
	for (uint64_t off = 0; off < file_size; off += chunk.size())
		if (pwrite(fd, chunk.data(), chunk.size(), off_t(off)) != ssize_t(chunk.size()))
			return 1;
	for (uint64_t off = 0; off < file_size; off += chunk.size())
		if (pread(fd, chunk.data(), chunk.size(), off_t(off)) != ssize_t(chunk.size()))
			return 1;
	std::mt19937_64 rng(42);
	std::vector<uint64_t> offsets(1 << 16);
	for (auto& o : offsets)
		o = (rng() % blocks) * block;
	alignas(4096) static char bufs[32][4096];

	// 4 KiB Pread, 32 per enter.
	double pread_qd32;
	{
		Ring r(64);
		size_t next = 0;
		pread_qd32 = rate(budget, [&] {
			for (uint64_t i = 0; i < 32; ++i) {
				uint64_t off = offsets[next++ & (offsets.size() - 1)];
				(void)r.sq.push(rp_sqe{RP_OP_PREAD, 0, 0, 0, uint64_t(fd), block, i, uint64_t(uintptr_t(bufs[i])), off, 0, 0});
			}
			(void)r.sq.publish();
			rp_os_ring_enter(r.ring, 32, 0, nullptr);
			return reap(r, 32, &bad);
		});
	}
	// The same reads with pread(2).
	double pread_plain;
	{
		size_t next = 0;
		pread_plain = rate(budget, [&] {
			for (int i = 0; i < 32; ++i)
				if (pread(fd, bufs[i], block, off_t(offsets[next++ & (offsets.size() - 1)])) != ssize_t(block))
					++bad;
			return 32u;
		});
	}
	close(fd);
	unlink(path.c_str());
	if (bad) {
		std::fprintf(stderr, "%lld operations failed\n", (long long)bad);
		return 1;
	}

	std::fprintf(stderr, "native ring on the hosted OS (%.1f s per figure)\n", budget);
	std::fprintf(stderr, "  NOP, 32 per enter      %10.2f M ops/s  (%6.1f ns/op)\n", nop_batch / 1e6, 1e9 / nop_batch);
	std::fprintf(stderr, "  NOP, 1 per enter       %10.2f M ops/s  (%6.1f ns/op)\n", nop_qd1 / 1e6, 1e9 / nop_qd1);
	std::fprintf(stderr, "  Pread 4 KiB, QD32      %10.0f k IOPS   (%6.1f ns/op)\n", pread_qd32 / 1e3, 1e9 / pread_qd32);
	std::fprintf(stderr, "  pread(2) 4 KiB, loop   %10.0f k IOPS   (%6.1f ns/op)\n", pread_plain / 1e3, 1e9 / pread_plain);
	report("nop-batch32", "ops/s", nop_batch);
	report("nop-qd1", "ops/s", nop_qd1);
	report("pread-4k-qd32", "ops/s", pread_qd32);
	report("pread2-4k-loop", "ops/s", pread_plain);
	return 0;
}
