// Internal state of one io_uring instance and of each request, shared by the shim's source files.
#pragma once

#include "base.hpp"

#include <ringport/native_ring.hpp>
#include <ringport/shim/shim.hpp>

namespace ringport::shim {

// Request state bits (Req::state).
enum : uint32_t {
	REQ_LINK = 1u << 0,        // IO_LINK or IO_HARDLINK: the next request in the chain waits for this one
	REQ_HARDLINK = 1u << 1,    // the chain continues even when this one fails
	REQ_FAILED = 1u << 2,      // completes as a failure for link purposes (error, short transfer, init error)
	REQ_SKIP_CQE = 1u << 3,    // CQE_SKIP_SUCCESS
	REQ_DRAIN = 1u << 4,       // IO_DRAIN (on the link head)
	REQ_INFLIGHT = 1u << 5,    // on Ring::inflight (cancelable)
	REQ_DONE = 1u << 6,        // the Linux completion has been produced
	REQ_CANCELING = 1u << 7,   // a native cancel has been sent for it
	REQ_TIMER_ARMED = 1u << 8, // a native timer is outstanding for it
	REQ_LT_FIRED = 1u << 9,    // link timeout: the timer fired first
	REQ_MULTISHOT = 1u << 10,  // posts CQE_F_MORE completions until the last one
	REQ_ASYNC_DONE = 1u << 11, // completed from an OS thread (EVENTFD_ASYNC)
	REQ_NO_CQE = 1u << 12,     // never posts (internal)
	REQ_SHORT_FAILS = 1u << 13, // a result below Req::expected breaks the link
	REQ_POLL_MULTI = 1u << 14,  // multishot poll
	REQ_NOT_FAILURE = 1u << 15, // a negative result that does not count as failing (disarmed link timeout)
	REQ_COMPLETE_ONLY = 1u << 16, // on the ready list to be completed with res (cancelled), not issued
	REQ_HASHED = 1u << 17,        // an armed poll on Ring::poll_hash
	REQ_NOTIF = 1u << 18,         // zero-copy send: a notification CQE follows its result
	REQ_FILE_CHECKED = 1u << 19,  // the OS answered the request's FILE_INFO probe: the file may be used
	REQ_CREDS = 1u << 20,         // the SQE named a registered personality (Linux's REQ_F_CREDS)
	REQ_BORROW_CREDS = 1u << 21,  // ...whose credentials are not the current ones: native SQEs carry RP_SQE_CREDS
	REQ_PUNTED = 1u << 22,        // IOSQE_ASYNC: its first operation went to an OS worker (RP_SQE_ASYNC)
};

// Tags in the low bits of a native user_data: which of a request's native operations completed.
enum NativeTag : uint64_t {
	TAG_MAIN = 0,          // the request's own operation
	TAG_TIMER = 1,         // a timer (TIMEOUT, LINK_TIMEOUT)
	TAG_CANCEL_QUIET = 2,  // a cancel whose result nobody needs; the target is the request
	TAG_CANCEL_RESULT = 3, // a cancel whose result the request (ASYNC_CANCEL, fired LINK_TIMEOUT) collects
	TAG_RETRY = 4,         // a retried main operation (pread on a pipe becomes read)
	TAG_READY = 5,         // a readiness poll before selecting a buffer again (buffer selection, multishot reads)
	TAG_PROBE = 6,         // a native FILE_INFO question about the request's file; its answer continues the issue
	TAG_AUX = 7,           // a side operation beside the current one, which a cancel does not name (TX timestamps)
	TAG_MASK = 63,
};

struct Ring;

struct alignas(64) Req {
	lx::io_uring_sqe sqe; // copied once at submission; ops read only this copy
	Ring* ring;
	Req* link;             // next request of the chain
	Req* next;             // list membership (inflight, ready, defer, free)
	Req* prev;
	Req* tnext;            // timeout list membership
	Req* tprev;
	Req* peer;             // link timeout <-> its target; cancel target
	Req* hnext;            // poll hash chain (Ring::poll_hash)
	Req** hlink;           // the pointer to this request in its chain: removal is O(1) with equal user_data
	uint64_t seq;          // SQEs consumed before this chain's head (drain)
	uint64_t expected;     // REQ_SHORT_FAILS: the full transfer length
	uint64_t done_bytes;   // MSG_WAITALL send/recv: bytes moved by earlier partial transfers
	int64_t res;
	uint32_t cflags;
	uint32_t state;
	uint32_t native_refs; // native SQEs in flight naming this request
	uint16_t gen;
	uint8_t opcode;
	uint8_t pad;
	int32_t fd;           // the host fd the op works on (after fixed-file lookup)
	uint32_t big[4];      // CQE32 extra words
	struct ProvidedBuf* selected; // IOSQE_BUFFER_SELECT: the buffer taken for this request
	struct RsrcEpoch* rsrc;       // registered resources retired after allocation wait for it (rsrc.cpp)
	void* heap;      // owned memory (long iovec copies), freed with the request
	uint32_t heap_size;
	uint8_t timer_phase; // flips on every re-arm so a stale timer's completion is recognised
	bool waiting_ready;  // the current native op is a readiness poll (TAG_READY)
	uint8_t cur_tag;     // tag of the request's current main native op (what a cancel must name)
	// Buffer selection on a file that may block: Linux takes the buffer only once data is there. The first
	// attempt does not wait (sel_nowait); if it would block, the buffer goes back and readiness is awaited.
	bool sel_nowait;
	bool sel_waited; // readiness was awaited once: the next attempt may block
	bool sel_stream; // the file has no offsets (a pipe or socket): reads use the stream position
	uint32_t item_cflags; // CQE flags the op's native completion adds to a multishot item (accept's SOCK_NONEMPTY)
	union {
		struct {
			uint64_t target_seq; // count timeouts: complete after this many CQEs
			uint64_t ns;         // period or deadline
			uint32_t repeats;    // multishot: fires left (0 = forever)
			uint32_t flags;
			uint8_t target_op;   // link timeout: opcode of the request it guards
		} timeout;
		struct {
			uint32_t events;
			uint8_t phase;   // which native poll (TAG_MAIN / TAG_RETRY) is current
			bool probing;    // the FILE_INFO answer (is it the ring's own eventfd?) arms the native poll
			uint32_t held;   // multishot events kept as task work of a DEFER_TASKRUN ring (flush_held_polls)
			int32_t wake_fd;     // multishot: the file whose io_uring wakeups are counted (rp_host_uring_wakes)
			uint64_t wakes_seen; // ... and their count when armed
		} poll;
		struct {
			uint64_t addr;
			int32_t fd;
			uint32_t flags;
			uint8_t opcode;
			uint32_t outstanding; // native cancels not yet answered
			uint32_t canceled;    // targets found and cancelled
			uint32_t absorbed;    // targets that ended cancelled before the OS saw the cancel (cancel_absorbed)
			int32_t first_error;  // -EALREADY seen
			bool all;
			bool counts; // a waitid/futex target: Linux reports how many it removed
		} cancel;
		struct {
			uint64_t iov[8]; // up to four iovecs copied at submission (SUBMIT_STABLE)
		} vec;
		struct {
			bool positional; // issued as pread/pwrite: a stream file retries without the offset
		} rw;
		struct {
			uint16_t first;   // records in Req::heap not yet posted: [first, first + pending)
			uint16_t pending;
			bool armed;       // the POLLERR stream (TAG_MAIN) runs
			bool taking;      // a SOCKET_TX_TIMESTAMPS (TAG_AUX) is in flight
			bool again;       // an event came meanwhile: take again when it answers
		} tstamp; // URING_CMD's SOCKET_URING_OP_TX_TIMESTAMP (ops_uring_cmd.cpp)
	} u;
	uint64_t task; // rp_host_task_id of the submitter: exec cancels a task's own requests (cancel_task)
};

// Linux ring memory layout (struct io_rings of the kernel), as offsets into the rings region.
namespace layout {
inline constexpr uint32_t sq_head = 0, sq_tail = 4, cq_head = 8, cq_tail = 12, sq_ring_mask = 16, cq_ring_mask = 20,
                          sq_ring_entries = 24, cq_ring_entries = 28, sq_dropped = 32, sq_flags = 36, cq_flags = 40,
                          cq_overflow = 44, cqes = 64;
// Padding of io_rings between cq_overflow and the CQEs: where the words processes that share the ring across
// fork synchronise with go only when the shim cannot have a page of its own for them (shared_ring.cpp), since
// a program may write there.
inline constexpr uint32_t shared_lock = 48, shared_wake = 52, shared_waiters = 56, shared_attached = 60;
}

// One queued overflow completion.
struct OverflowCqe {
	OverflowCqe* next;
	lx::io_uring_cqe cqe;
	uint64_t big[2];
};

// A classic provided buffer and its group (PROVIDE_BUFFERS).
// A buffer taken from a ring group is described by a ProvidedBuf too (from_ring), freed at completion.
struct ProvidedBuf {
	ProvidedBuf* next;
	uint64_t addr;
	uint32_t len;
	uint16_t bid;
	bool from_ring;
	uint16_t ring_pos; // the ring head the buffer was taken at
	// A bundle (IORING_RECVSEND_BUNDLE): nbufs consecutive ring entries from ring_pos on, as iovecs (base, len
	// pairs); bid is the first one's. to_tail: the entries mapped reached the ring's tail (Linux's BL_EMPTY).
	uint64_t* iov;
	uint16_t nbufs;
	uint16_t iov_cap; // entries allocated at iov
	bool bundle;
	bool to_tail;
};
struct BufGroup {
	BufGroup* next;
	ProvidedBuf* head;
	ProvidedBuf* tail;
	uint32_t count;
	uint16_t bgid;
	// Provided-buffer ring (REGISTER_PBUF_RING): entries live in program memory (ring_user) or in a region the
	// program maps at OFF_PBUF_RING (ring_view); the program owns the tail, the shim the head.
	bool is_ring;
	bool inc;                 // IOU_PBUF_RING_INC: buffers are consumed piecewise
	uint16_t ring_head;
	uint32_t ring_entries;
	uint64_t ring_user;
	uint8_t* ring_view;
	rp_host_region* ring_region;
	uint64_t ring_region_size;
	rp_host_pin* ring_pin; // a ring in program memory, pinned (user_pages.cpp); ring_view is the shim's view of it
};

struct RegisteredBuffer {
	uint64_t addr;
	uint64_t len;
};

// A registered personality (REGISTER_PERSONALITY): the credentials of the task that registered it. Kept in a
// list sorted by id, which makes the cyclic allocation one walk.
struct Personality {
	Personality* next;
	uint32_t id;
	rp_host_creds creds;
	// The native ring that holds the same snapshot under id (rp_host_ring_creds), or null: then the personality
	// can only be used while it equals the current credentials. A native ring made anew (after fork) has none.
	rp_host_ring* native_creds;
};

struct Restrictions {
	bool active;
	uint8_t sqe_op[32];      // bitmap over opcodes
	uint8_t register_op[32]; // bitmap over register opcodes
	uint8_t sqe_flags_allowed;
	uint8_t sqe_flags_required;
};

struct Ring {
	Mutex lock;
	uint32_t refs;
	uint32_t flags; // setup flags
	uint32_t sq_entries, cq_entries;
	uint32_t sqe_size, cqe_size;
	bool disabled; // R_DISABLED until ENABLE_RINGS
	bool dead;
	bool drain_active;
	bool drain_next;     // a DRAIN inside a link also drains the request after the link
	bool drain_disabled; // CQE_SKIP_SUCCESS was used: DRAIN is refused from now on
	bool in_submit; // the enter thread holds the lock (issue directly) vs an OS thread (defer)
	uint64_t submitter_task;

