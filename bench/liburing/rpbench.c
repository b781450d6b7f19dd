/*
 * rpbench: io_uring workloads written against the liburing API. The same source is built twice, against
 * native Linux liburing and against the ported liburing on the shim, and bench/run.sh compares the two.
 *
 *   rpbench WORKLOAD [--scale F]
 *
 * Prints one line per figure: name<TAB>unit<TAB>value<TAB>better (higher|lower). A workload that cannot run
 * prints an error on stderr and exits non-zero; nothing is estimated.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double scale = 1.0;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "rpbench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void report(const char *name, const char *unit, double value, const char *better)
{
	printf("%s\t%s\t%.3f\t%s\n", name, unit, value, better);
	fflush(stdout);
}

static unsigned long scaled(unsigned long n)
{
	unsigned long v = (unsigned long)(n * scale);
	return v ? v : 1;
}

/* Throughput runs last a fixed time, not a fixed count, so both builds are exposed to the same stretch of a
 * shared machine's noise however fast they are: 0.5 s at scale 1. */
static uint64_t run_window_ns(void)
{
	return (uint64_t)(5e8 * scale);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t percentile(uint64_t *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	size_t i = (size_t)(p * (double)(n - 1));
	return v[i];
}

static void setup_ring(struct io_uring *ring, unsigned entries, unsigned flags)
{
	int ret = io_uring_queue_init(entries, ring, flags);
	if (ret < 0)
		die("io_uring_queue_init", ret);
}

/* Reaps exactly n completions, failing on any error result. */
static void reap(struct io_uring *ring, unsigned n)
{
	while (n) {
		struct io_uring_cqe *cqe;
		int ret = io_uring_wait_cqe(ring, &cqe);
		if (ret < 0)
			die("io_uring_wait_cqe", ret);
		unsigned head, seen = 0;
		io_uring_for_each_cqe(ring, head, cqe) {
			if (cqe->res < 0 && cqe->res != -ETIME && cqe->res != -ECANCELED)
				die("completion", cqe->res);
			if (++seen == n)
				break;
		}
		io_uring_cq_advance(ring, seen);
		n -= seen;
	}
}

static void nop_batch(void)
{
	struct io_uring ring;
	setup_ring(&ring, 64, 0);
	const unsigned batch = 32;
	for (int warm = 0; warm < 1000; warm++) {
		for (unsigned i = 0; i < batch; i++)
			io_uring_prep_nop(io_uring_get_sqe(&ring));
		io_uring_submit_and_wait(&ring, batch);
		reap(&ring, batch);
	}
	uint64_t start = now_ns(), window = run_window_ns(), elapsed;
	unsigned long rounds = 0;
	do {
		for (unsigned k = 0; k < 256; k++, rounds++) {
			for (unsigned i = 0; i < batch; i++)
				io_uring_prep_nop(io_uring_get_sqe(&ring));
			int ret = io_uring_submit_and_wait(&ring, batch);
			if (ret < 0)
				die("submit_and_wait", ret);
			reap(&ring, batch);
		}
	} while ((elapsed = now_ns() - start) < window);
	report("nop-batch", "ops/s", (double)rounds * batch / ((double)elapsed / 1e9), "higher");
	io_uring_queue_exit(&ring);
}

static void nop_qd1(void)
{
	struct io_uring ring;
	setup_ring(&ring, 8, 0);
	size_t n = scaled(200000);
	uint64_t *lat = malloc(n * sizeof(*lat));
	for (size_t i = 0; i < n + 1000; i++) {
		uint64_t t0 = now_ns();
		io_uring_prep_nop(io_uring_get_sqe(&ring));
		int ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0)
			die("submit_and_wait", ret);
		reap(&ring, 1);
		if (i >= 1000)
			lat[i - 1000] = now_ns() - t0;
	}
	report("nop-qd1-p50", "ns", (double)percentile(lat, n, 0.50), "lower");
	report("nop-qd1-p99", "ns", (double)percentile(lat, n, 0.99), "lower");
	free(lat);
	io_uring_queue_exit(&ring);
}

static const char *bench_file(void)
{
	const char *p = getenv("RPBENCH_FILE");
	return p ? p : "/tmp/rpbench-256m.dat";
}

