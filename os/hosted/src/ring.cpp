// Ring lifetime, the enter call, and completion posting (the CQ's one logical producer).
#include "internal.hpp"
#include "layout.hpp"

#include <ringport/fork_gate.hpp>

#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ringport::hosted {

int64_t fail() { return -int64_t(errno); }

std::atomic<uint32_t> g_watched_fds{0};
std::atomic<uint32_t> g_reactors_notifying{0};

int poll_now(pollfd* fds, unsigned long n)
{
	timespec zero{};
	long r = linux_syscall(SYS_ppoll, long(fds), long(n), long(&zero), 0, 8);
	if (r < 0) {
		errno = int(-r);
		return -1;
	}
	return int(r);
}

int fd_status_flags(int fd)
{
	return int(linux_syscall(SYS_fcntl, fd, F_GETFL));
}

int epoll_control(int epfd, int op, int fd, epoll_event* ev)
{
	long r = linux_syscall(SYS_epoll_ctl, epfd, op, fd, long(ev));
	if (r < 0) {
		errno = int(-r);
		return -1;
	}
	return 0;
}

namespace {
std::atomic<void (*)(int)> g_readiness_hook{nullptr};
}

void readiness_hook(int fd)
{
	if (auto fn = g_readiness_hook.load(std::memory_order_acquire))
		fn(fd);
}

// LeakSanitizer's way to be told about memory kept on purpose, when the program runs under it.
extern "C" void __lsan_ignore_object(const void* p) __attribute__((weak));

namespace {
// Every ring of the process, for rp_os_collect_readiness. Recursive: a notify callback run by the collector may
// lead to a ring's destruction, which unregisters it on the same thread; the generation tells the walk.
std::recursive_mutex g_registry_mu;
std::vector<Ring*>* g_registry;
uint64_t g_registry_generation;

// A forked child runs none of the parent's rings (the shim gives up its copies with rp_os_ring_abandon), so it
// starts with an empty registry. The copied lock and list are left alone: another thread of the parent may have
// held or been changing them at the fork.
void registry_after_fork_child()
{
	new (&g_registry_mu) std::recursive_mutex;
	if (g_registry && __lsan_ignore_object)
		__lsan_ignore_object(g_registry); // the parent's list, left alone on purpose: not a leak
	g_registry = nullptr;
	++g_registry_generation;
	g_watched_fds.store(0, std::memory_order_relaxed);
	g_reactors_notifying.store(0, std::memory_order_relaxed); // the parent's reactors are not the child's
}

void registry_add(Ring* ring)
{
	static std::once_flag hooks;
	std::call_once(hooks, [] { pthread_atfork(nullptr, nullptr, registry_after_fork_child); });
	std::lock_guard<std::recursive_mutex> g(g_registry_mu);
	if (!g_registry)
		g_registry = new std::vector<Ring*>;
	g_registry->push_back(ring);
	++g_registry_generation;
}

void registry_remove(Ring* ring)
{
	std::lock_guard<std::recursive_mutex> g(g_registry_mu);
	if (!g_registry)
		return;
	for (auto it = g_registry->begin(); it != g_registry->end(); ++it)
		if (*it == ring) {
			g_registry->erase(it);
			break;
		}
	++g_registry_generation;
}
} // namespace

bool to_fd(uint64_t field, int* fd)
{
	int64_t v = int64_t(field);
	if (v < INT_MIN || v > INT_MAX) {
		*fd = -1;
		return false;
	}
	*fd = int(v);
	return true;
}

// ---- completion queue ----

void CompletionQueue::post_locked(uint64_t user_data, int64_t result, uint32_t flags)
{
	if (overflow.empty() && native::post_completion(producer, user_data, result, flags) == RP_RING_OK)
		return;
	// Full (or a consumer scribbled on the head): keep it, in order, for the next flush.
	overflow.push_back(Pending{user_data, result, flags});
	overflow_size.store(uint32_t(overflow.size()), std::memory_order_relaxed);
}

