// The hosted OS's private structures: the ring, in-flight operations, and the three places an operation can
// wait (the epoll reactor, the worker pool, the futex waiters). See docs/native-abi.md for the model.
#pragma once

#include "creds.hpp"

#include <ringport/hosted_os.h>
#include <ringport/linux_syscall.hpp>
#include <ringport/native_ops.hpp>
#include <ringport/native_ring_linux.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <pthread.h>
#include <unordered_map>
#include <vector>

#include <cerrno>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>

namespace ringport::hosted {

struct Ring;
struct Op;

// What an opcode handler decided for one submission.
struct Issue {
	enum Kind : uint8_t {
		done,   // result is final: post it
		queued, // the handler handed an Op to a waiting place; it completes later
	} kind = done;
	uint32_t cqe_flags = 0;
	int64_t result = 0;

	static Issue complete(int64_t r, uint32_t flags = 0) { return Issue{done, flags, r}; }
	static Issue later() { return Issue{queued, 0, 0}; }
};

// -errno of the last failed call, for `return fail();` after a syscall returned -1.
int64_t fail();
// Fds watched by the reactors of every ring of the process (the sum of Ring::watch_count).
extern std::atomic<uint32_t> g_watched_fds;
// Reactors between taking events and finishing their notify (the sum of Ring::reactor_notifying): a program
// thread collecting readiness waits for them even when no fd is watched any more (the reactor's own collect may
// just have taken the last watch away; the follow-up it is issuing will add the next).
extern std::atomic<uint32_t> g_reactors_notifying;
// The OS's own system calls go straight to the kernel (ringport::linux_syscall): libringport defines libc's
// poll, fcntl, close, syscall for the program (docs/glue.md), and those definitions are not the OS's to call.
// poll(2) with a zero timeout; -1 with errno on failure.
int poll_now(pollfd* fds, unsigned long n);
// syscall(2) straight to the kernel, with libc's convention (-1 and errno on failure).
template <class... Args> long sys(long n, Args... args)
{
	long r = linux_syscall(n, (long)(args)...);
	if (r < 0 && r > -4096) {
		errno = int(-r);
		return -1;
	}
	return r;
}
// mmap(2) and munmap(2) straight to the kernel, with libc's convention.
inline void* os_mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = sys(SYS_mmap, addr, len, prot, flags, fd, off);
	return r == -1 ? MAP_FAILED : reinterpret_cast<void*>(r);
}
inline int os_munmap(void* addr, size_t len) { return int(sys(SYS_munmap, addr, len)); }
// fcntl(fd, F_GETFL): the file status flags, or -errno.
int fd_status_flags(int fd);
// epoll_ctl(2); -1 with errno on failure.
int epoll_control(int epfd, int op, int fd, epoll_event* ev);
// The OS is about to look at fd's readiness (Poll's inline check, a new reactor registration): the embedding's
// hook (rp_os_set_readiness_hook) makes a file it emulates report its own readiness first.
void readiness_hook(int fd);

// Interrupts the blocking system call of the worker thread t (an interruptible op's); false when the
// interrupt signal is the program's (workers.cpp).
bool interrupt_worker(pthread_t t);
// Converts a 64-bit fd field to an int fd; AT_FDCWD arrives sign-extended. Out of range gives -1 (EBADF).
bool to_fd(uint64_t field, int* fd);
// Closes an fd the OS itself owns (the program's close would first ask the OS to keep the file waiting on it,
// rp_os_fd_closing, which must not happen for the OS's own fds, nor under a ring lock).
// Unrecords it first when it is one of the OS's private fds (private_fds.cpp).
int close_owned(int fd);
// Makes `count` private fds, fds[i] = make(i, ctx) (an fd or -errno), out of the program's way: above its soft
// RLIMIT_NOFILE when the hard limit allows, recorded so that the glue refuses the program's close on them.
// 0, or the first -errno (then none is left open).
int make_private_fds(int* fds, int count, long (*make)(int i, void* ctx), void* ctx);
// Whether fd is one of them.
bool is_private_fd(int fd);

// Where an in-flight operation currently waits. Every transition happens under Ring::mu.
enum class Place : uint8_t { none, worker_queue, running, fd_watch, timer, futex, retry_timer, scheme };

