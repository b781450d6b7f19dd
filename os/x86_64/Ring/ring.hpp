// The native ring executor as the rest of the kernel sees it. User rings are reached through the system-call
// hooks (Syscalls/hooks.hpp: ring_setup/ring_enter/ring_destroy); the in-kernel shim (Shim/host_ring.cpp)
// creates internal rings with the calls below, which are the same executor without a user mapping.
#pragma once

#include <ringport/native_ring.h>

#include "Library/result.hpp"

namespace kernel {

struct NativeRing;

struct NativeRingParams {
	uint32_t sq_entries; // a power of two
	uint32_t cq_entries; // a power of two, at least 2
};

// The kernel's view of an internal ring's halves (the shim produces SQEs and consumes CQEs here).
struct NativeRingView {
	rp_ring_header *sq;
	rp_sqe *sqes;
	rp_ring_header *cq;
	rp_cqe *cqes;
};

// An internal ring for the current process. Entry counts too large for one page run are reduced (the
// producer and consumer read the real counts from the headers): -EINVAL for bad counts, -ENOMEM.
Result<NativeRing *> create_internal_ring(const NativeRingParams &params, NativeRingView *view);
// Consumes every published SQE and executes it; then, with min_complete, waits until that many CQEs are
// unconsumed or timeout_ns (relative; UINT64_MAX none) passes. The number of SQEs consumed if any, else 0,
// -ETIME, -EINTR (the process is being killed) or -EINVAL (a scribbled ring header).
long enter_ring(NativeRing &ring, uint32_t min_complete, uint64_t timeout_ns);
// Acts on what already happened: ops made ready by other calls, due timers, completions parked by a full CQ.
void collect_ring(NativeRing &ring);
// fn(context) runs after completions were posted outside an enter of this ring (see NativeRing::notify).
void set_ring_notify(NativeRing &ring, void (*fn)(void *), void *context);
// Completes everything still pending with -ECANCELED (no notify), then frees the ring.
void destroy_ring(NativeRing *ring);

// Runs the ops that readiness changes made ready (pending.cpp). Called after every executed op, at the end of
// every enter, and as deferred work, so a parked op completes inside the call that made it ready.
void run_ready_ops();
// Fires the timers whose deadline has passed (timer_queue.cpp); the earliest pending deadline (UINT64_MAX:
// none; only the current process's timers, the ones it can fire) tells a wait loop when it must look again.
void run_due_timers();
uint64_t next_timer_deadline();

} // namespace kernel
