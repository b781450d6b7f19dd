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
	uint32_t step = 0; // which entry of op (a chain has several)
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
	// A chain's steps live in the derived Chain; see there.
	Op(Scheduler* sched, rp_sqe* steps, Completion* results, uint32_t* slots, uint32_t count)
	    : sched_(sched), steps_(steps), results_(results), step_slots_(slots), count_(count), remaining_(count)
	{
		for (uint32_t i = 0; i < count; ++i)
			slots[i] = UINT32_MAX;
	}
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

	// A step ended; the last one to end resumes the waiter.
	void step_done(uint32_t step, Completion c)
	{
		results_[step] = c;
		step_slots_[step] = UINT32_MAX;
		if (--remaining_)
			return;
		finish();
	}
	void finish()
	{
		state_ = State::Done;
		timed_.unlink();
		waiter_.resume(); // may destroy this Op: touch nothing after
	}

	detail::Link queued_; // in the backlog
	detail::Link timed_;  // in the deadline list
	Scheduler* sched_;
	rp_sqe sqe_{};
	std::coroutine_handle<> waiter_;
	Completion result_{0, 0};
	uint32_t slot_ = UINT32_MAX;
	// One step (the common case) points into this object; a Chain points at its arrays.
	rp_sqe* steps_ = &sqe_;
	Completion* results_ = &result_;
	uint32_t* step_slots_ = &slot_;
	uint32_t count_ = 1;
	uint32_t remaining_ = 1;
	int64_t timeout_ns_ = -1;
	int64_t deadline_ = -1;
	bool expired_ = false;
	State state_ = State::Built;
};

// Builders of native entries (docs/native-abi.md gives every opcode's fields), for Executor's awaitables and
// for chains. user_data is the executor's to set.
namespace entry {
inline rp_sqe make(uint8_t opcode)
{
	rp_sqe s{};
	s.opcode = opcode;
	return s;
}
inline rp_sqe on_fd(uint8_t opcode, int fd)
{
	rp_sqe s = make(opcode);
	s.fd = uint64_t(int64_t(fd));
	return s;
}
inline rp_sqe transfer(uint8_t opcode, int fd, const void* buf, uint64_t len, uint64_t off, uint8_t flags)
{
	rp_sqe s = on_fd(opcode, fd);
	s.flags = flags;
	s.addr = uint64_t(uintptr_t(buf));
	s.len = len;
	s.offset = off;
	return s;
}
inline rp_sqe nop() { return make(RP_OP_NOP); }
// At an offset.
inline rp_sqe read(int fd, void* buf, uint64_t len, uint64_t off) { return transfer(RP_OP_PREAD, fd, buf, len, off, 0); }
inline rp_sqe write(int fd, const void* buf, uint64_t len, uint64_t off) { return transfer(RP_OP_PWRITE, fd, buf, len, off, 0); }
// At the file position, waiting for readiness on pipes, sockets and ttys.
inline rp_sqe read_stream(int fd, void* buf, uint64_t len) { return transfer(RP_OP_READ, fd, buf, len, 0, RP_SQE_WAIT_READY); }
inline rp_sqe write_stream(int fd, const void* buf, uint64_t len) { return transfer(RP_OP_WRITE, fd, buf, len, 0, RP_SQE_WAIT_READY); }
inline rp_sqe open(const char* path, uint32_t flags, uint32_t mode = 0, int dirfd = -100 /* AT_FDCWD */)
{
	rp_sqe s = on_fd(RP_OP_OPENAT, dirfd);
	s.addr = uint64_t(uintptr_t(path));
	s.syscall_flags = flags;
	s.offset = mode;
	return s;
}
inline rp_sqe close(int fd) { return on_fd(RP_OP_CLOSE, fd); }
inline rp_sqe fsync(int fd) { return on_fd(RP_OP_FSYNC, fd); }
inline rp_sqe poll(int fd, uint32_t events)
{
	rp_sqe s = on_fd(RP_OP_POLL, fd);
	s.syscall_flags = events;
	return s;
}
inline rp_sqe accept(int fd, uint32_t flags = 0)
{
	rp_sqe s = on_fd(RP_OP_ACCEPT, fd);
	s.syscall_flags = flags;
	return s;
}
inline rp_sqe send(int fd, const void* buf, uint64_t len, uint32_t flags = 0)
{
	rp_sqe s = transfer(RP_OP_SEND, fd, buf, len, 0, RP_SQE_WAIT_READY);
	s.syscall_flags = flags;
	return s;
}
inline rp_sqe recv(int fd, void* buf, uint64_t len, uint32_t flags = 0)
{
	rp_sqe s = transfer(RP_OP_RECV, fd, buf, len, 0, RP_SQE_WAIT_READY);
	s.syscall_flags = flags;
	return s;
}
inline rp_sqe lseek(int fd, int64_t off, uint32_t whence)
{
	rp_sqe s = on_fd(RP_OP_LSEEK, fd);
	s.offset = uint64_t(off);
	s.syscall_flags = whence;
	return s;
}
// The native Timeout op: completes -ETIME after ns.
inline rp_sqe timeout(int64_t ns)
{
	rp_sqe s = make(RP_OP_TIMEOUT);
	s.offset = uint64_t(ns < 0 ? 0 : ns);
	return s;
}
// Marks an entry as loading and storing registers: spec is RP_REG_LOAD(...) | RP_REG_LOAD2(...) |
// RP_REG_STORE(...) (native_ring.h).
inline rp_sqe with_registers(rp_sqe s, uint16_t spec)
{
	s.flags |= RP_SQE_REGISTERS;
	s.priority = spec;
	return s;
}
} // namespace entry