// Per-family behaviour of an operation that could not finish inline.
struct OpKind {
	// Non-blocking retry after readiness (reactor thread). Returns done, or queued to keep waiting (it may
	// also move the op to the worker queue with Ring::to_worker).
	Issue (*retry)(Ring&, Op&) = nullptr;
	// The blocking execution (worker thread, no lock held). Returns the result.
	int64_t (*blocking)(Op&) = nullptr;
	// Called when the op is released (cancelled or completed) to free what it owns.
	void (*release)(Op&) = nullptr;
	// The blocking call returns EINTR when a signal reaches its worker (connect): a Cancel interrupts it and
	// the op completes -ECANCELED, as Linux cancels a connect that waits for the socket.
	bool interruptible = false;
	// Its blocking part is short and settles a Cancel itself (async_issue.cpp): a Cancel that finds it running
	// succeeds, and the op ends -ECANCELED whatever its blocking part did.
	bool settles_cancel = false;
};

// What a blocking part returns when it handed its submission on to an op of its own (async_issue.cpp): the
// worker posts nothing for it and forgets it.
inline constexpr int64_t kHandedOn = INT64_MIN;

// One asynchronous operation. Allocated only when a submission cannot complete inline.
struct Op {
	rp_sqe sqe{};
	const OpKind* kind = nullptr;
	Place place = Place::none;
	bool stream = false;     // RegisterEvents: completions carry RP_CQE_EVENT, the last one LAST_UPDATE
	bool cancelling = false; // a Cancel found it running: its own completion is still to come (atomic access)
	int fd = -1;             // the fd the op waits on (reactor)
	uint32_t events = 0;     // epoll interest for the reactor
	int owned_fd = -1;       // an fd the op owns (pidfd), closed on release
	int clock = 0;           // timer clock (CLOCK_*)
	int64_t deadline = 0;    // timer deadline, nanoseconds on `clock`
	int64_t accumulated = 0; // bytes done by a partial inline attempt (regular-file reads and writes)
	uint32_t ready = 0;      // epoll events that woke the op (reactor retries read it)

	std::multimap<uint64_t, Op*>::iterator table_pos;
	std::list<Op*>::iterator place_pos; // in a watch's or the worker queue's list
	std::multimap<int64_t, Op*>::iterator timer_pos;
	struct FutexGroup* futex_group = nullptr;
	pthread_t runner{};    // the worker running it (Place::running), to interrupt it at teardown

	// Owned copies of submission memory the caller may reuse once enter returns.
	std::vector<iovec> iov;
	std::vector<char> buf;   // path copies, futex vectors, ...
	std::vector<char> buf2;  // the second path of two-path operations
	uint64_t seq = 0;        // unique per ring: tells a reused address from the op it replaced
	uint64_t serial_key = 0; // writes to one regular file run one at a time, in order (0: any order)
	uint64_t scratch[4]{};
	uint32_t done_flags = 0; // RP_CQE_* a blocking execution reports with its result (Accept's MORE_PENDING)
	CredsRef creds;          // RP_SQE_CREDS: the credentials a worker runs it with (creds.cpp)
};

// The CQ producer side. One logical producer: every poster takes `mu`. Completions that find the CQ full wait
// in `overflow`, in order, and are flushed as soon as space appears.
struct CompletionQueue {
	struct Pending {
		uint64_t user_data;
		int64_t result;
		uint32_t flags;
	};
	std::mutex mu;
	native::CqProducer producer;
	std::deque<Pending> overflow;
	std::atomic<uint32_t> overflow_size{0};

	// Both need `mu` held. post_locked never loses a completion.
	void post_locked(uint64_t user_data, int64_t result, uint32_t flags);
	void flush_locked();
	// Publishes staged entries and wakes a sleeping consumer. Needs `mu`.
	void publish_locked();
	// Posts one completion and publishes it, after the parked ones (takes `mu`): every OS thread's post.
	void post_now(uint64_t user_data, int64_t result, uint32_t flags);
	// Moves parked completions into the space the consumer has freed, if any are parked (takes `mu`).
	void flush_parked();
};

// The reactor's record of one fd registered with epoll: every op waiting on it.
struct FdWatch {
	int fd = -1;
	bool owned = false;      // fd is the OS's duplicate, made when the program closed its own (closed with the watch)
	uint32_t generation = 0; // tags epoll events, so a stale event never reaches a reused entry
	uint32_t registered_mask = 0;
	std::list<Op*> waiters;
	// How many waiters want each event bit: the interest mask stays O(1) with thousands of waiters on one fd.
	uint32_t bit_users[32] = {};
	void add_interest(uint32_t events)
	{
		for (; events; events &= events - 1)
			++bit_users[__builtin_ctz(events)];
	}
	void remove_interest(uint32_t events)
	{
		for (; events; events &= events - 1)
			--bit_users[__builtin_ctz(events)];
	}
	uint32_t interest() const
	{
		uint32_t m = 0;
		for (int b = 0; b < 32; ++b)
			if (bit_users[b])
				m |= 1u << b;
		return m;
	}
};

