// Inside the native ring executor: the ring object, parked operations, the op table's types and the helpers
// the opcode families share. Ring/ and Shim/ only.
//
// Part 1 has one CPU and one thread, and no interrupt handler touches a ring, so nothing here locks. What must
// be guarded is re-entrancy: an op's side effect (a pipe write) wakes parked ops while the op still runs, so a
// wake only queues the parked op on the ready queue, and run_ready_ops() retries it at a safe point - after the
// current op, still inside the waker's system call, as Linux runs a wait-queue callback inside the waker.
#pragma once

#include <ringport/native_ring.h>
#include <ringport/native_ring.hpp>

#include "FileSystem/file.hpp"
#include "Library/list.hpp"
#include "Library/string.hpp"
#include "Library/result.hpp"
#include "Platform/platform.hpp"
#include "Ring/ring.hpp"

namespace kernel {

namespace native = ::ringport::native;

struct NativeRing;

// A Linux struct iovec.
struct IoVec {
	uint64_t base;
	uint64_t length;
};
inline constexpr uint32_t max_iovecs = 1024; // Linux's UIO_MAXIOV

// A completion the CQ had no room for (or whose consumer scribbled the CQ head): kept, in order, until the
// consumer frees space. Nothing is dropped, as with Linux's FEAT_NODROP.
struct ParkedCompletion {
	ListNode node;
	uint64_t user_data;
	int64_t result;
	uint32_t flags;
};

enum class PendingKind : uint8_t {
	poll,      // POLL: one readiness result
	events,    // REGISTER_EVENTS: a stream of readiness results until cancelled
	transfer,  // a READ/WRITE family op on a file that had nothing to move (empty pipe, eventfd at 0)
	timeout,   // TIMEOUT: -ETIME at the deadline
	futex,     // FUTEX WAIT / WAITV: 0 or the woken entry's index when a wake reaches it
	waitpid,   // WAITPID without WNOHANG: re-tried whenever a child of the owner may have changed state
};

// An op that could not finish inside the enter that consumed it. It sits on its ring's pending list (oldest
// first, for Cancel), on a file's readiness waiters or on the timer queue, and on the ready queue while a
// wake-up waits to be acted on.
struct PendingOp {
	ListNode ring_node;
	ListNode index_node; // in its ring's user_data index (pending_index.cpp)
	ListNode ready_node;
	ListNode timer_node;
	NativeRing *ring = nullptr;
	rp_sqe sqe{};
	PendingKind kind = PendingKind::poll;
	bool ready = false;      // on the ready queue
	FileRef file;            // the file it waits on (poll, events, transfer)
	ReadinessWaiter waiter;  // registered on file while it waits
	uint32_t woken_events = 0; // poll bits of the wake-ups since the op last looked
	uint64_t deadline = 0;   // timeout: absolute CLOCK_MONOTONIC ns
	// transfer: the iovecs, copied at submission (the submitter may reuse its array at once, as with Linux's
	// FEAT_SUBMIT_STABLE).
	IoVec *iov = nullptr;
	uint32_t iov_count = 0;
	IoVec single_iov{};
	void *chain = nullptr; // a step of a chain (chains.cpp): finishing it runs the rest
	FutexPark *futex = nullptr;         // futex: its waiters on the futex words (Platform's futex_park)
	uint32_t futex_index = 0;           // futex: the first woken entry (WAITV's result)
	ChildWatch *child_watch = nullptr;  // waitpid: its registration on the owner's child changes
};

struct NativeRing {
	// One physically contiguous page run: SQ header, SQEs, CQ header, CQEs (ring_memory.cpp).
	PageRun *pages = nullptr;
	uint8_t *memory = nullptr;
	size_t memory_size = 0;
	rp_ring_header *sq_header = nullptr;
	rp_sqe *sqes = nullptr;
	rp_ring_header *cq_header = nullptr;
	rp_cqe *cqes = nullptr;
	uint32_t sq_entries = 0;
	uint32_t cq_entries = 0;
	// Consumer and producer capture mask and count at creation: a scribbled header cannot steer the kernel
	// outside the arrays, it can only make an enter fail.
	native::SqConsumer sq;
	native::CqProducer cq;
	uint64_t cq_published = 0; // the tail value last made visible