void CompletionQueue::flush_locked()
{
	while (!overflow.empty()) {
		const Pending& p = overflow.front();
		if (native::post_completion(producer, p.user_data, p.result, p.flags) != RP_RING_OK)
			break;
		overflow.pop_front();
	}
	overflow_size.store(uint32_t(overflow.size()), std::memory_order_relaxed);
}

void CompletionQueue::publish_locked() { native::publish_and_wake(producer); }

void CompletionQueue::post_now(uint64_t user_data, int64_t result, uint32_t flags)
{
	std::lock_guard<std::mutex> g(mu);
	flush_locked();
	post_locked(user_data, result, flags);
	publish_locked();
}

void CompletionQueue::flush_parked()
{
	if (!overflow_size.load(std::memory_order_relaxed))
		return;
	std::lock_guard<std::mutex> g(mu);
	flush_locked();
	publish_locked();
}

// ---- in-flight operations ----

Op* Ring::new_op(const rp_sqe& sqe, const OpKind* kind)
{
	Op* op = new Op;
	op->sqe = sqe;
	op->kind = kind;
	op->seq = next_seq++;
	if (t_issuing_creds)
		op->creds = *t_issuing_creds; // issued under RP_SQE_CREDS: whoever runs it later takes them too
	op->table_pos = table.emplace(sqe.user_data, op);
	++in_flight;
	return op;
}

void Ring::drop_locked(Op* op)
{
	detach_locked(op);
	table.erase(op->table_pos);
	--in_flight;
	if (op->kind && op->kind->release)
		op->kind->release(*op);
	if (op->owned_fd >= 0)
		close_owned(op->owned_fd);
	delete op;
}

void Ring::detach_locked(Op* op)
{
	switch (op->place) {
	case Place::none:
	case Place::running:
		break;
	case Place::worker_queue:
		work.erase(op->place_pos);
		serial_release_locked(op);
		break;
	case Place::fd_watch:
		unwatch_locked(op);
		break;
	case Place::timer: {
		int idx = op->clock == CLOCK_BOOTTIME ? 1 : op->clock == CLOCK_REALTIME ? 2 : 0;
		timers[idx].erase(op->timer_pos);
		break;
	}
	case Place::futex:
		futex_detach_locked(*this, op);
		break;
	case Place::retry_timer:
		retry_list.erase(op->place_pos);
		break;
	case Place::scheme:
		scheme_detach_locked(*this, op);
		break;
	}
	op->place = Place::none;
}

void Ring::finish_locked(Op* op, int64_t result, uint32_t flags)
{
	detach_locked(op);
	table.erase(op->table_pos);
	--in_flight;
	if (op->stream)
		flags |= RP_CQE_LAST_UPDATE;
	cq.post_now(op->sqe.user_data, result, flags);
	os_posted = true;
	if (op->kind && op->kind->release)
		op->kind->release(*op);
	if (op->owned_fd >= 0)
		close_owned(op->owned_fd);
	delete op;
}

void Ring::post_event_locked(Op* op, int64_t result)
{
	cq.post_now(op->sqe.user_data, result, RP_CQE_EVENT);
	os_posted = true;
}

int Ring::cancel_op_locked(Op* op)
{
	if (op->place == Place::running && (op->kind->interruptible || op->kind->settles_cancel)) {
		// A connect blocked on a worker: interrupting it cancels it (its worker completes it). An entry being
		// issued on a worker (async_issue.cpp) settles the cancel itself.
		if (__atomic_load_n(&op->cancelling, __ATOMIC_ACQUIRE))
			return -EALREADY;
		__atomic_store_n(&op->cancelling, true, __ATOMIC_RELEASE);
		if (op->kind->settles_cancel || interrupt_worker(op->runner))
			return 0;
		__atomic_store_n(&op->cancelling, false, __ATOMIC_RELEASE);
	}
	if (op->place == Place::running || op->place == Place::scheme) // a scheme server has it: running
		return -EALREADY;
	finish_locked(op, -ECANCELED);
	return 0;
}

