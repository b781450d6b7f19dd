// An async executor for native programs: C++20 coroutines over the native ring.
//
// A native program (a driver, a server, a tool) writes straight-line code and awaits the ring:
//
//     ringport::exec::Task<int64_t> copy(Executor& ex, int in, int out) {
//         char buf[4096];
//         int64_t n = (co_await ex.read(in, buf, sizeof buf, 0)).value;
//         co_return (co_await ex.write(out, buf, n, 0)).value;
//     }
//
// The executor stages SQEs as coroutines await them, submits them in batches when every runnable coroutine
// has suspended, and resumes each awaiting coroutine when its completion arrives. Results are the full 64-bit
// value (an extended completion is delivered whole). Single-threaded: one executor, one thread, one ring.
//
// Completion routing (how a CQE finds its waiter) comes in two modes, as the Redox design asks:
//  - Tagged: user_data is (generation << 32 | slot). A completion whose slot is out of range, free, or of
//    another generation is counted in stats().dropped and never dereferenced: the mode for a ring whose
//    producer the program does not trust (a scheme server's clients, a shared ring with another process).
//  - Pointer: user_data is the address of the executor's slot record: one load, no check. Only for a producer
//    that is trusted never to forge a completion (the program's own kernel).
// Either way the slot, not the awaiting coroutine, owns the request: a coroutine destroyed while it waits
// (cancellation) leaves its slot behind, the executor submits a native Cancel for it, and the slot is freed
// when the last completion of the request arrives, so a late completion never touches freed memory.
//
// Timeouts: op.within(ns) bounds one operation; when the deadline passes first, the executor cancels it and
// the operation completes with -ETIME (the result Linux gives a request whose linked timeout fired is
// -ECANCELED; an executor user wants to know why, hence ETIME). sleep_for(ns) is the native Timeout op.
//
// Freestanding-friendly: only <coroutine>, <stdint.h> and the native ring headers; no exceptions (a coroutine
// frame that cannot be allocated terminates, as -fno-exceptions code does), no global state. The backend is
// any type with:
//     native::SqProducer& sq();  native::CqConsumer& cq();
//     int enter(uint32_t min_complete, int64_t timeout_ns); // publish staged SQEs, let the OS consume them,
//                                 // wait until min_complete CQEs are there or timeout_ns (<0: no limit) passes
//     int64_t now_ns();                                     // a monotonic clock
// executor_hosted.hpp has the hosted OS's; the reference kernel's is in libc-glue/newlib.
#pragma once

#include <ringport/native_ring.hpp>

#include <coroutine>
#include <stdint.h>

namespace ringport::exec {

inline constexpr int kEtime = 62;      // Linux ETIME
inline constexpr int kEcanceled = 125; // Linux ECANCELED
inline constexpr int kEagain = 11;     // Linux EAGAIN

enum class Routing : uint8_t { Tagged, Pointer };

// What an awaited operation gives back: the full result (bytes, an fd, an address, or -errno) and the CQE
// flags (RP_CQE_* without EXTENDED, which the executor has already consumed).
struct Completion {
	int64_t value;
	uint32_t flags;
	bool ok() const { return value >= 0; }
};

struct Stats {
	uint64_t submitted = 0; // SQEs handed to the ring (operations and the executor's own Cancels)
	uint64_t completed = 0; // completions delivered to a waiting coroutine
	uint64_t orphaned = 0;  // completions of requests whose coroutine was destroyed: consumed, not delivered
	uint64_t dropped = 0;   // completions naming no request of ours (forged or stale, Tagged mode): ignored
	uint64_t cancels = 0;   // native Cancel SQEs sent (destroyed waiters, expired deadlines)
	uint64_t enters = 0;    // backend enter calls (batches)
};

class Scheduler;
class Op;

namespace detail {

// Intrusive doubly linked list node: a destroyed waiter unlinks itself in O(1).
struct Link {
	Link* prev = this;
	Link* next = this;
	bool linked() const { return next != this; }
	void unlink()
	{
		prev->next = next;
		next->prev = prev;
		prev = next = this;
	}
	void insert_before(Link* at)
	{
		prev = at->prev;
		next = at;
		at->prev->next = this;
		at->prev = this;
	}
};

// A request's record while the OS holds it. Owned by the executor, never by the awaiting coroutine, so a
// completion that arrives after its coroutine is gone lands here and nowhere else.
struct Slot {
	Op* op = nullptr; // where the result goes; null for the executor's Cancels and for orphans
	uint32_t generation = 1;
	uint32_t next_free = 0;
	bool busy = false;
	bool orphan = false;       // its coroutine is gone: the completion is consumed and dropped
	bool cancel_sent = false;  // a Cancel was asked for (once per request)
	bool cancel_queued = false; // ... and is still waiting in the executor to go out
};

struct RootHooks {
	Scheduler* sched = nullptr;
	uint32_t root = UINT32_MAX; // index of a spawned root, or none for an awaited child task
};

} // namespace detail

// The backend-independent half of the executor: request records, routing, the backlog, deadlines, roots.
class Scheduler {
public:
	const Stats& stats() const { return stats_; }
	// Requests the OS holds right now (including the executor's own Cancels).
	uint32_t in_flight() const { return in_flight_; }