/* A 256 MiB file of non-zero data, read once so it is page-cached. */
static int open_cached_file(off_t *size)
{
	const char *path = bench_file();
	const off_t want = 256ll << 20;
	struct stat st;
	if (stat(path, &st) != 0 || st.st_size != want) {
		int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
		if (fd < 0)
			die("create bench file", errno);
		char *buf = malloc(1 << 20);
		for (int i = 0; i < (1 << 20); i++)
			buf[i] = (char)(i * 31 + 7);
		for (off_t off = 0; off < want; off += 1 << 20)
			if (write(fd, buf, 1 << 20) != (1 << 20))
				die("write bench file", errno);
		free(buf);
		close(fd);
	}
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open bench file", errno);
	char *buf = malloc(1 << 20);
	while (read(fd, buf, 1 << 20) > 0)
		;
	free(buf);
	*size = want;
	return fd;
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t next_rand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void read_4k_qd32(int fixed)
{
	off_t size;
	int fd = open_cached_file(&size);
	struct io_uring ring;
	setup_ring(&ring, 64, 0);
	enum { QD = 32, BS = 4096 };
	char *bufs;
	if (posix_memalign((void **)&bufs, 4096, QD * BS))
		die("posix_memalign", ENOMEM);
	struct iovec iov[QD];
	for (int i = 0; i < QD; i++)
		iov[i] = (struct iovec){bufs + i * BS, BS};
	int file = fd;
	if (fixed) {
		int ret = io_uring_register_files(&ring, &fd, 1);
		if (ret < 0)
			die("register_files", ret);
		ret = io_uring_register_buffers(&ring, iov, QD);
		if (ret < 0)
			die("register_buffers", ret);
		file = 0;
	}
	const uint64_t blocks = (uint64_t)size / BS;
	unsigned long total = scaled(400000), submitted = 0, done = 0;
	uint64_t start = 0;
	for (int pass = 0; pass < 2; pass++) {
		unsigned long goal = pass == 0 ? 20000 : total;
		submitted = done = 0;
		if (pass == 1)
			start = now_ns();
		while (done < goal) {
			while (submitted < goal && submitted - done < QD) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
				unsigned slot = submitted % QD;
				off_t off = (off_t)(next_rand() % blocks) * BS;
				if (fixed) {
					io_uring_prep_read_fixed(sqe, file, iov[slot].iov_base, BS, off, slot);
					sqe->flags |= IOSQE_FIXED_FILE;
				} else {
					io_uring_prep_read(sqe, file, iov[slot].iov_base, BS, off);
				}
				submitted++;
			}
			int ret = io_uring_submit_and_wait(&ring, 1);
			if (ret < 0)
				die("submit_and_wait", ret);
			struct io_uring_cqe *cqe;
			unsigned head, seen = 0;
			io_uring_for_each_cqe(&ring, head, cqe) {
				if (cqe->res != BS)
					die("read", cqe->res < 0 ? cqe->res : EIO);
				seen++;
			}
			io_uring_cq_advance(&ring, seen);
			done += seen;
		}
	}
	double secs = (double)(now_ns() - start) / 1e9;
	report(fixed ? "read-4k-qd32-fixed" : "read-4k-qd32", "ops/s", (double)total / secs, "higher");
	io_uring_queue_exit(&ring);
	free(bufs);
	close(fd);
}

struct pong_args {
	int in, out;
	unsigned long rounds;
};

/* Waits for a byte on `in` with POLL_ADD linked to READ, then sends it back on `out`. */
static void bounce_once(struct io_uring *ring, int in, int out, int send_first)
{
	char c = 'x';
	if (send_first && write(out, &c, 1) != 1)
		die("write", errno);
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	io_uring_prep_poll_add(sqe, in, POLLIN);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read(sqe, in, &c, 1, 0);
	int ret = io_uring_submit_and_wait(ring, 2);
	if (ret < 0)
		die("submit_and_wait", ret);
	reap(ring, 2);
	if (!send_first && write(out, &c, 1) != 1)
		die("write", errno);
}

static void *ponger(void *p)
{
	struct pong_args *a = p;
	struct io_uring ring;
	setup_ring(&ring, 8, 0);
	for (unsigned long i = 0; i < a->rounds; i++)
		bounce_once(&ring, a->in, a->out, 0);
	io_uring_queue_exit(&ring);
	return NULL;
}

