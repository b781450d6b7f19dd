// native-demo-scheme: a "demo:" scheme server written with the executor, and a client that reads from it
// through a native ring.
//
//     native-demo-scheme [NAME]       NAME defaults to "demo"
//
// The server (a child process) registers the scheme with rp_scheme_server_create and serves two files:
// "NAME:motd", a line of text, and "NAME:numbers", 1 MiB of little-endian uint32 counters kept in a backing file
// in a fresh temporary directory. Each request gets a coroutine of its own: a read of "numbers" is a native
// Pread of the backing file straight into the client's buffer (req.data), replied to when it completes, so many
// reads are served at once while the server goes on taking requests. Opcode 200 (scheme-private) stops it.
//
// Driving a scheme server from an executor: rp_scheme_server_next has no fd the ring could poll, so the
// server's request loop asks it with timeout 0 between turns and, when nothing is waiting, sleeps through the
// native Timeout op (50 us, doubling to 2 ms while idle; any request resets it). The price is up to 2 ms of
// latency after an idle spell and a wake-up per sleep; the gain is that waiting for requests never blocks the
// executor's other coroutines (the Preads in flight), which a blocking rp_scheme_server_next would.
//
// The client (the parent) uses its own executor: it opens "NAME:motd" and reads it, opens "NAME:numbers" and
// reads the whole of it with 16 Preads of 64 KiB in flight at once, checks every counter, checks that a missing
// name fails with ENOENT, closes both, and sends the stop opcode. Exit 0 only when every check held and the
// server exited 0.
#include "wait_group.hpp"

#include <ringport/executor_hosted.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace ringport;
using exec::Completion;
using exec::Task;
using ringport_examples::WaitGroup;