	// Linux-visible memory.
	rp_host_region* region; // rings, then the SQE array at sqes_offset (absent with NO_MMAP)
	rp_host_pin* rings_pin; // NO_MMAP: the program's ring memory and SQE array, pinned (user_pages.cpp)
	rp_host_pin* sqes_pin;
	uint8_t* rings;
	uint8_t* sqes;
	uint32_t* sq_array;    // nullptr with NO_SQARRAY
	uint64_t rings_size;   // bytes of the rings part
	uint64_t sqes_offset;  // region offset of the SQE array
	uint64_t region_size;
	uint32_t* k_sq_head;
	uint32_t* k_sq_tail;
	uint32_t* k_sq_flags;
	uint32_t* k_sq_dropped;
	uint32_t* k_cq_head;
	uint32_t* k_cq_tail;
	uint32_t* k_cq_flags;
	uint32_t* k_cq_overflow;
	uint8_t* cqes;

	// CQ producer state (under lock).
	uint32_t cq_tail;       // staged tail, published by commit()
	uint64_t cq_posted;     // logical completions produced (posted or overflowed): drain and count timeouts
	uint64_t cq_extra;      // Linux's cq_extra: completions that are not one-per-SQE
	uint64_t timeouts_fired;
	OverflowCqe* overflow_head;
	OverflowCqe* overflow_tail;
	uint32_t overflow_count;
	bool posted_async;      // something was posted from an OS thread since the last eventfd signal