static void pipe_pingpong(void)
{
	int ab[2], ba[2];
	if (pipe(ab) || pipe(ba))
		die("pipe", errno);
	size_t n = scaled(50000), warm = 1000;
	struct pong_args args = {ab[0], ba[1], n + warm};
	pthread_t t;
	pthread_create(&t, NULL, ponger, &args);
	struct io_uring ring;
	setup_ring(&ring, 8, 0);
	uint64_t *lat = malloc(n * sizeof(*lat));
	for (size_t i = 0; i < n + warm; i++) {
		uint64_t t0 = now_ns();
		bounce_once(&ring, ba[0], ab[1], 1);
		if (i >= warm)
			lat[i - warm] = now_ns() - t0;
	}
	pthread_join(t, NULL);
	report("pipe-pingpong-p50", "ns", (double)percentile(lat, n, 0.50), "lower");
	report("pipe-pingpong-p99", "ns", (double)percentile(lat, n, 0.99), "lower");
	free(lat);
	io_uring_queue_exit(&ring);
}

/* Runs batches of 32 NOPs on `ring` for `ns` nanoseconds; returns the NOPs completed and adds the time taken. */
static unsigned long nop_slice(struct io_uring *ring, uint64_t ns, uint64_t *spent)
{
	const unsigned batch = 32;
	unsigned long nops = 0;
	uint64_t start = now_ns(), elapsed;
	do {
		for (unsigned k = 0; k < 64; k++) {
			for (unsigned i = 0; i < batch; i++)
				io_uring_prep_nop(io_uring_get_sqe(ring));
			int ret = io_uring_submit_and_wait(ring, batch);
			if (ret < 0)
				die("submit_and_wait", ret);
			reap(ring, batch);
			nops += batch;
		}
	} while ((elapsed = now_ns() - start) < ns);
	*spent += elapsed;
	return nops;
}

/*
 * Two identical rings, one with 10,000 one-hour timeouts pending. Short slices of NOP batches alternate between
 * them, so the pair of rates sees the same machine; the second figure is loaded rate / plain rate.
 */
static void timeouts_10k(void)
{
	struct io_uring loaded, plain;
	struct io_uring_params p = {0};
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 32768;
	int ret = io_uring_queue_init_params(16384, &loaded, &p);
	if (ret < 0)
		die("io_uring_queue_init_params", ret);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 32768;
	ret = io_uring_queue_init_params(16384, &plain, &p);
	if (ret < 0)
		die("io_uring_queue_init_params", ret);
	static struct __kernel_timespec ts = {.tv_sec = 3600};
	for (int i = 0; i < 10000; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&loaded);
		io_uring_prep_timeout(sqe, &ts, 0, 0);
		sqe->user_data = 1;
	}
	ret = io_uring_submit(&loaded);
	if (ret != 10000)
		die("submit timeouts", ret < 0 ? ret : EIO);
	uint64_t warm = 0, t_loaded = 0, t_plain = 0;
	nop_slice(&plain, 20000000, &warm);
	nop_slice(&loaded, 20000000, &warm);
	unsigned long n_loaded = 0, n_plain = 0;
	const int slices = 20;
	const uint64_t slice = run_window_ns() / slices;
	for (int i = 0; i < slices; i++) {
		n_plain += nop_slice(&plain, slice, &t_plain);
		n_loaded += nop_slice(&loaded, slice, &t_loaded);
	}
	double rate_loaded = (double)n_loaded / ((double)t_loaded / 1e9);
	double rate_plain = (double)n_plain / ((double)t_plain / 1e9);
	report("timeouts-10k", "ops/s", rate_loaded, "higher");
	report("timeouts-10k-vs-plain", "fraction", rate_loaded / rate_plain, "higher");
	io_uring_queue_exit(&plain);
	io_uring_queue_exit(&loaded);
}