// A thread sleeping in futex_waitv on the futexes of several ops, plus its own control word.
struct FutexGroup {
	std::thread thread;
	std::vector<Op*> ops; // entries used: sum of each op's futex count
	uint32_t used = 0;
	uint32_t control = 0; // bumped and woken to make the thread rebuild its vector
	bool solo = false;    // holds one 128-entry Waitv: no room for the control word
	bool stop = false;
};

// A connection of this OS to a scheme server (kernel-to-userspace attachment, scheme_client.cpp).
struct SchemeLink {
	std::string name;
	rp_shared_ring ring{};
	char* data = nullptr;
	native::SqProducer requests;
	native::CqConsumer replies;
	std::vector<uint8_t> slot_busy;
	struct Pending {
		Op* op; // null once the op was given up (ring teardown); the reply is then only accounted for
		int slot;
		uint8_t opcode;
	};
	std::unordered_map<uint64_t, Pending> pending; // by tag
	uint64_t next_tag = 1;
	std::thread relay;
	bool stop = false;
	bool dead = false; // the server went away: requests fail with -EPIPE
	int conn = -1;     // the rendezvous connection: it hangs up when the server process dies
};

// A host fd standing for a file of a scheme: an O_PATH fd of /dev/null, so the number is really taken and
// plain system calls on it fail with EBADF.
struct SchemeFd {
	SchemeLink* link;
	uint64_t handle;
};

struct Ring {
	// Memory shared with the caller.
	void* memory = nullptr;
	size_t memory_size = 0;
	rp_os_ring_view view{};
	native::SqConsumer sq;
	CompletionQueue cq;

	std::atomic<rp_os_notify_fn> notify_fn{nullptr};
	std::atomic<void*> notify_ctx{nullptr};

	// Everything below is guarded by mu.
	std::mutex mu;
	bool stopping = false;
	std::multimap<uint64_t, Op*> table; // in-flight ops by user_data, submission order within a key
	size_t in_flight = 0;

	// Worker pool.
	std::list<Op*> work;
	std::condition_variable work_cv;
	std::vector<std::thread> workers;
	unsigned idle_workers = 0;
	unsigned max_workers = 0;
	std::vector<pid_t> worker_tids;    // each worker's thread id, once it runs (pinning them)
	std::vector<uint8_t> worker_cpus;  // rp_os_ring_worker_cpus' mask; empty: every CPU the process may use
	// Writes to one regular file: queued or running per file key, and the keys a worker runs now. Linux
	// serialises them the same way (io-wq hashes buffered file writes by inode).
	std::unordered_map<uint64_t, unsigned> serial_queued;
	std::unordered_map<uint64_t, bool> serial_running;
	std::atomic<unsigned> serial_total{0};

	// Reactor.
	int epfd = -1;
	int wake_fd = -1;           // eventfd that interrupts epoll_wait
	int timer_fds[3] = {-1, -1, -1}; // CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME
	std::multimap<int64_t, Op*> timers[3];
	std::unordered_map<int, FdWatch> watches;
	uint32_t next_generation = 1;
	uint64_t next_seq = 1;
	std::thread reactor;
	std::list<Op*> retry_list; // ops re-polled on a short timer (Waitpid without a pidfd)
	int retry_fd = -1;         // periodic timerfd, armed while retry_list is not empty
	int dispatching_fd = -1;   // the watch being walked by the reactor: its removal waits until the walk ends
	bool os_posted = false;    // an OS thread posted completions since it last notified
	// The reactor took events under mu and is calling notify after letting mu go: a program thread that
	// collects readiness inside its own write() waits for that notify too, so the CQEs are there on return.
	std::atomic<uint32_t> reactor_notifying{0};
	// Fds with a watch (watches.size()), readable without mu: collecting readiness is skipped while it is 0.
	std::atomic<uint32_t> watch_count{0};

	// Futex waiters.
	std::vector<std::unique_ptr<FutexGroup>> futex_groups;

	// Scheme links and the fds that stand for scheme files.
	std::map<std::string, std::unique_ptr<SchemeLink>> schemes;
	std::unordered_map<int, SchemeFd> scheme_fds;
	std::atomic<uint32_t> scheme_fd_count{0};

