// The reactor: one epoll thread per ring, started on first use. It waits for readiness of pollable fds
// (edge-triggered, one epoll entry per fd shared by every op waiting on it), for timers (one timerfd per
// clock, armed at the earliest deadline) and for the periodic retry tick.
#include "internal.hpp"
#include "threads.hpp"

#include <ringport/fork_gate.hpp>

#include <cerrno>
#include <fcntl.h>
#include <ctime>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace ringport::hosted {

namespace {
// Internal epoll tags have generation 0; watches have generation >= 1.
constexpr uint32_t tag_wake = 0, tag_timer0 = 1, tag_retry = 4;
constexpr clockid_t clocks[3] = {CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME};
constexpr long retry_period_ns = 2000000; // 2 ms: Waitpid without a pidfd re-checks this often

uint64_t tag(uint32_t generation, uint32_t low) { return (uint64_t(generation) << 32) | low; }

int add_internal(int epfd, int fd, uint32_t low)
{
	epoll_event ev{};
	ev.events = EPOLLIN;
	ev.data.u64 = tag(0, low);
	return epoll_control(epfd, EPOLL_CTL_ADD, fd, &ev);
}

} // namespace

int Ring::open_reactor_fds()
{
	// Six fds, made together out of the program's way (private_fds.cpp): 0 epoll, 1 wake, 2 retry, 3..5 clocks.
	int fds[6];
	int r = make_private_fds(
	    fds, 6,
	    [](int i, void*) -> long {
		    if (i == 0)
			    return linux_syscall(SYS_epoll_create1, EPOLL_CLOEXEC);
		    if (i == 1)
			    return linux_syscall(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK);
		    return linux_syscall(SYS_timerfd_create, i == 2 ? CLOCK_MONOTONIC : clocks[i - 3],
		                         TFD_CLOEXEC | TFD_NONBLOCK);
	    },
	    nullptr);
	if (r < 0)
		return r;
	epfd = fds[0];
	wake_fd = fds[1];
	retry_fd = fds[2];
	bool ok = add_internal(epfd, wake_fd, tag_wake) == 0 && add_internal(epfd, retry_fd, tag_retry) == 0;
	for (int i = 0; ok && i < 3; ++i) {
		timer_fds[i] = fds[3 + i];
		ok = add_internal(epfd, timer_fds[i], tag_timer0 + i) == 0;
	}
	if (!ok) {
		int err = errno ? errno : ENOMEM;
		for (int i = 0; i < 6; ++i)
			close_owned(fds[i]);
		epfd = wake_fd = retry_fd = timer_fds[0] = timer_fds[1] = timer_fds[2] = -1;
		return -err;
	}
	return 0;
}

int Ring::start_reactor_locked()
{
	// First: a ring being destroyed takes nothing more into the reactor's care, even while the reactor still
	// runs (its last notify can make the shim submit follow-ups, which would be parked past destroy's sweep
	// and leaked); the callers complete such an op -ECANCELED.
	if (stopping)
		return -ECANCELED;
	if (reactor.joinable())
		return 0;
	if (epfd < 0)
		return -EBADF; // the ring was made without its fds: cannot happen after rp_os_ring_create succeeded
	// No thread to run it (threads.hpp): the op gets the error; the fds stay, made with the ring.
	if (int e = start_thread(reactor, [this] { reactor_loop(); }); e)
		return e;
	return 0;
}

Issue Ring::watch_or_drop_locked(Op* op, int fd, uint32_t events, uint32_t fail_flags, bool unpollable_to_worker)
{
	op->fd = fd;
	op->events = events;
	int e = to_watch_locked(op);
	if (e == 0)
		return Issue::later();
	if (e == -EPERM && unpollable_to_worker) {
		to_worker_locked(op);
		return Issue::later();
	}
	drop_locked(op);
	return Issue::complete(e, fail_flags);
}

