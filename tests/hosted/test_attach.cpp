// The two other attachment modes, each with two real processes:
//   userspace-to-userspace: a ring in a memfd; the child serves it, both sides sleep on futexes.
//   kernel-to-userspace: a child registers a scheme; this process's hosted OS forwards ops on its fds there.
#include "rp_test.h"
#include "hosted_test.hpp"

#include <ringport/native_ring_linux.hpp>

#include <csignal>
#include <fcntl.h>
#include <map>
#include <poll.h>
#include <string>
#include <sys/wait.h>

using namespace hosted_test;
using namespace ringport::native;

constexpr uint8_t op_double = RP_OP_SCHEME_PRIVATE;     // result: 2 * len
constexpr uint8_t op_quit = RP_OP_SCHEME_PRIVATE + 1;   // the server stops after replying

// The child side of the shared ring: doubles `addr` for op_double, 0 for NOP, -ENOSYS otherwise; exits when the
// parent drops the ring.
[[noreturn]] static void serve_shared_ring(int memfd)
{
	rp_shared_ring ring;
	if (rp_shared_ring_attach(memfd, &ring) != 0)
		_exit(10);
	SqConsumer requests(ring.view.sq, ring.view.sqes);
	CqProducer replies(ring.view.cq, ring.view.cqes);
	for (;;) {
		auto ready = requests.ready();
		if (!ready.ok())
			_exit(ready.error() == RP_RING_DROPPED ? 0 : 11);
		if (ready.value() == 0) {
			timespec limit{5, 0};
			if (wait_for_tail(ring.view.sq, requests.seen_tail(), &limit) == -ETIMEDOUT)
				_exit(12);
			continue;
		}
		rp_sqe s;
		while (requests.pop(&s) == RP_RING_OK) {
			int64_t result = s.opcode == RP_OP_NOP ? 0 : s.opcode == op_double ? int64_t(s.addr * 2) : int64_t(-ENOSYS);
			while (post_completion(replies, s.user_data, result, 0) == RP_RING_FULL) {
				timespec limit{5, 0};
				if (wait_for_head(ring.view.cq, replies.seen_head(), &limit) == -ETIMEDOUT)
					_exit(13);
			}
		}
		// Free the request slots before answering: a client that sees the answers may submit at once.
		release_and_wake(requests);
		publish_and_wake(replies);
	}
}

