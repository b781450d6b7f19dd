// The bounded worker pool: threads that run blocking work (regular-file IO that would block, fsync, open, path
// operations). Threads are started on demand up to Ring::max_workers and live until the ring is destroyed.
#include "internal.hpp"
#include "threads.hpp"

#include <ringport/fork_gate.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

// glibc's own sigaction, which the glue's interposer (libc-glue/src/interposers.cpp) does not replace.
extern "C" int __sigaction(int sig, const struct sigaction* act, struct sigaction* old);

namespace ringport::hosted {

namespace {
thread_local bool t_interruptible; // this thread is a worker in a blocking call the OS may interrupt
thread_local pid_t t_named_after;  // a worker: the thread it is named after, which the workers it starts keep
constexpr int kInterruptOffset = 2; // the interrupt is SIGRTMAX - 2: far from the signals programs usually take
}

void Ring::to_worker_locked(Op* op)
{
	if (op->place != Place::none)
		detach_locked(op);
	if (stopping) {
		finish_locked(op, -ECANCELED);
		return;
	}
	op->place_pos = work.insert(work.end(), op);
	op->place = Place::worker_queue;
	if (op->serial_key) {
		++serial_queued[op->serial_key];
		serial_total.fetch_add(1, std::memory_order_relaxed);
	}
	if (work.size() > idle_workers && workers.size() < max_workers) {
		if (int e = add_worker_locked(); e) {
			if (workers.empty()) {
				// No thread will ever take it: the op fails as Linux's io-wq fails work it has no worker for.
				detach_locked(op);
				finish_locked(op, e);
				return;
			}
			work_cv.notify_one(); // the pool that exists takes it in turn
		}
	} else {
		work_cv.notify_one();
	}
}

int Ring::add_worker_locked()
{
	// The slot first, so that nothing can throw once the thread runs (a running std::thread must be kept).
	try {
		if (workers.capacity() < max_workers)
			workers.reserve(max_workers);
	} catch (...) {
		return -ENOMEM;
	}
	std::thread t;
	// Named after the submitting thread (an SQPOLL ring's: its SQ thread), also when a worker issuing an
	// IOSQE_ASYNC entry needs another one for it.
	pid_t creator = t_named_after ? t_named_after : pid_t(sys(SYS_gettid));
	if (int e = start_thread(t, [this, creator] { worker_loop(creator); }); e)
		return e;
	workers.push_back(std::move(t));
	return 0;
}

void Ring::serial_release_locked(Op* op)
{
	if (!op->serial_key)
		return;
	auto it = serial_queued.find(op->serial_key);
	if (it != serial_queued.end() && --it->second == 0)
		serial_queued.erase(it);
	serial_total.fetch_sub(1, std::memory_order_relaxed);
	op->serial_key = 0;
}

int Ring::pin_worker_locked(pid_t tid)
{
	if (worker_cpus.empty())
		return 0;
	return sched_setaffinity(tid, worker_cpus.size(), reinterpret_cast<const cpu_set_t*>(worker_cpus.data())) ? -errno
	                                                                                                           : 0;
}

void Ring::worker_loop(pid_t creator)
{
	{
		// Seen in /proc as Linux's io-wq threads are (the name is cut to the 15 characters comm holds).
		char name[16];
		snprintf(name, sizeof(name), "iou-wrk-%d", int(creator));
		t_named_after = creator;
		prctl(PR_SET_NAME, name);
	}
	{
		// The program's signals are not a worker's business (Linux's io-wq threads take none), and a mask the
		// submitting thread had must not keep the OS's interrupt out: everything blocked but the interrupt (and
		// SIGSYS, which the glue's system-call trap needs on every thread). Straight to the kernel: the glue
		// defines pthread_sigmask.
		sigset_t mask;
		sigfillset(&mask);
		sigdelset(&mask, SIGRTMAX - kInterruptOffset);
		sigdelset(&mask, SIGSYS);
		sys(SYS_rt_sigprocmask, SIG_SETMASK, &mask, nullptr, 8);
	}
	// Inside the fork gate while it works, outside while idle and while an op blocks (fork_gate.hpp); in first.
	fork_gate::Inside working;
	std::unique_lock<std::mutex> lk(mu);
	// Known by thread id, so REGISTER_IOWQ_AFF can move it later (recorded inside the gate: it allocates).
	pid_t self = pid_t(sys(SYS_gettid));
	try {
		worker_tids.push_back(self);
	} catch (...) {
		// Not recorded: this worker keeps the CPUs it starts on below, and later masks do not move it.
	}
	(void)pin_worker_locked(self); // a mask that no longer fits the process leaves the worker where it is
	// The oldest queued op that may run now: a write waits while an earlier one to its file runs.
	auto next_runnable = [this]() -> std::list<Op*>::iterator {
		for (auto it = work.begin(); it != work.end(); ++it)
			if (!(*it)->serial_key || !serial_running.count((*it)->serial_key))
				return it;
		return work.end();
	};
	for (;;) {
		auto it = next_runnable();
		while (it == work.end() && !stopping) {
			++idle_workers;
			fork_gate::wait(work_cv, lk);
			--idle_workers;
			it = next_runnable();
		}
		if (it == work.end())
			return; // stopping, and destroy already cancelled what was queued
		Op* op = *it;
		work.erase(it);
		op->place = Place::running;
		op->runner = pthread_self();
		if (op->serial_key)
			serial_running[op->serial_key] = true;
		lk.unlock();
		t_interruptible = true;
		int64_t r;
		{
			CredsScope wear(op->creds.get()); // the op's personality (creds.cpp), put back before anything else
			if (wear.err()) {
				r = wear.err();
			} else {
				fork_gate::Outside blocking; // the call may wait on I/O for ever: a fork must not wait for it
				r = op->kind->blocking(*op);
			}
		}
		t_interruptible = false;
		lk.lock();
		op->place = Place::none;
		if (op->serial_key) {
			serial_running.erase(op->serial_key);
			serial_release_locked(op);
			work_cv.notify_all(); // a write to the same file may be next
		}
		if (r == kHandedOn) {
			drop_locked(op); // an op of the opcode's own completes the submission (async_issue.cpp)
		} else {
			if (__atomic_load_n(&op->cancelling, __ATOMIC_ACQUIRE))
				r = -ECANCELED; // the Cancel that interrupted it was told it succeeded
			finish_locked(op, r, op->done_flags);
		}
		bool posted = os_posted;
		os_posted = false;
		if (posted) {
			lk.unlock();
			notify();
			lk.lock();
		}
	}
}

namespace {

// Interrupting a worker blocked in a system call (teardown): a signal whose handler is installed without
// SA_RESTART, so the call returns EINTR. The signal is the OS's, whatever the program does: the glue's sigaction
// and signal interposers hand the program's calls for it to rp_os_program_sigaction, which keeps the program's
// action aside (the shadow) and leaves the real one in place. The real handler does nothing on a worker the OS
// is interrupting and runs the program's action everywhere else, so a program that uses the same signal (or
// sends it to itself) sees its own handler run. What differs from a signal of its own: the real action never has
// SA_RESTART, so a slow call of the program interrupted by this signal returns EINTR even when the program asked
// for SA_RESTART; a program that installs a handler with a raw rt_sigaction instruction bypasses the shadow.

std::mutex g_sig_lock;      // guards the shadow and the installation
struct sigaction g_shadow{}; // the program's action for the signal (SIG_DFL until it sets one)
bool g_installed;

int interrupt_signo() { return SIGRTMAX - kInterruptOffset; }

void run_program_action(int sig, siginfo_t* info, void* ctx)
{
	struct sigaction a;
	{
		// No lock in a signal handler: the shadow is read racily, as the kernel would read a sigaction being
		// replaced by another thread (either action may run).
		a = g_shadow;
	}
	if (!(a.sa_flags & SA_SIGINFO) && a.sa_handler == SIG_IGN)
		return;
	if (!(a.sa_flags & SA_SIGINFO) && a.sa_handler == SIG_DFL) {
		// The default action of a real-time signal ends the process: let the kernel do it, as it would have.
		struct sigaction dfl{};
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		__sigaction(sig, &dfl, nullptr);
		sigset_t only;
		sigemptyset(&only);
		sigaddset(&only, sig);
		pthread_sigmask(SIG_UNBLOCK, &only, nullptr);
		raise(sig);
		return;
	}
	if (a.sa_flags & SA_RESETHAND) {
		struct sigaction dfl{};
		dfl.sa_handler = SIG_DFL;
		g_shadow = dfl;
	}
	// The program's sa_mask for the duration of its handler (the kernel would have added it on delivery).
	sigset_t old;
	pthread_sigmask(SIG_BLOCK, &a.sa_mask, &old);
	if (a.sa_flags & SA_SIGINFO)
		a.sa_sigaction(sig, info, ctx);
	else
		a.sa_handler(sig);
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void on_interrupt(int sig, siginfo_t* info, void* ctx)
{
	// A worker in a blocking call, and the signal came from this process's pthread_kill (a kill of the
	// process would say SI_USER): the OS's interrupt, whose EINTR is all that was wanted.
	if (t_interruptible && info && info->si_code == SI_TKILL && info->si_pid == getpid())
		return;
	int saved = errno;
	run_program_action(sig, info, ctx);
	errno = saved;
}

// Installs the real handler once. What was installed before (a handler the program set before this library
// took the signal over, or through a path the glue does not interpose) becomes the program's shadow action.
// Needs g_sig_lock.
bool install_locked()
{
	if (g_installed)
		return true;
	int s = interrupt_signo();
	struct sigaction before{};
	if (__sigaction(s, nullptr, &before) != 0)
		return false;
	struct sigaction sa{};
	sa.sa_sigaction = on_interrupt;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (__sigaction(s, &sa, nullptr) != 0)
		return false;
	g_shadow = before;
	g_installed = true;
	return true;
}

int interrupt_signal()
{
	std::lock_guard<std::mutex> g(g_sig_lock);
	return install_locked() ? interrupt_signo() : 0;
}

} // namespace

bool interrupt_worker(pthread_t t)
{
	int sig = interrupt_signal();
	return sig && pthread_kill(t, sig) == 0;
}

void Ring::interrupt_running_workers()
{
	for (int round = 0;; ++round) {
		std::vector<pthread_t> busy;
		{
			std::lock_guard<std::mutex> g(mu);
			for (auto& [ud, op] : table)
				if (op->place == Place::running)
					busy.push_back(op->runner);
		}
		if (busy.empty())
			return;
		// Give ordinary blocking work (a disk read, an fsync) a moment to finish on its own first.
		if (round >= 2) {
			int sig = interrupt_signal();
			if (!sig)
				return; // no signal could be installed: wait for the calls to return by themselves
			for (pthread_t t : busy)
				pthread_kill(t, sig); // workers live until joined, so the handle is valid
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
}

} // namespace ringport::hosted

extern "C" int rp_os_ring_worker_cpus(rp_os_ring* ring, const void* mask, size_t size)
{
	using namespace ringport::hosted;
	if (!ring || (size && !mask))
		return -EINVAL;
	// The CPUs the process may use, as the calling thread's own set shows them: size 0 asks for all of them,
	// and a mask must name one of them (sched_setaffinity's rule).
	cpu_set_t mine;
	if (sched_getaffinity(0, sizeof(mine), &mine))
		return -errno;
	const auto* own = reinterpret_cast<const uint8_t*>(&mine);
	std::vector<uint8_t> want;
	try {
		if (size)
			want.assign(static_cast<const uint8_t*>(mask), static_cast<const uint8_t*>(mask) + size);
		else
			want.assign(own, own + sizeof(mine));
	} catch (...) {
		return -ENOMEM;
	}
	bool any = false;
	for (size_t i = 0; i < want.size() && i < sizeof(mine); ++i)
		any |= (want[i] & own[i]) != 0;
	if (!any)
		return -EINVAL;
	std::lock_guard<std::mutex> g(ring->mu);
	ring->worker_cpus = std::move(want);
	for (pid_t tid : ring->worker_tids)
		(void)ring->pin_worker_locked(tid); // the workers that exist move now, later ones when they start
	return 0;
}

namespace ringport::hosted {

Issue run_on_worker(Ring& ring, const rp_sqe& sqe, const OpKind* kind)
{
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, kind);
	ring.to_worker_locked(op);
	return Issue::later();
}

} // namespace ringport::hosted

// Not instrumented by ThreadSanitizer: a sanitizer runtime installs its own handlers with sigaction while it
// initializes, before it can record anything, and that call comes here through the glue's interposer.
extern "C" __attribute__((no_sanitize("thread"))) int rp_os_program_sigaction(int sig, const struct sigaction* act,
                                                                             struct sigaction* old)
{
	using namespace ringport::hosted;
	if (sig != SIGRTMAX - kInterruptOffset) // interrupt_signo(), spelled out: this function calls nothing instrumented
		return 0;
	std::lock_guard<std::mutex> g(g_sig_lock);
	if (!install_locked())
		return 0; // the OS could not take the signal: the program's call goes to the kernel as it is
	if (old)
		*old = g_shadow;
	if (act)
		g_shadow = *act;
	return 1;
}