namespace {

using Exec = exec::Executor<exec::HostedBackend, 256>;

constexpr uint8_t kOpStop = 200; // scheme-private
constexpr uint64_t kNumbersBytes = 1 << 20;
constexpr uint64_t kPiece = 64 * 1024; // the most a scheme request moves
constexpr const char kMotd[] = "hello from a scheme server written with the ringport executor\n";

// --- the server ---

enum Handle : uint64_t { kMotdHandle = 1, kNumbersHandle = 2 };

struct Server {
	rp_scheme_server* scheme = nullptr;
	int backing = -1; // the numbers
	bool stopping = false;
	bool failed = false; // gave up waiting for a request
	uint64_t requests = 0, replies = 0, bytes_served = 0;
	uint32_t busy = 0, max_busy = 0; // requests being served at once
	uint64_t motd_pos = 0, numbers_pos = 0; // positions for plain Read
};

// Waits for the next request without blocking the executor (see the file comment). 0, or -errno.
Task<int> next_request(Exec& ex, Server& s, rp_scheme_request* req)
{
	int64_t idle_ns = 50 * 1000;
	const int64_t give_up = ex.now_ns() + 30ll * 1000 * 1000 * 1000; // a client that vanished without "stop"
	for (;;) {
		int err = rp_scheme_server_next(s.scheme, req, 0);
		if (err != -ETIME)
			co_return err;
		if (ex.now_ns() > give_up)
			co_return -ETIME;
		(void)co_await ex.sleep_for(idle_ns); // -ETIME when it fires: the expected result
		if (idle_ns < 2 * 1000 * 1000)
			idle_ns *= 2;
	}
}

void reply(Server& s, const rp_scheme_request& req, int64_t result)
{
	rp_scheme_server_reply(s.scheme, &req, result);
	++s.replies;
	if (result > 0 && (req.sqe.opcode == RP_OP_READ || req.sqe.opcode == RP_OP_PREAD))
		s.bytes_served += uint64_t(result);
}

// One request, in a coroutine of its own; req is a copy (its data pointer stays valid until the reply).
Task<void> serve(Exec& ex, Server& s, rp_scheme_request req)
{
	++s.busy;
	if (s.busy > s.max_busy)
		s.max_busy = s.busy;
	const rp_sqe& q = req.sqe;
	int64_t result = -EBADF;
	switch (q.opcode) {
	case RP_OP_OPEN: {
		const char* path = static_cast<const char*>(req.data);
		result = strcmp(path, "motd") == 0 ? int64_t(kMotdHandle) : strcmp(path, "numbers") == 0 ? int64_t(kNumbersHandle) : -ENOENT;
		if (result > 0 && (q.syscall_flags & O_ACCMODE) != O_RDONLY)
			result = -EACCES; // read-only files
		break;
	}
	case RP_OP_READ:
	case RP_OP_PREAD: {
		const bool positioned = q.opcode == RP_OP_PREAD;
		if (q.fd == kMotdHandle) {
			uint64_t& pos = s.motd_pos;
			uint64_t at = positioned ? q.offset : pos;
			uint64_t n = at >= sizeof kMotd - 1 ? 0 : sizeof kMotd - 1 - at;
			n = n < req.data_len ? n : req.data_len;
			memcpy(req.data, kMotd + at, n);
			if (!positioned)
				pos += n;
			result = int64_t(n);
		} else if (q.fd == kNumbersHandle) {
			// Claim the range before suspending, so plain Reads that overlap in time get consecutive pieces.
			uint64_t at = positioned ? q.offset : s.numbers_pos;
			if (!positioned)
				s.numbers_pos += req.data_len;
			result = (co_await ex.read(s.backing, req.data, req.data_len, at)).value;
			if (!positioned && result >= 0 && uint64_t(result) < req.data_len)
				s.numbers_pos -= req.data_len - uint64_t(result); // hand back what the end of file cut off
		}
		break;
	}
	case RP_OP_WRITE:
	case RP_OP_PWRITE:
		result = -EBADF; // every handle is read-only, as write(2) on an O_RDONLY fd
		break;
	case RP_OP_CLOSE:
		result = q.fd == kMotdHandle || q.fd == kNumbersHandle ? 0 : -EBADF;
		break;
	case kOpStop:
		s.stopping = true;
		result = 0;
		break;
	default:
		result = -EOPNOTSUPP;
	}
	reply(s, req, result);
	--s.busy;
}

Task<void> request_loop(Exec& ex, Server& s)
{
	while (!s.stopping) {
		rp_scheme_request req;
		if (int err = co_await next_request(ex, s, &req); err != 0) {
			fprintf(stderr, "native-demo-scheme: server: waiting for requests: %s\n", strerror(-err));
			s.failed = true;
			break;
		}
		++s.requests;
		ex.spawn(serve(ex, s, req));
	}
}

// Writes the numbers with the executor too: 16 Pwrites of 64 KiB in flight.
Task<void> fill_backing(Exec& ex, int fd, uint64_t piece_index, int64_t* error)
{
	std::unique_ptr<uint32_t[]> piece(new uint32_t[kPiece / 4]);
	for (uint64_t p = piece_index; p < kNumbersBytes / kPiece; p += 16) {
		for (uint64_t i = 0; i < kPiece / 4; ++i)
			piece[i] = uint32_t(p * (kPiece / 4) + i);
		Completion w = co_await ex.write(fd, piece.get(), kPiece, p * kPiece);
		if (w.value != int64_t(kPiece) && !*error)
			*error = w.value < 0 ? w.value : -EIO;
	}
}

[[noreturn]] void run_server(const char* name, int ready_fd)
{
	Server s;
	char dir[] = "/tmp/native-demo-scheme-XXXXXX";
	if (!mkdtemp(dir))
		_exit(10);
	std::string path = std::string(dir) + "/numbers";
	s.backing = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(path.c_str());
	rmdir(dir);
	exec::HostedBackend backend;
	if (s.backing < 0 || backend.init(64, 128) < 0)
		_exit(11);
	std::unique_ptr<Exec> ex(new Exec(backend));
	int64_t error = 0;
	for (uint64_t i = 0; i < 16; ++i)
		ex->spawn(fill_backing(*ex, s.backing, i, &error));
	if (ex->run() != 0 || error)
		_exit(12);
	if (int err = rp_scheme_server_create(name, &s.scheme); err != 0) {
		fprintf(stderr, "native-demo-scheme: registering %s: %s\n", name, strerror(-err));
		_exit(13);
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(14);
	close(ready_fd);
	ex->spawn(request_loop(*ex, s));
	if (ex->run() != 0)
		_exit(15);
	printf("native-demo-scheme: server: %llu requests, a coroutine each, up to %u served at once, %llu bytes "
	       "served; %llu SQEs in %llu enters\n",
	       (unsigned long long)s.requests, s.max_busy, (unsigned long long)s.bytes_served,
	       (unsigned long long)ex->stats().submitted, (unsigned long long)ex->stats().enters);
	fflush(stdout);
	rp_scheme_server_destroy(s.scheme);
	_exit(s.requests == s.replies && !s.failed ? 0 : 16);
}

// --- the client ---

struct Client {
	std::string name;
	int64_t error = 0;
	const char* failed = nullptr; // what went wrong
	std::string motd;
	uint64_t numbers_checked = 0;
};

void fail(Client& c, const char* what, int64_t err)
{
	if (!c.failed) {
		c.failed = what;
		c.error = err;
	}
}

Task<void> read_piece(Exec& ex, Client& c, int fd, uint64_t p, uint32_t* image, WaitGroup& wg)
{
	Completion r = co_await ex.read(fd, reinterpret_cast<char*>(image) + p * kPiece, kPiece, p * kPiece);
	if (r.value != int64_t(kPiece))
		fail(c, "Pread of numbers", r.value);
	wg.done();
}

Task<void> client(Exec& ex, Client& c, uint32_t* image)
{
	std::string motd_path = c.name + ":motd", numbers_path = c.name + ":numbers", missing = c.name + ":missing";
	Completion m = co_await ex.open(motd_path.c_str(), O_RDONLY);
	if (!m.ok()) {
		fail(c, "Open of motd", m.value);
		co_return;
	}
	char text[256];
	uint64_t got = 0;
	for (;;) { // plain Reads at the file position, until the end
		Completion r = co_await ex.read_stream(int(m.value), text + got, 16);
		if (r.value <= 0) {
			if (r.value < 0)
				fail(c, "Read of motd", r.value);
			break;
		}
		got += uint64_t(r.value);
	}
	c.motd.assign(text, got);
	Completion n = co_await ex.open(numbers_path.c_str(), O_RDONLY);
	if (!n.ok()) {
		fail(c, "Open of numbers", n.value);
		co_return;
	}
	// Sixteen Preads in flight at once, a root coroutine each, joined by a wait group; the two opens below go
	// out beside them.
	WaitGroup wg(int(kNumbersBytes / kPiece));
	for (uint64_t p = 0; p < kNumbersBytes / kPiece; ++p)
		ex.spawn(read_piece(ex, c, int(n.value), p, image, wg));
	Completion bad = co_await ex.open(missing.c_str(), O_RDONLY);
	if (bad.value != -ENOENT)
		fail(c, "Open of a missing name (wanted ENOENT)", bad.value);
	Completion w = co_await ex.open(motd_path.c_str(), O_RDWR);
	if (w.value != -EACCES)
		fail(c, "Open of motd for writing (wanted EACCES)", w.value);
	co_await wg;
	for (uint64_t i = 0; i < kNumbersBytes / 4; ++i)
		if (image[i] == uint32_t(i))
			++c.numbers_checked;
	if (c.numbers_checked != kNumbersBytes / 4)
		fail(c, "numbers content", -EPROTO);
	Completion c1 = co_await ex.close(int(m.value));
	Completion c2 = co_await ex.close(int(n.value));
	if (!c1.ok() || !c2.ok())
		fail(c, "Close", !c1.ok() ? c1.value : c2.value);
	// Stop the server: a scheme-private opcode on one of its fds. Opened anew, as both are closed.
	Completion h = co_await ex.open(motd_path.c_str(), O_RDONLY);
	if (!h.ok()) {
		fail(c, "Open for the stop request", h.value);
		co_return;
	}
	rp_sqe stop = exec::entry::on_fd(kOpStop, int(h.value));
	Completion st = co_await ex.submit(stop);
	if (!st.ok())
		fail(c, "the stop request", st.value);
	(void)co_await ex.close(int(h.value));
}

} // namespace

int main(int argc, char** argv)
{
	const char* name = argc > 1 ? argv[1] : "demo";
	int ready[2];
	if (pipe(ready) != 0)
		return perror("pipe"), 1;
	fflush(stdout);
	pid_t server = fork(); // before any ring exists, so neither side inherits the other's OS threads
	if (server < 0)
		return perror("fork"), 1;
	if (server == 0) {
		close(ready[0]);
		run_server(name, ready[1]);
	}
	close(ready[1]);
	char byte;
	if (read(ready[0], &byte, 1) != 1) {
		fprintf(stderr, "native-demo-scheme: the server did not start\n");
		waitpid(server, nullptr, 0);
		return 1;
	}
	close(ready[0]);

	Client c;
	c.name = name;
	std::unique_ptr<uint32_t[]> image(new uint32_t[kNumbersBytes / 4]());
	int status = 0;
	{
		exec::HostedBackend backend;
		if (backend.init(64, 128) < 0)
			return fprintf(stderr, "native-demo-scheme: no ring\n"), 1;
		std::unique_ptr<Exec> ex(new Exec(backend));
		ex->spawn(client(*ex, c, image.get()));
		if (int err = ex->run(); err < 0)
			fail(c, "the executor", err);
		printf("native-demo-scheme: client: %s:motd says: %s", name, c.motd.c_str());
		printf("native-demo-scheme: client: %s:numbers: %llu of %llu counters right, read by 16 Preads of 64 KiB "
		       "at once; a missing name gave ENOENT, writing gave EACCES\n",
		       name, (unsigned long long)c.numbers_checked, (unsigned long long)(kNumbersBytes / 4));
		fflush(stdout);
	}
	if (c.failed) // the server may still wait for its stop request: do not wait for it forever
		kill(server, SIGTERM);
	if (waitpid(server, &status, 0) != server)
		return perror("waitpid"), 1;
	if (c.failed) {
		fprintf(stderr, "native-demo-scheme: %s: %s\n", c.failed, c.error < 0 ? strerror(int(-c.error)) : "wrong");
		return 1;
	}
	if (c.motd != kMotd || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "native-demo-scheme: wrong motd or the server failed (status %d)\n", status);
		return 1;
	}
	return 0;
}
