// Futex wait, wake and waitv.
//
// Wake is one inline futex call. A wait first checks the futex values without sleeping (futex_waitv with an
// expired timeout: -EAGAIN when a value differs, -EFAULT for a bad address); then it joins a futex group: a
// thread sleeping in futex_waitv on the futexes of many waiting ops at once (up to 127, plus the group's own
// control word, which is bumped and woken to make the thread rebuild its vector when ops come or go).
// 10,000 pending waits need about 80 threads. A 128-entry Waitv fills a group alone; that group has no control
// word and re-checks every 50 ms instead.
//
// As on Linux, a wait whose values matched at submission is queued then: afterwards only a wake (or a cancel)
// completes it. A Wake op first wakes this ring's queued waits on its address, oldest first, then asks the
// kernel for the rest (other threads, other rings). A value that changes while a wait is queued does not end it:
// the group re-arms on the new value. A wake from outside the ring's ops (a plain futex call) that lands while
// the group thread is not asleep is therefore not seen; the wait continues until the next wake.
#include "internal.hpp"
#include "threads.hpp"

#include <ringport/fork_gate.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ringport::hosted {

namespace {

constexpr uint32_t k_futex_32 = 2;        // FUTEX2_SIZE_U32
constexpr uint32_t k_futex_private = 128; // FUTEX2_PRIVATE / FUTEX_PRIVATE_FLAG
constexpr unsigned k_vector_max = 128;    // futex_waitv's limit
constexpr long k_solo_recheck_ns = 50000000;

long futex_waitv(rp_futex_waitv* v, unsigned n, const timespec* abs_monotonic)
{
	return sys(SYS_futex_waitv, v, n, 0, abs_monotonic, CLOCK_MONOTONIC);
}

// Checks the values without sleeping: -ETIMEDOUT when all still match (keep waiting), an index when a wake
// raced in, else -EAGAIN / -EFAULT / -EINVAL.
long check_now(rp_futex_waitv* v, unsigned n)
{
	const timespec expired{0, 0};
	long r = futex_waitv(v, n, &expired);
	return r < 0 ? -errno : r;
}

rp_futex_waitv* entries(Op& op) { return reinterpret_cast<rp_futex_waitv*>(op.buf.data()); }
unsigned entry_count(const Op& op) { return unsigned(op.buf.size() / sizeof(rp_futex_waitv)); }
bool is_waitv(const Op& op) { return (op.sqe.syscall_flags & ~k_futex_private) == RP_FUTEX_WAITV; }

// Result of a wait that ended because entry `index` changed or was woken.
int64_t woken_result(const Op& op, unsigned index) { return is_waitv(op) ? int64_t(index) : 0; }

void bump(FutexGroup* g)
{
	__atomic_add_fetch(&g->control, 1, __ATOMIC_SEQ_CST);
	sys(SYS_futex, &g->control, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

bool attached(FutexGroup* g, Op* op, uint64_t seq)
{
	for (Op* o : g->ops)
		if (o == op)
			return o->seq == seq; // only dereferenced once known to be alive
	return false;
}

// Finds what ended a group's sleep when futex_waitv said a value differs or an address is bad.
void sweep(Ring& ring, FutexGroup* g)
{
	for (size_t i = 0; i < g->ops.size();) {
		Op* op = g->ops[i];
		long r = check_now(entries(*op), entry_count(*op));
		if (r == -ETIMEDOUT) {
			++i;
			continue;
		}
		if (r == -EAGAIN) {
			// A value changed, but the wait is queued: only a wake ends it. Sleep on the new values instead.
			long bad = 0;
			for (unsigned e = 0; e < entry_count(*op); ++e) {
				rp_futex_waitv& w = entries(*op)[e];
				long c = check_now(&w, 1);
				if (c == -EAGAIN)
					w.val = __atomic_load_n(reinterpret_cast<const uint32_t*>(uintptr_t(w.uaddr)), __ATOMIC_SEQ_CST);
				else if (c != -ETIMEDOUT && c < 0)
					bad = c;
			}
			if (!bad) {
				++i;
				continue;
			}
			ring.finish_locked(op, bad);
		} else if (r >= 0) {
			ring.finish_locked(op, woken_result(*op, unsigned(r)));
		} else {
			ring.finish_locked(op, r);
		}
		// finish_locked removed it from g->ops: index i now holds the next op.
	}
}

void group_loop(Ring* ring, FutexGroup* g)
{
	struct Owner {
		Op* op;
		uint64_t seq;
		unsigned first;
	};
	std::vector<rp_futex_waitv> vec;
	std::vector<Owner> owners;
	fork_gate::Inside working; // outside only while it sleeps (fork_gate.hpp); in before mu
	std::unique_lock<std::mutex> lk(ring->mu);
	while (!g->stop) {
		vec.clear();
		owners.clear();
		const bool solo = g->solo;
		const uint32_t control_seen = __atomic_load_n(&g->control, __ATOMIC_SEQ_CST);
		if (!solo)
			vec.push_back(rp_futex_waitv{control_seen, uint64_t(uintptr_t(&g->control)),
			                             k_futex_32 | k_futex_private, 0});
		for (Op* op : g->ops) {
			owners.push_back(Owner{op, op->seq, unsigned(vec.size())});
			vec.insert(vec.end(), entries(*op), entries(*op) + entry_count(*op));
		}
		lk.unlock();
		long r;
		int err = 0;
		{
			fork_gate::Outside sleeping; // back in (holding no lock) before mu is taken again
			if (vec.empty()) {
				// An idle solo group sleeps on its control word until it is reused or stopped.
				sys(SYS_futex, &g->control, FUTEX_WAIT_PRIVATE, control_seen, nullptr, nullptr, 0);
				r = -1;
				err = EINTR;
			} else if (solo) {
				timespec at{};
				clock_gettime(CLOCK_MONOTONIC, &at);
				at.tv_nsec += k_solo_recheck_ns;
				if (at.tv_nsec >= 1000000000) {
					at.tv_sec += 1;
					at.tv_nsec -= 1000000000;
				}
				r = futex_waitv(vec.data(), unsigned(vec.size()), &at);
				err = r < 0 ? errno : 0;
			} else {
				r = futex_waitv(vec.data(), unsigned(vec.size()), nullptr);
				err = r < 0 ? errno : 0;
			}
		}
		lk.lock();
		if (r >= 0 && (solo || r > 0)) {
			for (size_t i = owners.size(); i-- > 0;) {
				if (unsigned(r) >= owners[i].first) {
					if (attached(g, owners[i].op, owners[i].seq))
						ring->finish_locked(owners[i].op, woken_result(*owners[i].op, unsigned(r) - owners[i].first));
					break;
				}
			}
		} else if (r < 0 && (err == EAGAIN || err == EFAULT || err == EINVAL)) {
			sweep(*ring, g);
		}
		if (ring->os_posted) {
			ring->os_posted = false;
			lk.unlock();
			ring->notify();
			lk.lock();
		}
	}
}

// Wakes up to n of this ring's queued waits on addr whose bitset meets bitset, oldest first. Returns how many.
int64_t wake_queued_locked(Ring& ring, uint64_t addr, uint32_t bitset, int64_t n)
{
	struct Match {
		Op* op;
		unsigned index;
	};
	std::vector<Match> found;
	for (auto& g : ring.futex_groups) {
		for (Op* o : g->ops) {
			uint32_t mine = is_waitv(*o) || !o->sqe.additional1 ? FUTEX_BITSET_MATCH_ANY : uint32_t(o->sqe.additional1);
			if (!(mine & bitset))
				continue;
			for (unsigned e = 0; e < entry_count(*o); ++e)
				if (entries(*o)[e].uaddr == addr) {
					found.push_back(Match{o, e});
					break;
				}
		}
	}
	std::sort(found.begin(), found.end(), [](const Match& a, const Match& b) { return a.op->seq < b.op->seq; });
	int64_t woken = 0;
	for (const Match& m : found) {
		if (woken >= n)
			break;
		ring.finish_locked(m.op, woken_result(*m.op, m.index));
		++woken;
	}
	return woken;
}

} // namespace

int futex_attach_locked(Ring& ring, Op* op)
{
	const unsigned n = entry_count(*op);
	FutexGroup* g = nullptr;
	for (auto& candidate : ring.futex_groups) {
		bool fits = n < k_vector_max ? !candidate->solo && candidate->used + n <= k_vector_max - 1
		                             : candidate->solo && candidate->used == 0;
		if (fits) {
			g = candidate.get();
			break;
		}
	}
	if (!g) {
		auto fresh = std::make_unique<FutexGroup>();
		fresh->solo = n >= k_vector_max;
		ring.futex_groups.reserve(ring.futex_groups.size() + 1); // nothing may throw once the thread runs
		// The thread blocks on ring.mu (held here) until the group is listed.
		if (int e = start_thread(fresh->thread, group_loop, &ring, fresh.get()); e)
			return e; // no thread to wait in: the wait fails instead of aborting the program
		g = fresh.get();
		ring.futex_groups.push_back(std::move(fresh));
	}
	g->ops.push_back(op);
	g->used += n;
	op->futex_group = g;
	op->place = Place::futex;
	bump(g);
	return 0;
}

void futex_detach_locked(Ring&, Op* op)
{
	FutexGroup* g = op->futex_group;
	if (!g)
		return;
	for (size_t i = 0; i < g->ops.size(); ++i)
		if (g->ops[i] == op) {
			g->ops.erase(g->ops.begin() + long(i));
			break;
		}
	g->used -= entry_count(*op);
	op->futex_group = nullptr;
	bump(g);
}

void futex_stop_all(Ring& ring)
{
	{
		std::lock_guard<std::mutex> lk(ring.mu);
		for (auto& g : ring.futex_groups) {
			g->stop = true;
			bump(g.get());
		}
	}
	// A solo group wakes on its own within its re-check period.
	for (auto& g : ring.futex_groups)
		g->thread.join();
	ring.futex_groups.clear();
}

Issue op_futex(Ring& ring, const rp_sqe& sqe)
{
	const bool priv = sqe.syscall_flags & k_futex_private;
	const uint32_t op = sqe.syscall_flags & ~k_futex_private;
	if (sqe.additional1 > UINT32_MAX)
		return Issue::complete(-EINVAL);
	const uint32_t bitset = sqe.additional1 ? uint32_t(sqe.additional1) : FUTEX_BITSET_MATCH_ANY;
	std::vector<char> vector;
	// A futex word in the embedding's private memory is a kernel address to the program: -EFAULT, after the
	// alignment check Linux makes first (-EINVAL, the kernel's to say).
	auto refused = [](uint64_t addr) { return !(addr & 3) && user_range(addr, sizeof(uint32_t)); };
	if ((op == RP_FUTEX_WAKE || op == RP_FUTEX_WAIT) && refused(sqe.addr))
		return Issue::complete(-EFAULT);
	switch (op) {
	case RP_FUTEX_WAKE: {
		const int n = sqe.len > INT_MAX ? INT_MAX : int(sqe.len);
		// Nobody to wake. Not a question for futex(2): its FUTEX_WAKE of 0 wakes one waiter (it counts after
		// waking), which would end a queued wait of this very ring sleeping in its group thread.
		if (n == 0)
			return Issue::complete(0);
		int64_t woken = 0;
		{
			std::lock_guard<std::mutex> g(ring.mu);
			woken = wake_queued_locked(ring, sqe.addr, bitset, n);
		}
		if (woken >= n)
			return Issue::complete(woken);
		// The rest goes to other waiters. The group threads of the waits just woken may still be queued on the
		// address until they rebuild their vectors: the kernel counts them, so they are asked for in addition
		// and not counted (an outside waiter may see a spurious wakeup, never a lost one).
		long r = sys(SYS_futex, reinterpret_cast<uint32_t*>(uintptr_t(sqe.addr)),
		                 FUTEX_WAKE_BITSET | (priv ? FUTEX_PRIVATE_FLAG : 0), n, nullptr, nullptr, bitset);
		if (r < 0)
			return Issue::complete(woken ? woken : fail());
		int64_t others = r > woken ? r - woken : 0;
		return Issue::complete(woken + others > n ? n : woken + others);
	}
	case RP_FUTEX_WAIT: {
		// The bitset narrows nothing here: futex_waitv waiters match any wake (a spurious wakeup at worst).
		rp_futex_waitv w{sqe.offset, sqe.addr, k_futex_32 | (priv ? k_futex_private : 0), 0};
		vector.assign(reinterpret_cast<char*>(&w), reinterpret_cast<char*>(&w) + sizeof w);
		break;
	}
	case RP_FUTEX_WAITV:
		if (sqe.len == 0 || sqe.len > RP_FUTEX_WAITV_MAX)
			return Issue::complete(-EINVAL);
		vector.resize(size_t(sqe.len) * sizeof(rp_futex_waitv));
		if (user_range(sqe.addr, vector.size()))
			return Issue::complete(-EFAULT);
		if (int e = copy_in(vector.data(), sqe.addr, vector.size()); e < 0)
			return Issue::complete(e);
		for (size_t i = 0; i < size_t(sqe.len); ++i)
			if (refused(reinterpret_cast<const rp_futex_waitv*>(vector.data())[i].uaddr))
				return Issue::complete(-EFAULT);
		break;
	default:
		return Issue::complete(-EINVAL);
	}
	auto* v = reinterpret_cast<rp_futex_waitv*>(vector.data());
	const unsigned n = unsigned(vector.size() / sizeof(rp_futex_waitv));
	long r = check_now(v, n);
	if (r != -ETIMEDOUT)
		return Issue::complete(r >= 0 ? (op == RP_FUTEX_WAITV ? r : 0) : r);
	std::lock_guard<std::mutex> g(ring.mu);
	if (ring.stopping)
		return Issue::complete(-ECANCELED);
	static const OpKind futex_kind{nullptr, nullptr, nullptr};
	Op* o = ring.new_op(sqe, &futex_kind);
	o->buf = std::move(vector);
	if (int e = futex_attach_locked(ring, o); e)
		ring.finish_locked(o, e);
	return Issue::later();
}

} // namespace ringport::hosted