	// Credentials registered for RP_SQE_CREDS entries, by id (creds.cpp).
	std::map<uint16_t, CredsRef> creds;

	// --- helpers (ring.cpp / reactor.cpp / workers.cpp) ---
	// Allocates an op for `sqe` and records it in the table. Needs mu.
	Op* new_op(const rp_sqe& sqe, const OpKind* kind);
	// Forgets an op that never started waiting (its submission completes inline instead). Needs mu.
	void drop_locked(Op* op);
	// Completes an op that is not running (posts, unlinks, frees). Needs mu. Returns whether to notify.
	void finish_locked(Op* op, int64_t result, uint32_t flags = 0);
	// Posts one stream item for a stream op that stays in flight. Needs mu.
	void post_event_locked(Op* op, int64_t result);
	// Detaches an op from wherever it waits. Needs mu.
	void detach_locked(Op* op);
	// Hands an op to the worker pool. Needs mu.
	void to_worker_locked(Op* op);
	// Whether a write to the file with this key waits in (or runs on) the worker pool. Needs mu.
	bool serial_busy_locked(uint64_t key) const { return key && serial_queued.count(key); }
	void serial_release_locked(Op* op);
	// Waits for readiness of op->fd / op->events on the reactor. Needs mu. Returns 0 or -errno.
	int to_watch_locked(Op* op);
	// The one way an op starts waiting for fd's events: on the reactor; if it cannot, the op is dropped and its
	// submission completes with the error (and fail_flags), or, with unpollable_to_worker, a file epoll refuses
	// (a regular file) goes to a worker for a blocking call instead. Needs mu.
	Issue watch_or_drop_locked(Op* op, int fd, uint32_t events, uint32_t fail_flags = 0,
	                           bool unpollable_to_worker = false);
	// Moves a watching op to another fd or event set (from a reactor retry). Needs mu.
	int rewatch_locked(Op* op, int fd, uint32_t events);
	// Arms a timer for op (op->clock, op->deadline). Needs mu. Returns 0 or -errno.
	int to_timer_locked(Op* op);
	// Puts op on the short retry timer. Needs mu.
	int to_retry_locked(Op* op);
	// Cancels the first in-flight op with user_data. Needs mu. 0, -ENOENT or -EALREADY.
	int cancel_locked(uint64_t user_data);
	// Cancels this op: 0, or -EALREADY when a worker runs it and cannot be stopped. Needs mu.
	int cancel_op_locked(Op* op);

	// Makes the reactor's fds (epoll, wake eventfd, timerfds): at ring creation, so that a program at its fd
	// limit gets the error from setup, as Linux's io_uring_setup, never from a later timer or poll. 0 or -errno.
	int open_reactor_fds();
	// Starts the reactor's thread (first use). 0 or -errno.
	int start_reactor_locked();
	void reactor_loop();
	// A worker: named iou-wrk-<creator> as Linux names io-wq threads after the task that made them, kept on
	// worker_cpus when set.
	void worker_loop(pid_t creator);
	// Applies worker_cpus to the thread tid (0 or -errno). Needs mu.
	int pin_worker_locked(pid_t tid);
	// Interrupts workers stuck in a system call (teardown) until none runs an op. Needs mu not held.
	void interrupt_running_workers();
	// Starts one more worker; 0 or -EAGAIN/-ENOMEM when the host has no thread to give (threads.hpp).
	int add_worker_locked();
	void handle_watch_event(uint32_t generation, int fd, uint32_t events);
	// Takes every event epoll holds now (without waiting) and acts on it. Needs mu. Whether it posted.
	// Events are consumed only under mu, so whoever takes mu after Linux queued an event finds it done or
	// still queued, never in the hands of a thread that has yet to act on it.
	bool collect_locked();
	void handle_timers(int clock_index);
	void handle_retries();
	void arm_clock_locked(int clock_index);
	void unwatch_locked(Op* op);
	void settle_watch_locked(int fd);
	// The program is closing fd: operations waiting on it move to a duplicate the OS owns, as Linux's requests
	// hold their file.
	void keep_file_locked(int fd);
	void notify();
};