	// For awaitables (not for programs):
	void stage(Op* op);
	void forget(Op* op);
	void root_finished(uint32_t root) { finished_[finished_count_++] = root; }

protected:
	Scheduler(detail::Slot* slots, uint32_t count, Routing routing) : slots_(slots), count_(count), routing_(routing) {}
	// The derived executor owns the slot array, which is constructed after this base: it calls this then.
	void link_free_slots()
	{
		for (uint32_t i = 0; i < count_; ++i)
			slots_[i].next_free = i + 1;
		free_head_ = 0;
	}
	~Scheduler() = default;
	Scheduler(const Scheduler&) = delete;
	Scheduler& operator=(const Scheduler&) = delete;

	uint64_t tag_of(uint32_t index) const
	{
		if (routing_ == Routing::Pointer)
			return uint64_t(reinterpret_cast<uintptr_t>(&slots_[index]));
		return uint64_t(slots_[index].generation) << 32 | index;
	}
	// The request a completion names, or null when it names none of ours.
	detail::Slot* slot_of(uint64_t user_data)
	{
		if (routing_ == Routing::Pointer)
			return reinterpret_cast<detail::Slot*>(uintptr_t(user_data)); // a trusted producer: no check
		uint32_t index = uint32_t(user_data);
		if (index >= count_)
			return nullptr;
		detail::Slot& s = slots_[index];
		if (!s.busy || s.generation != uint32_t(user_data >> 32))
			return nullptr;
		return &s;
	}
	bool take_slot(uint32_t* index)
	{
		if (free_head_ >= count_)
			return false;
		*index = free_head_;
		detail::Slot& s = slots_[free_head_];
		free_head_ = s.next_free;
		s.busy = true;
		s.orphan = s.cancel_sent = s.cancel_queued = false;
		s.op = nullptr;
		++in_flight_;
		return true;
	}
	void free_slot(uint32_t index)
	{
		detail::Slot& s = slots_[index];
		if (s.cancel_queued) { // it ended before its Cancel went out: a Cancel sent now could hit the next owner
			for (uint32_t i = 0; i < cancel_count_; ++i)
				if (cancel_targets_[i] == index) {
					cancel_targets_[i] = cancel_targets_[--cancel_count_];
					break;
				}
			s.cancel_queued = false;
		}
		s.busy = false;
		s.op = nullptr;
		if (++s.generation == 0) // a late or replayed completion of the old request no longer matches
			s.generation = 1;
		s.next_free = free_head_;
		free_head_ = index;
		--in_flight_;
	}
	void request_cancel(uint32_t index)
	{
		detail::Slot& s = slots_[index];
		if (s.cancel_sent)
			return;
		s.cancel_sent = true;
		s.cancel_queued = true;
		cancel_targets_[cancel_count_++] = index; // at most one per slot, so it cannot overflow
	}

	detail::Slot* slots_;
	uint32_t count_;
	Routing routing_;
	uint32_t free_head_ = 0;
	uint32_t in_flight_ = 0;
	detail::Link backlog_;   // awaited operations not yet in the SQ (no free slot or no SQ room), in order
	detail::Link deadlines_; // operations with a deadline that have not completed
	uint32_t* cancel_targets_ = nullptr; // slots whose Cancel is still to be sent (one array entry per slot)
	uint32_t cancel_count_ = 0;
	uint32_t* finished_ = nullptr; // spawned roots that ran to the end, to destroy at the next turn
	uint32_t finished_count_ = 0;
	int64_t (*now_)(void*) = nullptr;
	void* now_ctx_ = nullptr;
	Stats stats_;
};

// One operation. Awaiting it stages the SQE; the result is a Completion. Destroying the coroutine that awaits
// it cancels the request. Build it with an Executor's methods; await it at once (it is not copyable).
class Op {
public:
	Op(Scheduler* sched, const rp_sqe& sqe) : sched_(sched), sqe_(sqe) {}
	Op(const Op&) = delete;
	Op& operator=(const Op&) = delete;
	~Op()
	{
		if (state_ == State::Waiting)
			sched_->forget(this);
	}

