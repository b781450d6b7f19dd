// The glue's tasks: the helper thread that runs ring work the shim cannot run on an OS thread (rp_host_defer,
// Linux's task work while the program is not inside io_uring_enter), and the process hooks: fork handlers (rings
// are shared with forked children), the exit handler and exec's leaving of shared rings (docs/glue.md).
#include "glue_internal.hpp"

#include <ringport/fork_gate.hpp>
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
struct DeferredWork {
	void (*fn)(void*);
	void* arg;
};
// Heap objects, never destroyed: the helper may still wait on them while the process exits.
std::mutex g_helper_lock;
std::condition_variable* g_helper_cv = new std::condition_variable;
std::vector<DeferredWork>* g_helper_queue;
bool g_helper_started;

void helper_loop()
{
	// One of the OS's own threads: inside the fork gate while it runs work, outside while it waits for some
	// (ringport/fork_gate.hpp); in before its lock.
	fork_gate::Inside working;
	std::unique_lock<std::mutex> lk(g_helper_lock);
	for (;;) {
		while (g_helper_queue->empty())
			fork_gate::wait(*g_helper_cv, lk);
		std::vector<DeferredWork> batch;
		batch.swap(*g_helper_queue);
		lk.unlock();
		for (const DeferredWork& w : batch)
			w.fn(w.arg);
		lk.lock();
	}
}
} // namespace

void defer_to_helper(void (*fn)(void*), void* arg)
{
	std::lock_guard<std::mutex> g(g_helper_lock);
	if (!g_helper_queue)
		g_helper_queue = new std::vector<DeferredWork>;
	g_helper_queue->push_back({fn, arg});
	if (!g_helper_started) {
		g_helper_started = true;
		// Signals stay with the program's threads; the helper blocks them all.
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		// No thread to be had (thread limits, RLIMIT_AS): no exception may leave the library; the work stays
		// queued and the next deferral tries again.
		try {
			fork_gate::StartSignal signal; // back once the thread runs code of ours (ringport/fork_gate.hpp)
			std::thread([&signal] {
				signal.started();
				helper_loop();
			}).detach();
			signal.await();
		} catch (...) {
			g_helper_started = false;
		}
		pthread_sigmask(SIG_SETMASK, &old, nullptr);
	}
	g_helper_cv->notify_one();
}

namespace {

// The process whose rings this memory describes: a vfork child shares the memory but not the rings.
std::atomic<long> g_ring_pid{0};

void before_fork()
{
	// First, before any lock: no OS thread is in the middle of its work (an allocation, a table it changes) while
	// the process is copied, and none is left holding a lock the child needs (ringport/fork_gate.hpp).
	fork_gate::fork_prepare();
	shim::fork_prepare();
	// After the rings (a ring's lock is held while work is handed to the helper), then the table lock.
	g_helper_lock.lock();
	g_lock.lock();
	private_heap_fork_prepare(); // last: the handlers above may allocate
}

void after_fork_parent()
{
	private_heap_fork_parent();
	g_lock.unlock();
	g_helper_lock.unlock();
	shim::fork_parent();
	fork_gate::fork_parent();
}

void after_fork_child()
{
	// The copies of the locks show them held by this thread; the helper thread does not exist here, and the
	// work queued for it is the parent's (it holds ring references the child lets go of, leaking the copies).
	// The gate first: the child's own OS threads, started from here on, take it.
	fork_gate::fork_child();
	private_heap_fork_child();
	new (&g_lock) std::mutex;
	new (&g_helper_lock) std::mutex;
	keep_for_leak_checkers(g_helper_cv);
	keep_for_leak_checkers(g_helper_queue);
	g_helper_cv = new std::condition_variable;
	g_helper_queue = nullptr;
	g_helper_started = false;
	g_ring_pid.store(raw_syscall(SYS_getpid), std::memory_order_relaxed);
	shim::fork_child();
}

void at_exit() { shim::leave_shared_rings(shim::Leaving::exit); }

} // namespace

// Once per process image, at the first ring: fork handlers (rings are shared with forked children) and the
// exit handler (a process that shares rings leaves them before it goes).
void install_process_hooks()
{
	static std::once_flag once;
	std::call_once(once, [] {
		g_ring_pid.store(raw_syscall(SYS_getpid), std::memory_order_relaxed);
		pthread_atfork(before_fork, after_fork_parent, after_fork_child);
		atexit(at_exit);
		// The OS looks at a ring fd's readiness only after the fd reports the ring's CQ (docs/glue.md).
		rp_os_set_readiness_hook(watch_fd);
	});
}

// exec: this process's requests are cancelled first, as Linux does in exec. Not in a vfork child, whose
// memory (and so these rings) is its parent's.
bool leave_for_exec()
{
	if (raw_syscall(SYS_getpid) != g_ring_pid.load(std::memory_order_relaxed))
		return false;
	shim::leave_shared_rings(shim::Leaving::exec);
	return true;
}

void exec_failed(bool left)
{
	if (left)
		shim::rejoin_shared_rings();
}

} // namespace ringport::glue