static void test_userspace_to_userspace(void**)
{
	rp_shared_ring ring;
	rp_os_ring_params p{32, 64, 0, 0};
	assert_int_equal(rp_shared_ring_create(&p, &ring), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		serve_shared_ring(ring.memfd);
	SqProducer requests(ring.view.sq, ring.view.sqes);
	CqConsumer replies(ring.view.cq, ring.view.cqes);
	const uint64_t total = 5000;
	uint64_t sent = 0, received = 0;
	while (received < total) {
		while (sent < total && sent - received < 32) {
			rp_sqe s{};
			s.opcode = sent % 7 == 0 ? uint8_t(RP_OP_NOP) : op_double;
			s.user_data = sent;
			s.addr = sent % 1000 == 999 ? (uint64_t(1) << 39) + sent : sent; // some results need 64 bits
			if (requests.push(s) != RP_RING_OK)
				break;
			++sent;
		}
		publish_and_wake(requests);
		rp_cqe c;
		int64_t res;
		bool any = false;
		while (pop_completion(replies, &c, &res) == RP_RING_OK) {
			any = true;
			assert_int_equal(c.user_data, received);
			const uint64_t u = received;
			const int64_t want = u % 7 == 0 ? 0 : int64_t(2 * (u % 1000 == 999 ? (uint64_t(1) << 39) + u : u));
			assert_int_equal(res, want);
			assert_int_equal((c.flags & RP_CQE_EXTENDED) != 0, want > INT32_MAX);
			++received;
		}
		release_and_wake(replies);
		if (!any) {
			timespec limit{5, 0};
			assert_int_not_equal(wait_for_tail(ring.view.cq, replies.seen_tail(), &limit), -ETIMEDOUT);
		}
	}
	// An unknown request still gets its answer.
	rp_sqe odd{};
	odd.opcode = 200;
	odd.user_data = 77;
	assert_int_equal(requests.push(odd), RP_RING_OK);
	publish_and_wake(requests);
	rp_cqe c;
	int64_t res;
	while (pop_completion(replies, &c, &res) != RP_RING_OK) {
		timespec limit{5, 0};
		assert_int_not_equal(wait_for_tail(ring.view.cq, replies.seen_tail(), &limit), -ETIMEDOUT);
	}
	assert_int_equal(c.user_data, 77);
	assert_int_equal(res, -ENOSYS);
	release_and_wake(replies);
	// Dropping the ring ends the server.
	shut_down(ring.view.sq);
	int status = 0;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	rp_shared_ring_detach(&ring);
}

static void test_shared_ring_attach_checks(void**)
{
	rp_shared_ring ring;
	rp_os_ring_params p{8, 8, 0, 0};
	assert_int_equal(rp_shared_ring_create(&p, &ring), 0);
	// A scribbled header is refused.
	ring.view.cq->entry_count = 1u << 20;
	ring.view.cq->mask = (1u << 20) - 1;
	rp_shared_ring other;
	assert_int_equal(rp_shared_ring_attach(dup(ring.memfd), &other), -EINVAL);
	int fd = open("/dev/null", O_RDONLY);
	assert_true(rp_shared_ring_attach(fd, &other) < 0);
	close(fd);
	p.sq_entries = 3;
	assert_int_equal(rp_shared_ring_create(&p, &other), -EINVAL);
	rp_shared_ring_detach(&ring);
}

// --- kernel-to-userspace ---

struct DemoFile {
	std::string content;
	uint64_t pos = 0;
};

[[noreturn]] static void serve_scheme(const std::string& name, int ready_fd)
{
	rp_scheme_server* server;
	if (rp_scheme_server_create(name.c_str(), &server) != 0)
		_exit(20);
	if (write(ready_fd, "r", 1) != 1)
		_exit(21);
	std::map<std::string, std::string> files = {{"greeting", "hello from the demo scheme"}, {"scratch", ""}};
	std::map<uint64_t, std::pair<std::string, uint64_t>> open_files; // handle -> (name, position)
	uint64_t next_handle = 1;
	for (;;) {
		rp_scheme_request req;
		if (rp_scheme_server_next(server, &req, 10000) != 0)
			_exit(22);
		const rp_sqe& s = req.sqe;
		int64_t result = -ENOSYS;
		auto f = open_files.find(s.fd);
		switch (s.opcode) {
		case RP_OP_OPEN: {
			std::string path(static_cast<const char*>(req.data));
			if (files.count(path)) {
				open_files[next_handle] = {path, 0};
				result = int64_t(next_handle++);
			} else {
				result = -ENOENT;
			}
			break;
		}
		case RP_OP_READ:
		case RP_OP_PREAD: {
			if (f == open_files.end()) {
				result = -EBADF;
				break;
			}
			const std::string& data = files[f->second.first];
			uint64_t at = s.opcode == RP_OP_PREAD ? s.offset : f->second.second;
			uint64_t n = at >= data.size() ? 0 : std::min<uint64_t>(req.data_len, data.size() - at);
			memcpy(req.data, data.data() + at, n);
			if (s.opcode == RP_OP_READ)
				f->second.second += n;
			result = int64_t(n);
			break;
		}
		case RP_OP_WRITE:
		case RP_OP_PWRITE:
			if (f == open_files.end()) {
				result = -EBADF;
				break;
			}
			files[f->second.first].append(static_cast<const char*>(req.data), req.data_len);
			result = int64_t(req.data_len);
			break;
		case RP_OP_CLOSE:
			result = open_files.erase(s.fd) ? 0 : -EBADF;
			break;
		case op_double:
			result = int64_t(2 * s.len);
			break;
		case op_quit:
			rp_scheme_server_reply(server, &req, 0);
			rp_scheme_server_destroy(server);
			_exit(0);
		}
		rp_scheme_server_reply(server, &req, result);
	}
}

static rp_sqe open_sqe(const std::string& path, uint64_t ud)
{
	rp_sqe s = sqe(RP_OP_OPEN, ud);
	s.addr = uint64_t(uintptr_t(path.c_str()));
	s.syscall_flags = O_RDWR;
	return s;
}

static void test_kernel_to_userspace_scheme(void**)
{
	const std::string name = "rpdemo-" + std::to_string(getpid());
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t server = fork();
	assert_true(server >= 0);
	if (server == 0)
		serve_scheme(name, ready[1]);
	char byte;
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	close(ready[1]);

	TestRing r;
	std::string greeting = name + ":greeting", scratch = name + ":scratch", missing = name + ":missing";
	int64_t fd = r.result(open_sqe(greeting, 1));
	assert_true(fd >= 0);
	// The fd is a real host fd (numbers never collide) that plain system calls refuse.
	char buf[64] = {};
	assert_int_equal(read(int(fd), buf, 1), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(r.result(rw(RP_OP_READ, int(fd), buf, 5, 0, 2)), 5);
	assert_memory_equal(buf, "hello", 5);
	memset(buf, 0, sizeof buf);
	assert_int_equal(r.result(rw(RP_OP_READ, int(fd), buf, sizeof buf, 0, 3)), 21);
	assert_string_equal(buf, " from the demo scheme");
	memset(buf, 0, sizeof buf);
	assert_int_equal(r.result(rw(RP_OP_PREAD, int(fd), buf, 4, 6, 4)), 4);
	assert_string_equal(buf, "from");
	assert_int_equal(r.result(rw(RP_OP_PREAD, int(fd), (void*)8, 4, 6, 5)), -EFAULT);
	// Scheme-private opcode: fields pass through, fd becomes the server's handle.
	rp_sqe priv = sqe(op_double, 6);
	priv.fd = uint64_t(fd);
	priv.len = 21;
	assert_int_equal(r.result(priv), 42);
	// What a scheme does not offer.
	rp_sqe p = sqe(RP_OP_POLL, 7);
	p.fd = uint64_t(fd);
	p.syscall_flags = POLLIN;
	assert_int_equal(r.result(p), -EOPNOTSUPP);
	rp_sqe at = sqe(RP_OP_OPENAT, 8);
	at.fd = uint64_t(fd);
	at.addr = uint64_t(uintptr_t("x"));
	assert_int_equal(r.result(at), -ENOTDIR);
	// Writes, and several in flight at once.
	int64_t sfd = r.result(open_sqe(scratch, 9));
	assert_true(sfd >= 0 && sfd != fd);
	for (uint64_t i = 0; i < 20; ++i)
		r.push(rw(RP_OP_WRITE, int(sfd), "abc", 3, 0, 100 + i));
	assert_int_equal(r.enter(0), 20);
	for (int i = 0; i < 20; ++i) {
		Completion c = r.wait();
		assert_true(c.user_data >= 100 && c.user_data < 120);
		assert_int_equal(c.result, 3);
	}
	static char big[60];
	assert_int_equal(r.result(rw(RP_OP_PREAD, int(sfd), big, sizeof big, 0, 10)), 60);
	for (int i = 0; i < 60; i += 3)
		assert_memory_equal(big + i, "abc", 3);
	// Errors from the server and from the OS.
	assert_int_equal(r.result(open_sqe(missing, 11)), -ENOENT);
	assert_int_equal(r.result(open_sqe("rp-noserver-" + std::to_string(getpid()) + ":x", 12)), -ENOENT);
	rp_sqe cl = sqe(RP_OP_CLOSE, 13);
	cl.fd = uint64_t(fd);
	assert_int_equal(r.result(cl), 0);
	assert_int_equal(r.result(rw(RP_OP_READ, int(fd), buf, 1, 0, 14)), -EBADF); // the placeholder is gone too
	// Stop the server through the scheme.
	rp_sqe quit = sqe(op_quit, 15);
	quit.fd = uint64_t(sfd);
	assert_int_equal(r.result(quit), 0);
	int status = 0;
	assert_int_equal(waitpid(server, &status, 0), server);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	r.destroy(); // closes the remaining placeholder and the link
}

// One client's work against the demo scheme: open, 200 reads, close. Returns 0 when every answer was right.
static int demo_client_round(const std::string& name)
{
	TestRing r;
	int64_t fd = r.result(open_sqe(name + ":greeting", 1));
	if (fd < 0)
		return 1;
	for (uint64_t i = 0; i < 200; ++i) {
		char buf[8] = {};
		if (r.result(rw(RP_OP_PREAD, int(fd), buf, 4, 6, 10 + i)) != 4 || memcmp(buf, "from", 4) != 0)
			return 2;
	}
	rp_sqe cl = sqe(RP_OP_CLOSE, 2);
	cl.fd = uint64_t(fd);
	return r.result(cl) == 0 ? 0 : 3;
}

static void test_scheme_serves_two_client_processes(void**)
{
	const std::string name = "rpdemo2-" + std::to_string(getpid());
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t server = fork();
	if (server == 0)
		serve_scheme(name, ready[1]);
	char byte;
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	close(ready[1]);
	// A second client process works at the same time as this one.
	pid_t other = fork();
	if (other == 0)
		_exit(demo_client_round(name));
	assert_int_equal(demo_client_round(name), 0);
	int status = 0;
	assert_int_equal(waitpid(other, &status, 0), other);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	{
		TestRing r;
		int64_t fd = r.result(open_sqe(name + ":greeting", 1));
		assert_true(fd >= 0);
		rp_sqe quit = sqe(op_quit, 2);
		quit.fd = uint64_t(fd);
		assert_int_equal(r.result(quit), 0);
	}
	assert_int_equal(waitpid(server, &status, 0), server);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_scheme_teardown_with_requests_pending(void**)
{
	// The server never answers: destroying the client ring must still finish at once and free everything.
	const std::string name = "rpmute-" + std::to_string(getpid());
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t server = fork();
	if (server == 0) {
		rp_scheme_server* s;
		if (rp_scheme_server_create(name.c_str(), &s) != 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		rp_scheme_request req;
		while (rp_scheme_server_next(s, &req, 10000) == 0) {
		}
		_exit(0);
	}
	char byte;
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	close(ready[1]);
	{
		TestRing r;
		std::string path = name + ":anything";
		r.push(open_sqe(path, 1));
		assert_int_equal(r.enter(0), 1);
		usleep(20000);
		Completion c;
		assert_false(r.pop(&c));
		rp_sqe k = sqe(RP_OP_CANCEL, 2);
		k.addr = 1;
		assert_int_equal(r.result(k), -EALREADY); // the server has it
	}
	kill(server, SIGKILL);
	waitpid(server, nullptr, 0);
}

static void test_scheme_server_death_fails_pending(void**)
{
	// The server dies with a request unanswered: the request fails with -EPIPE instead of hanging.
	const std::string name = "rpdies-" + std::to_string(getpid());
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t server = fork();
	if (server == 0) {
		rp_scheme_server* s;
		if (rp_scheme_server_create(name.c_str(), &s) != 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		rp_scheme_request req;
		if (rp_scheme_server_next(s, &req, 10000) == 0)
			abort(); // dies holding the open
		_exit(2);
	}
	char byte;
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	close(ready[1]);
	TestRing r;
	std::string path = name + ":anything";
	Completion c = r.run(open_sqe(path, 1));
	assert_int_equal(c.result, -EPIPE);
	int status;
	waitpid(server, &status, 0);
	assert_true(WIFSIGNALED(status));
	// The scheme is gone: the name is an ordinary (missing) path again.
	assert_int_equal(r.result(open_sqe(path, 2)), -ENOENT);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_userspace_to_userspace),
		cmocka_unit_test(test_shared_ring_attach_checks),
		cmocka_unit_test(test_kernel_to_userspace_scheme),
		cmocka_unit_test(test_scheme_serves_two_client_processes),
		cmocka_unit_test(test_scheme_teardown_with_requests_pending),
		cmocka_unit_test(test_scheme_server_death_fails_pending),
	};
	return cmocka_run_group_tests_name("hosted_attach", tests, nullptr, nullptr);
}
