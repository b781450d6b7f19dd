// REGISTER_PERSONALITY / UNREGISTER_PERSONALITY and sqe->personality with Linux's rules: ids from 1, handed out
// cyclically; -EINVAL for arguments the opcode does not take and for an id not registered (in an SQE as in
// UNREGISTER); FIXED_FD_INSTALL refuses to run under a personality (-EPERM). An SQE under a personality runs
// with its credentials after the program changed its own (personality.t's case: root registers, seteuid(65534),
// opens a 0600 root file), on the submitting thread (openat, inline) and on a worker (mkdirat), and each thread
// is back to the process's credentials right after; a personality the process can no longer take (it dropped
// root for good) completes -EPERM. Checked in forked root children: credentials are the process's.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <string>
#include <unistd.h>

using namespace shimtest;

namespace {

int reg(Ring& r, unsigned op, const void* arg, unsigned nr) { return rp_sys_io_uring_register(unsigned(r.fd), op, arg, nr); }

// One SQE with the given personality; its CQE's result.
int run_with(Ring& r, uint8_t op, int fd, uint8_t flags, uint16_t personality, uint64_t ud)
{
	auto* s = r.get_sqe();
	prep(s, op, fd, 0, 0, 0, ud);
	s->flags = flags;
	s->personality = personality;
	if (r.submit() != 1)
		return -1000;
	lx::io_uring_cqe c;
	if (!r.next(&c) || c.user_data != ud)
		return -1001;
	return c.res;
}

int nop_with(Ring& r, uint16_t personality, uint64_t ud) { return run_with(r, lx::OP_NOP, -1, 0, personality, ud); }

} // namespace

static void ids_and_argument_rules(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	int dummy = 0;
	assert_int_equal(reg(r, lx::REGISTER_PERSONALITY, &dummy, 0), -EINVAL);
	assert_int_equal(reg(r, lx::REGISTER_PERSONALITY, nullptr, 1), -EINVAL);
	assert_int_equal(reg(r, lx::REGISTER_PERSONALITY, nullptr, 0), 1);
	assert_int_equal(reg(r, lx::REGISTER_PERSONALITY, nullptr, 0), 2);
	assert_int_equal(reg(r, lx::REGISTER_PERSONALITY, nullptr, 0), 3);
	// Unregister takes the id in nr_args and no argument.
	assert_int_equal(reg(r, lx::UNREGISTER_PERSONALITY, &dummy, 2), -EINVAL);
	assert_int_equal(reg(r, lx::UNREGISTER_PERSONALITY, nullptr, 2), 0);
	assert_int_equal(reg(r, lx::UNREGISTER_PERSONALITY, nullptr, 2), -EINVAL);
	assert_int_equal(reg(r, lx::UNREGISTER_PERSONALITY, nullptr, 0), -EINVAL);
	assert_int_equal(reg(r, lx::UNREGISTER_PERSONALITY, nullptr, 70000), -EINVAL);
	// Cyclic: a freed id is not handed out again before the others.
	assert_int_equal(reg(r, lx::REGISTER_PERSONALITY, nullptr, 0), 4);
	// Another ring has its own ids.
	Ring other;
	assert_int_equal(other.init(4), 0);
	assert_int_equal(reg(other, lx::REGISTER_PERSONALITY, nullptr, 0), 1);
}