// A chain of N native entries run by the OS one after another (RP_SQE_CHAIN on every entry but the first), with
// results passed through the ring's registers where an entry says so (RP_SQE_REGISTERS + an RP_REG_* spec in
// its priority field). `co_await ex.chain(a, b, c)` resumes when every entry has completed and gives all N
// results in order. A failed entry cancels the rest (-ECANCELED), as the OS does. The entries reach the SQ in
// one batch, so N may not exceed the SQ's size.
template <uint32_t N>
class Chain : public Op {
public:
	Chain(Scheduler* sched, const rp_sqe (&entries)[N]) : Op(sched, steps_store_, results_store_, slots_store_, N)
	{
		for (uint32_t i = 0; i < N; ++i) {
			slots_store_[i] = UINT32_MAX;
			steps_store_[i] = entries[i];
			if (i)
				steps_store_[i].flags |= RP_SQE_CHAIN;
		}
	}
	struct Results {
		Completion step[N];
	};
	bool await_ready() const noexcept { return false; }
	void await_suspend(std::coroutine_handle<> h) { Op::await_suspend(h); }
	Results await_resume() const noexcept
	{
		Results r;
		for (uint32_t i = 0; i < N; ++i)
			r.step[i] = results_store_[i];
		return r;
	}

private:
	rp_sqe steps_store_[N];
	Completion results_store_[N];
	uint32_t slots_store_[N];
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
	for (uint32_t i = 0; i < op->count_; ++i) {
		uint32_t slot = op->step_slots_[i];
		if (slot == UINT32_MAX)
			continue;
		slots_[slot].op = nullptr; // its completion is consumed and dropped
		slots_[slot].orphan = true;
		request_cancel(slot);
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

	// Awaitable operations; each is one native SQE built by ringport::exec::entry (below).
	Op nop() { return Op(this, entry::nop()); }
	Op read(int fd, void* buf, uint64_t len, uint64_t off) { return Op(this, entry::read(fd, buf, len, off)); }
	Op write(int fd, const void* buf, uint64_t len, uint64_t off) { return Op(this, entry::write(fd, buf, len, off)); }
	Op read_stream(int fd, void* buf, uint64_t len) { return Op(this, entry::read_stream(fd, buf, len)); }
	Op write_stream(int fd, const void* buf, uint64_t len) { return Op(this, entry::write_stream(fd, buf, len)); }
	Op open(const char* path, uint32_t flags, uint32_t mode = 0) { return Op(this, entry::open(path, flags, mode)); }
	Op close(int fd) { return Op(this, entry::close(fd)); }
	Op fsync(int fd) { return Op(this, entry::fsync(fd)); }
	Op poll(int fd, uint32_t events) { return Op(this, entry::poll(fd, events)); }
	Op accept(int fd, uint32_t flags = 0) { return Op(this, entry::accept(fd, flags)); }
	Op send(int fd, const void* buf, uint64_t len, uint32_t flags = 0) { return Op(this, entry::send(fd, buf, len, flags)); }
	Op recv(int fd, void* buf, uint64_t len, uint32_t flags = 0) { return Op(this, entry::recv(fd, buf, len, flags)); }
	Op lseek(int fd, int64_t off, uint32_t whence) { return Op(this, entry::lseek(fd, off, whence)); }
	Op sleep_for(int64_t ns) { return Op(this, entry::timeout(ns)); }
	// N entries the OS runs in order without the program (see Chain).
	template <uint32_t N>
	Chain<N> chain(const rp_sqe (&entries)[N]) { return Chain<N>(this, entries); }
	// The same with the entries as arguments: `co_await ex.chain(a, b, c)`. Inside a coroutine prefer this (or a
	// named array) to chain({a, b, c}): GCC 12 cannot keep a braced temporary array alive across a co_await
	// ("array used as initializer").
	template <class... Rest>
	Chain<1 + sizeof...(Rest)> chain(const rp_sqe& first, const Rest&... rest)
	{
		const rp_sqe entries[] = {first, rest...};
		return Chain<1 + sizeof...(Rest)>(this, entries);
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
			uint32_t index = 0;
			if (!take_slot(&index))
				break;
			rp_sqe c = entry::make(RP_OP_CANCEL);
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
			// A chain goes in whole, in one batch: the OS joins only entries it consumes together.
			auto room = sq.space();
			if (!room.ok() || room.value() < op->count_ || Slots - in_flight_ < op->count_)
				break;
			for (uint32_t i = 0; i < op->count_; ++i) {
				uint32_t index = 0; // set by take_slot (room was checked); the initializer quiets -O2
				(void)take_slot(&index);
				op->steps_[i].user_data = tag_of(index);
				(void)sq.push(op->steps_[i]); // room was checked
				op->step_slots_[i] = index;
				slots_[index].op = op;
				slots_[index].step = i;
				++stats_.submitted;
			}
			op->queued_.unlink();
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
		uint32_t step = s->step;
		if (s->orphan)
			++stats_.orphaned;
		free_slot(index);
		if (!op) // the executor's own Cancel, or an orphan
			return;
		++stats_.completed;
		op->step_done(step, Completion{op->expired_ && value == -kEcanceled ? -kEtime : value,
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
				for (uint32_t i = 0; i < op->count_; ++i)
					op->results_[i] = Completion{-kEtime, 0};
				op->finish(); // may destroy op and others: restart the walk
				l = deadlines_.next;
			} else {
				for (uint32_t i = 0; i < op->count_; ++i)
					if (op->step_slots_[i] != UINT32_MAX)
						request_cancel(op->step_slots_[i]);
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
