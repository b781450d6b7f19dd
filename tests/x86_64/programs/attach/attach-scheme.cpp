// Kernel-to-userspace attachment in the reference kernel (make check-qemu: attach-scheme): a server process
// registers the scheme "demo" (RP_SYS_SCHEME_CREATE) and serves a tiny in-memory file store from its request
// ring - native SQEs in, CQEs out, data in the slots, the protocol of the hosted OS's scheme servers - while the
// client process (its parent) uses plain newlib calls (open/read/write/pread/pwrite/close, each a native SQE
// the kernel forwards) and an io_uring READ and WRITE through the in-kernel shim on the scheme fd. Also: bad
// and taken names, an error the server answers, a second client process, and a server that exits with a request
// pending (EPIPE, the name freed). Exits 0 when every check passed.
#include "guest_ring.hpp"

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace ringport;

extern "C" int scheme_uring_read_write(int fd, char *read_into); // scheme_uring.c

namespace {

// ---- the server -----------------------------------------------------------------------------------------

struct DemoFile {
	bool used;
	char name[32];
	char bytes[4096];
	size_t size, position;
};

DemoFile files[8];

int64_t serve_open(const char *path)
{
	if (strcmp(path, "missing") == 0)
		return -ENOENT;
	for (int h = 0; h < 8; ++h)
		if (!files[h].used) {
			DemoFile &f = files[h];
			f = DemoFile{};
			f.used = true;
			strncpy(f.name, path, sizeof f.name - 1);
			// Every file starts with a greeting that names it, so the client can tell handles apart.
			f.size = size_t(snprintf(f.bytes, sizeof f.bytes, "hello from demo:%s\n", path));
			return h;
		}
	return -EMFILE;
}

int64_t serve(const rp_sqe &req, char *slot, bool *quit)
{
	if (req.opcode == RP_OP_OPEN && strcmp(slot, "die") == 0) {
		*quit = true; // exit without answering: the client's open must fail with EPIPE
		return 0;
	}
	if (req.opcode == RP_OP_OPEN)
		return serve_open(slot);
	if (req.fd >= 8 || !files[req.fd].used)
		return -EBADF;
	DemoFile &f = files[req.fd];
	switch (req.opcode) {
	case RP_OP_READ:
	case RP_OP_PREAD: {
		size_t at = req.opcode == RP_OP_READ ? f.position : size_t(req.offset);
		size_t n = at >= f.size ? 0 : f.size - at;
		if (n > req.len)
			n = size_t(req.len);
		memcpy(slot, f.bytes + at, n);
		if (req.opcode == RP_OP_READ)
			f.position += n;
		return int64_t(n);
	}
	case RP_OP_WRITE:
	case RP_OP_PWRITE: {
		size_t at = req.opcode == RP_OP_WRITE ? f.position : size_t(req.offset);
		if (at >= sizeof f.bytes)
			return -EFBIG;
		size_t n = req.len < sizeof f.bytes - at ? size_t(req.len) : sizeof f.bytes - at;
		memcpy(f.bytes + at, slot, n);
		if (at + n > f.size)
			f.size = at + n;
		if (req.opcode == RP_OP_WRITE)
			f.position += n;
		return int64_t(n);
	}
	case RP_OP_CLOSE:
		f.used = false;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

int run_server(int ready_fd)
{
	rp_kernel_scheme_view view{};
	// Names are checked as the hosted OS checks them.
	CHECK(guest::raw_syscall(RP_SYS_SCHEME_CREATE, long("bad/name"), long(&view)) == -EINVAL);
	CHECK(guest::raw_syscall(RP_SYS_SCHEME_CREATE, long(""), long(&view)) == -EINVAL);
	CHECK(guest::raw_syscall(RP_SYS_SCHEME_CREATE, long("demo"), 8) == -EFAULT);
	long sfd = guest::raw_syscall(RP_SYS_SCHEME_CREATE, long("demo"), long(&view));
	CHECK(sfd >= 0);
	CHECK(guest::raw_syscall(RP_SYS_SCHEME_CREATE, long("demo"), long(&view)) == -EADDRINUSE);
	if (sfd < 0)
		return 1;
	CHECK(view.slot_size == 65536 && view.slot_count > 0);
	auto *sq = reinterpret_cast<rp_ring_header *>(view.sq);
	auto *cq = reinterpret_cast<rp_ring_header *>(view.cq);
	CHECK(native::check_header(sq, sizeof(rp_sqe)) == RP_RING_OK);
	CHECK(native::check_header(cq, sizeof(rp_cqe)) == RP_RING_OK);
	native::SqConsumer requests(sq, reinterpret_cast<rp_sqe *>(view.sqes));
	native::CqProducer replies(cq, reinterpret_cast<rp_cqe *>(view.cqes));
	char *data = reinterpret_cast<char *>(view.data);
	char go = 'r';
	CHECK(write(ready_fd, &go, 1) == 1);
	close(ready_fd);

	unsigned served = 0;
	for (bool quit = false; !quit;) {
		auto ready = requests.ready();
		if (!ready.ok())
			break;
		if (ready.value() == 0) {
			guest::wait_for_tail(sq, requests.seen_tail());
			continue;
		}
		rp_sqe req;
		while (requests.pop(&req) == RP_RING_OK) {
			char *slot = req.addr < view.slot_count ? data + req.addr * view.slot_size : nullptr;
			int64_t result = slot || req.opcode == RP_OP_CLOSE ? serve(req, slot, &quit) : -EINVAL;
			if (quit)
				break;
			CHECK(native::post_completion(replies, req.user_data, result, 0) == RP_RING_OK);
			++served;
		}
		guest::release_and_wake(requests);
		guest::publish_and_wake(replies);
	}
	printf("attach-scheme: server answered %u requests\n", served);
	return failures ? 1 : 0;
}

// ---- the client -----------------------------------------------------------------------------------------

void client_plain_calls()
{
	int fd = open("demo:greeting", O_RDWR);
	CHECK(fd >= 0);
	char buf[128] = {};
	ssize_t n = read(fd, buf, sizeof buf - 1);
	CHECK(n == ssize_t(strlen("hello from demo:greeting\n")) && strcmp(buf, "hello from demo:greeting\n") == 0);
	CHECK(read(fd, buf, sizeof buf) == 0); // end of file: the server keeps the position
	CHECK(write(fd, "MORE", 4) == 4);
	CHECK(pwrite(fd, "HE", 2, 0) == 2);
	memset(buf, 0, sizeof buf);
	CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "HEllo", 5) == 0);
	memset(buf, 0, sizeof buf);
	CHECK(pread(fd, buf, sizeof buf, 25) == 4 && memcmp(buf, "MORE", 4) == 0);
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);