int Ring::cancel_locked(uint64_t user_data)
{
	auto [first, last] = table.equal_range(user_data);
	bool running = false;
	for (auto it = first; it != last; ++it) {
		if (cancel_op_locked(it->second) == 0)
			return 0;
		running = true;
	}
	return running ? -EALREADY : -ENOENT;
}

void Ring::notify()
{
	rp_os_notify_fn fn = notify_fn.load(std::memory_order_acquire);
	if (fn)
		fn(notify_ctx.load(std::memory_order_acquire));
}

namespace {

int64_t now_ns(clockid_t clock)
{
	timespec ts{};
	clock_gettime(clock, &ts);
	return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Completions the consumer has not taken yet, counting those parked in the overflow list.
uint64_t unconsumed(Ring& r)
{
	uint64_t tail = __atomic_load_n(&r.view.cq->tail, __ATOMIC_ACQUIRE);
	uint64_t head = __atomic_load_n(&r.view.cq->head, __ATOMIC_ACQUIRE);
	return (tail - head) + r.cq.overflow_size.load(std::memory_order_relaxed);
}

} // namespace

} // namespace ringport::hosted

using namespace ringport::hosted;
namespace native = ringport::native;

extern "C" int rp_os_ring_create(const struct rp_os_ring_params* params, rp_os_ring** out, struct rp_os_ring_view* view)
{
	if (!params || !out || !view)
		return -EINVAL;
	const uint32_t sqn = params->sq_entries, cqn = params->cq_entries;
	if (int e = check_params(sqn, cqn, params->flags, params->reserved); e < 0)
		return e;

	const RingLayout layout(sqn, cqn, params->flags, size_t(sysconf(_SC_PAGESIZE)));
	const size_t total = layout.total;
	void* mem = os_mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -ENOMEM;
	auto* base = static_cast<char*>(mem);

	rp_os_ring* ring = new (std::nothrow) rp_os_ring;
	if (!ring) {
		os_munmap(mem, total);
		return -ENOMEM;
	}
	ring->memory = mem;
	ring->memory_size = total;
	ring->view.sq = reinterpret_cast<rp_ring_header*>(base + layout.sq_header);
	ring->view.cq = reinterpret_cast<rp_ring_header*>(base + layout.cq_header);
	ring->view.sqes = reinterpret_cast<rp_sqe*>(base + layout.sqes);
	ring->view.sq_indirect =
	    (params->flags & RP_RING_INDIRECT) ? reinterpret_cast<uint32_t*>(base + layout.indirect) : nullptr;
	ring->view.cqes = reinterpret_cast<rp_cqe*>(base + layout.cqes);
	(void)native::init_header(ring->view.sq, sqn, sizeof(rp_sqe), params->flags);
	(void)native::init_header(ring->view.cq, cqn, sizeof(rp_cqe), params->flags & RP_RING_POLLED);
	ring->sq = native::SqConsumer(ring->view.sq, ring->view.sqes, ring->view.sq_indirect);
	ring->cq.producer = native::CqProducer(ring->view.cq, ring->view.cqes);
	unsigned cpus = unsigned(sysconf(_SC_NPROCESSORS_ONLN));
	ring->max_workers = cpus * 4 < 8 ? 8 : (cpus * 4 > 64 ? 64 : cpus * 4);
	if (int e = ring->open_reactor_fds(); e < 0) {
		delete ring;
		os_munmap(mem, total);
		return e;
	}
	*view = ring->view;
	*out = ring;
	registry_add(ring);
	return 0;
}

