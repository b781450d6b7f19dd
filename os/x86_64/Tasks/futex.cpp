// Futex waiters and keys (futex.hpp). Waiters live on one list (a test has few); each records its key, its
// bitset and its thread, and a wake takes it off the list before waking the thread, so a woken waiter knows it
// was woken (w.woken) whatever else ended its sleep.
#include "Tasks/futex.hpp"
#include "Library/errno.hpp"
#include "Memory/address_space.hpp"
#include "Memory/page_run.hpp"
#include "Memory/paging.hpp"
#include "Tasks/process.hpp"

namespace kernel {
namespace {

struct Key {
	uint64_t space; // the AddressSpace for a private futex, 0 for a shared (physical) one
	uint64_t address;
	bool operator==(const Key &) const = default;
};

struct Waiter {
	ListNode node;
	Key key;
	uint32_t bitset;
	Thread *thread;
	bool woken;
	unsigned index; // futex_waitv's entry
	// A parked wait of the native ring (futex_park): no thread sleeps; the wake calls this instead.
	ParkWoken park_woken;
	void *park_context;
};

constinit List<Waiter, &Waiter::node> waiters;

// The key of the word at address (4-byte aligned) in the current process. Touching the word first makes sure
// the page is there (a shared key needs its frame).
Result<Key> key_for(uint64_t address, bool is_private, uint32_t *value)
{
	if (address % 4)
		return Error(EINVAL);
	if (copy_from_user(value, address, sizeof *value))
		return Error(EFAULT);
	AddressSpace *space = current_address_space();
	if (!is_private) {
		Vma *vma = vm_find(space, address);
		if (vma && vma->run) {
			uint64_t entry = paging::lookup(space->root, address & ~(page_size - 1));
			if (entry & paging::present)
				return Key{0, (entry & paging::address_mask) + (address & (page_size - 1))};
		}
	}
	return Key{reinterpret_cast<uint64_t>(space), address};
}

// The key of the word at address, if the word still holds expected: -EAGAIN when it does not (the wait would
// have missed the wake that changed it). futex_wait and futex_park check this the same way.
Result<Key> key_if_expected(uint64_t address, bool is_private, uint32_t expected)
{
	uint32_t value;
	Result<Key> key = key_for(address, is_private, &value);
	if (key.ok() && value != expected)
		return Error(EAGAIN);
	return key;
}

// Takes every waiter of ws[0..count) that is still queued off the list.
void unqueue(Waiter *ws, unsigned count)
{
	for (unsigned j = 0; j < count; j++)
		if (ws[j].node.linked())
			waiters.remove(&ws[j]);
}

// Puts the current thread to sleep until its waiters are woken or deadline/interruption. Returns the woken
// waiter's index, or -ETIMEDOUT / -EINTR after taking every waiter off the list.
long sleep_on(Waiter *ws, unsigned count, uint64_t deadline_ns)
{
	for (;;) {
		for (unsigned i = 0; i < count; i++)
			if (ws[i].woken) {
				unqueue(ws, count);
				return long(ws[i].index);
			}
		long ended = 0;
		if (stop_requested() || (current_thread()->process &&
		                         (current()->pending_signals & ~current_thread()->signal_mask)))
			ended = -EINTR;
		else if (deadline_ns != no_deadline && now_ns(1) >= deadline_ns)
			ended = -ETIMEDOUT;
		if (ended) {
			unqueue(ws, count);
			return ended;
		}
		block(nullptr, deadline_ns, true);
	}
}

} // namespace

long futex_wait(uint64_t address, uint32_t expected, uint64_t deadline_ns, uint32_t bitset, bool is_private)
{
	if (bitset == 0)
		bitset = ~0u;
	Result<Key> key = key_if_expected(address, is_private, expected);
	if (!key.ok())
		return -key.error();
	// No other thread runs between the read and the queueing (the kernel is not preempted), so a waker that
	// changes the word after this point finds us on the list.
	Waiter w{};
	w.key = key.value();
	w.bitset = bitset;
	w.thread = current_thread();
	waiters.push_back(&w);
	long r = sleep_on(&w, 1, deadline_ns);
	return r < 0 ? r : 0;
}

namespace {
unsigned wake_key(const Key &key, uint32_t count, uint32_t bitset)
{
	unsigned woken = 0;
	for (Waiter *w = waiters.front(); w && woken < count;) {
		Waiter *next = List<Waiter, &Waiter::node>::next(w);
		if (w->key == key && (w->bitset & bitset)) {
			waiters.remove(w);
			w->woken = true;
			if (w->park_woken)
				w->park_woken(w->park_context, w->index); // queues the parked op; never sleeps
			else
				wake(w->thread); // a waitv sleeper woken twice is simply ready already
			woken++;
		}
		w = next;
	}
	return woken;
}
} // namespace

long futex_wake_page_run(PageRun *run, size_t offset, uint32_t count)
{
	// The key a shared futex in that run has in every process mapping it (key_for): its physical address.
	return wake_key(Key{0, page_run_physical(run) + offset}, count, ~0u);
}

long futex_wake(uint64_t address, uint32_t count, uint32_t bitset, bool is_private)
{
	if (bitset == 0)
		bitset = ~0u;
	uint32_t value;
	Result<Key> key = key_for(address, is_private, &value);
	if (!key.ok())
		return -key.error();
	return wake_key(key.value(), count, bitset);
}

long futex_requeue(uint64_t address, uint64_t address2, uint32_t wake_count, uint32_t requeue_count, bool check,
                   uint32_t expected, bool is_private)
{
	uint32_t value, value2;
	Result<Key> key = key_for(address, is_private, &value);
	if (!key.ok())
		return -key.error();
	Result<Key> key2 = key_for(address2, is_private, &value2);
	if (!key2.ok())
		return -key2.error();
	if (check && value != expected)
		return -EAGAIN;
	long woken = wake_key(key.value(), wake_count, ~0u);
	uint32_t moved = 0;
	for (Waiter *w : waiters) {
		if (moved >= requeue_count)
			break;
		if (w->key == key.value() && !w->woken) {
			w->key = key2.value();
			moved++;
		}
	}
	return woken + moved;
}

namespace {
// Reads and queues futex_waitv's entries as waiters ws[0..count) (parked when woken is set): 0, or the error
// with *queued of them on the list for the caller to take off.
long queue_vector(Waiter *ws, uint64_t user_entries, uint32_t count, ParkWoken woken, void *context,
                  unsigned *queued_out)
{
	constexpr uint32_t size_u32 = 2, private_flag = 128;
	struct Entry {
		uint64_t value, address;
		uint32_t flags, reserved;
	};
	long result = 0;
	unsigned &queued = *queued_out;
	queued = 0;
	for (uint32_t i = 0; i < count && result == 0; i++) {
		Entry e;
		if (copy_from_user(&e, user_entries + i * sizeof(Entry), sizeof e)) {
			result = -EFAULT;
			break;
		}
		if ((e.flags & ~(size_u32 | private_flag)) || (e.flags & 3) != size_u32 || e.reserved ||
		    e.value > 0xFFFFFFFFull) {
			result = -EINVAL;
			break;
		}
		uint32_t value;
		Result<Key> key = key_for(e.address, e.flags & private_flag, &value);
		if (!key.ok()) {
			result = -key.error();
			break;
		}
		ws[i] = Waiter{};
		ws[i].key = key.value();
		ws[i].bitset = ~0u;
		ws[i].thread = woken ? nullptr : current_thread();
		ws[i].index = i;
		ws[i].park_woken = woken;
		ws[i].park_context = context;
		waiters.push_back(&ws[i]);
		queued = i + 1;
		if (value != uint32_t(e.value))
			result = -EAGAIN;
	}
	return result;
}
} // namespace

long futex_waitv(uint64_t user_entries, uint32_t count, uint64_t deadline_ns)
{
	if (count == 0 || count > 128)
		return -EINVAL;
	Waiter *ws = static_cast<Waiter *>(allocate(sizeof(Waiter) * count));
	if (!ws)
		return -ENOMEM;
	unsigned queued = 0;
	long result = queue_vector(ws, user_entries, count, nullptr, nullptr, &queued);
	if (result == 0)
		result = sleep_on(ws, count, deadline_ns);
	unqueue(ws, queued);
	deallocate(ws);
	return result;
}

// A thread's exit clears its tid word and wakes one joiner (CLONE_CHILD_CLEARTID): glibc-style joins use a
// shared-flagless futex on it, so wake both keys.
void futex_wake_address(uint64_t address, unsigned count)
{
	futex_wake(address, count, ~0u, true);
	futex_wake(address, count, ~0u, false);
}

} // namespace kernel

