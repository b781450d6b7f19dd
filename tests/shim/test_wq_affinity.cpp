// Where a ring's threads run, as Linux shows them, and IOSQE_ASYNC's worker placement:
// - the SQPOLL thread is named iou-sqp-<tid of the thread that set the ring up> and SQ_AFF keeps it on
//   sq_thread_cpu;
// - IOSQE_ASYNC starts a request on a worker named iou-wrk-<tid of the submitter>; REGISTER_IOWQ_AFF moves the
//   ring's workers (those that exist and later ones) onto its mask, UNREGISTER_IOWQ_AFF gives them every CPU
//   back;
// - an IOSQE_ASYNC request behaves as it does inline: a pipe read waits for data without holding its worker, a
//   path is read when the request is submitted, a cancel finds the request at every stage.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

using namespace shimtest;

namespace {

int reg(Ring& r, unsigned op, const void* arg, unsigned nr) { return rp_sys_io_uring_register(unsigned(r.fd), op, arg, nr); }

pid_t my_tid() { return pid_t(syscall(SYS_gettid)); }

std::string comm_of(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", int(tid));
	FILE* f = fopen(path, "r");
	if (!f)
		return {};
	char buf[64] = {};
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	std::string s(buf);
	if (!s.empty() && s.back() == '\n')
		s.pop_back();
	return s;
}

// The thread of this process whose name is `name` (cut to comm's 15 characters), waiting up to 2 s for it.
pid_t thread_named(const std::string& name)
{
	std::string want = name.substr(0, 15);
	for (int round = 0; round < 2000; ++round) {
		if (DIR* d = opendir("/proc/self/task")) {
			while (dirent* e = readdir(d)) {
				if (e->d_name[0] == '.')
					continue;
				pid_t tid = pid_t(atoi(e->d_name));
				if (comm_of(tid) == want) {
					closedir(d);
					return tid;
				}
			}
			closedir(d);
		}
		usleep(1000);
	}
	return 0;
}

// The one CPU tid may run on, -1 when it may run on several.
int only_cpu(pid_t tid)
{
	cpu_set_t set;
	if (sched_getaffinity(tid, sizeof(set), &set))
		return -2;
	if (CPU_COUNT(&set) != 1)
		return -1;
	for (int c = 0; c < CPU_SETSIZE; ++c)
		if (CPU_ISSET(c, &set))
			return c;
	return -2;
}

// Waits (up to 2 s) until tid runs only on cpu (-1: on more than one CPU).
bool settles_on(pid_t tid, int cpu)
{
	for (int i = 0; i < 2000; ++i) {
		if (only_cpu(tid) == cpu)
			return true;
		usleep(1000);
	}
	return false;
}

bool two_cpus() { return sysconf(_SC_NPROCESSORS_ONLN) >= 2; }

void queue_async_read(Ring& r, int fd, char* buf, uint32_t len, uint64_t off, uint64_t ud)
{
	lx::io_uring_sqe* s = r.get_sqe();
	assert_non_null(s);
	prep(s, lx::OP_READ, fd, reinterpret_cast<uint64_t>(buf), len, off, ud);
	s->flags = lx::SQE_ASYNC;
}

void queue_cancel(Ring& r, uint64_t target, uint64_t ud)
{
	lx::io_uring_sqe* s = r.get_sqe();
	assert_non_null(s);
	prep(s, lx::OP_ASYNC_CANCEL, -1, target, 0, 0, ud);
}

} // namespace

// The SQ thread says whose it is and stays on the CPU SQ_AFF names.
static void sq_thread_is_named_and_pinned(void**)
{
	if (!two_cpus())
		skip();
	lx::io_uring_params p{};
	p.flags = lx::SETUP_SQPOLL | lx::SETUP_SQ_AFF;
	p.sq_thread_cpu = 1;
	int fd = rp_sys_io_uring_setup(8, reinterpret_cast<io_uring_params*>(&p));
	assert_true(fd >= 0);
	pid_t sq = thread_named("iou-sqp-" + std::to_string(my_tid()));
	assert_true(sq > 0);
	assert_true(settles_on(sq, 1));
	rp_sys_close(fd);
}

// An IOSQE_ASYNC read starts on a worker named after the submitting thread, placed by REGISTER_IOWQ_AFF; the
// read then waits for data (the worker is not held) and completes with it.
static void async_worker_is_named_and_pinned(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	assert_int_equal(reg(r, lx::REGISTER_IOWQ_AFF, &set, sizeof(set)), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	char buf[16] = {};
	queue_async_read(r, p[0], buf, sizeof(buf), uint64_t(-1), 1);
	assert_int_equal(r.submit(), 1);
	pid_t worker = thread_named("iou-wrk-" + std::to_string(my_tid()));
	assert_true(worker > 0);
	assert_true(settles_on(worker, 0));
	assert_int_equal(write(p[1], "hello", 5), 5);
	lx::io_uring_cqe c;
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, 1);
	assert_int_equal(c.res, 5);
	assert_memory_equal(buf, "hello", 5);
	// Every CPU again (the test's own set stands for the process's).
	assert_int_equal(reg(r, lx::UNREGISTER_IOWQ_AFF, nullptr, 0), 0);
	if (two_cpus())
		assert_true(settles_on(worker, -1));
	close(p[0]);
	close(p[1]);
}