// Inline completions of one enter call, posted to the CQ together: one lock and one publish per batch.
class InlineBatch {
public:
	explicit InlineBatch(CompletionQueue& cq) : cq_(cq) {}
	~InlineBatch() { flush(); }
	void add(uint64_t user_data, int64_t result, uint32_t flags)
	{
		if (n_ == capacity)
			flush();
		items_[n_++] = CompletionQueue::Pending{user_data, result, flags};
	}
	void flush()
	{
		if (n_ == 0)
			return;
		std::lock_guard<std::mutex> g(cq_.mu);
		cq_.flush_locked();
		for (unsigned i = 0; i < n_; ++i)
			cq_.post_locked(items_[i].user_data, items_[i].result, items_[i].flags);
		cq_.publish_locked();
		n_ = 0;
	}

private:
	static constexpr unsigned capacity = 64;
	CompletionQueue& cq_;
	unsigned n_ = 0;
	CompletionQueue::Pending items_[capacity];
};

// RP_SQE_ASYNC (async_issue.cpp): hands the entry (flag cleared) to a worker, which issues it as enter would
// have. Paths are copied first (one that cannot be copied is left for the opcode to refuse). Always queued.
// Needs mu not held.
Issue issue_async(Ring& ring, const rp_sqe& sqe);

// Chains and registers (op_chain.cpp). Whether the entry just consumed starts a chain (the next entry is flagged
// RP_SQE_CHAIN) or uses registers: then issue_chain consumes the rest of the chain (decrementing *left, counting
// *consumed), runs its steps inline for as long as they complete without waiting (their completions join
// `batch`), and hands the rest to a worker.
bool starts_chain(const rp_sqe& sqe, native::SqConsumer& sq);
void issue_chain(Ring& ring, const rp_sqe& first, native::SqConsumer& sq, uint32_t* left, int* consumed,
                 InlineBatch& batch);

// Per-opcode entry point: runs inline; returns done, or queued after handing an Op on.
using Handler = Issue (*)(Ring&, const rp_sqe&);
// Indexed by rp_opcode (opcode_table.cpp builds it entry by index; the argument conventions are native::kOpArgs).
struct OpcodeTable {
	Handler run[RP_OP_STANDARD_COUNT];
	bool filled[RP_OP_STANDARD_COUNT]; // set with each handler: the build-time checks never compare function addresses
	constexpr Handler operator[](uint32_t op) const { return run[op]; }
};
extern const OpcodeTable opcode_table;

// Families (one file each).
Issue op_nop(Ring&, const rp_sqe&);
Issue op_rw(Ring&, const rp_sqe&);
Issue op_open(Ring&, const rp_sqe&);
Issue op_close(Ring&, const rp_sqe&);
Issue op_close_range(Ring&, const rp_sqe&);
Issue op_poll(Ring&, const rp_sqe&);
Issue op_register_events(Ring&, const rp_sqe&);
Issue op_timeout(Ring&, const rp_sqe&);
Issue op_cancel(Ring&, const rp_sqe&);
Issue op_dup(Ring&, const rp_sqe&);
Issue op_mmap(Ring&, const rp_sqe&);
Issue op_munmap(Ring&, const rp_sqe&);
Issue op_madvise(Ring&, const rp_sqe&);
Issue op_lseek(Ring&, const rp_sqe&);
Issue op_fsync(Ring&, const rp_sqe&);
Issue op_sync_range(Ring&, const rp_sqe&);
Issue op_statx(Ring&, const rp_sqe&);
Issue op_ftruncate(Ring&, const rp_sqe&);
Issue op_fallocate(Ring&, const rp_sqe&);
Issue op_fadvise(Ring&, const rp_sqe&);
Issue op_renameat(Ring&, const rp_sqe&);
Issue op_unlinkat(Ring&, const rp_sqe&);
Issue op_mkdirat(Ring&, const rp_sqe&);
Issue op_symlinkat(Ring&, const rp_sqe&);
Issue op_linkat(Ring&, const rp_sqe&);
Issue op_xattr(Ring&, const rp_sqe&);
Issue op_socket(Ring&, const rp_sqe&);
// Scheme-private opcodes (128..255) on an fd that no scheme owns: the socket scheme's, inline.
Issue op_socket_private(Ring&, const rp_sqe&);
// RP_OP_SOCKET_TX_TIMESTAMPS (op_timestamp.cpp), a socket-scheme opcode with a file of its own.
Issue op_socket_tx_timestamps(Ring&, const rp_sqe&);
// After a Recv/RecvMsg that moved got bytes: RP_CQE_MORE_PENDING when its byte stream holds more (op_recv_inq.cpp).
uint32_t received_more_pending(const rp_sqe& s, int fd, int64_t got);
Issue op_bind(Ring&, const rp_sqe&);
Issue op_listen(Ring&, const rp_sqe&);
Issue op_shutdown(Ring&, const rp_sqe&);
Issue op_accept(Ring&, const rp_sqe&);
Issue op_connect(Ring&, const rp_sqe&);
Issue op_sendrecv(Ring&, const rp_sqe&); // send, recv, sendmsg, recvmsg
Issue op_splice(Ring&, const rp_sqe&);   // splice, tee
Issue op_waitpid(Ring&, const rp_sqe&);
Issue op_futex(Ring&, const rp_sqe&);
Issue op_file_info(Ring&, const rp_sqe&);
Issue op_pipe(Ring&, const rp_sqe&);
Issue op_epoll_wait(Ring&, const rp_sqe&);

