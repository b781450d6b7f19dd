// The server side of the kernel-to-userspace attachment (see scheme_protocol.hpp): accepts OS instances, waits
// on all their request rings at once with futex_waitv, and hands requests to the server one at a time.
#include "internal.hpp"
#include "scheme_protocol.hpp"

#include <ringport/hosted_os.h>
#include <ringport/native_ring_linux.hpp>

#include <cerrno>
#include <ctime>
#include <memory>
#include <new>
#include <vector>

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace ringport;
namespace scheme = ringport::hosted::scheme;
using ringport::hosted::close_owned;
using ringport::hosted::os_mmap;
using ringport::hosted::os_munmap;
using ringport::hosted::sys;

namespace {

struct Client {
	rp_shared_ring ring{};
	char* data = nullptr;
	native::SqConsumer requests;
	native::CqProducer replies;
	uint32_t id = 0;
	int conn = -1; // kept open: the OS sees it hang up if this process dies
};

void drop(Client& c)
{
	if (c.conn >= 0)
		close_owned(c.conn);
	if (c.data)
		os_munmap(c.data, scheme::data_bytes);
	rp_shared_ring_detach(&c.ring);
}

} // namespace

struct rp_scheme_server {
	int listen_fd = -1;
	std::vector<std::unique_ptr<Client>> clients;
	uint32_t next_id = 1;
	size_t next_client = 0; // round robin, so one busy client cannot starve the others
};

namespace {

// Takes one connection's two memfds and maps them. Returns false when the peer sent something else.
bool take_client(rp_scheme_server* s, int conn)
{
	char byte;
	iovec iov{&byte, 1};
	alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))];
	msghdr m{};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = control;
	m.msg_controllen = sizeof control;
	if (recvmsg(conn, &m, MSG_CMSG_CLOEXEC) != 1)
		return false;
	cmsghdr* c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(2 * sizeof(int)))
		return false;
	int fds[2];
	std::memcpy(fds, CMSG_DATA(c), sizeof fds);
	auto client = std::make_unique<Client>();
	struct stat st;
	bool ok = rp_shared_ring_attach(fds[0], &client->ring) == 0 && fstat(fds[1], &st) == 0 &&
	          size_t(st.st_size) == scheme::data_bytes;
	if (ok) {
		void* d = os_mmap(nullptr, scheme::data_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fds[1], 0);
		ok = d != MAP_FAILED;
		if (ok)
			client->data = static_cast<char*>(d);
	}
	close_owned(fds[1]);
	if (!ok) {
		if (client->ring.base)
			rp_shared_ring_detach(&client->ring);
		else
			close_owned(fds[0]);
		return false;
	}
	client->requests = native::SqConsumer(client->ring.view.sq, client->ring.view.sqes);
	client->replies = native::CqProducer(client->ring.view.cq, client->ring.view.cqes);
	client->id = s->next_id++;
	client->conn = conn;
	s->clients.push_back(std::move(client));
	return true;
}

void accept_new(rp_scheme_server* s)
{
	for (;;) {
		int conn = accept4(s->listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
		if (conn < 0)
			return;
		// The OS sends its memfds right after connecting; wait briefly for them.
		timeval tv{1, 0};
		setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		if (!take_client(s, conn))
			close_owned(conn);
	}
}

// Pops the next request of any client (round robin). True with *req filled.
bool pop_any(rp_scheme_server* s, rp_scheme_request* req)
{
	for (size_t n = 0; n < s->clients.size(); ++n) {
		size_t i = (s->next_client + n) % s->clients.size();
		Client& c = *s->clients[i];
		auto ready = c.requests.ready();
		if (!ready.ok()) { // the OS went away (DROP) or broke the ring
			drop(c);
			s->clients.erase(s->clients.begin() + long(i));
			return pop_any(s, req);
		}
		rp_sqe sqe;
		if (ready.value() == 0 || c.requests.pop(&sqe) != RP_RING_OK)
			continue;
		native::release_and_wake(c.requests);
		s->next_client = i + 1;
		*req = rp_scheme_request{};
		req->sqe = sqe;
		req->client = c.id;
		const bool has_slot = sqe.opcode == RP_OP_OPEN || sqe.opcode == RP_OP_READ || sqe.opcode == RP_OP_PREAD ||
		                      sqe.opcode == RP_OP_WRITE || sqe.opcode == RP_OP_PWRITE;
		if (has_slot && sqe.addr < scheme::slot_count && sqe.len <= scheme::slot_size) {
			req->data = c.data + sqe.addr * scheme::slot_size;
			req->data_len = sqe.len;
			if (sqe.opcode == RP_OP_OPEN && sqe.len) // never trust the terminator to be there
				static_cast<char*>(req->data)[sqe.len - 1] = 0;
		}
		return true;
	}
	return false;
}

int64_t now_ms()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

} // namespace

