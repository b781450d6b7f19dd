// Entering a ring: consume every published SQE (each copied out once by the Consumer, which bounds-checks the
// indices), execute it through the op table, post the inline completions with one tail update, then wait for
// min_complete unconsumed completions in the kernel's one way of blocking (Platform's wait_for_event: run
// deferred work, halt until an interrupt), acting on timers and woken ops between halts.
#include "Ring/chains.hpp"
#include "Ring/ring_internal.hpp"

namespace kernel {

namespace {

void execute(NativeRing &ring, const rp_sqe &sqe)
{
	// DRAIN is refused rather than half honoured (the shim drains itself). CHAIN and REGISTERS never get here
	// from a chain (chains.cpp runs those), so a CHAIN entry here has no predecessor in this enter: refused.
	// WAIT_READY and DIRECT_ONLY concern only the transfers (ops_rw.cpp) and are ignored elsewhere. ASYNC asks
	// for a worker thread, which this kernel does not have: the entry runs here, as the flag allows.
	if ((sqe.flags & ~RP_SQE_VALID_FLAGS) || (sqe.flags & (RP_SQE_DRAIN | RP_SQE_CHAIN | RP_SQE_REGISTERS))) {
		post_completion(ring, sqe.user_data, -EINVAL, 0);
		return;
	}
	const OpDef *op = find_op(sqe.opcode);
	if (!op) {
		// No sockets here, so no transmit timestamps: -EOPNOTSUPP, which the shim reports as a kernel without
		// SOCKET_URING_OP_TX_TIMESTAMP does.
		post_completion(ring, sqe.user_data, sqe.opcode == RP_OP_SOCKET_TX_TIMESTAMPS ? -EOPNOTSUPP : -EINVAL, 0);
		return;
	}
	OpOutcome outcome = op->run(ring, sqe);
	if (!outcome.parked)
		post_completion(ring, sqe.user_data, outcome.result, outcome.flags);
}

// Every published SQE: the count consumed, or -EINVAL for a scribbled SQ header (the tail too far ahead of
// the head, or fixed fields changed), -ESHUTDOWN for a dropped ring.
long consume(NativeRing &ring)
{
	if (native::check_header(ring.sq_header, sizeof(rp_sqe)) != RP_RING_OK ||
	    ring.sq_header->entry_count != ring.sq_entries)
		return -EINVAL;
	auto ready = ring.sq.ready();
	if (!ready.ok())
		return ready.error() == RP_RING_DROPPED ? -ESHUTDOWN : -EINVAL;
	long consumed = 0;
	for (uint32_t left = ready.value(); left > 0; --left) {
		rp_sqe sqe;
		if (ring.sq.pop(&sqe) != RP_RING_OK)
			break;
		++consumed;
		bool plain = (sqe.flags & ~RP_SQE_VALID_FLAGS) || (sqe.flags & (RP_SQE_DRAIN | RP_SQE_CHAIN));
		if (!plain && starts_chain(ring, sqe))
			consumed += run_chain(ring, sqe, &left); // the entries chained to it too
		else
			execute(ring, sqe);
		// What this op made ready (a write to a pipe a parked read waits on) completes now, before the next.
		run_ready_ops();
	}
	(void)ring.sq.release();
	return consumed;
}

} // namespace

void collect_ring(NativeRing &ring)
{
	run_ready_ops();
	run_due_timers();
	flush_parked(ring);
	publish_completions(ring);
}

long enter_ring(NativeRing &ring, uint32_t min_complete, uint64_t timeout_ns)
{
	flush_parked(ring);
	long consumed = consume(ring);
	collect_ring(ring);
	if (consumed < 0 || min_complete == 0)
		return consumed;
	uint64_t deadline = no_deadline;
	if (timeout_ns != UINT64_MAX) {
		uint64_t now = now_ns(1);
		deadline = timeout_ns > no_deadline - now ? no_deadline : now + timeout_ns;
	}
	for (;;) {
		int64_t waiting = unconsumed_completions(ring);
		if (waiting < 0)
			return consumed ? consumed : -EINVAL;
		if (uint64_t(waiting) >= min_complete)
			return consumed;
		// A user ring's wait ends for a signal too (Linux's io_uring_enter: -EINTR, the handler runs on the way
		// out), now that FUTEX and WAITPID park instead of sleeping interruptibly in their handlers. What stays
		// parked completes later; the C library's synchronous call enters again after the handler.
		if (stop_requested() || (!ring.internal && signal_pending()))
			return consumed ? consumed : -EINTR;
		uint64_t now = now_ns(1);
		if (now >= deadline)
			return consumed ? consumed : -ETIME;
		uint64_t timer = next_timer_deadline();
		wait_for_event(timer < deadline ? timer : deadline);
		collect_ring(ring);
	}
}

} // namespace kernel
