// The bounded worker pool: threads that run blocking work (regular-file IO that would block, fsync, open, path
// operations). Threads are started on demand up to Ring::max_workers and live until the ring is destroyed.
#include "internal.hpp"

#include <cerrno>

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
	if (work.size() > idle_workers && workers.size() < max_workers)
		workers.emplace_back([this] { worker_loop(); });
	else
		work_cv.notify_one();
}

void Ring::worker_loop()
{
	std::unique_lock<std::mutex> lk(mu);
	for (;;) {
		while (work.empty() && !stopping) {
			++idle_workers;
			work_cv.wait(lk);
			--idle_workers;
		}
		if (work.empty())
			return; // stopping, and destroy already cancelled what was queued
		Op* op = work.front();
		work.pop_front();
		op->place = Place::running;
		lk.unlock();
		int64_t r = op->kind->blocking(*op);
		lk.lock();
		op->place = Place::none;
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

Issue run_on_worker(Ring& ring, const rp_sqe& sqe, const OpKind* kind)
{
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, kind);
	ring.to_worker_locked(op);
	return Issue::later();
}

} // namespace ringport::hosted