// REGISTER_IOWQ_AFF moves workers that already exist.
static void register_moves_existing_workers(void**)
{
	if (!two_cpus())
		skip();
	Ring r;
	assert_int_equal(r.init(8), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	char buf[8];
	queue_async_read(r, p[0], buf, sizeof(buf), uint64_t(-1), 1);
	assert_int_equal(r.submit(), 1);
	pid_t worker = thread_named("iou-wrk-" + std::to_string(my_tid()));
	assert_true(worker > 0);
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	assert_int_equal(reg(r, lx::REGISTER_IOWQ_AFF, &set, sizeof(set)), 0);
	assert_true(settles_on(worker, 1));
	assert_int_equal(write(p[1], "x", 1), 1);
	lx::io_uring_cqe c;
	assert_true(r.next(&c));
	assert_int_equal(c.res, 1);
	close(p[0]);
	close(p[1]);
}

// An IOSQE_ASYNC open reads its path when it is submitted, as Linux's prep does: the program may reuse the
// buffer as soon as submit returns.
static void async_open_reads_its_path_at_submit(void**)
{
	char dir[] = "/tmp/rp-wqaff-XXXXXX";
	assert_non_null(mkdtemp(dir));
	std::string a = std::string(dir) + "/a", b = std::string(dir) + "/b";
	int fd = open(a.c_str(), O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "A", 1), 1);
	close(fd);
	Ring r;
	assert_int_equal(r.init(8), 0);
	char path[256];
	snprintf(path, sizeof(path), "%s", a.c_str());
	lx::io_uring_sqe* s = r.get_sqe();
	assert_non_null(s);
	prep(s, lx::OP_OPENAT, AT_FDCWD, reinterpret_cast<uint64_t>(path), 0, 0, 7);
	s->open_flags = O_RDONLY;
	s->flags = lx::SQE_ASYNC;
	assert_int_equal(r.submit(), 1);
	snprintf(path, sizeof(path), "%s", b.c_str()); // does not exist
	lx::io_uring_cqe c;
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, 7);
	assert_true(c.res >= 0);
	char got = 0;
	assert_int_equal(read(c.res, &got, 1), 1);
	assert_int_equal(got, 'A');
	close(c.res);
	unlink(a.c_str());
	rmdir(dir);
}

// A cancel that meets an IOSQE_ASYNC read at any stage (queued for a worker, being issued, waiting for data,
// or after its positional attempt on the pipe failed and before the retry at the stream position) cancels it:
// the read ends -ECANCELED and the cancel finds it (0; -EALREADY is what Linux answers for one a worker runs).
static void async_read_cancelled_at_every_stage(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	char buf[8];
	for (unsigned round = 0; round < 60; ++round) {
		// Offset 0 on a pipe: Linux ignores it; the shim's positional attempt fails and is retried unpositioned.
		queue_async_read(r, p[0], buf, sizeof(buf), 0, 1);
		if (round % 3 == 0) {
			queue_cancel(r, 1, 2); // in the same enter: queued or being issued
			assert_int_equal(r.submit(), 2);
		} else {
			assert_int_equal(r.submit(), 1);
			usleep(round % 3 == 1 ? round * 10 : 2000);
			queue_cancel(r, 1, 2);
			assert_int_equal(r.submit(), 1);
		}
		bool read_done = false, cancel_done = false;
		for (int i = 0; i < 2; ++i) {
			lx::io_uring_cqe c;
			assert_true(r.next(&c));
			if (c.user_data == 1) {
				assert_false(read_done);
				read_done = true;
				assert_int_equal(c.res, -ECANCELED);
			} else {
				assert_int_equal(c.user_data, 2);
				assert_false(cancel_done);
				cancel_done = true;
				if (c.res != 0 && c.res != -EALREADY)
					fail_msg("round %u: cancel answered %d", round, c.res);
			}
		}
	}
	close(p[0]);
	close(p[1]);
}

int main()
{
	const CMUnitTest tests[] = {
	    cmocka_unit_test(sq_thread_is_named_and_pinned),      cmocka_unit_test(async_worker_is_named_and_pinned),
	    cmocka_unit_test(register_moves_existing_workers),    cmocka_unit_test(async_open_reads_its_path_at_submit),
	    cmocka_unit_test(async_read_cancelled_at_every_stage),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
