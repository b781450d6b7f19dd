// native-echo: a TCP echo server and its clients written as one native ringport program with the executor.
//
//     native-echo [CLIENTS [MESSAGES]]      defaults: 8 clients, 50 messages each
//
// Everything is a native SQE on one hosted ring, including the sockets: Socket, Bind, Listen, Accept, Connect,
// Send, Recv, Shutdown, Close. The server is an accept loop that spawns one coroutine per connection; a
// connection coroutine receives whatever arrives and sends it back until the peer shuts its side down. Each
// client connects to the loopback port, sends messages of different sizes (1 byte to 48 KiB, so some are
// split by TCP), reads the echo until it has every byte back, and compares. All of it is one thread: the
// executor interleaves the coroutines as their completions arrive. Exit 0 only when every echo matched.
#include <ringport/executor_hosted.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ringport;
using exec::Completion;
using exec::Task;

namespace {

using Exec = exec::Executor<exec::HostedBackend, 512>;

constexpr uint64_t kMaxMessage = 48 * 1024;

struct Totals {
	int clients = 0, messages = 0;
	int accepted = 0, finished_clients = 0, closed_connections = 0;
	uint64_t echoed = 0;  // bytes the server sent back
	uint64_t checked = 0; // bytes clients got back and found right
	int64_t error = 0;    // first failure (-errno, or -EPROTO for a wrong echo)
};

void fail(Totals& t, int64_t err)
{
	if (!t.error)
		t.error = err < 0 ? err : -EIO;
}

rp_sqe socket_sqe()
{
	rp_sqe s = exec::entry::make(RP_OP_SOCKET);
	s.offset = AF_INET;
	s.syscall_flags = SOCK_STREAM | SOCK_CLOEXEC;
	return s;
}

rp_sqe sockaddr_sqe(uint8_t opcode, int fd, const sockaddr_in* a)
{
	rp_sqe s = exec::entry::on_fd(opcode, fd);
	s.addr = uint64_t(uintptr_t(a));
	s.len = sizeof *a;
	return s;
}

Task<void> connection(Exec& ex, int fd, Totals& t)
{
	std::unique_ptr<char[]> buf(new char[16384]);
	for (;;) {
		Completion r = co_await ex.recv(fd, buf.get(), 16384);
		if (r.value <= 0) { // 0: the client shut down its side; its echo is complete
			if (r.value < 0)
				fail(t, r.value);
			break;
		}
		for (int64_t sent = 0; sent < r.value;) {
			Completion s = co_await ex.send(fd, buf.get() + sent, uint64_t(r.value - sent), MSG_NOSIGNAL);
			if (s.value <= 0) {
				fail(t, s.value);
				co_await ex.close(fd);
				co_return;
			}
			sent += s.value;
			t.echoed += uint64_t(s.value);
		}
	}
	co_await ex.close(fd);
	++t.closed_connections;
}

Task<void> accept_loop(Exec& ex, int listener, Totals& t)
{
	while (t.accepted < t.clients && !t.error) {
		// Bounded: a client that never connects (its Connect failed) must not leave the server waiting forever.
		Completion a = co_await ex.accept(listener, SOCK_CLOEXEC).within(10ll * 1000 * 1000 * 1000);
		if (!a.ok()) {
			fail(t, a.value);
			break;
		}
		++t.accepted;
		ex.spawn(connection(ex, int(a.value), t));
	}
	co_await ex.close(listener);
}

// The bytes of message m of client c: no two messages alike, so a crossed or reordered echo is caught.
void fill(char* p, uint64_t n, int c, int m)
{
	for (uint64_t i = 0; i < n; ++i)
		p[i] = char((i * 31 + uint64_t(c) * 7 + uint64_t(m) * 13) & 0xff);
}

Task<void> client(Exec& ex, const sockaddr_in* server, int id, Totals& t)
{
	Completion s = co_await ex.submit(socket_sqe());
	if (!s.ok()) {
		fail(t, s.value);
		co_return;
	}
	const int fd = int(s.value);
	std::unique_ptr<char[]> out(new char[kMaxMessage]), back(new char[kMaxMessage]);
	Completion c = co_await ex.submit(sockaddr_sqe(RP_OP_CONNECT, fd, server));
	for (int m = 0; c.ok() && m < t.messages && !t.error; ++m) {
		const uint64_t len = 1 + (uint64_t(m) * 977 + uint64_t(id) * 4099) % kMaxMessage;
		fill(out.get(), len, id, m);
		for (uint64_t sent = 0; sent < len;) {
			Completion w = co_await ex.send(fd, out.get() + sent, len - sent, MSG_NOSIGNAL);
			if (w.value <= 0) {
				fail(t, w.value);
				break;
			}
			sent += uint64_t(w.value);
		}
		uint64_t got = 0;
		while (!t.error && got < len) {
			Completion r = co_await ex.recv(fd, back.get() + got, len - got);
			if (r.value <= 0) {
				fail(t, r.value);
				break;
			}
			got += uint64_t(r.value);
		}
		if (got == len && memcmp(out.get(), back.get(), len) == 0)
			t.checked += len;
		else
			fail(t, -EPROTO);
	}
	if (!c.ok())
		fail(t, c.value);
	rp_sqe shut = exec::entry::on_fd(RP_OP_SHUTDOWN, fd);
	shut.len = SHUT_WR; // the server's recv sees the end and closes its side
	co_await ex.submit(shut);
	co_await ex.close(fd);
	++t.finished_clients;
}

Task<void> start(Exec& ex, Totals& t, sockaddr_in* addr)
{
	Completion s = co_await ex.submit(socket_sqe());
	if (!s.ok()) {
		fail(t, s.value);
		co_return;
	}
	const int listener = int(s.value);
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr->sin_port = 0; // any free port
	Completion b = co_await ex.submit(sockaddr_sqe(RP_OP_BIND, listener, addr));
	rp_sqe l = exec::entry::on_fd(RP_OP_LISTEN, listener);
	l.len = 64;
	Completion ls = co_await ex.submit(l);
	socklen_t alen = sizeof *addr;
	if (!b.ok() || !ls.ok() || getsockname(listener, reinterpret_cast<sockaddr*>(addr), &alen) != 0) {
		fail(t, !b.ok() ? b.value : !ls.ok() ? ls.value : -errno);
		co_await ex.close(listener);
		co_return;
	}
	ex.spawn(accept_loop(ex, listener, t));
	for (int i = 0; i < t.clients; ++i)
		ex.spawn(client(ex, addr, i, t));
}

} // namespace