static void linked_chain(void)
{
	const char *path = "/tmp/rpbench-small.dat";
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	char data[4096];
	memset(data, 'r', sizeof(data));
	if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data))
		die("small file", errno);
	close(fd);
	struct io_uring ring;
	setup_ring(&ring, 64, 0);
	int ret = io_uring_register_files_sparse(&ring, 8);
	if (ret < 0)
		die("register_files_sparse", ret);
	unsigned long chains = scaled(50000);
	char buf[4096];
	uint64_t start = 0;
	for (unsigned long i = 0; i < chains + 1000; i++) {
		if (i == 1000)
			start = now_ns();
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		io_uring_prep_openat_direct(sqe, AT_FDCWD, path, O_RDONLY, 0, 0);
		sqe->flags |= IOSQE_IO_LINK;
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read(sqe, 0, buf, sizeof(buf), 0);
		sqe->flags |= IOSQE_IO_LINK | IOSQE_FIXED_FILE;
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_close_direct(sqe, 0);
		ret = io_uring_submit_and_wait(&ring, 3);
		if (ret < 0)
			die("submit_and_wait", ret);
		struct io_uring_cqe *cqe;
		for (int k = 0; k < 3; k++) {
			ret = io_uring_wait_cqe(&ring, &cqe);
			if (ret < 0)
				die("wait_cqe", ret);
			if (cqe->res < 0)
				die("chain step", cqe->res);
			io_uring_cqe_seen(&ring, cqe);
		}
	}
	double secs = (double)(now_ns() - start) / 1e9;
	report("linked-chain", "chains/s", (double)chains / secs, "higher");
	io_uring_queue_exit(&ring);
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, resident = 0;
	if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
		die("statm", EIO);
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Proportional set size: a page mapped twice in this process counts once (RSS counts it per mapping). */
static long pss_kib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long pss = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %ld kB", &pss) == 1)
			break;
	if (f)
		fclose(f);
	if (pss < 0)
		die("smaps_rollup", EIO);
	return pss;
}

static void memory(void)
{
	long before = rss_kib(), pss_before = pss_kib();
	struct io_uring ring;
	setup_ring(&ring, 4096, 0);
	/* Touch one NOP round trip so lazily created state exists. */
	io_uring_prep_nop(io_uring_get_sqe(&ring));
	io_uring_submit_and_wait(&ring, 1);
	reap(&ring, 1);
	long after = rss_kib();
	size_t mapped = ring.sq.ring_sz + ring.cq.ring_sz + ring.sq.ring_entries * sizeof(struct io_uring_sqe);
	if (ring.features & IORING_FEAT_SINGLE_MMAP)
		mapped = (ring.sq.ring_sz > ring.cq.ring_sz ? ring.sq.ring_sz : ring.cq.ring_sz) +
		         ring.sq.ring_entries * sizeof(struct io_uring_sqe);
	report("memory-rss-4096", "KiB", (double)(after - before), "lower");
	report("memory-ring-map-4096", "KiB", (double)mapped / 1024.0, "lower");
	/* Then every SQ and CQ slot carries a NOP once (twice the CQ size), in full-SQ batches: all ring pages
	 * are in use, as in a long-running program. */
	unsigned cq_entries = *ring.cq.kring_entries, sq_entries = *ring.sq.kring_entries;
	for (unsigned done = 0; done < 2 * cq_entries; done += sq_entries) {
		for (unsigned i = 0; i < sq_entries; i++)
			io_uring_prep_nop(io_uring_get_sqe(&ring));
		int ret = io_uring_submit_and_wait(&ring, sq_entries);
		if (ret < 0)
			die("submit_and_wait", ret);
		reap(&ring, sq_entries);
	}
	report("memory-rss-4096-cycled", "KiB", (double)(rss_kib() - before), "lower");
	report("memory-pss-4096-cycled", "KiB", (double)(pss_kib() - pss_before), "lower");
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: rpbench nop-batch|nop-qd1|read-4k-qd32|read-4k-qd32-fixed|pipe-pingpong|"
		                "timeouts-10k|linked-chain|memory [--scale F]\n");
		return 2;
	}
	if (argc >= 4 && strcmp(argv[2], "--scale") == 0)
		scale = atof(argv[3]);
	const char *w = argv[1];
	if (!strcmp(w, "nop-batch"))
		nop_batch();
	else if (!strcmp(w, "nop-qd1"))
		nop_qd1();
	else if (!strcmp(w, "read-4k-qd32"))
		read_4k_qd32(0);
	else if (!strcmp(w, "read-4k-qd32-fixed"))
		read_4k_qd32(1);
	else if (!strcmp(w, "pipe-pingpong"))
		pipe_pingpong();
	else if (!strcmp(w, "timeouts-10k"))
		timeouts_10k();
	else if (!strcmp(w, "linked-chain"))
		linked_chain();
	else if (!strcmp(w, "memory"))
		memory();
	else {
		fprintf(stderr, "rpbench: unknown workload %s\n", w);
		return 2;
	}
	return 0;
}