	// SQ consumer state.
	uint32_t sq_head; // our copy of the SQ head
	uint64_t sq_consumed; // every SQE ever consumed (drain sequence)

	// Native ring.
	rp_host_ring* native;
	native::SqProducer nsq;
	native::CqConsumer ncq;
	uint32_t native_staged; // SQEs pushed but not yet entered
	bool collect_due;       // this io_uring_enter has yet to make the OS act on readiness that already happened
	bool hold_task_work;    // DEFER_TASKRUN enter without GETEVENTS: multishot poll events wait (ops_poll.cpp)
	uint32_t held_polls;    // multishot polls holding such events (a hint: flush_held_polls recounts)

	// Requests.
	Req* free_reqs;
	struct ReqChunk* req_chunks; // every request ever allocated, freed with the ring
	List<Req, &Req::next, &Req::prev> inflight; // issued, cancelable
	List<Req, &Req::next, &Req::prev> ready;    // to issue at the next chance (link successors, drained)
	List<Req, &Req::next, &Req::prev> deferred; // drain: waiting for earlier completions
	List<Req, &Req::tnext, &Req::tprev> timeouts; // count timeouts, sorted by target_seq
	List<Req, &Req::tnext, &Req::tprev> timers;   // every armed TIMEOUT / LINK_TIMEOUT (for removal lookup)
	Req* link_head; // chain being assembled during one submit call
	Req* link_last;

