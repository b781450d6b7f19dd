// The executor (os/abi/include/ringport/executor.hpp) on the hosted OS, each figure beside its baseline, in
// one run (`make bench-native-exec`, part of `make bench`):
//   copy        a 64 MiB page-cached file copied in 128 KiB pieces: the executor with 16 lanes in flight
//               (examples/native/native_copy.cpp's scheme) against a plain pread(2)/pwrite(2) loop on the same
//               files; also the executor with one lane, to show what the overlap buys.
//   open-read-close  a 4 KiB file opened, read and closed: one chain whose Read and Close take the fd from a
//               ring register (RP_SQE_CHAIN + RP_SQE_REGISTERS), against the same three ops awaited one after
//               the other (three round trips through the executor, each an enter); plain syscalls beside.
// Each figure is the median of ROUNDS rounds (alternating sides, ~SECONDS each). Prints a table with ratios,
// and "name<TAB>unit<TAB>value" lines for scripts.
//
// Usage: native-exec-bench [--seconds S] [--rounds N] [--dir DIR]
#include <ringport/executor_hosted.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

using namespace ringport;
using exec::Completion;
using exec::Task;
using Clock = std::chrono::steady_clock;

namespace {

using Exec = exec::Executor<exec::HostedBackend, 256>;

constexpr uint64_t kFileBytes = 64ull << 20;
constexpr uint64_t kChunk = 128 * 1024;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

[[noreturn]] void die(const char* what, int64_t err)
{
	std::fprintf(stderr, "native-exec-bench: %s: %s\n", what, std::strerror(int(err < 0 ? -err : err)));
	std::exit(1);
}

// --- copy ---

struct CopyJob {
	int in, out;
	uint64_t next = 0;
	int64_t error = 0;
};

Task<void> copy_lane(Exec& ex, CopyJob& job, char* buf)
{
	while (!job.error && job.next < kFileBytes) {
		uint64_t off = job.next;
		job.next += kChunk;
		Completion r = co_await ex.read(job.in, buf, kChunk, off);
		if (r.value != int64_t(kChunk)) {
			job.error = r.value < 0 ? r.value : -EIO;
			break;
		}
		Completion w = co_await ex.write(job.out, buf, kChunk, off);
		if (w.value != int64_t(kChunk))
			job.error = w.value < 0 ? w.value : -EIO;
	}
}

// Bytes per second copying with `lanes` coroutines in flight, over whole copies for about `budget` seconds.
double copy_executor(Exec& ex, int in, int out, int lanes, double budget, std::vector<std::unique_ptr<char[]>>& bufs)
{
	uint64_t bytes = 0;
	auto start = Clock::now();
	do {
		CopyJob job{in, out};
		for (int i = 0; i < lanes; ++i)
			ex.spawn(copy_lane(ex, job, bufs[size_t(i)].get()));
		if (int err = ex.run(); err < 0 || job.error)
			die("executor copy", err < 0 ? err : job.error);
		bytes += kFileBytes;
	} while (seconds_since(start) < budget);
	return double(bytes) / seconds_since(start);
}

double copy_plain(int in, int out, double budget, char* buf)
{
	uint64_t bytes = 0;
	auto start = Clock::now();
	do {
		for (uint64_t off = 0; off < kFileBytes; off += kChunk) {
			if (pread(in, buf, kChunk, off_t(off)) != ssize_t(kChunk) || pwrite(out, buf, kChunk, off_t(off)) != ssize_t(kChunk))
				die("plain copy", errno);
		}
		bytes += kFileBytes;
	} while (seconds_since(start) < budget);
	return double(bytes) / seconds_since(start);
}

// --- open-read-close ---

// reg: the ring register this coroutine's chains pass the fd through (concurrent chains need one each).
Task<void> chained_orc(Exec& ex, const char* path, char* buf, uint64_t n, uint32_t reg, int64_t* bad)
{
	namespace entry = exec::entry;
	for (uint64_t i = 0; i < n; ++i) {
		auto r = co_await ex.chain(entry::with_registers(entry::open(path, O_RDONLY | O_CLOEXEC), RP_REG_STORE(reg)),
		                           entry::with_registers(entry::read(-1, buf, 4096, 0), RP_REG_LOAD(RP_REG_FIELD_FD, reg)),
		                           entry::with_registers(entry::close(-1), RP_REG_LOAD(RP_REG_FIELD_FD, reg)));
		if (r.step[0].value < 0 || r.step[1].value != 4096 || r.step[2].value != 0)
			++*bad;
	}
}

Task<void> stepwise_orc(Exec& ex, const char* path, char* buf, uint64_t n, int64_t* bad)
{
	for (uint64_t i = 0; i < n; ++i) {
		Completion o = co_await ex.open(path, O_RDONLY | O_CLOEXEC);
		if (o.value < 0) {
			++*bad;
			continue;
		}
		Completion r = co_await ex.read(int(o.value), buf, 4096, 0);
		Completion c = co_await ex.close(int(o.value));
		if (r.value != 4096 || c.value != 0)
			++*bad;
	}
}

// Chains per second with `lanes` coroutines each running 256 in a row (make(lane, &bad) builds one).
template <class Make>
double orc_rate(Exec& ex, double budget, uint32_t lanes, Make make)
{
	uint64_t done = 0;
	int64_t bad = 0;
	auto start = Clock::now();
	do {
		for (uint32_t l = 0; l < lanes; ++l)
			ex.spawn(make(l, &bad));
		if (int err = ex.run(); err < 0)
			die("executor", err);
		done += 256 * lanes;
	} while (seconds_since(start) < budget);
	if (bad)
		die("open-read-close gave wrong results", EIO);
	return double(done) / seconds_since(start);
}

double orc_plain(const char* path, char* buf, double budget)
{
	uint64_t done = 0;
	auto start = Clock::now();
	do {
		for (int i = 0; i < 256; ++i) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || pread(fd, buf, 4096, 0) != 4096 || close(fd) != 0)
				die("plain open-read-close", errno);
		}
		done += 256;
	} while (seconds_since(start) < budget);
	return double(done) / seconds_since(start);
}

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv)
{
	double budget = 1.0;
	int rounds = 3;
	std::string dir = "/tmp";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!std::strcmp(argv[i], "--seconds"))
			budget = std::atof(argv[i + 1]);
		else if (!std::strcmp(argv[i], "--rounds"))
			rounds = std::max(1, std::atoi(argv[i + 1]));
		else if (!std::strcmp(argv[i], "--dir"))
			dir = argv[i + 1];
	}
	std::string src = dir + "/native-exec-bench-src." + std::to_string(getpid());
	std::string dst = dir + "/native-exec-bench-dst." + std::to_string(getpid());
	std::string small = dir + "/native-exec-bench-4k." + std::to_string(getpid());
	int in = open(src.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int out = open(dst.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int sm = open(small.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in < 0 || out < 0 || sm < 0)
		die("creating the files", errno);
	std::vector<std::unique_ptr<char[]>> bufs;
	for (int i = 0; i < 16; ++i) {
		bufs.emplace_back(new char[kChunk]);
		std::memset(bufs.back().get(), 'a' + i, kChunk);
	}
	for (uint64_t off = 0; off < kFileBytes; off += kChunk)
		if (pwrite(in, bufs[0].get(), kChunk, off_t(off)) != ssize_t(kChunk) || pwrite(out, bufs[1].get(), kChunk, off_t(off)) != ssize_t(kChunk))
			die("filling the source", errno);
	if (pwrite(sm, bufs[2].get(), 4096, 0) != 4096)
		die("filling the 4 KiB file", errno);

	exec::HostedBackend backend;
	if (int err = backend.init(64, 128); err < 0)
		die("ring", err);
	std::unique_ptr<Exec> ex(new Exec(backend));
	char orc_buf[4096];
	const char* sp = small.c_str();

	std::vector<double> ex16, ex1, plain, chain, step, chain4, step4, sys;
	static char orc_bufs[4][4096];
	for (int r = 0; r < rounds; ++r) {
		std::fprintf(stderr, "\rnative-exec-bench: round %d/%d", r + 1, rounds);
		ex16.push_back(copy_executor(*ex, in, out, 16, budget, bufs));
		plain.push_back(copy_plain(in, out, budget, bufs[0].get()));
		ex1.push_back(copy_executor(*ex, in, out, 1, budget, bufs));
		chain.push_back(orc_rate(*ex, budget, 1, [&](uint32_t, int64_t* bad) { return chained_orc(*ex, sp, orc_buf, 256, 0, bad); }));
		step.push_back(orc_rate(*ex, budget, 1, [&](uint32_t, int64_t* bad) { return stepwise_orc(*ex, sp, orc_buf, 256, bad); }));
		chain4.push_back(orc_rate(*ex, budget, 4, [&](uint32_t l, int64_t* bad) { return chained_orc(*ex, sp, orc_bufs[l], 256, l, bad); }));
		step4.push_back(orc_rate(*ex, budget, 4, [&](uint32_t l, int64_t* bad) { return stepwise_orc(*ex, sp, orc_bufs[l], 256, bad); }));
		sys.push_back(orc_plain(sp, orc_buf, budget));
	}
	std::fprintf(stderr, "\n");
	// The copy really copied: the destination now holds the source's bytes.
	if (pread(out, orc_buf, 4096, off_t(kFileBytes - 4096)) != 4096 || orc_buf[0] != 'a' || orc_buf[4095] != 'a')
		die("the copy's destination differs from the source", EIO);
	unlink(src.c_str());
	unlink(dst.c_str());
	unlink(small.c_str());

	const double mib = 1024.0 * 1024.0;
	const double c16 = median(ex16) / mib, c1 = median(ex1) / mib, cp = median(plain) / mib;
	const double oc = median(chain), os = median(step), oy = median(sys), oc4 = median(chain4), os4 = median(step4);
	std::printf("| benchmark | unit | executor | baseline | ratio (executor / baseline) |\n|---|---|---:|---:|---:|\n");
	std::printf("| copy 64 MiB, 128 KiB pieces: executor, 16 lanes vs pread/pwrite loop | MiB/s | %.0f | %.0f | %.2f |\n", c16, cp, c16 / cp);
	std::printf("| copy 64 MiB, 128 KiB pieces: executor, 1 lane vs pread/pwrite loop | MiB/s | %.0f | %.0f | %.2f |\n", c1, cp, c1 / cp);
	std::printf("| open-read(4 KiB)-close: chain with registers vs the three ops awaited in turn | chains/s | %.0f | %.0f | %.2f |\n", oc, os, oc / os);
	std::printf("| open-read(4 KiB)-close, 4 coroutines: chains (a register each) vs the ops awaited in turn | chains/s | %.0f | %.0f | %.2f |\n", oc4, os4, oc4 / os4);
	std::printf("| open-read(4 KiB)-close: chain with registers vs plain open/pread/close | chains/s | %.0f | %.0f | %.2f |\n", oc, oy, oc / oy);
	std::printf("(median of %d rounds of %.1f s each; 2 cores shared: compare ratios, not absolute figures)\n", rounds, budget);
	std::printf("exec-copy-16\tMiB/s\t%.1f\nexec-copy-1\tMiB/s\t%.1f\nplain-copy\tMiB/s\t%.1f\n", c16, c1, cp);
	std::printf("orc-chain\tchains/s\t%.1f\norc-stepwise\tchains/s\t%.1f\norc-syscalls\tchains/s\t%.1f\n", oc, os, oy);
	std::printf("orc-chain-4\tchains/s\t%.1f\norc-stepwise-4\tchains/s\t%.1f\n", oc4, os4);
	return 0;
}