	Process *owner = nullptr;  // whose fds the SQEs name and whose memory they point into
	bool internal = false;     // the shim's: never mapped; the iovec arrays it passes are its own memory
	bool destroying = false;   // no notify, no new parking
	uint64_t user_address = 0; // user rings: the mapping in the owner
	int64_t handle = -1;       // user rings: the RP_SYS_RING_* handle
	ListNode process_node;     // user rings: on the owner's ring list

	void (*notify)(void *context) = nullptr;
	void *notify_context = nullptr;

	List<PendingOp, &PendingOp::ring_node> pending;
	// Cancel's lookup by user_data (pending_index.cpp): buckets of pending ops in arrival order, or nullptr
	// while none could be allocated (then Cancel walks the pending list).
	List<PendingOp, &PendingOp::index_node> *index = nullptr;
	uint32_t index_mask = 0;
	uint32_t pending_count = 0;
	List<ParkedCompletion, &ParkedCompletion::node> parked;
	uint64_t parked_count = 0;
};

// ---- ring lifetime (ring_memory.cpp) ----

// A ring for the current process, initialised, not mapped anywhere.
Result<NativeRing *> allocate_ring(uint32_t sq_entries, uint32_t cq_entries);
// Cancels what is pending and frees the ring (mappings keep their own page references).
void free_ring(NativeRing *ring);

// ---- the op table (op_table.cpp) ----

// What executing an SQE led to: a result to post now, or "parked" (a PendingOp posts it later).
struct OpOutcome {
	bool parked;
	int64_t result;
	uint32_t flags;
	static OpOutcome done(int64_t result, uint32_t flags = 0) { return {false, result, flags}; }
	static OpOutcome wait() { return {true, 0, 0}; }
	template <typename T>
	static OpOutcome from(const Result<T> &r)
	{
		return r.ok() ? done(static_cast<int64_t>(r.value())) : done(-static_cast<int64_t>(r.error()));
	}
	static OpOutcome from(const Result<void> &r) { return done(r.ok() ? 0 : -static_cast<int64_t>(r.error())); }
};

using OpHandler = OpOutcome (*)(NativeRing &ring, const rp_sqe &sqe);

struct OpDef {
	uint8_t opcode;   // equals the entry's index (checked at build time)
	const char *name; // for the kernel log and docs
	OpHandler run;
};

// The handler of a standard opcode; nullptr for an opcode outside the table.
const OpDef *find_op(uint8_t opcode);

// ---- op handlers, one file per family ----
// ops_core.cpp
OpOutcome op_nop(NativeRing &, const rp_sqe &);
OpOutcome op_cancel(NativeRing &, const rp_sqe &);
// ops_files.cpp
OpOutcome op_open(NativeRing &, const rp_sqe &);
OpOutcome op_close(NativeRing &, const rp_sqe &);
OpOutcome op_close_range(NativeRing &, const rp_sqe &);
OpOutcome op_dup(NativeRing &, const rp_sqe &);
OpOutcome op_statx(NativeRing &, const rp_sqe &);
OpOutcome op_ftruncate(NativeRing &, const rp_sqe &);
OpOutcome op_fsync(NativeRing &, const rp_sqe &);
OpOutcome op_sync_range(NativeRing &, const rp_sqe &);
OpOutcome op_fallocate(NativeRing &, const rp_sqe &);
OpOutcome op_fadvise(NativeRing &, const rp_sqe &);
OpOutcome op_path(NativeRing &, const rp_sqe &); // RENAMEAT, UNLINKAT, MKDIRAT, SYMLINKAT, LINKAT
OpOutcome op_file_info(NativeRing &, const rp_sqe &);
// ops_rw.cpp
OpOutcome op_transfer(NativeRing &, const rp_sqe &); // READ..PWRITEV
OpOutcome op_lseek(NativeRing &, const rp_sqe &);
// ops_readiness.cpp
OpOutcome op_poll(NativeRing &, const rp_sqe &);
OpOutcome op_register_events(NativeRing &, const rp_sqe &);
// ops_time.cpp
OpOutcome op_timeout(NativeRing &, const rp_sqe &);
// ops_memory.cpp
OpOutcome op_mmap(NativeRing &, const rp_sqe &);
OpOutcome op_munmap(NativeRing &, const rp_sqe &);
OpOutcome op_madvise(NativeRing &, const rp_sqe &);
// ops_later.cpp: sockets, xattrs, splice/tee (ops_process.hpp: WAITPID, FUTEX)
OpOutcome op_not_yet(NativeRing &, const rp_sqe &);

// Retrying a parked transfer after a wake-up (ops_rw.cpp): a result, or parked again.
OpOutcome retry_transfer(PendingOp &op);
// Re-examining a parked poll or event stream after a wake-up (ops_readiness.cpp).
void recheck_readiness(PendingOp &op);
// Re-trying a parked WAITPID after a child changed state (ops_process.cpp): finishes op or leaves it parked.
void retry_waitpid(PendingOp &op);

// ---- completions (completion.cpp) ----

// Stages a completion (extended when the result needs 64 bits); parks it when the CQ has no room.
void post_completion(NativeRing &ring, uint64_t user_data, int64_t result, uint32_t flags);
// Moves parked completions into the room the consumer has freed.
void flush_parked(NativeRing &ring);
// Makes staged completions visible (one tail update).
void publish_completions(NativeRing &ring);
// A completion from outside the ring's own enter: post, publish, and tell the ring's notify callback.
void post_async_completion(NativeRing &ring, uint64_t user_data, int64_t result, uint32_t flags);
// Completions the consumer has not taken (parked ones count), or -EINVAL when the CQ head is scribbled.
int64_t unconsumed_completions(NativeRing &ring);

// ---- parked operations (pending.cpp) ----

// A new PendingOp for sqe on ring (on its pending list), or nullptr when memory is exhausted.
PendingOp *park(NativeRing &ring, const rp_sqe &sqe, PendingKind kind);
// Waits for readiness of op->file (registers op's waiter).
void wait_for_readiness(PendingOp &op);
// Platform callbacks (ParkWoken) of parked futex waits and WAITPIDs: context is the PendingOp; they only
// queue it on the ready queue, whatever context the wake comes from.
void futex_op_woken(void *context, uint32_t index);
void child_op_woken(void *context, uint32_t index);
// Ends a parked op: unregisters it everywhere, posts its completion (async) and frees it.
void finish_pending(PendingOp &op, int64_t result, uint32_t flags);
// Unregisters and frees a parked op without posting anything.
void drop_pending(PendingOp &op);
// Ends every parked op of ring with -ECANCELED (ring teardown).
void cancel_all_pending(NativeRing &ring);
// Whether user memory of ring's process may be touched now (it is the current process).
bool in_owner_context(const NativeRing &ring);
// Whether the ready queue holds anything (cheap: for the return-to-user hook).
bool ready_ops_waiting();

// ---- the user_data index of parked ops (pending_index.cpp) ----
void index_pending(NativeRing &ring, PendingOp &op);   // op is already on ring.pending
void unindex_pending(NativeRing &ring, PendingOp &op); // before op leaves ring.pending
// The oldest parked op of ring with this user_data, or nullptr.
PendingOp *find_pending(NativeRing &ring, uint64_t user_data);
void free_pending_index(NativeRing &ring);

// ---- the timer queue (timer_queue.cpp) ----
void arm_timer(PendingOp &op);
void disarm_timer(PendingOp &op);

// ---- arguments (ring_arguments.cpp) ----

// An fd field: EBADF unless it fits an int (AT_FDCWD arrives sign-extended).
Result<int> fd_argument(uint64_t field);
// The file behind an fd of ring's owner, with a reference.
Result<FileRef> file_argument(NativeRing &ring, uint64_t field);
// Reads an iovec array: from the submitter's memory, or (internal rings) from the shim's own memory, which it
// copied the program's array into at submission. EINVAL for a count over max_iovecs or a length that does not
// fit ssize_t; EFAULT.
Result<void> read_iovecs(NativeRing &ring, uint64_t address, uint64_t count, IoVec *out);
// A heap copy of a user path (PATH_MAX bytes): free with deallocate. EFAULT, ENAMETOOLONG, ENOMEM.
Result<char *> path_argument(uint64_t user_path);

} // namespace kernel