int main(int argc, char** argv)
{
	Totals t;
	t.clients = argc > 1 ? atoi(argv[1]) : 8;
	t.messages = argc > 2 ? atoi(argv[2]) : 50;
	if (t.clients < 1 || t.clients > 1000 || t.messages < 1) {
		fprintf(stderr, "usage: native-echo [CLIENTS (1..1000) [MESSAGES]]\n");
		return 2;
	}
	exec::HostedBackend backend;
	if (int err = backend.init(128, 256); err < 0)
		return fprintf(stderr, "native-echo: ring: %s\n", strerror(-err)), 1;
	std::unique_ptr<Exec> ex(new Exec(backend));
	sockaddr_in addr{};
	ex->spawn(start(*ex, t, &addr));
	int err = ex->run();
	if (err < 0 || t.error) {
		fprintf(stderr, "native-echo: %s\n", strerror(int(err < 0 ? -err : -t.error)));
		return 1;
	}
	const exec::Stats& st = ex->stats();
	printf("native-echo: server on 127.0.0.1:%u accepted %d connections, one coroutine each, echoed %llu bytes\n",
	       ntohs(addr.sin_port), t.accepted, (unsigned long long)t.echoed);
	printf("native-echo: %d clients x %d messages: %llu bytes back and checked; %llu SQEs in %llu enters\n",
	       t.finished_clients, t.messages, (unsigned long long)t.checked, (unsigned long long)st.submitted,
	       (unsigned long long)st.enters);
	const bool ok = t.finished_clients == t.clients && t.closed_connections == t.clients && t.echoed == t.checked;
	return ok ? 0 : 1;
}