namespace kernel {

// A parked wait: its waiters, queued like a sleeping thread's but woken through a callback (futex.hpp).
struct FutexPark {
	unsigned count;
	Waiter *waiters;
};

namespace {
FutexPark *new_park(unsigned count)
{
	auto *park = create<FutexPark>();
	if (!park)
		return nullptr;
	park->waiters = static_cast<Waiter *>(allocate(sizeof(Waiter) * count));
	if (!park->waiters) {
		destroy(park);
		return nullptr;
	}
	park->count = count;
	for (unsigned i = 0; i < count; i++)
		new (&park->waiters[i]) Waiter{};
	return park;
}
} // namespace

void futex_unpark(FutexPark *park)
{
	if (!park)
		return;
	unqueue(park->waiters, park->count);
	deallocate(park->waiters);
	destroy(park);
}

long futex_park(uint64_t address, uint32_t expected, uint32_t bitset, bool is_private, ParkWoken woken,
                void *context, FutexPark **out)
{
	if (bitset == 0)
		bitset = ~0u;
	Result<Key> key = key_if_expected(address, is_private, expected);
	if (!key.ok())
		return -key.error();
	FutexPark *park = new_park(1);
	if (!park)
		return -ENOMEM;
	Waiter &w = park->waiters[0];
	w.key = key.value();
	w.bitset = bitset;
	w.park_woken = woken;
	w.park_context = context;
	waiters.push_back(&w); // nothing runs between the word's read and this (no kernel preemption)
	*out = park;
	return 0;
}

long futex_park_vector(uint64_t user_entries, uint32_t count, ParkWoken woken, void *context, FutexPark **out)
{
	if (count == 0 || count > 128)
		return -EINVAL;
	FutexPark *park = new_park(count);
	if (!park)
		return -ENOMEM;
	unsigned queued = 0;
	long result = queue_vector(park->waiters, user_entries, count, woken, context, &queued);
	if (result < 0) {
		futex_unpark(park);
		return result;
	}
	*out = park;
	return 0;
}

} // namespace kernel
