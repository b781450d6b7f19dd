// Helpers for the hostile-program tests (fd limits, fd sweeps, teardown): scenarios that change process-wide
// state (RLIMIT_NOFILE, the fd table) run in a forked child, which reports the line of its first failed check;
// completions are gathered with a deadline, so a lost one fails the test instead of hanging it.
#pragma once

#include "shim_ring.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace shimtest {

// In a child scenario: on failure, print the check and return 1.
#define CHILD_CHECK(cond)                                                                                        \
	do {                                                                                                       \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                          \
			return 1;                                                                                          \
		}                                                                                                      \
	} while (0)

// Runs scenario() in a forked child; 0 when every check passed, else the child's exit status (1: a check
// failed, its line is on stderr) or 255 after a signal. A child that exits 77 skipped (reported as a pass with a note).
inline int in_child(int (*scenario)())
{
	fflush(nullptr);
	pid_t pid = fork();
	if (pid == 0)
		_exit(scenario() & 0xff);
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 254;
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "child killed by signal %d\n", WTERMSIG(st));
		return 255;
	}
	int code = WEXITSTATUS(st);
	if (code == 77) {
		fprintf(stderr, "skipped: the scenario cannot run here\n");
		return 0;
	}
	return code;
}

// Pops CQEs into `got` (by user_data) until every one of `want` is there or `ms` passed; enters now and then,
// as a program waiting in io_uring_enter would, without ever blocking. Whether all arrived.
inline bool gather(Ring& r, std::map<uint64_t, lx::io_uring_cqe>& got, std::initializer_list<uint64_t> want, int ms,
                   int ring_fd = -1, uint32_t enter_flags = 0)
{
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
	for (;;) {
		lx::io_uring_cqe c;
		while (r.pop(&c))
			got[c.user_data] = c;
		bool all = true;
		for (uint64_t u : want)
			all = all && got.count(u);
		if (all)
			return true;
		if (std::chrono::steady_clock::now() >= deadline)
			return false;
		rp_sys_io_uring_enter(unsigned(ring_fd >= 0 ? ring_fd : r.fd), 0, 0, lx::ENTER_GETEVENTS | enter_flags,
		                      nullptr);
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
}

inline void prep_timeout(lx::io_uring_sqe* s, const lx::kernel_timespec* ts, uint64_t ud)
{
	prep(s, lx::OP_TIMEOUT, -1, reinterpret_cast<uint64_t>(ts), 1, 0, ud);
}

} // namespace shimtest
