// Parked operations and the ready queue. An op that cannot finish now (an empty pipe, an eventfd at 0, a poll
// on a file that is not ready) registers a readiness waiter on its file. The file calls the waiter from inside
// the call that changed its readiness - possibly from deep inside another op of the executor - so the waiter
// only marks the op and queues it; run_ready_ops() retries it at a safe point: after the op that woke it,
// at the end of every enter and as deferred work before any system call returns. So the parked op still
// completes inside the waker's system call, as Linux's wait-queue callbacks do, without re-entering a file.
#include "Ring/chains.hpp"
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {

constinit List<PendingOp, &PendingOp::ready_node> ready_queue;
bool ready_scheduled = false; // run_ready_ops is queued as deferred work
bool ready_running = false;   // run_ready_ops is on the stack (a retried op woke others)

void run_ready_deferred(void *)
{
	ready_scheduled = false;
	run_ready_ops();
}

void make_ready(PendingOp &op)
{
	if (op.ready)
		return;
	op.ready = true;
	ready_queue.push_back(&op);
	// A wake from outside the executor (a plain close of a pipe's write end) still gets its ops run before
	// that system call returns. A wake from another process (a shared futex, a child's exit) is left to the
	// owner's next wait, tick or system call: work deferred here would belong to the waker, could not run the
	// op, and would be dropped unrun if the waker is exiting (leaving ready_scheduled stuck).
	if (!ready_scheduled && !ready_running && in_owner_context(*op.ring))
		ready_scheduled = defer(run_ready_deferred, nullptr);
}

void on_readiness(ReadinessWaiter *waiter, uint32_t events)
{
	auto *op = static_cast<PendingOp *>(waiter->context);
	op->woken_events |= events;
	make_ready(*op);
}

} // namespace

void futex_op_woken(void *context, uint32_t index)
{
	auto *op = static_cast<PendingOp *>(context);
	if (op->woken_events)
		return; // a WAITV woken on a second word: the first wake is its result
	op->woken_events = 1;
	op->futex_index = index;
	make_ready(*op);
}

void child_op_woken(void *context, uint32_t)
{
	make_ready(*static_cast<PendingOp *>(context));
}

bool in_owner_context(const NativeRing &ring) { return current_process() == ring.owner; }

bool ready_ops_waiting() { return !ready_queue.empty(); }

PendingOp *park(NativeRing &ring, const rp_sqe &sqe, PendingKind kind)
{
	if (ring.destroying)
		return nullptr;
	PendingOp *op = create<PendingOp>();
	if (!op)
		return nullptr;
	op->ring = &ring;
	op->sqe = sqe;
	op->kind = kind;
	op->waiter.wake = on_readiness;
	op->waiter.context = op;
	ring.pending.push_back(op);
	index_pending(ring, *op);
	return op;
}

void wait_for_readiness(PendingOp &op)
{
	if (op.file && !op.waiter.file)
		op.file->add_waiter(&op.waiter);
}

void drop_pending(PendingOp &op)
{
	if (op.waiter.file)
		op.waiter.file->remove_waiter(&op.waiter);
	if (op.timer_node.linked())
		disarm_timer(op);
	if (op.futex) {
		futex_unpark(op.futex);
		op.futex = nullptr;
	}
	if (op.child_watch) {
		unwatch_children(op.child_watch);
		op.child_watch = nullptr;
	}
	if (op.ready) {
		ready_queue.remove(&op);
		op.ready = false;
	}
	unindex_pending(*op.ring, op);
	op.ring->pending.remove(&op);
	if (op.iov && op.iov != &op.single_iov)
		deallocate(op.iov);
	destroy(&op); // drops the file reference last: a pipe end's destructor may wake other ops
}

void finish_pending(PendingOp &op, int64_t result, uint32_t flags)
{
	NativeRing &ring = *op.ring;
	uint64_t user_data = op.sqe.user_data;
	void *chain = op.chain;
	op.chain = nullptr;
	drop_pending(op);
	post_async_completion(ring, user_data, result, flags);
	if (chain)
		chain_step_finished(chain, result);
}

void cancel_all_pending(NativeRing &ring)
{
	while (PendingOp *op = ring.pending.front())
		finish_pending(*op, -ECANCELED, op->kind == PendingKind::events ? RP_CQE_LAST_UPDATE : 0);
}

void run_ready_ops()
{
	if (ready_running)
		return; // the outer call keeps going until the queue is empty
	ready_running = true;
	// Ops of a process that is not the current one wait for their owner, whose next wait, tick or system call
	// runs this again (ring_timer_tick): they go back on the queue afterwards.
	List<PendingOp, &PendingOp::ready_node> not_now;
	while (PendingOp *op = ready_queue.pop_front()) {
		if (!in_owner_context(*op->ring)) {
			not_now.push_back(op);
			continue;
		}
		op->ready = false;
		switch (op->kind) {
		case PendingKind::poll:
		case PendingKind::events:
			recheck_readiness(*op); // may finish (free) op
			break;
		case PendingKind::transfer: {
			OpOutcome outcome = retry_transfer(*op);
			if (!outcome.parked)
				finish_pending(*op, outcome.result, outcome.flags);
			break;
		}
		case PendingKind::timeout:
			break; // timers are not woken by readiness
		case PendingKind::futex:
			finish_pending(*op, op->futex_index, 0); // WAIT's 0, WAITV's woken index
			break;
		case PendingKind::waitpid:
			retry_waitpid(*op); // may finish (free) op
			break;
		}
	}
	while (PendingOp *op = not_now.pop_front())
		ready_queue.push_back(op);
	ready_running = false;
	run_due_timers();
}

} // namespace kernel