extern "C" int rp_os_ring_enter(rp_os_ring* ring, uint32_t min_complete, uint32_t flags, const struct timespec* timeout)
{
	if (!ring || flags != 0)
		return -EINVAL;
	if (timeout && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000))
		return -EINVAL;

	int consumed = 0;
	{
		InlineBatch batch(ring->cq);
		auto ready = ring->sq.ready();
		if (!ready.ok())
			return ready.error() == RP_RING_DROPPED ? -ESHUTDOWN : -EINVAL;
		rp_sqe sqe;
		for (uint32_t left = ready.value(); left > 0; --left) {
			rp_ring_error e = ring->sq.pop(&sqe);
			if (e == RP_RING_BAD_INDEX)
				continue; // counted in the header's dropped word
			if (e != RP_RING_OK)
				break;
			++consumed;
			// Issued with the entry's credentials when it has some (creds.cpp): this thread wears them until
			// the handler returns, and an op it hands on takes them along. Entries without (nearly all) pay
			// one flag test here.
			CredsRef creds;
			std::optional<CredsScope> wear;
			struct Clear {
				bool set = false;
				~Clear()
				{
					if (set)
						t_issuing_creds = nullptr;
				}
			} clear;
			if (sqe.flags & RP_SQE_CREDS) {
				int e = entry_creds(*ring, sqe, &creds);
				if (!e && (sqe.flags & RP_SQE_CHAIN || starts_chain(sqe, ring->sq)))
					e = -EINVAL; // chains are for native programs, which have no personalities
				if (!e) {
					wear.emplace(creds.get());
					e = wear->err();
				}
				if (e) {
					batch.add(sqe.user_data, e, 0);
					continue;
				}
				t_issuing_creds = &creds;
				clear.set = true;
			}
			if (sqe.flags & ~RP_SQE_VALID_FLAGS) {
				batch.add(sqe.user_data, -EINVAL, 0);
				continue;
			}
			// DRAIN is refused (the shim drains itself). CHAIN joins an entry to the one before it in the same
			// enter; one with nothing before it here is refused.
			if (sqe.flags & (RP_SQE_DRAIN | RP_SQE_CHAIN)) {
				batch.add(sqe.user_data, -EINVAL, 0);
				continue;
			}
			if (starts_chain(sqe, ring->sq)) {
				issue_chain(*ring, sqe, ring->sq, &left, &consumed, batch);
				continue;
			}
			if (ring->scheme_fd_count.load(std::memory_order_relaxed)) {
				Issue r;
				if (scheme_route(*ring, sqe, &r)) {
					if (r.kind == Issue::done)
						batch.add(sqe.user_data, r.result, r.cqe_flags);
					continue;
				}
			}
			if (sqe.opcode >= RP_OP_STANDARD_COUNT) {
				Issue r = sqe.opcode == RP_OP_SOCKET_TX_TIMESTAMPS ? op_socket_tx_timestamps(*ring, sqe)
				          : sqe.opcode >= RP_OP_SCHEME_PRIVATE     ? op_socket_private(*ring, sqe)
				                                                   : Issue::complete(-ENOSYS);
				batch.add(sqe.user_data, r.result, r.cqe_flags);
				continue;
			}
			// IOSQE_ASYNC's placement: a worker issues it (async_issue.cpp).
			Issue r = (sqe.flags & RP_SQE_ASYNC) ? issue_async(*ring, sqe) : opcode_table[sqe.opcode](*ring, sqe);
			if (r.kind == Issue::done)
				batch.add(sqe.user_data, r.result, r.cqe_flags);
		}
		native::release_and_wake(ring->sq);
	}
	// Every enter moves parked completions into the space the consumer has freed since.
	ring->cq.flush_parked();

	if (min_complete == 0)
		return consumed;
	const bool timed = timeout != nullptr;
	const int64_t deadline = timed ? now_ns(CLOCK_MONOTONIC) + timeout->tv_sec * 1000000000LL + timeout->tv_nsec : 0;
	for (;;) {
		ring->cq.flush_parked();
		uint64_t seen_tail = __atomic_load_n(&ring->view.cq->tail, __ATOMIC_ACQUIRE);
		if (unconsumed(*ring) >= min_complete)
			return consumed;
		if (native::is_dropped(ring->view.cq))
			return consumed ? consumed : -ESHUTDOWN;
		timespec left{}, *wait_for = nullptr;
		if (timed) {
			int64_t rem = deadline - now_ns(CLOCK_MONOTONIC);
			if (rem <= 0)
				return consumed ? consumed : -ETIME;
			left.tv_sec = rem / 1000000000;
			left.tv_nsec = rem % 1000000000;
			wait_for = &left;
		}
		int w = native::wait_for_tail(ring->view.cq, seen_tail, wait_for);
		if (w == -EINTR)
			return consumed ? consumed : -EINTR;
	}
}

