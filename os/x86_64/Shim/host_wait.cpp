// host.h, time and waiting. One CPU, one thread per process: a sleeping shim waits in the kernel's idle loop
// (Platform's wait_for_event), and between halts acts on what can change the word it sleeps on - timers that
// are due and parked native ops that readiness made ready, whose completions reach the shim through its
// notify callback, which bumps the word. A wake only has to make sleepers look again.
#include "Ring/ring.hpp"
#include "Shim/shim_internal.hpp"

using namespace kernel;

namespace {
uint64_t wake_generation = 0; // bumped by every wake: a sleeper that sees it move returns (spuriously at worst)

int wait_on(const uint32_t *word, uint32_t expected, uint64_t deadline_ns)
{
	uint64_t generation = wake_generation;
	for (;;) {
		run_ready_ops();
		run_due_timers();
		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != expected || wake_generation != generation)
			return 0;
		if (stop_requested())
			return -EINTR;
		if (now_ns(1) >= deadline_ns)
			return -ETIME;
		uint64_t timer = next_timer_deadline();
		wait_for_event(timer < deadline_ns ? timer : deadline_ns);
	}
}
} // namespace

extern "C" {

uint64_t rp_host_now_ns(uint32_t clock_id)
{
	// The shim asks only for REALTIME, MONOTONIC and BOOTTIME; anything else reads as MONOTONIC.
	return now_ns(valid_clock(clock_id) ? clock_id : 1);
}

// Signals do not exist in part 1, so the sigmask is accepted and has nothing to hold back.
int rp_host_wait(const uint32_t *word, uint32_t expected, uint64_t deadline_ns, const void *, size_t)
{
	return wait_on(word, expected, deadline_ns);
}

void rp_host_wake(const uint32_t *, uint32_t) { ++wake_generation; }

// One process at a time: shared words are the same words.
int rp_host_wait_shared(const uint32_t *word, uint32_t expected, uint64_t deadline_ns, const void *, size_t)
{
	return wait_on(word, expected, deadline_ns);
}

void rp_host_wake_shared(const uint32_t *, uint32_t) { ++wake_generation; }

// No helper threads: the shim copes without a watch (rings shared across fork need part 2's processes).
rp_host_watch *rp_host_watch_start(const uint32_t *, uint64_t (*)(void *), void *) { return nullptr; }
void rp_host_watch_stop(rp_host_watch *) {}

uint32_t rp_host_cpu_count(void) { return 1; }

// No watch thread (above), so nothing ever asks to name one.
int rp_host_thread_describe(const char *, int32_t) { return -EOPNOTSUPP; }

// The process is the task (Platform shows the Shim processes, not threads): SINGLE_ISSUER and exec's
// cancellation (shim_process_exec) work per process. Linux's task is the thread; what differs: another thread
// of the submitter passes the SINGLE_ISSUER check, and exec also cancels what the process's other threads,
// already ended by then, left running.
uint64_t rp_host_task_id(void) { return uint64_t(reinterpret_cast<uintptr_t>(current_process())); }

// Linux's task work: Platform's deferred work runs before the system call returns and in every wait.
void rp_host_defer(void (*fn)(void *), void *arg)
{
	if (!defer(fn, arg))
		fn(arg); // no memory to queue it: run it now rather than lose it
}

} // extern "C"
