// Platform's defer/run_deferred: a FIFO of (fn, arg) run in process context, before returning to user mode
// and whenever the kernel waits. Entries come from the heap; a fixed reserve keeps defer working when it is
// exhausted, since deferred work often is what frees memory.
#include "Library/list.hpp"
#include "Platform/platform.hpp"

namespace kernel {
namespace {

struct Deferred {
	ListNode node;
	void (*fn)(void *) = nullptr;
	void *arg = nullptr;
	bool from_reserve = false;
};

constinit List<Deferred, &Deferred::node> queue;
constinit Deferred reserve[64];
bool running;

Deferred *take_entry()
{
	if (auto *d = create<Deferred>())
		return d;
	for (Deferred &d : reserve) {
		if (!d.node.linked() && !d.from_reserve) {
			d.from_reserve = true;
			return &d;
		}
	}
	return nullptr;
}

} // namespace

bool defer(void (*fn)(void *arg), void *arg)
{
	Deferred *d = take_entry();
	if (!d)
		return false;
	d->fn = fn;
	d->arg = arg;
	queue.push_back(d);
	return true;
}

void run_deferred()
{
	// Not re-entered: work queued by work runs in this same loop, in order.
	if (running)
		return;
	running = true;
	while (Deferred *d = queue.pop_front()) {
		void (*fn)(void *) = d->fn;
		void *arg = d->arg;
		if (d->from_reserve)
			d->from_reserve = false;
		else
			destroy(d);
		fn(arg);
	}
	running = false;
}

bool deferred_pending() { return !queue.empty(); }

} // namespace kernel
