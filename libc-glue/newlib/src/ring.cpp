// The calling thread's native ring, and the one synchronous call every newlib system call is built on:
// write an SQE, publish it, RP_SYS_RING_ENTER(min_complete = 1), consume the completion. The ring is created
// lazily (RP_SYS_RING_SETUP) on the first call, so a program that never makes one costs the kernel nothing.
//
// Freestanding C++ (no exceptions, RTTI or static constructors): the producer/consumer are os/abi's
// header-only templates, the same code the kernel uses on its side of the ring.
#include "glue.h"
#include "raw_syscall.h"

#include <ringport/kernel_calls.h>
#include <ringport/native_ring.hpp>

#include <errno.h>

namespace {

using ringport::native::CqConsumer;
using ringport::native::SqProducer;

// Synchronous calls have one SQE in flight; an extended completion takes two CQ slots.
constexpr uint32_t kSqEntries = 4;
constexpr uint32_t kCqEntries = 8;

struct ThreadRing {
	int64_t handle; // 0: not set up yet; < 0: setup failed with this -errno (not retried)
	uint64_t next_user_data;
	SqProducer sq;
	CqConsumer cq;
};
static_assert(sizeof(ThreadRing) <= sizeof(rp_thread_ring), "ThreadRing fits struct rp_thread_ring");
static_assert(alignof(ThreadRing) <= alignof(rp_thread_ring), "ThreadRing alignment");

ThreadRing& ring_of(rp_thread* self) { return *reinterpret_cast<ThreadRing*>(&self->ring); }

int64_t setup(ThreadRing& r)
{
	rp_kernel_ring_params params{kSqEntries, kCqEntries, 0, 0};
	rp_kernel_ring_view view{};
	long handle = rp_raw_syscall2(RP_SYS_RING_SETUP, &params, &view);
	if (handle < 0)
		return handle;
	auto* sq = reinterpret_cast<rp_ring_header*>(view.sq);
	auto* cq = reinterpret_cast<rp_ring_header*>(view.cq);
	// Refuse a ring whose headers do not describe what was asked: the producer/consumer trust the mask.
	if (ringport::native::check_header(sq, sizeof(rp_sqe)) != RP_RING_OK ||
	    ringport::native::check_header(cq, sizeof(rp_cqe)) != RP_RING_OK)
		return -EIO;
	r.sq = SqProducer(sq, reinterpret_cast<rp_sqe*>(view.sqes));
	r.cq = CqConsumer(cq, reinterpret_cast<rp_cqe*>(view.cqes));
	// The handle is stored plus one so that 0 can mean "no ring yet" (handles start at 0).
	return handle + 1;
}

} // namespace

extern "C" int64_t rp_native_call(rp_sqe* sqe)
{
	ThreadRing& r = ring_of(rp_self());
	if (r.handle == 0)
		r.handle = setup(r);
	if (r.handle < 0)
		return r.handle;
	const long handle = long(r.handle - 1);

	sqe->user_data = ++r.next_user_data;
	if (r.sq.push(*sqe) != RP_RING_OK)
		return -EIO; // a synchronous caller never leaves an SQE behind: a full ring means a broken ring
	(void)r.sq.publish();

	for (;;) {
		rp_cqe cqe;
		int64_t result;
		rp_ring_error err = ringport::native::pop_completion(r.cq, &cqe, &result);
		if (err == RP_RING_OK) {
			(void)r.cq.release();
			if (cqe.user_data == sqe->user_data)
				return result;
			continue; // not ours (cannot happen with one call in flight): skip it
		}
		if (err != RP_RING_EMPTY)
			return -EIO;
		// Submits what was published (the first time round) and sleeps until a completion is there.
		long entered = rp_raw_syscall4(RP_SYS_RING_ENTER, handle, 1, 0, UINT64_MAX);
		if (entered < 0 && entered != -EINTR && entered != -ETIME)
			return entered;
	}
}

// pthread_exit's last call into the glue: the thread's ring goes with it (RP_SYS_RING_DESTROY unmaps and frees
// it). Without this a program that creates threads in a loop leaves one ring per ended thread in the
// kernel, each costing a page run and a longer handle lookup on every later call.
extern "C" void rp_thread_ring_release(void)
{
	ThreadRing& r = ring_of(rp_self());
	if (r.handle > 0)
		(void)rp_raw_syscall1(RP_SYS_RING_DESTROY, r.handle - 1);
	r.handle = 0; // a later call (none is expected) would set up a new one
}

extern "C" long rp_result(int64_t r)
{
	if (r < 0) {
		errno = int(-r);
		return -1;
	}
	return long(r);
}