	// Waiting.
	uint32_t wake_seq;     // bumped on every commit and on new deferred work; waiters sleep on it
	uint32_t waiters;
	uint32_t reap_request; // set by the notify callback when it could not take the lock
	void* poll_cookie;     // the host wants to hear about CQ publishes (ring fd polled)
	uint32_t kick_pending; // a host thread has been asked to run the ring (rp_host_defer)
	uint32_t wake_owed;    // waiters must be woken once the lock is released (unlock_ring)

	// Resources.
	int32_t* files; // host file refs, -1 for an empty slot
	uint64_t* file_tags; // per slot, posted when the file is let go (nullptr: none registered)
	uint64_t* buf_tags;  // per registered buffer, likewise
	struct RsrcEpoch* rsrc_oldest;  // retired resources waiting for the requests of their epoch
	struct RsrcEpoch* rsrc_current;
	uint32_t nr_files;
	uint32_t file_alloc_start, file_alloc_end;
	RegisteredBuffer* bufs;
	uint32_t nr_bufs;
	int32_t eventfd; // host ref, -1 none
	bool eventfd_async;
	Restrictions restrictions;
	uint32_t iowq_max[2];
	BufGroup* groups; // provided-buffer groups
	OverflowCqe* inbox; // CQEs other rings sent (MSG_RING), pushed lock-free, posted by this ring's owner
	Req** poll_hash;  // armed polls by user_data: POLL_REMOVE and updates stay O(1) with thousands armed
	uint32_t poll_hash_mask; // REGISTER_IOWQ_MAX_WORKERS (bounded, unbounded)
	bool restrictions_registered; // enforced from ENABLE_RINGS on
	// REGISTER_MEM_REGION (mem_region.cpp): the parameter region, the program's pages (param_user) or the
	// shim's (param_region, mapped by the program at OFF_PARAM_REGION); param_size 0: none.
	uint64_t param_user;
	rp_host_region* param_region;
	uint8_t* param_ptr;
	uint64_t param_size;
	uint64_t cq_wait_size; // registered wait arguments: the region's size, else 0
	uint32_t clockid;       // REGISTER_CLOCK: the clock of absolute wait timeouts (0: CLOCK_MONOTONIC)
	uint8_t iowq_aff[128];  // REGISTER_IOWQ_AFF: the mask asked for (the OS pins the workers to it)
	bool iowq_aff_set;
	struct RetiredRings* retired; // ring memory a resize replaced, kept for unlocked readers (resize_rings.cpp)
	Personality* personalities; // sorted by id (personality.cpp)
	uint32_t pers_next;         // where the cyclic id allocation looks first (Linux's pers_next)

