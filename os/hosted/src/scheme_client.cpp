// The OS side of the kernel-to-userspace attachment (protocol in scheme_protocol.hpp). An open of "name:rest"
// that a server has registered is forwarded to it; the fd the caller gets is a placeholder host fd. Read,
// Pread, Write, Pwrite, Close and scheme-private opcodes (128..255) on that fd are forwarded as requests;
// data moves through the request's slot in the shared data area (at most 64 KiB per request, so a larger
// transfer is short). One relay thread per server connection takes the replies and completes the ops.
#include "internal.hpp"
#include "threads.hpp"
#include "scheme_protocol.hpp"

#include <ringport/fork_gate.hpp>

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ringport::hosted {

namespace {

const OpKind scheme_kind{nullptr, nullptr, nullptr};

// Length of the scheme name when path is "name:...", else 0.
size_t scheme_prefix(const char* path)
{
	const char* colon = nullptr;
	for (const char* p = path; *p && p - path <= long(scheme::max_name); ++p) {
		if (*p == '/')
			return 0;
		if (*p == ':') {
			colon = p;
			break;
		}
	}
	if (!colon || !scheme::valid_name(path, size_t(colon - path)))
		return 0;
	return size_t(colon - path);
}

int alloc_slot(SchemeLink& l)
{
	for (size_t i = 0; i < l.slot_busy.size(); ++i)
		if (!l.slot_busy[i]) {
			l.slot_busy[i] = 1;
			return int(i);
		}
	return -1;
}

char* slot_data(SchemeLink& l, int slot) { return l.data + size_t(slot) * scheme::slot_size; }

// Sends a request. op may be null (a close nobody waits for). Needs mu. 0 or -EAGAIN.
int forward_locked(SchemeLink& l, Op* op, rp_sqe req, int slot)
{
	int err = l.dead ? -EPIPE : l.pending.size() >= scheme::ring_entries ? -EAGAIN : 0;
	const uint64_t tag = l.next_tag;
	req.user_data = tag;
	req.flags = 0;
	if (err == 0) {
		rp_ring_error e = l.requests.push(req);
		err = e == RP_RING_OK ? 0 : e == RP_RING_FULL ? -EAGAIN : -EPIPE;
	}
	if (err) {
		if (slot >= 0)
			l.slot_busy[size_t(slot)] = 0;
		return err;
	}
	++l.next_tag;
	native::publish_and_wake(l.requests);
	l.pending.emplace(tag, SchemeLink::Pending{op, slot, req.opcode});
	if (op) {
		op->place = Place::scheme;
		op->scratch[0] = tag;
		op->scratch[1] = uint64_t(uintptr_t(&l));
	}
	return 0;
}

void close_handle_locked(SchemeLink& l, uint64_t handle)
{
	rp_sqe req{};
	req.opcode = RP_OP_CLOSE;
	req.fd = handle;
	(void)forward_locked(l, nullptr, req, -1);
}

// Turns a reply into the op's result. Needs mu.
int64_t complete_reply_locked(Ring& ring, SchemeLink& l, const rp_sqe& s, int slot, int64_t res)
{
	switch (s.opcode) {
	case RP_OP_READ:
	case RP_OP_PREAD:
		if (res > 0) {
			uint64_t n = uint64_t(res) < s.len ? uint64_t(res) : s.len;
			if (n > scheme::slot_size)
				n = scheme::slot_size;
			if (copy_out(s.addr, slot_data(l, slot), size_t(n)) < 0)
				return -EFAULT;
			return int64_t(n);
		}
		return res;
	case RP_OP_OPEN:
	case RP_OP_OPENAT: {
		if (res < 0)
			return res;
		int placeholder = open("/dev/null", O_PATH | O_CLOEXEC);
		if (placeholder < 0) {
			int e = errno;
			close_handle_locked(l, uint64_t(res));
			return -e;
		}
		ring.scheme_fds[placeholder] = SchemeFd{&l, uint64_t(res)};
		ring.scheme_fd_count.fetch_add(1, std::memory_order_relaxed);
		return placeholder;
	}
	default:
		return res;
	}
}

// Fails every request the server will not answer any more. Needs mu.
void server_gone_locked(Ring& ring, SchemeLink& l)
{
	l.dead = true;
	for (auto& [tag, p] : l.pending) {
		if (p.op) {
			p.op->place = Place::none;
			ring.finish_locked(p.op, -EPIPE);
		}
		if (p.slot >= 0)
			l.slot_busy[size_t(p.slot)] = 0;
	}
	l.pending.clear();
}

void relay_loop(Ring* ring, SchemeLink* l)
{
	struct Reply {
		uint64_t tag;
		int64_t result;
	};
	std::vector<Reply> replies;
	fork_gate::Inside working; // outside only while it sleeps (fork_gate.hpp); in before mu
	std::unique_lock<std::mutex> lk(ring->mu);
	while (!l->stop) {
		const bool was_dead = l->dead;
		lk.unlock();
		replies.clear();
		rp_cqe cqe;
		int64_t res;
		rp_ring_error e;
		while ((e = native::pop_completion(l->replies, &cqe, &res)) == RP_RING_OK)
			replies.push_back(Reply{cqe.user_data, res});
		native::release_and_wake(l->replies);
		// The server dropped the connection (or broke the reply ring): what it answered is in `replies`.
		pollfd hup{l->conn, POLLRDHUP, 0};
		const bool gone = !was_dead && (native::is_dropped(l->ring.view.sq) || e != RP_RING_EMPTY ||
		                                (poll_now(&hup, 1) == 1 && (hup.revents & (POLLHUP | POLLRDHUP | POLLERR))));
		if (replies.empty() && !gone) {
			// Woken by the server's publish; the timeout bounds how late a stop or a dead server is noticed.
			{
				fork_gate::Outside sleeping; // back in (holding no lock) before mu is taken again
				timespec slice{0, 50000000};
				if (was_dead)
					clock_nanosleep(CLOCK_MONOTONIC, 0, &slice, nullptr);
				else
					native::wait_for_tail(l->ring.view.cq, l->replies.seen_tail(), &slice);
			}
			lk.lock();
			continue;
		}
		lk.lock();
		for (const Reply& r : replies) {
			auto it = l->pending.find(r.tag);
			if (it == l->pending.end())
				continue;
			SchemeLink::Pending p = it->second;
			l->pending.erase(it);
			if (p.op) {
				p.op->place = Place::none;
				int64_t result = complete_reply_locked(*ring, *l, p.op->sqe, p.slot, r.result);
				ring->finish_locked(p.op, result);
			} else if ((p.opcode == RP_OP_OPEN || p.opcode == RP_OP_OPENAT) && r.result >= 0) {
				close_handle_locked(*l, uint64_t(r.result)); // opened for a caller that is gone
			}
			if (p.slot >= 0)
				l->slot_busy[size_t(p.slot)] = 0;
		}
		if (gone)
			server_gone_locked(*ring, *l);
		if (ring->os_posted) {
			ring->os_posted = false;
			lk.unlock();
			ring->notify();
			lk.lock();
		}
	}
}

// Connects to the server of `name`. Needs mu. Null when nobody serves that name.
SchemeLink* connect_locked(Ring& ring, const std::string& name)
{
	if (auto it = ring.schemes.find(name); it != ring.schemes.end())
		return it->second->dead ? nullptr : it->second.get();
	if (ring.stopping)
		return nullptr;
	int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return nullptr;
	sockaddr_un a;
	socklen_t alen = scheme::address(name, &a);
	if (connect(sock, reinterpret_cast<sockaddr*>(&a), alen) < 0) {
		close_owned(sock);
		return nullptr;
	}
	auto link = std::make_unique<SchemeLink>();
	link->name = name;
	rp_os_ring_params p{scheme::ring_entries, 2 * scheme::ring_entries, 0, 0};
	int data_fd = int(sys(SYS_memfd_create, "ringport-scheme-data", MFD_CLOEXEC));
	bool ok = rp_shared_ring_create(&p, &link->ring) == 0 && data_fd >= 0 &&
	          ftruncate(data_fd, off_t(scheme::data_bytes)) == 0;
	if (ok) {
		void* d = os_mmap(nullptr, scheme::data_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, data_fd, 0);
		ok = d != MAP_FAILED;
		if (ok)
			link->data = static_cast<char*>(d);
	}
	if (ok) {
		char byte = 'R';
		iovec iov{&byte, 1};
		alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
		msghdr m{};
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = control;
		m.msg_controllen = sizeof control;
		cmsghdr* c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(2 * sizeof(int));
		int fds[2] = {link->ring.memfd, data_fd};
		memcpy(CMSG_DATA(c), fds, sizeof fds);
		ok = linux_syscall(SYS_sendmsg, sock, long(&m), MSG_NOSIGNAL) == 1; // not the glue's sendmsg
	}
	if (data_fd >= 0)
		close_owned(data_fd);
	if (!ok) {
		close_owned(sock);
		if (link->data)
			os_munmap(link->data, scheme::data_bytes);
		if (link->ring.base)
			rp_shared_ring_detach(&link->ring);
		return nullptr;
	}
	link->requests = native::SqProducer(link->ring.view.sq, link->ring.view.sqes);
	link->replies = native::CqConsumer(link->ring.view.cq, link->ring.view.cqes);
	link->slot_busy.assign(scheme::slot_count, 0);
	link->conn = sock;
	SchemeLink* raw = link.get();
	// The relay that takes the replies; without one the link is useless (threads.hpp: no exception escapes).
	if (start_thread(raw->relay, relay_loop, &ring, raw) != 0) {
		close_owned(sock);
		os_munmap(link->data, scheme::data_bytes);
		rp_shared_ring_detach(&link->ring);
		return nullptr;
	}
	ring.schemes.emplace(name, std::move(link));
	return raw;
}

} // namespace

bool scheme_open(Ring& ring, const rp_sqe& sqe, const char* path, Issue* out)
{
	const size_t n = scheme_prefix(path);
	if (!n)
		return false;
	const char* rest = path + n + 1;
	const size_t rest_len = strlen(rest) + 1;
	std::lock_guard<std::mutex> g(ring.mu);
	SchemeLink* l = connect_locked(ring, std::string(path, n));
	if (!l)
		return false;
	if (rest_len > scheme::slot_size) {
		*out = Issue::complete(-ENAMETOOLONG);
		return true;
	}
	int slot = alloc_slot(*l);
	if (slot < 0) {
		*out = Issue::complete(-EAGAIN);
		return true;
	}
	memcpy(slot_data(*l, slot), rest, rest_len);
	rp_sqe req{};
	req.opcode = RP_OP_OPEN;
	req.syscall_flags = sqe.syscall_flags;
	req.offset = sqe.offset; // mode
	req.addr = uint64_t(slot);
	req.len = rest_len;
	Op* op = ring.new_op(sqe, &scheme_kind);
	if (int e = forward_locked(*l, op, req, slot); e < 0) {
		ring.drop_locked(op);
		*out = Issue::complete(e);
		return true;
	}
	*out = Issue::later();
	return true;
}

bool scheme_route(Ring& ring, const rp_sqe& sqe, Issue* out)
{
	// Which fields name files is the opcode's argument convention (native_ops.hpp); a scheme-private opcode names
	// its file in fd.
	using native::Arg;
	const native::OpArgs* args = sqe.opcode < RP_OP_STANDARD_COUNT ? &native::kOpArgs[sqe.opcode] : nullptr;
	std::lock_guard<std::mutex> g(ring.mu);
	// Only the fd field is forwarded: a scheme file as an op's second file (a splice's output, a rename's new
	// directory) is refused, as its first file would be.
	if (args && (args->a1 == Arg::file || args->a1 == Arg::dirfd)) {
		int other;
		if (to_fd(sqe.additional1, &other) && ring.scheme_fds.count(other)) {
			*out = Issue::complete(args->a1 == Arg::dirfd ? -ENOTDIR : -EOPNOTSUPP);
			return true;
		}
	}
	int fd;
	if ((args && !args->fd_is_file()) || !to_fd(sqe.fd, &fd))
		return false;
	auto it = ring.scheme_fds.find(fd);
	if (it == ring.scheme_fds.end())
		return false;
	SchemeFd sf = it->second;
	SchemeLink& l = *sf.link;
	rp_sqe req = sqe;
	req.fd = sf.handle;
	int slot = -1;
	switch (sqe.opcode) {
	case RP_OP_READ:
	case RP_OP_PREAD:
	case RP_OP_WRITE:
	case RP_OP_PWRITE: {
		slot = alloc_slot(l);
		if (slot < 0) {
			*out = Issue::complete(-EAGAIN);
			return true;
		}
		req.len = sqe.len < scheme::slot_size ? sqe.len : scheme::slot_size;
		req.addr = uint64_t(slot);
		if (sqe.opcode == RP_OP_WRITE || sqe.opcode == RP_OP_PWRITE) {
			if (int e = copy_in(slot_data(l, slot), sqe.addr, size_t(req.len)); e < 0) {
				l.slot_busy[size_t(slot)] = 0;
				*out = Issue::complete(e);
				return true;
			}
		}
		break;
	}
	case RP_OP_CLOSE:
		// The number is free again at once, as with close_owned(2); the server hears about it in order.
		ring.scheme_fds.erase(it);
		ring.scheme_fd_count.fetch_sub(1, std::memory_order_relaxed);
		close_owned(fd);
		break;
	default:
		if (args) {
			*out = Issue::complete(args->fd == Arg::dirfd ? -ENOTDIR : -EOPNOTSUPP);
			return true;
		}
		break; // scheme-private: the server gives the fields their meaning
	}
	Op* op = ring.new_op(sqe, &scheme_kind);
	if (int e = forward_locked(l, op, req, slot); e < 0) {
		ring.drop_locked(op);
		*out = Issue::complete(e);
		return true;
	}
	*out = Issue::later();
	return true;
}

void scheme_detach_locked(Ring&, Op* op)
{
	auto* l = reinterpret_cast<SchemeLink*>(uintptr_t(op->scratch[1]));
	if (auto it = l->pending.find(op->scratch[0]); it != l->pending.end())
		it->second.op = nullptr; // the reply still frees the slot when it comes
}

void scheme_stop_all(Ring& ring)
{
	{
		std::lock_guard<std::mutex> g(ring.mu);
		for (auto& [name, l] : ring.schemes)
			l->stop = true;
		for (auto& [fd, sf] : ring.scheme_fds)
			close_owned(fd);
		ring.scheme_fds.clear();
		ring.scheme_fd_count.store(0);
	}
	for (auto& [name, l] : ring.schemes) {
		native::wake_tail_waiters(l->ring.view.cq);
		l->relay.join();
		native::shut_down(l->ring.view.sq); // the server drops this connection
		os_munmap(l->data, scheme::data_bytes);
		rp_shared_ring_detach(&l->ring);
		close_owned(l->conn);
	}
	ring.schemes.clear();
}

} // namespace ringport::hosted
