// The bounded worker pool: threads that run blocking work (regular-file IO that would block, fsync, open, path
// operations). Threads are started on demand up to Ring::max_workers and live until the ring is destroyed.
#include "internal.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>

namespace ringport::hosted {

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
	if (work.size() > idle_workers && workers.size() < max_workers)
		workers.emplace_back([this] { worker_loop(); });
	else
		work_cv.notify_one();
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

void Ring::worker_loop()
{
	std::unique_lock<std::mutex> lk(mu);
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
			work_cv.wait(lk);
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
		int64_t r = op->kind->blocking(*op);
		lk.lock();
		if (__atomic_load_n(&op->cancelling, __ATOMIC_ACQUIRE))
			r = -ECANCELED; // the Cancel that interrupted it was told it succeeded
		op->place = Place::none;
		if (op->serial_key) {
			serial_running.erase(op->serial_key);
			serial_release_locked(op);
			work_cv.notify_all(); // a write to the same file may be next
		}
		finish_locked(op, r);
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

// A signal whose (empty) handler is installed without SA_RESTART, so a worker's blocking system call returns
// EINTR when the ring is torn down. Only installed if nobody else handles that signal.
int interrupt_signal()
{
	static const int sig = [] {
		int s = SIGRTMAX - 2;
		struct sigaction old{};
		if (sigaction(s, nullptr, &old) != 0 || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO))
			return 0;
		struct sigaction sa{};
		sa.sa_handler = [](int) {};
		sigemptyset(&sa.sa_mask);
		return sigaction(s, &sa, nullptr) == 0 ? s : 0;
	}();
	return sig;
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
				return; // the signal is the program's: wait for the calls to return by themselves
			for (pthread_t t : busy)
				pthread_kill(t, sig); // workers live until joined, so the handle is valid
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
}

Issue run_on_worker(Ring& ring, const rp_sqe& sqe, const OpKind* kind)
{
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, kind);
	ring.to_worker_locked(op);
	return Issue::later();
}

} // namespace ringport::hosted