int Ring::to_watch_locked(Op* op)
{
	if (int r = start_reactor_locked(); r < 0)
		return r;
	auto [it, fresh] = watches.try_emplace(op->fd);
	FdWatch& w = it->second;
	if (fresh) {
		watch_count.fetch_add(1, std::memory_order_relaxed);
		g_watched_fds.fetch_add(1, std::memory_order_relaxed);
		w.fd = op->fd;
		w.generation = next_generation++;
		if (next_generation == 0)
			next_generation = 1;
	}
	op->place_pos = w.waiters.insert(w.waiters.end(), op);
	w.add_interest(op->events);
	op->place = Place::fd_watch;
	epoll_event ev{};
	ev.events = w.interest() | EPOLLET;
	ev.data.u64 = tag(w.generation, uint32_t(op->fd));
	// ADD or MOD both re-poll the fd, so readiness that arrived after the op's inline attempt is not missed.
	if (fresh)
		readiness_hook(op->fd);
	int r = epoll_control(epfd, fresh ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, op->fd, &ev);
	if (r < 0 && !fresh && errno == ENOENT) { // the old file went away and the number was reused
		readiness_hook(op->fd);
		r = epoll_control(epfd, EPOLL_CTL_ADD, op->fd, &ev);
	}
	if (r < 0) {
		int err = errno;
		w.waiters.erase(op->place_pos);
		w.remove_interest(op->events);
		op->place = Place::none;
		if (fresh) {
			watches.erase(it);
			watch_count.fetch_sub(1, std::memory_order_relaxed);
			g_watched_fds.fetch_sub(1, std::memory_order_relaxed);
		}
		return -err;
	}
	w.registered_mask = ev.events;
	return 0;
}

int Ring::rewatch_locked(Op* op, int fd, uint32_t events)
{
	if (op->place == Place::fd_watch && op->fd == fd && op->events == events)
		return 0;
	detach_locked(op);
	op->fd = fd;
	op->events = events;
	return to_watch_locked(op);
}

void Ring::unwatch_locked(Op* op)
{
	auto it = watches.find(op->fd);
	if (it == watches.end())
		return;
	it->second.waiters.erase(op->place_pos);
	it->second.remove_interest(op->events);
	op->place = Place::none;
	if (dispatching_fd != op->fd)
		settle_watch_locked(op->fd);
}

void Ring::settle_watch_locked(int fd)
{
	auto it = watches.find(fd);
	if (it == watches.end())
		return;
	FdWatch& w = it->second;
	if (w.waiters.empty()) {
		epoll_control(epfd, EPOLL_CTL_DEL, fd, nullptr); // may fail if the fd was closed: nothing to undo then
		if (w.owned)
			close_owned(fd);
		watches.erase(it);
		watch_count.fetch_sub(1, std::memory_order_relaxed);
		g_watched_fds.fetch_sub(1, std::memory_order_relaxed);
		return;
	}
	uint32_t want = w.interest() | EPOLLET;
	if (want != w.registered_mask) {
		epoll_event ev{};
		ev.events = want;
		ev.data.u64 = tag(w.generation, uint32_t(fd));
		epoll_control(epfd, EPOLL_CTL_MOD, fd, &ev);
		w.registered_mask = want;
	}
}

void Ring::keep_file_locked(int fd)
{
	auto it = watches.find(fd);
	if (it == watches.end())
		return;
	int own = -1;
	if (make_private_fds(
	        &own, 1, [](int, void* ctx) { return linux_syscall(SYS_fcntl, *static_cast<int*>(ctx), F_DUPFD_CLOEXEC, 0); },
	        &fd) < 0)
		return; // the waits stay on the program's number: they end when its file goes
	FdWatch moved = std::move(it->second); // the waiters' list positions stay valid across the move
	epoll_control(epfd, EPOLL_CTL_DEL, fd, nullptr);
	watches.erase(it);
	moved.fd = own;
	moved.owned = true;
	for (Op* op : moved.waiters)
		op->fd = own;
	FdWatch& w = watches.emplace(own, std::move(moved)).first->second;
	// Registering re-polls the file, so readiness that arrived meanwhile is not lost (edge-triggered).
	epoll_event ev{};
	ev.events = w.interest() | EPOLLET;
	ev.data.u64 = tag(w.generation, uint32_t(own));
	epoll_control(epfd, EPOLL_CTL_ADD, own, &ev);
	w.registered_mask = ev.events;
}

void Ring::handle_watch_event(uint32_t generation, int fd, uint32_t events)
{
	auto it = watches.find(fd);
	if (it == watches.end() || it->second.generation != generation)
		return;
	// Finished ops leave the watch (and epoll, if they were the last) before their completions are posted:
	// once a caller sees a completion it may close the fd, and the reactor must be done with it by then.
	struct Finished {
		Op* op;
		Issue issue;
	};
	std::vector<Finished> finished;
	dispatching_fd = fd;
	auto& list = it->second.waiters;
	for (auto pos = list.begin(); pos != list.end();) {
		Op* op = *pos;
		++pos; // op may leave the list below
		uint32_t hit = events & (op->events | EPOLLERR | EPOLLHUP);
		if (!hit)
			continue;
		op->ready = hit;
		if (op->stream) {
			post_event_locked(op, int64_t(hit));
			continue;
		}
		Issue r = op->kind->retry(*this, *op);
		if (r.kind == Issue::done) {
			detach_locked(op);
			finished.push_back(Finished{op, r});
		}
	}
	dispatching_fd = -1;
	settle_watch_locked(fd);
	for (const Finished& f : finished)
		finish_locked(f.op, f.issue.result, f.issue.cqe_flags);
}

