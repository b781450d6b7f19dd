// Readiness of ring fds: a ring fd is readable while its CQ has completions. Once a ring fd is polled (by the
// program's poll/epoll, or by the hosted OS through its readiness hook), every CQ publish adds to its eventfd
// (ring_fd_posted) and before each wait the eventfd's counter is set to match the CQ (sync_readiness). The
// readiness of every other file is the OS's: the glue only lets it act on what Linux already signalled
// (rp_os_collect_readiness) before the program's own poll and epoll waits, and after the program's own calls
// that make files ready (readiness_after_call: write, send, close ..., and the reads that took something, which
// free the room a writer's POLLOUT waits for), where Linux runs the wakeups.
#include "glue_internal.hpp"

#include <ringport/glue.h>
#include <ringport/hosted_os.h>
#include <ringport/linux/io_uring.hpp>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <fcntl.h>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <new>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace ringport::glue {

namespace {
std::vector<RingFile*>* g_armed; // under g_lock
} // namespace

// This thread made a polled ring fd readable (ring_fd_posted) during its current io_uring_enter.
namespace {
thread_local bool t_ring_fd_posted;
} // namespace

bool take_ring_fd_posted()
{
	bool was = t_ring_fd_posted;
	t_ring_fd_posted = false;
	return was;
}


void arm(RingFile* rf)
{
	if (rf->armed.exchange(true))
		return;
	{
		std::lock_guard<std::mutex> g(g_lock);
		if (!g_armed)
			g_armed = new std::vector<RingFile*>;
		g_armed->push_back(rf);
	}
	shim::set_poll_cookie(rf->ring, rf);
}

// Makes the eventfd's readability match the CQ right now (called before a poll or epoll wait).
void sync_readiness(RingFile* rf)
{
	uint64_t v;
	raw_syscall(SYS_read, rf->signal_fd, long(&v), 8); // drain (non-blocking)
	if (shim::poll_mask(rf->ring) & POLLIN) {
		uint64_t one = 1;
		raw_syscall(SYS_write, rf->signal_fd, long(&one), 8);
	}
}

void sync_all_armed()
{
	std::lock_guard<std::mutex> g(g_lock);
	if (g_armed)
		for (RingFile* rf : *g_armed)
			sync_readiness(rf);
}


void disarm(RingFile* rf)
{
	if (rf->armed.load()) {
		std::lock_guard<std::mutex> g(g_lock);
		if (g_armed)
			for (auto it = g_armed->begin(); it != g_armed->end(); ++it)
				if (*it == rf) {
					g_armed->erase(it);
					break;
				}
	}
	shim::set_poll_cookie(rf->ring, nullptr);
	uring_wake_ring_gone(rf);
}

void watch_fd(int fd)
{
	if (RingFile* rf = lookup(fd)) {
		arm(rf);
		sync_readiness(rf);
	}
}

void eventfd_signalled() { t_ring_fd_posted = true; }

void readiness_after_call()
{
	// Each round may complete polls whose CQEs make another ring fd or eventfd readable (a poll on a ring fd
	// watched by a second ring): Linux runs that chain of wakeups inside the call too. Bounded: a cycle of rings
	// polling each other stops here and goes on on the reactors' threads.
	for (int round = 0; round < 8; ++round) {
		rp_os_collect_readiness();
		if (!take_ring_fd_posted())
			break;
	}
}

void ring_fd_posted(void* cookie)
{
	auto* rf = static_cast<RingFile*>(cookie);
	uring_wake_posted(rf); // counted before the wakeup it tags can be seen
	uint64_t one = 1;
	raw_syscall(SYS_write, rf->signal_fd, long(&one), 8);
	t_ring_fd_posted = true;
}

} // namespace ringport::glue