// The embedding's private address space (rp_os_add_private_range): what a kernel address is to a Linux
// program. Every operation applies user_range() (or user_iovecs()) to each program buffer before the system
// call that would touch it. The bounding box of all ranges is tested first; with one range (the usual case,
// the private heap's reservations merge) that is the whole check.
struct PrivateRanges {
	static constexpr unsigned kMax = 64;
	std::atomic<uint64_t> lo{UINT64_MAX}, hi{0}; // bounding box
	std::atomic<uint32_t> count{0};
	std::atomic<uint64_t> r_lo[kMax], r_hi[kMax];
};
extern PrivateRanges g_private;
bool private_overlaps_slow(uint64_t addr, uint64_t end);
// Whether [addr, addr + len) touches private memory (a zero len counts as one byte, as Linux's access_ok
// refuses a kernel pointer even for zero bytes; a wrapping range always overlaps).
inline bool private_overlaps(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + (len ? len : 1);
	if (end < addr)
		return g_private.count.load(std::memory_order_relaxed) != 0;
	if (end <= g_private.lo.load(std::memory_order_acquire) || addr >= g_private.hi.load(std::memory_order_relaxed))
		return false;
	return private_overlaps_slow(addr, end);
}
// 0, or -EFAULT when a program buffer [addr, addr + len) lies (partly) in private memory. A null address is
// left to the system call (which answers -EFAULT for it, or accepts it with a zero length).
inline int user_range(uint64_t addr, uint64_t len) { return addr && private_overlaps(addr, len) ? -EFAULT : 0; }
// The same for every buffer of an iovec array already copied out of caller memory.
int user_iovecs(const iovec* iov, size_t count);
// Copies an iovec array from caller memory into `out` (whose first `small` entries are `stack`) and checks
// each buffer: 0, or -EFAULT (array unreadable or a buffer in private memory), or -EINVAL (count > IOV_MAX).
// The checked copy is what the system call must get: the program may rewrite its array meanwhile.
int copy_iovecs(uint64_t addr, size_t count, iovec* stack, size_t small, std::vector<iovec>& heap, iovec** out);

// Copies a NUL-terminated string from caller memory without trusting it: -EFAULT or -ENAMETOOLONG (also
// -EFAULT when it runs into private memory).
int copy_path(uint64_t addr, std::vector<char>& out);
// Copies `bytes` of caller memory: 0 or -EFAULT.
int copy_in(void* dst, uint64_t addr, size_t bytes);
// Copies into caller memory: 0 or -EFAULT.
int copy_out(uint64_t addr, const void* src, size_t bytes);

// Hands op to the worker pool with a blocking function (generic "blocking work" family).
Issue run_on_worker(Ring& ring, const rp_sqe& sqe, const OpKind* kind);

// Kernel-to-userspace attachment (scheme_client.cpp). scheme_open: when `path` names a registered scheme
// ("name:rest"), forwards the open and returns true. scheme_route: when sqe.fd is a scheme fd, handles the op
// and returns true.
bool scheme_open(Ring& ring, const rp_sqe& sqe, const char* path, Issue* out);
bool scheme_route(Ring& ring, const rp_sqe& sqe, Issue* out);
void scheme_detach_locked(Ring& ring, Op* op);
void scheme_stop_all(Ring& ring);

// Futex internals (op_futex.cpp).
// 0, or -EAGAIN/-ENOMEM when no waiting thread could be started (the op is then the caller's to finish).
int futex_attach_locked(Ring& ring, Op* op);
void futex_detach_locked(Ring& ring, Op* op);
void futex_stop_all(Ring& ring);

} // namespace ringport::hosted

struct rp_os_ring : ringport::hosted::Ring {};
