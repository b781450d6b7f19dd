// native-copy: a file copy written as a native ringport program with the executor (executor.hpp).
//
//     native-copy SRC DST      copies SRC to DST
//     native-copy              the demo: makes an 8 MiB file in a fresh temporary directory, copies it, checks it
//
// Every system call is a native SQE on one hosted ring: open, the size (Lseek to the end), the reads and writes,
// Fsync, Close. Sixteen lane coroutines each claim the next 128 KiB chunk and move it with a Pread then a
// Pwrite at the chunk's offset, so up to sixteen transfers are in flight and the executor hands them to the OS
// in batches. A short read or write continues where it stopped; an early end of file is an error (EIO).
#include "wait_group.hpp"

#include <ringport/executor_hosted.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

using namespace ringport;
using exec::Completion;
using exec::Task;
using ringport_examples::WaitGroup;

namespace {

using Exec = exec::Executor<exec::HostedBackend, 256>;

constexpr uint64_t kChunk = 128 * 1024;
constexpr int kLanes = 16;

struct Job {
	const char* src;
	const char* dst;
	int in = -1, out = -1;
	uint64_t size = 0;
	uint64_t next = 0;   // first byte no lane has claimed
	uint64_t copied = 0; // bytes written
	int64_t error = 0;   // the first -errno
	uint32_t max_in_flight = 0;
};

Task<void> lane(Exec& ex, Job& job, WaitGroup& wg)
{
	std::unique_ptr<char[]> buf(new char[kChunk]);
	while (!job.error && job.next < job.size) {
		const uint64_t off = job.next;
		const uint64_t len = job.size - off < kChunk ? job.size - off : kChunk;
		job.next += len;
		uint64_t done = 0;
		while (!job.error && done < len) {
			Completion r = co_await ex.read(job.in, buf.get(), len - done, off + done);
			if (ex.in_flight() > job.max_in_flight)
				job.max_in_flight = ex.in_flight();
			if (r.value <= 0) { // 0: the file shrank under us
				job.error = r.value ? r.value : -EIO;
				break;
			}
			for (uint64_t put = 0; put < uint64_t(r.value);) {
				Completion w = co_await ex.write(job.out, buf.get() + put, uint64_t(r.value) - put, off + done + put);
				if (w.value <= 0) {
					job.error = w.value ? w.value : -EIO;
					break;
				}
				put += uint64_t(w.value);
			}
			done += uint64_t(r.value);
		}
		job.copied += done;
	}
	wg.done();
}

Task<void> copy(Exec& ex, Job& job)
{
	Completion in = co_await ex.open(job.src, O_RDONLY | O_CLOEXEC);
	if (!in.ok()) {
		job.error = in.value;
		co_return;
	}
	job.in = int(in.value);
	Completion end = co_await ex.lseek(job.in, 0, SEEK_END); // the size, as a 64-bit result
	Completion out = co_await ex.open(job.dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (!end.ok() || !out.ok()) {
		job.error = !end.ok() ? end.value : out.value;
	} else {
		job.size = uint64_t(end.value);
		job.out = int(out.value);
		WaitGroup wg(kLanes);
		for (int i = 0; i < kLanes; ++i)
			ex.spawn(lane(ex, job, wg));
		co_await wg;
		if (!job.error) {
			Completion s = co_await ex.fsync(job.out);
			if (!s.ok())
				job.error = s.value;
		}
		Completion c = co_await ex.close(job.out);
		if (!job.error && !c.ok())
			job.error = c.value; // a close that fails may have lost data
	}
	(void)co_await ex.close(job.in);
}

// The demo's source: a deterministic pattern no two chunks share, written with plain calls (it is not the
// subject).
bool make_source(const char* path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	std::unique_ptr<uint64_t[]> block(new uint64_t[kChunk / 8]);
	for (uint64_t off = 0; off < size; off += kChunk) {
		for (uint64_t i = 0; i < kChunk / 8; ++i)
			block[i] = (off / 8 + i) * 0x9e3779b97f4a7c15ull;
		if (pwrite(fd, block.get(), kChunk, off_t(off)) != ssize_t(kChunk)) {
			close(fd);
			return false;
		}
	}
	return close(fd) == 0;
}

bool same_bytes(const char* a, const char* b)
{
	FILE* fa = fopen(a, "rb");
	FILE* fb = fopen(b, "rb");
	bool same = fa && fb;
	static char x[65536], y[65536];
	while (same) {
		size_t n = fread(x, 1, sizeof x, fa), m = fread(y, 1, sizeof y, fb);
		same = n == m && memcmp(x, y, n) == 0;
		if (n == 0)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

} // namespace

int main(int argc, char** argv)
{
	char dir[] = "/tmp/native-copy-XXXXXX";
	char src[64], dst[64];
	const bool demo = argc == 1;
	if (!demo && argc != 3) {
		fprintf(stderr, "usage: native-copy [SRC DST]\n");
		return 2;
	}
	if (demo) {
		if (!mkdtemp(dir))
			return perror("mkdtemp"), 1;
		snprintf(src, sizeof src, "%s/source", dir);
		snprintf(dst, sizeof dst, "%s/copy", dir);
		if (!make_source(src, 8 << 20))
			return perror("native-copy: making the source"), 1;
	}
	exec::HostedBackend backend;
	if (int err = backend.init(64, 128); err < 0)
		return fprintf(stderr, "native-copy: ring: %s\n", strerror(-err)), 1;
	std::unique_ptr<Exec> ex(new Exec(backend));
	Job job;
	job.src = demo ? src : argv[1];
	job.dst = demo ? dst : argv[2];
	ex->spawn(copy(*ex, job));
	int err = ex->run();
	if (err < 0 || job.error) {
		fprintf(stderr, "native-copy: %s\n", strerror(int(err < 0 ? -err : -job.error)));
		return 1;
	}
	const exec::Stats& st = ex->stats();
	printf("native-copy: %llu bytes copied in %llu chunks by %d lanes (up to %u requests in flight), fsync'd; "
	       "%llu SQEs in %llu enters\n",
	       (unsigned long long)job.copied, (unsigned long long)((job.size + kChunk - 1) / kChunk), kLanes,
	       job.max_in_flight, (unsigned long long)st.submitted, (unsigned long long)st.enters);
	if (demo) {
		bool same = same_bytes(src, dst);
		printf("native-copy: the copy %s the source\n", same ? "matches" : "DIFFERS FROM");
		unlink(src);
		unlink(dst);
		rmdir(dir);
		if (!same)
			return 1;
	}
	return 0;
}