	// Two handles are two files of the server.
	int other = open("demo:second", O_RDONLY);
	CHECK(other >= 0 && other != fd);
	memset(buf, 0, sizeof buf);
	CHECK(read(other, buf, sizeof buf) == ssize_t(strlen("hello from demo:second\n")));
	CHECK(write(other, "x", 1) == -1 && errno == EBADF); // opened read-only: the kernel refuses before forwarding
	CHECK(close(other) == 0);

	// An error the server answers comes back as the call's errno.
	errno = 0;
	CHECK(open("demo:missing", O_RDONLY) == -1 && errno == ENOENT);
	// A name no server holds is an ordinary (missing) path.
	errno = 0;
	CHECK(open("nodemo:greeting", O_RDONLY) == -1 && errno == ENOENT);

	// Linux io_uring through the shim: its READ and WRITE become native SQEs that the kernel forwards too.
	char ubuf[64] = {};
	failures += scheme_uring_read_write(fd, ubuf);
	CHECK(memcmp(ubuf, "HEllo", 5) == 0);
	memset(buf, 0, sizeof buf);
	CHECK(pread(fd, buf, 5, 30) == 5 && memcmp(buf, "ring!", 5) == 0);
	CHECK(close(fd) == 0);
}

// Another process (a child of the client) is a client too.
void client_child()
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int fd = open("demo:child", O_RDONLY);
		char buf[64] = {};
		int ok = fd >= 0 && read(fd, buf, sizeof buf) == ssize_t(strlen("hello from demo:child\n")) &&
		         strcmp(buf, "hello from demo:child\n") == 0;
		_exit(ok ? 0 : 1);
	}
	int status = -1;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

} // namespace

int main()
{
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid_t server = fork();
	CHECK(server >= 0);
	if (server == 0) {
		close(ready[0]);
		_exit(run_server(ready[1]));
	}
	close(ready[1]);
	char go = 0;
	CHECK(read(ready[0], &go, 1) == 1 && go == 'r');

	client_plain_calls();
	client_child();

	// "demo:die" makes the server exit without answering: the waiting open fails with EPIPE (as the hosted OS
	// fails a dead server's requests), the exit unregisters the scheme, and "demo:..." is a plain path again.
	errno = 0;
	CHECK(open("demo:die", O_RDONLY) == -1 && errno == EPIPE);
	int status = -1;
	CHECK(waitpid(server, &status, 0) == server && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	errno = 0;
	CHECK(open("demo:greeting", O_RDONLY) == -1 && errno == ENOENT);

	printf("attach-scheme: %s\n", failures ? "FAILED" : "open/read/write/pread/pwrite/close and io_uring forwarded to the demo: server");
	return failures ? 1 : 0;
}
