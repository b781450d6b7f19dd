// The fork gate (include/ringport/fork_gate.hpp): a reader-writer lock that prefers its writer, the fork. The OS's
// threads are its readers; the writer is the forking thread, between the prepare handler and the parent's or
// the child's. A pthread rwlock, so that ThreadSanitizer sees the gate's lock order like any other lock's.
#include <ringport/fork_gate.hpp>
#include <ringport/linux_syscall.hpp>

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>

// ThreadSanitizer's annotations, when it is there (weak: null in other builds).
extern "C" int __tsan_mutex_pre_unlock(void* addr, unsigned flags) __attribute__((weak));
extern "C" void __tsan_mutex_post_unlock(void* addr, unsigned flags) __attribute__((weak));

namespace ringport::fork_gate {

namespace {
// Writer-preferring: once a fork waits, no OS thread comes in until it is done (glibc's default prefers readers,
// and a pool of busy OS threads could keep the gate shared for ever). Non-recursive, hence the per-thread depth:
// a second shared lock by a thread already inside would wait behind the waiting fork, which waits for it.
pthread_rwlock_t g_gate = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
thread_local int t_depth;  // how deep the calling thread is inside (0: outside)
int g_forker_depth;        // the forking thread's depth when it closed the gate (written under the closed gate)
} // namespace

void enter()
{
	if (t_depth++ == 0)
		pthread_rwlock_rdlock(&g_gate);
}

void leave()
{
	if (--t_depth == 0)
		pthread_rwlock_unlock(&g_gate);
}

bool inside() { return t_depth != 0; }

Outside::Outside() : depth_(t_depth)
{
	if (depth_) {
		t_depth = 0;
		pthread_rwlock_unlock(&g_gate);
	}
}

Outside::~Outside()
{
	if (depth_) {
		pthread_rwlock_rdlock(&g_gate);
		t_depth = depth_;
	}
}

void wait(std::condition_variable& cv, std::unique_lock<std::mutex>& lk)
{
	const int depth = t_depth;
	if (!depth) {
		cv.wait(lk);
		return;
	}
	t_depth = 0;
	pthread_rwlock_unlock(&g_gate);
	cv.wait(lk);
	// Back in without letting go of lk when the gate is open (a try never waits, so it cannot invert the order);
	// when a fork has closed it, lk goes first: the gate is taken before any lock.
	if (pthread_rwlock_tryrdlock(&g_gate) != 0) {
		lk.unlock();
		pthread_rwlock_rdlock(&g_gate);
		lk.lock();
	}
	t_depth = depth;
}

void StartSignal::started()
{
	__atomic_store_n(&word_, 1u, __ATOMIC_RELEASE);
	// The word is on the creator's stack, which a creator that saw the store may already have left: a futex
	// wake reads no memory, and a stray wake of a later wait there is a spurious wake-up, which waits allow.
	linux_syscall(SYS_futex, long(&word_), FUTEX_WAKE_PRIVATE, 1);
}

void StartSignal::await()
{
	while (!__atomic_load_n(&word_, __ATOMIC_ACQUIRE))
		linux_syscall(SYS_futex, long(&word_), FUTEX_WAIT_PRIVATE, 0, 0);
}

void fork_prepare()
{
	// A forking thread inside the gate (an OS thread that forks) is at no allocation now: it goes out, or the
	// writer would wait for itself.
	const int depth = t_depth;
	if (depth) {
		t_depth = 0;
		pthread_rwlock_unlock(&g_gate);
	}
	pthread_rwlock_wrlock(&g_gate);
	g_forker_depth = depth;
}

void fork_parent()
{
	const int depth = g_forker_depth;
	pthread_rwlock_unlock(&g_gate);
	if (depth) {
		pthread_rwlock_rdlock(&g_gate);
		t_depth = depth;
	}
}

void fork_child()
{
	// The copy shows the gate held by the parent's forking thread (an owner this process does not have, which an
	// unlock would not recognise): made anew, open. The child has none of the parent's other OS threads.
	const int depth = g_forker_depth;
	// ThreadSanitizer carries its view over the fork: the gate held for writing by this thread. It is told of a
	// release, or it would take the new lock's first reader for one of a lock still held.
	if (__tsan_mutex_pre_unlock && __tsan_mutex_post_unlock) {
		__tsan_mutex_pre_unlock(&g_gate, 0);
		__tsan_mutex_post_unlock(&g_gate, 0);
	}
	pthread_rwlockattr_t a;
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&g_gate, &a);
	pthread_rwlockattr_destroy(&a);
	if (depth) {
		pthread_rwlock_rdlock(&g_gate);
		t_depth = depth;
	}
}

} // namespace ringport::fork_gate