static void sqe_personality(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	// No such personality: the SQE fails at submission.
	assert_int_equal(nop_with(r, 1, 1), -EINVAL);
	int id = reg(r, lx::REGISTER_PERSONALITY, nullptr, 0);
	assert_int_equal(id, 1);
	assert_int_equal(nop_with(r, uint16_t(id), 2), 0);
	assert_int_equal(nop_with(r, uint16_t(id + 1), 3), -EINVAL);
	// A real op under it: a write to a pipe.
	int p[2];
	assert_int_equal(pipe(p), 0);
	auto* s = r.get_sqe();
	static const char msg[] = "abc";
	prep(s, lx::OP_WRITE, p[1], uint64_t(uintptr_t(msg)), 3, 0, 4);
	s->personality = uint16_t(id);
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c;
	assert_true(r.next(&c));
	assert_int_equal(c.res, 3);
	char got[4] = {};
	assert_int_equal(read(p[0], got, 3), 3);
	assert_string_equal(got, "abc");
	// Installing a fixed file as an fd is the task's own business: never under a personality.
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_FILES, &p[0], 1), 0);
	assert_int_equal(run_with(r, lx::OP_FIXED_FD_INSTALL, 0, lx::SQE_FIXED_FILE, uint16_t(id), 5), -EPERM);
	assert_int_equal(run_with(r, lx::OP_FIXED_FD_INSTALL, 0, lx::SQE_FIXED_FILE | lx::SQE_ASYNC, uint16_t(id), 6),
	                 -EPERM);
	int fd = run_with(r, lx::OP_FIXED_FD_INSTALL, 0, lx::SQE_FIXED_FILE, 0, 7);
	assert_true(fd >= 0);
	close(fd);
	// Gone once unregistered.
	assert_int_equal(reg(r, lx::UNREGISTER_PERSONALITY, nullptr, unsigned(id)), 0);
	assert_int_equal(nop_with(r, uint16_t(id), 8), -EINVAL);
	close(p[0]);
	close(p[1]);
}

