// Which files an io_uring CQ posting wakes, and how often it has. Linux tags the wakeup a ring sends its pollers
// when it posts (EPOLL_URING_WAKE), epoll passes the tag on to the waiters of every set the ring fd sits in
// (however deeply nested), and a multishot poll woken with the tag turns one-shot: otherwise a poll on an epoll
// set holding its own ring's fd would post, wake itself, and post again for ever (liburing's eploop.t). The
// shim asks here (rp_host_uring_wakes) whether such a wakeup reached the polled file since it last looked.
//
// A ring fd counts its own postings (a poll on a ring fd is woken by them); an epoll set becomes a target when a
// ring fd or another target is added to it, and every posting of a ring counts on each set that holds it. By fd
// number, as the program names them: a set's entry goes when its number is closed or replaced.
#include "glue_internal.hpp"

#include <mutex>
#include <vector>

namespace ringport::glue {

namespace {

struct Target {
	int fd;          // the epoll set
	uint64_t wakes;  // postings that reached it
};
struct Edge {
	int epfd;         // the set...
	RingFile* ring;   // ...holds this ring's fd, or
	int member_epfd;  // ...this other set (-1 when ring is set)
};
struct RingCount {
	RingFile* ring;
	uint64_t wakes;
};

// A leaf lock: nothing is called while it is held (ring_fd_posted runs under a ring's lock).
std::mutex g_mu;
std::vector<Target>* g_targets;
std::vector<Edge>* g_edges;
std::vector<RingCount>* g_rings;

Target* target_of(int fd)
{
	if (g_targets)
		for (Target& t : *g_targets)
			if (t.fd == fd)
				return &t;
	return nullptr;
}

void ensure_tables()
{
	if (!g_targets) {
		g_targets = new std::vector<Target>;
		g_edges = new std::vector<Edge>;
		g_rings = new std::vector<RingCount>;
	}
}

// Counts a posting on every set that holds fd's set (nested sets), a few levels deep as epoll allows.
void bump_holders_of_set(int fd, int depth)
{
	if (depth > 4)
		return;
	for (const Edge& e : *g_edges)
		if (e.member_epfd == fd)
			if (Target* t = target_of(e.epfd)) {
				++t->wakes;
				bump_holders_of_set(e.epfd, depth + 1);
			}
}

} // namespace

void uring_wake_epoll_added(int epfd, int fd)
{
	RingFile* rf = lookup(fd);
	std::lock_guard<std::mutex> g(g_mu);
	if (!rf && !target_of(fd))
		return; // neither a ring fd nor a set holding one: its wakeups are never a ring's
	ensure_tables();
	if (!target_of(epfd))
		g_targets->push_back(Target{epfd, 0});
	g_edges->push_back(Edge{epfd, rf, rf ? -1 : fd});
}

void uring_wake_epoll_removed(int epfd, int fd)
{
	RingFile* rf = lookup(fd);
	std::lock_guard<std::mutex> g(g_mu);
	if (!g_edges)
		return;
	for (auto it = g_edges->begin(); it != g_edges->end(); ++it)
		if (it->epfd == epfd && (rf ? it->ring == rf : it->member_epfd == fd)) {
			g_edges->erase(it);
			return;
		}
}

void uring_wake_fd_closed(int fd)
{
	std::lock_guard<std::mutex> g(g_mu);
	if (!g_targets)
		return;
	for (auto it = g_targets->begin(); it != g_targets->end();)
		it = it->fd == fd ? g_targets->erase(it) : it + 1;
	for (auto it = g_edges->begin(); it != g_edges->end();)
		it = (it->epfd == fd || it->member_epfd == fd) ? g_edges->erase(it) : it + 1;
}

void uring_wake_ring_gone(RingFile* rf)
{
	std::lock_guard<std::mutex> g(g_mu);
	if (!g_rings)
		return;
	for (auto it = g_rings->begin(); it != g_rings->end();)
		it = it->ring == rf ? g_rings->erase(it) : it + 1;
	for (auto it = g_edges->begin(); it != g_edges->end();)
		it = it->ring == rf ? g_edges->erase(it) : it + 1;
}

void uring_wake_posted(RingFile* rf)
{
	std::lock_guard<std::mutex> g(g_mu);
	ensure_tables();
	bool counted = false;
	for (RingCount& c : *g_rings)
		if (c.ring == rf) {
			++c.wakes;
			counted = true;
		}
	if (!counted)
		g_rings->push_back(RingCount{rf, 1});
	for (const Edge& e : *g_edges)
		if (e.ring == rf)
			if (Target* t = target_of(e.epfd)) {
				++t->wakes;
				bump_holders_of_set(e.epfd, 1);
			}
}

uint64_t uring_wakes(int fd)
{
	RingFile* rf = lookup(fd);
	std::lock_guard<std::mutex> g(g_mu);
	if (!g_targets)
		return 0;
	if (rf) {
		for (const RingCount& c : *g_rings)
			if (c.ring == rf)
				return c.wakes;
		return 0;
	}
	Target* t = target_of(fd);
	return t ? t->wakes : 0;
}

} // namespace ringport::glue