void Ring::arm_clock_locked(int idx)
{
	itimerspec its{};
	if (!timers[idx].empty()) {
		int64_t d = timers[idx].begin()->first;
		if (d <= 0)
			d = 1; // zero would disarm the timerfd
		its.it_value.tv_sec = d / 1000000000;
		its.it_value.tv_nsec = d % 1000000000;
	}
	timerfd_settime(timer_fds[idx], TFD_TIMER_ABSTIME, &its, nullptr);
}

int Ring::to_timer_locked(Op* op)
{
	if (int r = start_reactor_locked(); r < 0)
		return r;
	int idx = op->clock == CLOCK_BOOTTIME ? 1 : op->clock == CLOCK_REALTIME ? 2 : 0;
	op->timer_pos = timers[idx].emplace(op->deadline, op);
	op->place = Place::timer;
	if (op->timer_pos == timers[idx].begin())
		arm_clock_locked(idx);
	return 0;
}

void Ring::handle_timers(int idx)
{
	uint64_t expirations;
	(void)!read(timer_fds[idx], &expirations, sizeof expirations);
	timespec ts{};
	clock_gettime(clocks[idx], &ts);
	int64_t now = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
	while (!timers[idx].empty() && timers[idx].begin()->first <= now)
		finish_locked(timers[idx].begin()->second, -ETIME);
	arm_clock_locked(idx);
}

int Ring::to_retry_locked(Op* op)
{
	if (int r = start_reactor_locked(); r < 0)
		return r;
	bool was_empty = retry_list.empty();
	op->place_pos = retry_list.insert(retry_list.end(), op);
	op->place = Place::retry_timer;
	if (was_empty) {
		itimerspec its{};
		its.it_value.tv_nsec = retry_period_ns;
		its.it_interval.tv_nsec = retry_period_ns;
		timerfd_settime(retry_fd, 0, &its, nullptr);
	}
	return 0;
}

void Ring::handle_retries()
{
	uint64_t expirations;
	(void)!read(retry_fd, &expirations, sizeof expirations);
	for (auto pos = retry_list.begin(); pos != retry_list.end();) {
		Op* op = *pos;
		++pos;
		Issue r = op->kind->retry(*this, *op);
		if (r.kind == Issue::done)
			finish_locked(op, r.result, r.cqe_flags);
	}
	if (retry_list.empty()) {
		itimerspec off{};
		timerfd_settime(retry_fd, 0, &off, nullptr);
	}
}

bool Ring::collect_locked()
{
	if (epfd < 0)
		return false;
	const bool posted_before = os_posted;
	os_posted = false;
	epoll_event events[128];
	int n;
	do {
		n = int(linux_syscall(SYS_epoll_pwait, epfd, long(events), 128, 0, 0, 8));
		for (int i = 0; i < n; ++i) {
			uint32_t gen = uint32_t(events[i].data.u64 >> 32), low = uint32_t(events[i].data.u64);
			if (gen != 0) {
				handle_watch_event(gen, int(low), events[i].events);
			} else if (low == tag_wake) {
				uint64_t v;
				(void)!read(wake_fd, &v, sizeof v);
			} else if (low == tag_retry) {
				handle_retries();
			} else {
				handle_timers(int(low - tag_timer0));
			}
		}
	} while (n == 128);
	const bool posted = os_posted;
	os_posted = posted_before || posted;
	return posted;
}

void Ring::reactor_loop()
{
	for (;;) {
		// Wait without taking anything: the events themselves are taken under mu (collect_locked).
		pollfd p{epfd, POLLIN, 0};
		long n = linux_syscall(SYS_ppoll, long(&p), 1, 0, 0, 8);
		if (n < 0 && n != -EINTR)
			break; // cannot happen with a valid epfd; leave rather than spin
		// The wait above is outside the fork gate, what it found is handled inside (fork_gate.hpp); in first.
		fork_gate::Inside working;
		std::unique_lock<std::mutex> lk(mu);
		(void)collect_locked();
		bool posted = os_posted, stop = stopping;
		os_posted = false;
		if (posted) {
			// Before mu goes: see rp_os_collect_readiness.
			g_reactors_notifying.fetch_add(1, std::memory_order_acq_rel);
			reactor_notifying.fetch_add(1, std::memory_order_acq_rel);
		}
		lk.unlock();
		if (posted) {
			notify();
			reactor_notifying.fetch_sub(1, std::memory_order_acq_rel);
			g_reactors_notifying.fetch_sub(1, std::memory_order_acq_rel);
		}
		if (stop)
			break;
	}
}

} // namespace ringport::hosted
