// Faults around the hosted OS's worker threads (issue 12): a worker that cannot be created (threads refused by
// the kernel, an address-space limit too low for a thread stack) becomes an error completion, never an
// exception that aborts the program; and a program with its own handler for the signal the OS interrupts its
// blocked workers with neither hangs io_uring_queue_exit nor loses its handler.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

using namespace shimtest;

namespace {

int child_status(pid_t pid)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The child's checks end the child with a distinct status (no CMocka in a child).
#define CHILD_CHECK(cond, code)                                                                                \
	do {                                                                                                         \
		if (!(cond)) {                                                                                           \
			fprintf(stderr, "child check failed: %s (line %d)\n", #cond, __LINE__);                              \
			_exit(code);                                                                                         \
		}                                                                                                        \
	} while (0)

// A seccomp filter under which this process can create no thread: clone3 is ENOSYS (so libc falls back to
// clone) and clone with CLONE_THREAD is EAGAIN, what the kernel answers at its thread limit.
bool refuse_threads()
{
	sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAGAIN),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	sock_fprog prog{static_cast<unsigned short>(sizeof f / sizeof f[0]), f};
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	       syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) == 0;
}

// An FSYNC, which the hosted OS always runs on a worker: its CQE, in a child that cannot have one.
void fsync_without_threads(bool (*deny)())
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20); // a hang fails the test instead of stalling it
		Ring r;
		CHILD_CHECK(r.init(8) == 0, 2);
		char path[] = "/tmp/rp-worker-faults-XXXXXX";
		int fd = mkstemp(path);
		CHILD_CHECK(fd >= 0, 3);
		unlink(path);
		CHILD_CHECK(deny(), 4);
		prep(r.get_sqe(), lx::OP_FSYNC, fd, 0, 0, 0, 42);
		CHILD_CHECK(r.submit(1) == 1, 5);
		lx::io_uring_cqe c{};
		CHILD_CHECK(r.pop(&c), 6);
		CHILD_CHECK(c.user_data == 42, 7);
		fprintf(stderr, "fsync without a worker: %d\n", c.res);
		CHILD_CHECK(c.res == -EAGAIN || c.res == -ENOMEM, 8);
		// The ring still works for what needs no worker.
		prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 43);
		CHILD_CHECK(r.submit(1) == 1 && r.pop(&c) && c.user_data == 43 && c.res == 0, 9);
		_exit(0); // no exit handlers: a sanitizer's would want a thread too
	}
	assert_int_equal(child_status(pid), 0);
}

bool limit_address_space()
{
	// Room for what is mapped now plus a little, never a thread's 8 MiB stack.
	FILE* f = fopen("/proc/self/status", "r");
	if (!f)
		return false;
	char line[256];
	unsigned long kb = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	rlimit rl{};
	rl.rlim_cur = rl.rlim_max = (kb + 2048) * 1024;
	return kb && setrlimit(RLIMIT_AS, &rl) == 0;
}

bool sanitized()
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	return true;
#endif
#endif
	return false;
}

} // namespace

static void no_thread_is_an_error_completion(void**) { fsync_without_threads(refuse_threads); }

static void low_address_space_is_an_error_completion(void**)
{
	if (sanitized())
		skip(); // a sanitizer's shadow memory leaves no meaningful address-space limit to set
	fsync_without_threads(limit_address_space);
}

namespace {
volatile sig_atomic_t g_handled;
void program_handler(int) { g_handled = g_handled + 1; }
} // namespace

// The program takes the signal the OS interrupts blocked workers with (SIGRTMAX - 2), before any ring exists,
// then a worker blocks in open() of a FIFO nobody writes: destroying the ring still interrupts the worker and
// returns, and the program's handler stays the program's (sigaction reports it, and it runs on a kill).
static void program_handler_does_not_hang_teardown(void**)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20);
		const int sig = SIGRTMAX - 2;
		struct sigaction sa {}, old {};
		sa.sa_handler = program_handler;
		sa.sa_flags = SA_RESTART; // restarting the worker's open() would keep it blocked for good
		sigemptyset(&sa.sa_mask);
		CHILD_CHECK(sigaction(sig, &sa, nullptr) == 0, 2);
		char dir[] = "/tmp/rp-fifo-XXXXXX";
		CHILD_CHECK(mkdtemp(dir) != nullptr, 3);
		char fifo[64];
		snprintf(fifo, sizeof fifo, "%s/f", dir);
		CHILD_CHECK(mkfifo(fifo, 0600) == 0, 4);
		{
			Ring r;
			CHILD_CHECK(r.init(8) == 0, 5);
			lx::io_uring_sqe* s = r.get_sqe();
			prep(s, lx::OP_OPENAT, AT_FDCWD, uint64_t(fifo), 0, 0, 1);
			s->open_flags = O_RDONLY;
			CHILD_CHECK(r.submit() == 1, 6);
			usleep(50 * 1000); // the worker is in open() now
		}                      // io_uring_queue_exit: must come back
		CHILD_CHECK(sigaction(sig, nullptr, &old) == 0, 7);
		CHILD_CHECK(old.sa_handler == program_handler, 8);
		CHILD_CHECK(kill(getpid(), sig) == 0, 9);
		for (int i = 0; i < 100 && !g_handled; ++i)
			usleep(1000);
		CHILD_CHECK(g_handled == 1, 10);
		unlink(fifo);
		rmdir(dir);
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
}

// The submitting thread blocks the interrupt signal (workers inherit a creator's mask): teardown still
// interrupts a worker blocked in open().
static void blocked_signal_does_not_hang_teardown(void**)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20);
		sigset_t block;
		sigemptyset(&block);
		sigaddset(&block, SIGRTMAX - 2);
		CHILD_CHECK(sigprocmask(SIG_BLOCK, &block, nullptr) == 0, 2);
		char dir[] = "/tmp/rp-fifo-XXXXXX";
		CHILD_CHECK(mkdtemp(dir) != nullptr, 3);
		char fifo[64];
		snprintf(fifo, sizeof fifo, "%s/f", dir);
		CHILD_CHECK(mkfifo(fifo, 0600) == 0, 4);
		{
			Ring r;
			CHILD_CHECK(r.init(8) == 0, 5);
			lx::io_uring_sqe* s = r.get_sqe();
			prep(s, lx::OP_OPENAT, AT_FDCWD, uint64_t(fifo), 0, 0, 1);
			s->open_flags = O_RDONLY;
			CHILD_CHECK(r.submit() == 1, 6);
			usleep(50 * 1000);
		}
		unlink(fifo);
		rmdir(dir);
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
}

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(program_handler_does_not_hang_teardown),
	    cmocka_unit_test(blocked_signal_does_not_hang_teardown),
	    cmocka_unit_test(no_thread_is_an_error_completion),
	    cmocka_unit_test(low_address_space_is_an_error_completion),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
