// The fork gate: fork copies the process only while none of the OS's own threads (workers, the reactor, futex
// waiters, scheme relays, the glue's helper and watch threads) is running OS code, so a forked child never
// inherits an allocator lock or a half-changed table from one of them. glibc's malloc takes its arena locks
// around fork, but a sanitizer's allocator may not (clang 14's ASan takes none): a child whose new OS thread or
// whose LeakSanitizer at exit needed a lock that a parent's OS thread held mid-malloc at the fork hung for good.
//
// The OS's threads hold the gate shared while they work and let go of it whenever they wait (an I/O call, a
// readiness or futex wait, a condition variable, joining a thread): fork waits only for work in progress, never
// for I/O or for a thread that waits for the fork. The glue's fork handler (libc-glue/src/tasks.cpp) closes the
// gate before it takes any other lock, and waits until every OS thread is outside; a thread that wants in while
// a fork is being prepared waits for the fork (the gate prefers the fork, or busy OS threads could starve it).
//
// Lock order: the gate comes before every other lock. An OS thread enters it holding no lock (fork_gate::wait
// below lets go of a mutex to come back in that order); leaving needs no order. Program threads never enter.
// Used by the hosted OS and the glue only (not installed).
#pragma once

#include <condition_variable>
#include <mutex>

namespace ringport::fork_gate {

// The calling OS thread comes in (waits while a fork is being prepared) / goes out. Nested entries count: only
// the outermost takes and lets go of the gate. No lock may be held by the caller of enter.
void enter();
void leave();
// Whether the calling thread is inside.
bool inside();

// An OS thread's work.
class Inside {
public:
	Inside() { enter(); }
	~Inside() { leave(); }
	Inside(const Inside&) = delete;
	Inside& operator=(const Inside&) = delete;
};

// A wait in the middle of an OS thread's work (a blocking call, joining a thread): the thread goes out for its
// duration, however deep it was inside, and comes back in when the scope ends (holding no lock by then). A
// no-op on a thread that is not inside (a program thread).
class Outside {
public:
	Outside();
	~Outside();
	Outside(const Outside&) = delete;
	Outside& operator=(const Outside&) = delete;

private:
	int depth_;
};

// cv.wait(lk) for an OS thread inside the gate: out for the wait; back in after it in the gate-before-lock order
// (when the gate is closed for a fork, lk is let go, the gate entered, lk taken again). Like any wake-up, the
// caller looks at its condition again.
void wait(std::condition_variable& cv, std::unique_lock<std::mutex>& lk);

// A new OS thread's start, between its creator and itself. The thread runtime sets a thread up before the
// thread's own code runs, and that set-up may allocate (clang 14's ASan frees and allocates there, taking
// allocator locks, and its pthread_create does not wait for it): a creator that returned at once could fork (a
// program thread) or leave the gate (an OS thread) while the new thread sits in the allocator, out of the gate's
// reach. So the creator awaits the new thread's first word: from then on the thread is in code of ours, which
// enters the gate before it does anything else. The new thread calls started() first thing, before any lock.
class StartSignal {
public:
	void started();
	void await();

private:
	unsigned word_ = 0;
};

// The fork handlers (pthread_atfork; libc-glue/src/tasks.cpp). prepare closes the gate and returns once every
// OS thread is outside (first, before any other lock the handlers take); parent opens it; child makes it anew
// (the child's OS threads start fresh) and puts a forking thread that was inside back in.
void fork_prepare();
void fork_parent();
void fork_child();

} // namespace ringport::fork_gate