extern "C" void rp_os_ring_set_notify(rp_os_ring* ring, rp_os_notify_fn fn, void* ctx)
{
	if (!ring)
		return;
	ring->notify_ctx.store(ctx, std::memory_order_release);
	ring->notify_fn.store(fn, std::memory_order_release);
}

extern "C" void rp_os_ring_destroy(rp_os_ring* ring)
{
	if (!ring)
		return;
	registry_remove(ring);
	{
		std::lock_guard<std::mutex> g(ring->mu);
		ring->stopping = true;
		for (auto it = ring->table.begin(); it != ring->table.end();) {
			Op* op = it->second;
			++it;
			if (op->place != Place::running)
				ring->finish_locked(op, -ECANCELED);
		}
		ring->work_cv.notify_all();
	}
	{
		// Waiting for the ring's threads, which need the fork gate to finish: a destroy run by an OS thread (the
		// glue's helper lets go of a ring) must not hold the gate meanwhile, or a fork would wait for it for ever.
		ringport::fork_gate::Outside joining;
		ring->interrupt_running_workers();
		for (auto& t : ring->workers)
			t.join();
		if (ring->reactor.joinable()) {
			uint64_t one = 1;
			(void)ringport::linux_syscall(SYS_write, ring->wake_fd, long(&one), sizeof one); // not the glue's write()
			ring->reactor.join();
		}
		futex_stop_all(*ring);
		scheme_stop_all(*ring);
	}
	for (int fd : {ring->epfd, ring->wake_fd, ring->retry_fd, ring->timer_fds[0], ring->timer_fds[1], ring->timer_fds[2]})
		if (fd >= 0)
			close_owned(fd);
	g_watched_fds.fetch_sub(ring->watch_count.load(), std::memory_order_relaxed);
	os_munmap(ring->memory, ring->memory_size);
	delete ring;
}

extern "C" void rp_os_set_readiness_hook(void (*fn)(int fd)) { g_readiness_hook.store(fn, std::memory_order_release); }

namespace {
// The bound on a program thread's waits below: long enough for a reactor thread descheduled on a loaded machine
// (or slowed by a sanitizer) to finish what it took, short enough that a signal handler which interrupted this
// very thread inside the OS (a self-pipe write) only stalls, never deadlocks. A count of yields was not: with
// the reactor preempted, 256 of them can pass in microseconds.
constexpr int64_t kReadinessWaitNs = 50 * 1000 * 1000;

// Yields until done() or the bound has passed (the clock is read every 64 yields); whether done() came true.
template <class Done> bool yield_until(Done done)
{
	int64_t deadline = 0;
	for (unsigned i = 0;; ++i) {
		if (done())
			return true;
		if ((i & 63) == 63) {
			const int64_t now = now_ns(CLOCK_MONOTONIC);
			if (!deadline)
				deadline = now + kReadinessWaitNs;
			else if (now >= deadline)
				return false;
		}
		sched_yield();
	}
}

// The ring's lock for a program thread acting on readiness, which may be a signal handler that interrupted this
// very thread inside the OS: a bounded wait, after which the reactor delivers the event.
bool lock_for_readiness(std::mutex& mu)
{
	return yield_until([&] { return mu.try_lock(); });
}

// A reactor that took events before this thread could is notifying their completions: wait for it (bounded,
// as above), so what the wakeup completed is in the ring's CQ when the program's call returns, as on Linux.
void await_reactor_notify(Ring* ring)
{
	(void)yield_until([&] { return !ring->reactor_notifying.load(std::memory_order_acquire); });
}
} // namespace

