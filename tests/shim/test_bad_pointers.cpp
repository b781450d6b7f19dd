// Bad pointers in SQEs (issue 12): every pointer-carrying op answers an unreadable or unwritable address the way
// Linux does (-EFAULT), in every build: the OS never hands a program pointer to a libc call declared nonnull or
// to a sanitizer's wrapper that reads it first, and never dereferences one itself. One row per op and pointer
// (EPOLL_CTL is refused with -EINVAL before any pointer is looked at: docs/compat-matrix.md).
#include "rp_test.h"

#include "shim_ring.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

using namespace shimtest;

namespace {

// What the rows work on, made fresh for each.
struct Fixture {
	uint64_t bad;    // a mapped page nobody may touch (PROT_NONE)
	int pipe_r, pipe_w;
	int sock[2];     // a connected stream socket pair, with data waiting at sock[0]
	int listener;    // a listening TCP socket with one connection waiting
	int client;
	int waiting;     // the connection waiting at the listener
	int epfd;
	char dir[64];
	char file[96];   // an existing file in dir
	char name[96];   // a free name in dir
	char buf[64];
};

using Prep = void (*)(Fixture&, lx::io_uring_sqe*);

struct Row {
	const char* what;
	Prep prep;
	int expected;
};

void read_bad_buf(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_READ, f.pipe_r, f.bad, 16, 0, 0); }
void write_bad_buf(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_WRITE, f.pipe_w, f.bad, 16, 0, 0); }
void readv_bad_iov(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_READV, f.pipe_r, f.bad, 1, 0, 0); }
void writev_bad_iov(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_WRITEV, f.pipe_w, f.bad, 1, 0, 0); }
void send_bad_buf(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_SEND, f.sock[1], f.bad, 16, 0, 0); }
void recv_bad_buf(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_RECV, f.sock[0], f.bad, 16, 0, 0); }
void sendmsg_bad_msg(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_SENDMSG, f.sock[1], f.bad, 0, 0, 0); }
void recvmsg_bad_msg(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_RECVMSG, f.sock[0], f.bad, 0, 0, 0); }
void recvmsg_waitall_bad_msg(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_RECVMSG, f.sock[0], f.bad, 0, 0, 0);
	s->msg_flags = MSG_WAITALL;
}
void accept_bad_addrlen(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_ACCEPT, f.listener, uint64_t(f.buf), 0, f.bad, 0); // addr fine, addrlen (addr2) not
}
void accept_bad_addr(Fixture& f, lx::io_uring_sqe* s)
{
	static socklen_t len;
	len = sizeof(sockaddr_in);
	prep(s, lx::OP_ACCEPT, f.listener, f.bad, 0, uint64_t(&len), 0);
}
void connect_bad_addr(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_CONNECT, f.client, f.bad, 0, sizeof(sockaddr_in), 0); // addrlen travels in off
}
void bind_bad_addr(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_BIND, f.client, f.bad, 0, sizeof(sockaddr_in), 0); }
void statx_null_path(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_STATX, AT_FDCWD, 0, STATX_BASIC_STATS, uint64_t(f.buf), 0); // off (addr2): the statx buffer
}
void statx_null_buf(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_STATX, AT_FDCWD, uint64_t(f.file), STATX_BASIC_STATS, 0, 0);
}
void statx_bad_buf(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_STATX, AT_FDCWD, uint64_t(f.file), STATX_BASIC_STATS, f.bad, 0);
}
void statx_bad_path(Fixture& f, lx::io_uring_sqe* s)
{
	static struct statx out;
	prep(s, lx::OP_STATX, AT_FDCWD, f.bad, STATX_BASIC_STATS, uint64_t(&out), 0);
}
void openat_bad_path(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_OPENAT, AT_FDCWD, f.bad, 0, 0, 0); }
void openat2_bad_how(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_OPENAT2, AT_FDCWD, uint64_t(f.file), 24, f.bad, 0); // len: sizeof(open_how), off: the how
}
void unlinkat_bad_path(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_UNLINKAT, AT_FDCWD, f.bad, 0, 0, 0); }
void mkdirat_bad_path(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_MKDIRAT, AT_FDCWD, f.bad, 0700, 0, 0); }
void renameat_bad_new(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_RENAMEAT, AT_FDCWD, uint64_t(f.file), AT_FDCWD, f.bad, 0); // len: new dirfd, off: new path
}
void symlinkat_bad_target(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_SYMLINKAT, AT_FDCWD, f.bad, 0, uint64_t(f.name), 0);
}
void linkat_bad_new(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_LINKAT, AT_FDCWD, uint64_t(f.file), AT_FDCWD, f.bad, 0);
}
void setxattr_bad_name(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_SETXATTR, 0, f.bad, 4, uint64_t(f.buf), 0); // addr: name, addr2: value, addr3: path
	s->addr3 = uint64_t(f.file);
}
void getxattr_bad_path(Fixture& f, lx::io_uring_sqe* s)
{
	static const char name[] = "user.rp";
	prep(s, lx::OP_GETXATTR, 0, uint64_t(name), sizeof f.buf, uint64_t(f.buf), 0);
	s->addr3 = f.bad;
}
void timeout_bad_ts(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_TIMEOUT, -1, f.bad, 1, 0, 0); }
void files_update_bad_fds(Fixture& f, lx::io_uring_sqe* s) { prep(s, lx::OP_FILES_UPDATE, -1, f.bad, 1, 0, 0); }
void futex_wait_bad_word(Fixture& f, lx::io_uring_sqe* s)
{
	prep(s, lx::OP_FUTEX_WAIT, 2 /* FUTEX2_SIZE_U32 */, f.bad, 0, 0, 0);
	s->addr3 = 0xffffffffu; // mask: every bit of a 32-bit futex (the value to compare, 0, sits in addr2 = off)
}