	// Sharing across processes (shared_ring.cpp). Until the first fork a ring is private and none of this
	// is used beyond wake_word, which points at wake_seq.
	bool shared;           // forked with the ring: CQ and SQ go through the words in the ring memory
	bool left;             // this process has let go of the ring (exec, exit): it no longer counts as attached
	uint32_t* wake_word;   // what waiters in enter sleep on: &wake_seq, or the shared word
	uint32_t* x_lock_word; // shared: the cross-process CQ/SQ lock
	uint32_t* x_waiters;   // shared: sleepers in every process
	uint32_t* x_attached;  // shared: processes that use the ring
	uint32_t x_lock_depth; // nesting of x_lock in this process (under lock)
	uint32_t x_unsignalled; // shared: CQEs published since the last commit (eventfd, pollers, waiters)
	rp_host_region* x_region; // shared: a page beside the ring for requests between processes (cancel)
	struct CancelBox* x_box;  // in x_region
	rp_host_watch* x_watch;   // this process's thread that answers them
	uint32_t x_member;        // this process's number among those sharing the ring (1..64)
	uint32_t x_child_member;  // the number the child being forked takes
	bool fork_locked;         // held across the fork by fork_prepare (a ring being destroyed is left alone)
	Ring* live_next;       // every ring of this process (fork handlers)
	Ring* live_prev;
	rp_host_ring_params native_params; // what the native ring was created with (a forked child makes its own)
	struct SqPoll* sqpoll; // SQPOLL's submission thread (sqpoll.cpp); nullptr without one
};

// ---- core services used by the op families (requests.cpp, chains.cpp, submission.cpp, waiting.cpp,
// cq_posting.cpp, native_queue.cpp) ----

// Posts a CQE (or queues it on overflow). Caller holds the lock; visible at the next commit().
void post_cqe(Ring& r, uint64_t user_data, int32_t res, uint32_t cflags, const uint32_t* big = nullptr);
// Posts only if the CQ has room (multishot rule); false when full. big: the CQE32 words (CQE32 rings, or
// CQE_F_32 in cflags on a CQE_MIXED ring).
bool post_cqe_if_room(Ring& r, uint64_t user_data, int32_t res, uint32_t cflags, const uint32_t* big = nullptr);
// Publishes staged CQEs, signals the eventfd and wakes waiters.
void commit(Ring& r);
// Moves overflowed CQEs into the CQ while it has room.
void flush_overflow(Ring& r);

// Finishes a request with res: posts its CQE per its flags, then releases its chain.
void complete(Ring& r, Req* req, int64_t res, uint32_t cflags = 0);
// Zero-copy sends: the notification that the program may reuse the buffer (after the result's CQE).
void post_send_notification(Ring& r, const Req& req, int64_t res);
// Drops one native reference; frees the request when nothing refers to it any more.
void put_native(Ring& r, Req* req);
void free_req_if_unused(Ring& r, Req* req);

// Native SQE production; user_data encodes (req, tag).
uint64_t native_user_data(const Req* req, NativeTag tag);
Req* native_req(uint64_t user_data);
// Queues a native SQE for req (takes a native reference). In submit context full rings are flushed.
Status push_native(Ring& r, Req* req, NativeTag tag, const rp_sqe& sqe);
// Sends a native cancel for target's main operation with the result going to (owner, tag).
Status cancel_native(Ring& r, Req* target, Req* owner, NativeTag tag);
// A target whose cancel is out ended -ECANCELED on its own, before the OS saw that cancel (its operation failed
// in a way the op would have retried, and a cancelling request is not retried): the native cancel will find
// nothing, and its ASYNC_CANCEL counts the target as cancelled instead, as Linux's would have found it.
void cancel_absorbed(Ring& r, Req& target);

// Hands a request to the ready list (issued at the next chance, from the submitting thread).
void make_ready(Ring& r, Req* req);
// Completes a cancelled request after the canceller's own CQE, as Linux's task work does.
void complete_later(Ring& r, Req* req, int64_t res);
void issue(Ring& r, Req* req);

// MSG_RING: CQEs other rings sent are posted here, in the target's own context.
void drain_inbox(Ring& r);

// Armed polls by user_data.
void poll_hash_add(Ring& r, Req* q);
void poll_hash_del(Ring& r, Req* q);
Req* poll_hash_find(Ring& r, uint64_t user_data);

// Registered resources' lifetimes (rsrc.cpp): every request holds the current epoch; a retired file reference is
// put, and a non-zero tag posted, once the requests allocated before it are gone.
void rsrc_hold(Ring& r, Req* q);
void rsrc_release(Ring& r, Req* q);
Status rsrc_retire(Ring& r, int32_t file_ref, uint64_t tag);
// Lets go of everything retired without posting tags (ring destruction; a forked child, whose parent posts them).
void rsrc_teardown(Ring& r);

// Inflight bookkeeping (cancel lookup).
void mark_inflight(Ring& r, Req* req);
void clear_inflight(Ring& r, Req* req);

Req* alloc_req(Ring& r);
void free_req_chunks(Ring& r);

// Reaps native completions. Caller holds the lock.
bool reap_native(Ring& r); // whether anything was reaped
// Runs ready requests and flushes the native SQ (submit context).
void run_ready(Ring& r);
// Runs everything that can run now: ready requests, the native enter, native completions, commit. Submit context.
void run_pending(Ring& r);
// A complete chain (or single request) is ready to go: drain rules, then issue.
void queue_chain(Ring& r, Req* head);
// io_uring_enter's GETEVENTS: waits for min_events CQEs per flags and the EXT_ARG/sigmask argument. Lock held.
int wait_for_cqes(Ring& r, uint32_t min_events, uint32_t flags, uint64_t arg, size_t argsz);
void flush_native(Ring& r);

// Count timeouts: called after completions were produced.
void flush_count_timeouts(Ring& r);
void flush_deferred(Ring& r);

// The file descriptor of a request (honouring FIXED_FILE). -EBADF when invalid.
Result<int32_t> resolve_fd(Ring& r, const Req& req, int32_t fd, bool fixed);

// Runs the ring (submit context) until pred holds or the monotonic deadline passes; 0 or -ETIME/-EINTR.
int run_until(Ring& r, bool (*pred)(Ring&, void*), void* ctx, uint64_t deadline);

// rp_host_defer's entry: runs the ring as the submitting thread would, then drops the reference taken.
void run_deferred_work(void* ring);

// Unlocks, taking over reaping the notify callback asked for.
void unlock_ring(Ring& r);

// ---- SQPOLL (sqpoll.cpp) ----
// Starts the submission thread of an SQPOLL ring (idle_ms: sq_thread_idle, 0 for Linux's one second).
// cpu: SQ_AFF's sq_thread_cpu, or -1.
int sqpoll_start(Ring& r, uint32_t idle_ms, int32_t cpu);
// Stops and joins it (destroy); a forked child's copy only forgets the parent's thread (sqpoll_forget).
void sqpoll_stop(Ring& r);
void sqpoll_forget(Ring& r);
// io_uring_enter on a ring with a submission thread: SQ_WAKEUP wakes it, SQ_WAIT waits for SQ space. No lock.
void sqpoll_enter(Ring& r, uint32_t flags);
// The thread's pass: consumes the whole SQ and runs the ring. Lock held (submission.cpp).
int64_t sqpoll_submit(Ring& r);

// ---- sharing across processes (shared_ring.cpp) ----

// The cross-process lock around CQ posting and SQ consumption of a shared ring; nests. Caller holds lock.
inline void x_lock(Ring& r)
{
	if (r.x_lock_depth++ == 0)
		word_lock(r.x_lock_word, true);
}
inline void x_unlock(Ring& r)
{
	if (--r.x_lock_depth == 0)
		word_unlock(r.x_lock_word, true);
}
inline bool has_waiters(const Ring& r)
{
	return __atomic_load_n(&r.waiters, __ATOMIC_SEQ_CST) || (r.shared && __atomic_load_n(r.x_waiters, __ATOMIC_SEQ_CST));
}
// Wakes every sleeper on the ring's wake word (in every process when it is shared).
inline void wake_now(Ring& r)
{
	if (r.shared)
		rp_host_wake_shared(r.wake_word, 1u << 30);
	else
		rp_host_wake(r.wake_word, 1u << 30);
}
// Bumps the wake word and wakes sleepers right away (callers that do not hold the lock).
inline void kick_waiters(Ring& r)
{
	__atomic_fetch_add(r.wake_word, 1, __ATOMIC_SEQ_CST);
	if (has_waiters(r))
		wake_now(r);
}
// Sleeps on the wake word while it holds seq (see rp_host_wait); counted as a sleeper across processes.
int sleep_on_ring(Ring& r, uint32_t seq, uint64_t deadline, const void* sigmask, size_t sigmask_size);
// A forked child's native ring, made at its first use of the ring (enter, register, deferred work). Lock
// held; 0 or -errno.
int own_native(Ring& r);
// Marks every request of a forked child's copy free: they are the parent's, which completes them.
void forget_requests(Ring& r);
// The ring's registry for the fork handlers (setup and destroy).
void live_add(Ring* r);
void live_remove(Ring* r);
// Runs fn(ring, ctx) on every ring of the registry, each held by a reference while fn runs (no registry lock).
void for_each_ring(void (*fn)(Ring&, void*), void* ctx);
// The native ring's notify callback (native_queue.cpp).
void on_native_notify(void* ctx);
// destroy(): a shared ring this process lets go of while others may still use it.
void shared_release(Ring& r);
// ---- program memory the shim keeps using (user_pages.cpp) ----
// IORING_SETUP_NO_MMAP: pins the rings (rings_size bytes at rings_user) and the SQE array; sets r.rings and
// r.sqes to the shim's views. 0 or -EFAULT (a page missing or read-only anywhere in either range), -ENOMEM.
// The Linux ring memory's layout for given sizes (setup.cpp; io_uring_setup and REGISTER_RESIZE_RINGS).
struct RingLayout {
	uint64_t rings_size;  // header, CQEs, SQ index array
	uint64_t array_off;   // the SQ index array (when has_array)
	uint64_t sqes_bytes;
	uint64_t sqes_offset; // in the region (mmapped rings)
	uint64_t region_size;
	bool has_array;
};
RingLayout ring_layout(uint32_t flags, uint32_t sq_entries, uint32_t cq_entries);
// Points the ring's k_* words, CQE and SQ index arrays into the given memory; writes the masks and sizes.
void point_into_rings(Ring& r, uint8_t* rings, uint8_t* sqes, const RingLayout& l);
void write_ring_sizes(uint8_t* rings, uint32_t sq_entries, uint32_t cq_entries);
// io_uring_setup's entries and CQSIZE/CLAMP rules and the offsets (setup.cpp).
Status fill_ring_params(uint32_t entries, lx::io_uring_params& p);
// REGISTER_RESIZE_RINGS (resize_rings.cpp; lock held) and the ring memory it replaced (freed at destroy).
int64_t resize_rings(Ring& r, uint64_t arg);
void free_retired_rings(Ring& r);
int pin_ring_memory(Ring& r, uint64_t rings_user, uint64_t sqes_user, uint64_t sqes_bytes);
void unpin_ring_memory(Ring& r);
// A provided-buffer ring in program memory: pins bytes at addr and sets g.ring_view. 0, -EFAULT or -ENOMEM.
int pin_buffer_ring(BufGroup& g, uint64_t addr, uint64_t bytes);
void unpin_buffer_ring(BufGroup& g);

// Unmaps the shared page (the cross-process words, the cancel mailbox); destroy calls it last.
void shared_free(Ring& r);
// ASYNC_CANCEL on a shared ring: asks the other processes to cancel their matching requests too; their
// answer arrives as a TAG_CANCEL_RESULT completion of owner. false when it could not be asked.
bool ask_other_processes(Ring& r, Req* owner, const struct CancelSpec& spec);

// Lock held: tells sleepers in enter that something changed. The futex wake itself waits for unlock_ring,
// so a woken waiter does not run straight into the lock its waker still holds.
inline void wake_waiters(Ring& r)
{
	__atomic_fetch_add(r.wake_word, 1, __ATOMIC_SEQ_CST);
	if (has_waiters(r))
		__atomic_store_n(&r.wake_owed, 1, __ATOMIC_RELAXED);
}

} // namespace ringport::shim
