// The fork gate (include/ringport/fork_gate.hpp): a reader-writer lock that prefers its writer, the fork. The OS's
// threads are its readers; the writer is the forking thread, between the prepare handler and the parent's or
// the child's. A pthread rwlock, so that ThreadSanitizer sees the gate's lock order like any other lock's.
#include <ringport/fork_gate.hpp>

#include <pthread.h>

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