const Row kRows[] = {
    {"READ, buffer", read_bad_buf, -EFAULT},
    {"WRITE, buffer", write_bad_buf, -EFAULT},
    {"READV, iovec array", readv_bad_iov, -EFAULT},
    {"WRITEV, iovec array", writev_bad_iov, -EFAULT},
    {"SEND, buffer", send_bad_buf, -EFAULT},
    {"RECV, buffer", recv_bad_buf, -EFAULT},
    {"SENDMSG, msghdr", sendmsg_bad_msg, -EFAULT},
    {"RECVMSG, msghdr", recvmsg_bad_msg, -EFAULT},
    {"RECVMSG MSG_WAITALL, msghdr", recvmsg_waitall_bad_msg, -EFAULT},
    {"ACCEPT, addrlen", accept_bad_addrlen, -EFAULT},
    {"ACCEPT, addr", accept_bad_addr, -EFAULT},
    {"CONNECT, addr", connect_bad_addr, -EFAULT},
    {"BIND, addr", bind_bad_addr, -EFAULT},
    {"STATX, NULL path", statx_null_path, -EFAULT},
    {"STATX, NULL buffer", statx_null_buf, -EFAULT},
    {"STATX, buffer", statx_bad_buf, -EFAULT},
    {"STATX, path", statx_bad_path, -EFAULT},
    {"OPENAT, path", openat_bad_path, -EFAULT},
    {"OPENAT2, open_how", openat2_bad_how, -EFAULT},
    {"UNLINKAT, path", unlinkat_bad_path, -EFAULT},
    {"MKDIRAT, path", mkdirat_bad_path, -EFAULT},
    {"RENAMEAT, new path", renameat_bad_new, -EFAULT},
    {"SYMLINKAT, target", symlinkat_bad_target, -EFAULT},
    {"LINKAT, new path", linkat_bad_new, -EFAULT},
    {"SETXATTR, name", setxattr_bad_name, -EFAULT},
    {"GETXATTR, path", getxattr_bad_path, -EFAULT},
    {"TIMEOUT, timespec", timeout_bad_ts, -EFAULT},
    {"FILES_UPDATE, fd array", files_update_bad_fds, -EFAULT},
    {"FUTEX_WAIT, futex word", futex_wait_bad_word, -EFAULT},
};