extern "C" void rp_os_collect_readiness(void)
{
	if (!g_watched_fds.load(std::memory_order_relaxed) && !g_reactors_notifying.load(std::memory_order_acquire))
		return;
	std::lock_guard<std::recursive_mutex> g(g_registry_mu);
	if (!g_registry)
		return;
	const int saved_errno = errno; // called from the glue's libc wrappers after their own call set errno
	for (size_t i = 0; i < g_registry->size(); ++i) {
		Ring* ring = (*g_registry)[i];
		if (!ring->watch_count.load(std::memory_order_relaxed)) {
			// Nothing to collect, but the reactor may have just taken this write's event (and with it the
			// ring's last watch): its notify is what this call waits for.
			await_reactor_notify(ring);
			continue;
		}
		bool posted = false;
		if (lock_for_readiness(ring->mu)) {
			posted = ring->collect_locked();
			ring->mu.unlock();
		}
		await_reactor_notify(ring);
		if (!posted)
			continue;
		const uint64_t generation = g_registry_generation;
		ring->notify();
		if (g_registry_generation != generation)
			i = size_t(-1); // the set changed under the callback: walk again (collecting twice is harmless)
	}
	errno = saved_errno;
}

extern "C" void rp_os_fd_closing(int fd)
{
	if (fd < 0 || !g_watched_fds.load(std::memory_order_relaxed))
		return;
	std::lock_guard<std::recursive_mutex> g(g_registry_mu);
	if (!g_registry)
		return;
	for (Ring* ring : *g_registry) {
		if (!ring->watch_count.load(std::memory_order_relaxed))
			continue;
		std::lock_guard<std::mutex> m(ring->mu);
		ring->keep_file_locked(fd);
	}
}

extern "C" void rp_os_fd_range_closing(unsigned first, unsigned last)
{
	if (!g_watched_fds.load(std::memory_order_relaxed))
		return;
	std::lock_guard<std::recursive_mutex> g(g_registry_mu);
	if (!g_registry)
		return;
	std::vector<int> in_range;
	for (Ring* ring : *g_registry) {
		if (!ring->watch_count.load(std::memory_order_relaxed))
			continue;
		std::lock_guard<std::mutex> m(ring->mu);
		in_range.clear();
		for (auto& [fd, w] : ring->watches)
			if (!w.owned && unsigned(fd) >= first && unsigned(fd) <= last)
				in_range.push_back(fd);
		for (int fd : in_range)
			ring->keep_file_locked(fd);
	}
}

extern "C" void rp_os_ring_collect(rp_os_ring* ring)
{
	if (!ring)
		return;
	if (ring->watch_count.load(std::memory_order_relaxed)) {
		std::lock_guard<std::mutex> g(ring->mu);
		(void)ring->collect_locked();
	}
	// Like enter, moves parked completions into the space the consumer has freed since.
	ring->cq.flush_parked();
}

extern "C" void rp_os_ring_abandon(rp_os_ring* ring)
{
	if (!ring)
		return;
	// The C++ objects stay as they are (leaked): destroying a joinable std::thread or a mutex some other
	// thread held at the fork is not safe. Plain descriptors and the private mapping are.
	for (int fd : {ring->epfd, ring->wake_fd, ring->retry_fd, ring->timer_fds[0], ring->timer_fds[1], ring->timer_fds[2]})
		if (fd >= 0)
			close_owned(fd);
	os_munmap(ring->memory, ring->memory_size);
}
