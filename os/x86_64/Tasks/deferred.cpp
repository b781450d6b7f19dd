// Platform's defer/run_deferred: a FIFO of (fn, arg) run in process context, before returning to user mode
// and whenever the kernel waits. Each entry belongs to the process that queued it (Linux's task work is per
// task): completions that write user memory must run in that process's address space, so a thread runs only
// its own process's entries (and those queued outside any process). Entries come from the heap; a fixed
// reserve keeps defer working when it is exhausted, since deferred work often is what frees memory.
#include "Library/list.hpp"
#include "Platform/platform.hpp"
#include "Tasks/process.hpp"

namespace kernel {
namespace {

struct Deferred {
	ListNode node;
	void (*fn)(void *) = nullptr;
	void *arg = nullptr;
	Process *owner = nullptr;
	bool from_reserve = false;
};

constinit List<Deferred, &Deferred::node> queue;
constinit Deferred reserve[64];
bool kernel_running; // run_deferred on a kernel thread's stack (per process: Process::deferred_running)

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

void release(Deferred *d)
{
	if (d->from_reserve)
		d->from_reserve = false;
	else
		destroy(d);
}

// The first entry the current context may run.
Deferred *next_runnable(Process *self)
{
	for (Deferred *d : queue)
		if (!d->owner || d->owner == self)
			return d;
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
	d->owner = current();
	queue.push_back(d);
	return true;
}

void run_deferred()
{
	// Not re-entered: work queued by work runs in this same loop, in order.
	Process *self = current();
	bool &running = self ? self->deferred_running : kernel_running;
	if (running)
		return;
	running = true;
	while (Deferred *d = next_runnable(self)) {
		queue.remove(d);
		void (*fn)(void *) = d->fn;
		void *arg = d->arg;
		release(d);
		fn(arg);
	}
	running = false;
}

bool deferred_pending() { return next_runnable(current()) != nullptr; }

// A process is gone: work it queued can no longer run in its address space.
void drop_deferred(Process *process)
{
	for (Deferred *d = queue.front(); d;) {
		Deferred *next = List<Deferred, &Deferred::node>::next(d);
		if (d->owner == process) {
			queue.remove(d);
			release(d);
		}
		d = next;
	}
}

} // namespace kernel