void make_fixture(Fixture& f)
{
	void* page = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(page != MAP_FAILED);
	f.bad = uint64_t(page);
	int p[2];
	assert_int_equal(pipe(p), 0);
	f.pipe_r = p[0];
	f.pipe_w = p[1];
	assert_int_equal(write(f.pipe_w, "data", 4), 4);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f.sock), 0);
	assert_int_equal(write(f.sock[1], "data", 4), 4);
	f.listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f.listener >= 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f.listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
	assert_int_equal(listen(f.listener, 4), 0);
	socklen_t alen = sizeof a;
	assert_int_equal(getsockname(f.listener, reinterpret_cast<sockaddr*>(&a), &alen), 0);
	f.waiting = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(f.waiting, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
	f.client = socket(AF_INET, SOCK_STREAM, 0);
	f.epfd = epoll_create1(0);
	std::strcpy(f.dir, "/tmp/rp-badptr-XXXXXX");
	assert_non_null(mkdtemp(f.dir));
	snprintf(f.file, sizeof f.file, "%s/file", f.dir);
	snprintf(f.name, sizeof f.name, "%s/free", f.dir);
	int fd = open(f.file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
}

void drop_fixture(Fixture& f)
{
	munmap(reinterpret_cast<void*>(f.bad), 4096);
	for (int fd : {f.pipe_r, f.pipe_w, f.sock[0], f.sock[1], f.listener, f.client, f.waiting, f.epfd})
		close(fd);
	unlink(f.file);
	unlink(f.name);
	rmdir(f.dir);
}

} // namespace

static void every_pointer_op_answers_efault(void**)
{
	int failures = 0;
	for (const Row& row : kRows) {
		Fixture f{};
		make_fixture(f);
		Ring r;
		assert_int_equal(r.init(8), 0);
		const int32_t sparse = -1; // a file table, so that FILES_UPDATE gets as far as its fd array (Linux: -ENXIO)
		assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_FILES, &sparse, 1), 0);
		lx::io_uring_sqe* s = r.get_sqe();
		row.prep(f, s);
		s->user_data = 7;
		lx::io_uring_cqe c{};
		bool got = r.submit(1) == 1 && r.pop(&c);
		if (!got || c.user_data != 7 || c.res != row.expected) {
			fprintf(stderr, "%s: %s %d, want %d\n", row.what, got ? "got" : "no completion", got ? c.res : 0,
			        row.expected);
			++failures;
		}
		drop_fixture(f);
	}
	assert_int_equal(failures, 0);
}

// MSG_WAITALL: the first part arrives, then the program unmaps its msghdr and iovec array (Linux copied both
// when it prepared the request): the rest still lands in the buffers, and nothing reads the unmapped pages.
static void recvmsg_waitall_survives_unmapped_msghdr(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	static char data[8];
	auto* page = static_cast<uint8_t*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	assert_true(page != MAP_FAILED);
	auto* iov = reinterpret_cast<iovec*>(page + 512);
	iov[0] = {data, 4};
	iov[1] = {data + 4, 4};
	auto* msg = reinterpret_cast<msghdr*>(page);
	*msg = msghdr{};
	msg->msg_iov = iov;
	msg->msg_iovlen = 2;
	assert_int_equal(write(sv[1], "abc", 3), 3);
	lx::io_uring_sqe* s = r.get_sqe();
	prep(s, lx::OP_RECVMSG, sv[0], uint64_t(msg), 1, 0, 11);
	s->msg_flags = MSG_WAITALL;
	assert_int_equal(r.submit(), 1);
	usleep(20 * 1000);
	assert_int_equal(munmap(page, 4096), 0);
	assert_int_equal(write(sv[1], "defgh", 5), 5);
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	assert_int_equal(c.user_data, 11);
	assert_int_equal(c.res, 8);
	assert_memory_equal(data, "abcdefgh", 8);
	close(sv[0]);
	close(sv[1]);
}

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_pointer_op_answers_efault),
	    cmocka_unit_test(recvmsg_waitall_survives_unmapped_msghdr),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