extern "C" int rp_scheme_server_create(const char* name, rp_scheme_server** out)
{
	if (!name || !out || !scheme::valid_name(name, strnlen(name, scheme::max_name + 1)))
		return -EINVAL;
	auto* s = new (std::nothrow) rp_scheme_server;
	if (!s)
		return -ENOMEM;
	s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	sockaddr_un a;
	socklen_t len = scheme::address(name, &a);
	if (s->listen_fd < 0 || bind(s->listen_fd, reinterpret_cast<sockaddr*>(&a), len) < 0 || listen(s->listen_fd, 64) < 0) {
		int e = errno;
		if (s->listen_fd >= 0)
			close_owned(s->listen_fd);
		delete s;
		return -e; // EADDRINUSE: another server has the name
	}
	*out = s;
	return 0;
}

extern "C" int rp_scheme_server_next(rp_scheme_server* s, struct rp_scheme_request* req, int timeout_ms)
{
	if (!s || !req)
		return -EINVAL;
	const int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
	for (;;) {
		accept_new(s);
		if (pop_any(s, req))
			return 0;
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return -ETIME;
		// Sleep on every client's request tail at once; new connections are looked for every 20 ms.
		std::vector<rp_futex_waitv> waits;
		for (auto& c : s->clients) {
			__atomic_fetch_add(&c->ring.view.sq->tail_waiters, 1, __ATOMIC_SEQ_CST);
			waits.push_back(rp_futex_waitv{uint32_t(c->requests.seen_tail()), uint64_t(uintptr_t(&c->ring.view.sq->tail)), 2, 0});
		}
		bool fresh = false;
		for (auto& c : s->clients)
			fresh |= __atomic_load_n(&c->ring.view.sq->tail, __ATOMIC_SEQ_CST) != c->requests.seen_tail();
		timespec at{};
		clock_gettime(CLOCK_MONOTONIC, &at);
		int64_t slice = left < 20 ? left : 20;
		at.tv_nsec += slice * 1000000;
		at.tv_sec += at.tv_nsec / 1000000000;
		at.tv_nsec %= 1000000000;
		if (!fresh) {
			if (waits.empty())
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
			else
				sys(SYS_futex_waitv, waits.data(), unsigned(waits.size()), 0, &at, CLOCK_MONOTONIC);
		}
		for (auto& c : s->clients)
			__atomic_fetch_sub(&c->ring.view.sq->tail_waiters, 1, __ATOMIC_SEQ_CST);
	}
}

extern "C" int rp_scheme_server_reply(rp_scheme_server* s, const struct rp_scheme_request* req, int64_t result)
{
	if (!s || !req)
		return -EINVAL;
	for (auto& c : s->clients) {
		if (c->id != req->client)
			continue;
		// The OS keeps at most as many requests in flight as the reply ring holds, so this does not fill up;
		// if a broken OS lets it, wait for room rather than lose the reply.
		for (;;) {
			rp_ring_error e = native::post_completion(c->replies, req->sqe.user_data, result, 0);
			if (e == RP_RING_OK)
				break;
			if (e != RP_RING_FULL)
				return -EPIPE;
			timespec slice{0, 10000000};
			native::wait_for_head(c->ring.view.cq, c->replies.seen_head(), &slice);
		}
		native::publish_and_wake(c->replies);
		return 0;
	}
	return -ENOENT; // that OS has gone
}

extern "C" void rp_scheme_server_destroy(rp_scheme_server* s)
{
	if (!s)
		return;
	for (auto& c : s->clients) {
		// DROP on the request ring ends the connection for both sides; replies already posted stay readable.
		native::shut_down(c->ring.view.sq);
		drop(*c);
	}
	close_owned(s->listen_fd);
	delete s;
}