	// Bounds this operation: if ns pass before it completes, it is cancelled and completes with -ETIME.
	// `co_await ex.read(...).within(ns)`: the temporary Op lives to the end of the full expression, so the
	// small forwarding awaiter returned here may refer to it.
	struct Bounded {
		Op& op;
		bool await_ready() const noexcept { return false; }
		void await_suspend(std::coroutine_handle<> h) { op.await_suspend(h); }
		Completion await_resume() const noexcept { return op.result_; }
	};
	Bounded within(int64_t ns) &&
	{
		timeout_ns_ = ns < 0 ? 0 : ns;
		return Bounded{*this};
	}

	bool await_ready() const noexcept { return false; }
	void await_suspend(std::coroutine_handle<> h)
	{
		waiter_ = h;
		state_ = State::Waiting;
		sched_->stage(this);
	}
	Completion await_resume() const noexcept { return result_; }

private:
	friend class Scheduler;
	template <class, uint32_t>
	friend class Executor;
	enum class State : uint8_t { Built, Waiting, Done };

	void complete(Completion c)
	{
		state_ = State::Done;
		result_ = c;
		timed_.unlink();
		waiter_.resume(); // may destroy this Op: touch nothing after
	}

	detail::Link queued_; // in the backlog
	detail::Link timed_;  // in the deadline list
	Scheduler* sched_;
	rp_sqe sqe_;
	std::coroutine_handle<> waiter_;
	Completion result_{0, 0};
	int64_t timeout_ns_ = -1;
	int64_t deadline_ = -1;
	uint32_t slot_ = UINT32_MAX;
	bool expired_ = false;
	State state_ = State::Built;
};

namespace detail {
template <class Owner>
Owner* from_link(Link* l, Link Owner::*member)
{
	const auto off = reinterpret_cast<uintptr_t>(&(reinterpret_cast<Owner*>(uintptr_t(64))->*member)) - 64;
	return reinterpret_cast<Owner*>(reinterpret_cast<uintptr_t>(l) - off);
}
} // namespace detail

inline void Scheduler::stage(Op* op)
{
	op->queued_.insert_before(&backlog_);
	if (op->timeout_ns_ >= 0) {
		op->deadline_ = now_(now_ctx_) + op->timeout_ns_;
		op->timed_.insert_before(&deadlines_);
	}
}

inline void Scheduler::forget(Op* op)
{
	op->timed_.unlink();
	if (op->queued_.linked()) { // never reached the OS: nothing to cancel
		op->queued_.unlink();
		return;
	}
	if (op->slot_ != UINT32_MAX) {
		slots_[op->slot_].op = nullptr; // its completion is consumed and dropped
		slots_[op->slot_].orphan = true;
		request_cancel(op->slot_);
	}
}

// A lazily started coroutine returning T (void or a value type). `co_await task` runs it and gives its
// result. Destroying a Task destroys its frame, and with it every operation it awaits (cancelling them).
template <class T = void>
class Task;

namespace detail {
struct PromiseBase {
	std::coroutine_handle<> continuation;
	RootHooks root;
	std::suspend_always initial_suspend() noexcept { return {}; }
	struct Final {
		bool await_ready() noexcept { return false; }
		template <class P>
		std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept
		{
			PromiseBase& p = h.promise();
			if (p.root.sched)
				p.root.sched->root_finished(p.root.root);
			if (p.continuation)
				return p.continuation;
			return std::noop_coroutine();
		}
		void await_resume() noexcept {}
	};
	Final final_suspend() noexcept { return {}; }
	void unhandled_exception() noexcept { __builtin_trap(); }
};
template <class T>
struct Promise : PromiseBase {
	T value{};
	Task<T> get_return_object() noexcept;
	void return_value(T v) noexcept { value = v; }
};
template <>
struct Promise<void> : PromiseBase {
	Task<void> get_return_object() noexcept;
	void return_void() noexcept {}
};
} // namespace detail

template <class T>
class Task {
public:
	using promise_type = detail::Promise<T>;
	Task() = default;
	explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
	Task(Task&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
	Task& operator=(Task&& o) noexcept
	{
		if (this != &o) {
			reset();
			h_ = o.h_;
			o.h_ = nullptr;
		}
		return *this;
	}
	~Task() { reset(); }

	bool await_ready() const noexcept { return !h_ || h_.done(); }
	std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept
	{
		h_.promise().continuation = caller;
		return h_;
	}
	T await_resume() noexcept
	{
		if constexpr (!__is_same(T, void))
			return h_.promise().value;
	}

	std::coroutine_handle<promise_type> release()
	{
		auto h = h_;
		h_ = nullptr;
		return h;
	}

private:
	void reset()
	{
		if (h_)
			h_.destroy();
		h_ = nullptr;
	}
	std::coroutine_handle<promise_type> h_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept
{
	return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept
{
	return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
} // namespace detail

// The executor over one backend. Slots is the most requests the OS holds at once (more awaiting coroutines
// wait in the backlog, in order); Roots the most spawned coroutines alive at once. It is big (tens of KiB):
// make it static or allocate it.
template <class Backend, uint32_t Slots = 1024>
class Executor : public Scheduler {
public:
	static constexpr uint32_t kRoots = 4096;

	explicit Executor(Backend& backend, Routing routing = Routing::Tagged) : Scheduler(slot_store_, Slots, routing), backend_(backend)
	{
		link_free_slots();
		cancel_targets_ = cancel_store_;
		finished_ = finished_store_;
		now_ = [](void* b) { return static_cast<Backend*>(b)->now_ns(); };
		now_ctx_ = &backend;
		for (uint32_t i = 0; i < kRoots; ++i)
			roots_[i].next_free = i + 1;
	}
	~Executor()
	{
		for (auto& r : roots_)
			if (r.handle)
				r.handle.destroy();
	}

	// Starts a root coroutine at the next turn. Returns its id (for cancel), or 0 when kRoots are alive.
	uint32_t spawn(Task<void>&& task)
	{
		if (root_free_ >= kRoots)
			return 0;
		uint32_t index = root_free_;
		Root& r = roots_[index];
		root_free_ = r.next_free;
		r.handle = task.release();
		r.handle.promise().root = detail::RootHooks{this, index};
		r.generation = (r.generation + 1) & 0xffff;
		r.started = false;
		starting_[starting_count_++] = index;
		++live_roots_;
		return (r.generation << 16 | (index + 1));
	}

	// Destroys a root that has not finished; every operation it (or a task it awaits) waits for is cancelled.
	// False when id names no live root. Not from inside that root.
	bool cancel(uint32_t id)
	{
		uint32_t index = (id & 0xffff) - 1;
		if (index >= kRoots || !roots_[index].handle || roots_[index].generation != (id >> 16))
			return false;
		for (uint32_t i = 0; i < finished_count_; ++i)
			if (finished_[i] == index)
				return false; // already finished: reaped at the next turn
		release_root(index);
		return true;
	}

	uint32_t live() const { return live_roots_; }

	// Runs until every spawned root has finished and the OS holds no request of this executor. 0, the
	// backend's -errno, or -EDEADLK when live roots wait for something that is not a request (no request is
	// held, none staged): they would never wake.
	int run()
	{
		for (;;) {
			int err = turn(true);
			if (err < 0)
				return err;
			if (!live_roots_ && !in_flight_ && !starting_count_)
				return 0;
			if (live_roots_ && !in_flight_ && !starting_count_ && !backlog_.linked() && !finished_count_)
				return -35; // EDEADLK
		}
	}

	// One turn: start new roots, submit what is staged in one batch, reap completions and resume their
	// coroutines (waiting for one when wait is true and nothing else can run). 0 or the backend's -errno.
	int turn(bool wait)
	{
		start_roots();
		reap_finished();
		submit_staged();
		if (!in_flight_ && !cancel_count_) {
			reap_completions(); // nothing of ours can be there, but a stray entry must not clog the CQ
			return 0;
		}
		int64_t timeout = -1;
		if (int64_t next = earliest_deadline(); next >= 0) {
			int64_t now = backend_.now_ns();
			timeout = next > now ? next - now : 0;
		}
		uint32_t want = wait ? 1 : 0;
		++stats_.enters;
		int err = backend_.enter(want, want ? timeout : 0);
		if (err < 0 && err != -kEtime && err != -4 /* EINTR */ && err != -110 /* ETIMEDOUT */)
			return err;
		reap_completions();
		expire_deadlines();
		reap_finished();
		return 0;
	}

	// Awaitable operations; each is one native SQE (docs/native-abi.md gives the fields).
	Op nop() { return Op(this, sqe(RP_OP_NOP)); }
	Op read(int fd, void* buf, uint64_t len, uint64_t off) { return Op(this, io(RP_OP_PREAD, fd, buf, len, off)); }
	Op write(int fd, const void* buf, uint64_t len, uint64_t off) { return Op(this, io(RP_OP_PWRITE, fd, buf, len, off)); }
	// At the file position, waiting for readiness on pipes, sockets and ttys.
	Op read_stream(int fd, void* buf, uint64_t len) { return Op(this, io(RP_OP_READ, fd, buf, len, 0, RP_SQE_WAIT_READY)); }
	Op write_stream(int fd, const void* buf, uint64_t len) { return Op(this, io(RP_OP_WRITE, fd, buf, len, 0, RP_SQE_WAIT_READY)); }
	Op open(const char* path, uint32_t flags, uint32_t mode = 0, int dirfd = -100 /* AT_FDCWD */)
	{
		rp_sqe s = sqe(RP_OP_OPENAT);
		s.fd = uint64_t(int64_t(dirfd));
		s.addr = uint64_t(uintptr_t(path));
		s.syscall_flags = flags;
		s.offset = mode;
		return Op(this, s);
	}
	Op close(int fd) { return Op(this, on_fd(RP_OP_CLOSE, fd)); }
	Op fsync(int fd) { return Op(this, on_fd(RP_OP_FSYNC, fd)); }
	Op poll(int fd, uint32_t events)
	{
		rp_sqe s = on_fd(RP_OP_POLL, fd);
		s.syscall_flags = events;
		return Op(this, s);
	}
	Op accept(int fd, uint32_t flags = 0)
	{
		rp_sqe s = on_fd(RP_OP_ACCEPT, fd);
		s.syscall_flags = flags;
		return Op(this, s);
	}
	Op send(int fd, const void* buf, uint64_t len, uint32_t flags = 0)
	{
		rp_sqe s = io(RP_OP_SEND, fd, buf, len, 0, RP_SQE_WAIT_READY);
		s.syscall_flags = flags;
		return Op(this, s);
	}
	Op recv(int fd, void* buf, uint64_t len, uint32_t flags = 0)
	{
		rp_sqe s = io(RP_OP_RECV, fd, buf, len, 0, RP_SQE_WAIT_READY);
		s.syscall_flags = flags;
		return Op(this, s);
	}
	Op lseek(int fd, int64_t off, uint32_t whence)
	{
		rp_sqe s = on_fd(RP_OP_LSEEK, fd);
		s.offset = uint64_t(off);
		s.syscall_flags = whence;
		return Op(this, s);
	}
	Op mmap(void* hint, uint64_t len, uint32_t prot, uint32_t flags, int fd = -1, uint64_t off = 0)
	{
		rp_sqe s = sqe(RP_OP_MMAP);
		s.addr = uint64_t(uintptr_t(hint));
		s.len = len;
		s.additional1 = prot;
		s.syscall_flags = flags;
		s.fd = uint64_t(int64_t(fd));
		s.offset = off;
		return Op(this, s);
	}
	// The native Timeout op: completes -ETIME after ns.
	Op sleep_for(int64_t ns)
	{
		rp_sqe s = sqe(RP_OP_TIMEOUT);
		s.offset = uint64_t(ns < 0 ? 0 : ns);
		return Op(this, s);
	}
	// Any other native opcode, built by the caller (the executor sets user_data).
	Op submit(const rp_sqe& s) { return Op(this, s); }

	Backend& backend() { return backend_; }
	int64_t now_ns() { return backend_.now_ns(); }

private:
	struct Root {
		std::coroutine_handle<detail::Promise<void>> handle;
		uint32_t generation = 0;
		uint32_t next_free = 0;
		bool started = false;
	};

	static rp_sqe sqe(uint8_t opcode)
	{
		rp_sqe s{};
		s.opcode = opcode;
		return s;
	}
	static rp_sqe on_fd(uint8_t opcode, int fd)
	{
		rp_sqe s = sqe(opcode);
		s.fd = uint64_t(int64_t(fd));
		return s;
	}
	static rp_sqe io(uint8_t opcode, int fd, const void* buf, uint64_t len, uint64_t off, uint8_t flags = 0)
	{
		rp_sqe s = on_fd(opcode, fd);
		s.flags = flags;
		s.addr = uint64_t(uintptr_t(buf));
		s.len = len;
		s.offset = off;
		return s;
	}

	void release_root(uint32_t index)
	{
		Root& r = roots_[index];
		r.handle.destroy(); // runs ~Op of whatever it awaits: their requests become orphans and are cancelled
		r.handle = nullptr;
		r.next_free = root_free_;
		root_free_ = index;
		--live_roots_;
	}

	void start_roots()
	{
		// A root started here may spawn more: those start in this loop too.
		for (uint32_t i = 0; i < starting_count_; ++i) {
			Root& r = roots_[starting_[i]];
			if (r.handle && !r.started) {
				r.started = true;
				r.handle.resume();
			}
		}
		starting_count_ = 0;
	}

	void reap_finished()
	{
		while (finished_count_)
			release_root(finished_[--finished_count_]);
	}

	// Moves pending Cancels, then staged operations, into the SQ while slots and room last.
	void submit_staged()
	{
		native::SqProducer& sq = backend_.sq();
		while (cancel_count_) {
			uint32_t target = cancel_targets_[cancel_count_ - 1];
			uint32_t index;
			if (!take_slot(&index))
				break;
			rp_sqe c = sqe(RP_OP_CANCEL);
			c.addr = tag_of(target);
			c.user_data = tag_of(index);
			if (sq.push(c) != RP_RING_OK) {
				free_slot(index);
				break;
			}
			--cancel_count_;
			slots_[target].cancel_queued = false;
			++stats_.cancels;
			++stats_.submitted;
		}
		while (backlog_.linked()) {
			Op* op = detail::from_link(backlog_.next, &Op::queued_);
			uint32_t index;
			if (!take_slot(&index))
				break;
			op->sqe_.user_data = tag_of(index);
			if (sq.push(op->sqe_) != RP_RING_OK) {
				free_slot(index);
				break;
			}
			op->queued_.unlink();
			op->slot_ = index;
			slots_[index].op = op;
			++stats_.submitted;
		}
	}

	void reap_completions()
	{
		native::CqConsumer& cq = backend_.cq();
		rp_cqe cqe;
		int64_t value;
		while (native::pop_completion(cq, &cqe, &value) == RP_RING_OK) {
			cq.release(); // hand the slots back before resuming: the resumed code may wait for room
			deliver(cqe, value);
		}
	}

	void deliver(const rp_cqe& cqe, int64_t value)
	{
		detail::Slot* s = slot_of(cqe.user_data);
		if (!s) {
			++stats_.dropped;
			return;
		}
		if (cqe.flags & RP_CQE_EVENT)
			return; // an item of a stream: the request is still held; its last completion frees it
		uint32_t index = uint32_t(s - slots_);
		Op* op = s->op;
		if (s->orphan)
			++stats_.orphaned;
		free_slot(index);
		if (!op) // the executor's own Cancel, or an orphan
			return;
		op->slot_ = UINT32_MAX;
		++stats_.completed;
		op->complete(Completion{op->expired_ && value == -kEcanceled ? -kEtime : value,
		                        cqe.flags & ~uint32_t(RP_CQE_EXTENDED)});
	}

	int64_t earliest_deadline()
	{
		int64_t best = -1;
		for (detail::Link* l = deadlines_.next; l != &deadlines_; l = l->next) {
			Op* op = detail::from_link(l, &Op::timed_);
			if (!op->expired_ && (best < 0 || op->deadline_ < best))
				best = op->deadline_;
		}
		return best;
	}

	void expire_deadlines()
	{
		if (!deadlines_.linked())
			return;
		int64_t now = backend_.now_ns();
		for (detail::Link* l = deadlines_.next; l != &deadlines_;) {
			Op* op = detail::from_link(l, &Op::timed_);
			l = l->next;
			if (op->expired_ || op->deadline_ > now)
				continue;
			op->expired_ = true;
			if (op->queued_.linked()) { // never reached the OS: it ends here
				op->queued_.unlink();
				op->complete(Completion{-kEtime, 0}); // may destroy op and others: restart the walk
				l = deadlines_.next;
			} else if (op->slot_ != UINT32_MAX) {
				request_cancel(op->slot_);
			}
		}
	}

	Backend& backend_;
	detail::Slot slot_store_[Slots];
	uint32_t cancel_store_[Slots];
	Root roots_[kRoots];
	uint32_t finished_store_[kRoots];
	uint32_t starting_[kRoots];
	uint32_t starting_count_ = 0;
	uint32_t root_free_ = 0;
	uint32_t live_roots_ = 0;
};

} // namespace ringport::exec