namespace {

// One path op (OPENAT with O_RDONLY, or MKDIRAT with mode 0755) at dir/name under the personality (0: none).
int path_op(Ring& r, uint8_t op, const std::string& path, uint16_t personality, uint64_t ud)
{
	auto* s = r.get_sqe();
	prep(s, op, AT_FDCWD, uint64_t(uintptr_t(path.c_str())), op == lx::OP_MKDIRAT ? 0755 : 0, 0, ud);
	if (op == lx::OP_OPENAT)
		s->open_flags = O_RDONLY | O_CLOEXEC;
	s->personality = personality;
	if (r.submit() != 1)
		return -1000;
	lx::io_uring_cqe c;
	if (!r.next(&c) || c.user_data != ud)
		return -1001;
	return c.res;
}

// The calling thread's own uids, from the kernel (libc could answer from a cache).
bool thread_uids(uid_t ruid, uid_t euid, uid_t suid)
{
	uid_t u[3];
	return syscall(SYS_getresuid, &u[0], &u[1], &u[2]) == 0 && u[0] == ruid && u[1] == euid && u[2] == suid;
}

uid_t owner(const std::string& path)
{
	struct stat st;
	return stat(path.c_str(), &st) == 0 ? st.st_uid : uid_t(-1);
}

// personality.t's case and what follows from it; a code says which check failed.
int borrowed_creds_child()
{
	char tmpl[] = "/tmp/rp-personality-XXXXXX";
	if (!mkdtemp(tmpl) || chmod(tmpl, 0755))
		return 10;
	const std::string dir = tmpl, secret = dir + "/secret", open_dir = dir + "/open";
	int fd = open(secret.c_str(), O_CREAT | O_WRONLY, 0600);
	if (fd < 0 || close(fd) || mkdir(open_dir.c_str(), 0777) || chmod(open_dir.c_str(), 0777))
		return 11;
	Ring r;
	if (r.init(8))
		return 12;
	int root = reg(r, lx::REGISTER_PERSONALITY, nullptr, 0);
	if (root != 1)
		return 13;
	if (seteuid(65534)) // libc's: the whole process, as personality.t does it
		return 14;
	// Without the personality the file is out of reach; with it the open succeeds, as on Linux.
	if (path_op(r, lx::OP_OPENAT, secret, 0, 1) != -EACCES)
		return 20;
	int got = path_op(r, lx::OP_OPENAT, secret, uint16_t(root), 2);
	if (got < 0)
		return 21;
	close(got);
	// The submitting thread wears the personality only for the op.
	if (!thread_uids(0, 65534, 0) || geteuid() != 65534)
		return 22;
	if (path_op(r, lx::OP_OPENAT, secret, 0, 3) != -EACCES)
		return 23;
	// MKDIRAT runs on an OS worker: under the personality it creates a root-owned directory where nobody may;
	// the same worker pool then creates as 65534 again, so the worker went back to the process's credentials.
	if (path_op(r, lx::OP_MKDIRAT, dir + "/by-root", uint16_t(root), 4) != 0 || owner(dir + "/by-root") != 0)
		return 24;
	if (path_op(r, lx::OP_MKDIRAT, dir + "/by-nobody", 0, 5) != -EACCES)
		return 25;
	for (int i = 0; i < 4; ++i) {
		std::string a = open_dir + "/n" + std::to_string(i), b = open_dir + "/r" + std::to_string(i);
		if (path_op(r, lx::OP_MKDIRAT, a, 0, 6) != 0 || owner(a) != 65534)
			return 26;
		if (path_op(r, lx::OP_MKDIRAT, b, uint16_t(root), 7) != 0 || owner(b) != 0)
			return 27;
	}
	if (!thread_uids(0, 65534, 0))
		return 28;
	// A personality registered now (65534) equals the current credentials: no borrowing at all.
	int nobody = reg(r, lx::REGISTER_PERSONALITY, nullptr, 0);
	if (nobody != 2 || path_op(r, lx::OP_OPENAT, secret, uint16_t(nobody), 8) != -EACCES)
		return 29;
	// Clean up as root, then drop root for good: root's personality cannot be taken any more, so an op under
	// it completes -EPERM and never runs (as nobody or otherwise); a NOP, which needs no credentials, runs.
	if (seteuid(0))
		return 30;
	for (int i = 0; i < 4; ++i)
		if (rmdir((open_dir + "/n" + std::to_string(i)).c_str()) || rmdir((open_dir + "/r" + std::to_string(i)).c_str()))
			return 31;
	if (rmdir(open_dir.c_str()) || rmdir((dir + "/by-root").c_str()) || unlink(secret.c_str()) || rmdir(dir.c_str()))
		return 32;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 33;
	if (path_op(r, lx::OP_OPENAT, "/", uint16_t(root), 9) != -EPERM || nop_with(r, uint16_t(root), 10) != 0)
		return 34;
	if (!thread_uids(65534, 65534, 65534) || path_op(r, lx::OP_OPENAT, "/", 0, 11) < 0)
		return 35;
	return 0;
}

// Groups are credentials too: a personality taken before setgroups runs with the old set (a 0040 file of
// group 4242, opened as nobody).
int groups_child()
{
	char tmpl[] = "/tmp/rp-personality-XXXXXX";
	if (!mkdtemp(tmpl) || chmod(tmpl, 0755))
		return 40;
	const std::string secret = std::string(tmpl) + "/group-secret";
	int fd = open(secret.c_str(), O_CREAT | O_WRONLY, 0640);
	if (fd < 0 || close(fd) || chown(secret.c_str(), 0, 4242) || chmod(secret.c_str(), 0040))
		return 41;
	Ring r;
	if (r.init(4))
		return 42;
	// Registered as nobody in group 4242 (root kept in the real and saved uids, so it can change later).
	gid_t extra = 4242;
	if (setgroups(1, &extra) || setegid(65534) || seteuid(65534))
		return 43;
	int with_group = reg(r, lx::REGISTER_PERSONALITY, nullptr, 0);
	if (with_group != 1)
		return 44;
	// Then the process leaves the group: nobody in no extra group.
	if (seteuid(0) || setgroups(0, nullptr) || seteuid(65534))
		return 45;
	int res = path_op(r, lx::OP_OPENAT, secret, 0, 1);
	int borrowed = path_op(r, lx::OP_OPENAT, secret, uint16_t(with_group), 2);
	if (seteuid(0) || unlink(secret.c_str()) || rmdir(tmpl))
		return 46;
	if (res != -EACCES)
		return 47;
	if (borrowed < 0)
		return 48; // only group 4242 may read it, and the personality is in it
	return 0;
}

void run_child(int (*child)())
{
	if (geteuid() != 0)
		skip(); // changing credentials needs root
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child());
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

} // namespace

static void borrowed_credentials(void**) { run_child(borrowed_creds_child); }
static void borrowed_groups(void**) { run_child(groups_child); }

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_and_argument_rules),
		cmocka_unit_test(sqe_personality),
		cmocka_unit_test(borrowed_credentials),
		cmocka_unit_test(borrowed_groups),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
