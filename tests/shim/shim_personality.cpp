// REGISTER_PERSONALITY / UNREGISTER_PERSONALITY and sqe->personality with Linux's rules: ids from 1, handed out
// cyclically; -EINVAL for arguments the opcode does not take and for an id not registered (in an SQE as in
// UNREGISTER); FIXED_FD_INSTALL refuses to run under a personality (-EPERM). An SQE runs under its personality
// while the personality equals the current credentials; once the thread's uid, gid or groups differ it
// completes -EPERM (the OS cannot borrow credentials, personality.cpp), checked in a forked root child.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <grp.h>
#include <sys/wait.h>
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

// In a child (credentials are the process's): the personality stops running ops once the groups, then the
// uid and gid, differ from the ones it captured; one registered after the change runs.
static int changed_creds_child()
{
	Ring r;
	if (r.init(4))
		return 10;
	int root_id = reg(r, lx::REGISTER_PERSONALITY, nullptr, 0);
	if (root_id != 1 || nop_with(r, 1, 1) != 0)
		return 11;
	gid_t extra = 4242;
	if (setgroups(1, &extra)) // libc's: every thread of the process, as a program's own call would
		return 12;
	if (nop_with(r, 1, 2) != -EPERM)
		return 13;
	int grouped = reg(r, lx::REGISTER_PERSONALITY, nullptr, 0);
	if (grouped != 2 || nop_with(r, 2, 3) != 0)
		return 14;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 15;
	if (nop_with(r, 2, 4) != -EPERM || nop_with(r, 1, 5) != -EPERM)
		return 16;
	int nobody = reg(r, lx::REGISTER_PERSONALITY, nullptr, 0);
	if (nobody != 3 || nop_with(r, 3, 6) != 0)
		return 17;
	return 0;
}

static void changed_credentials_are_eperm(void**)
{
	if (geteuid() != 0)
		skip(); // changing credentials needs root
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(changed_creds_child());
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_and_argument_rules),
		cmocka_unit_test(sqe_personality),
		cmocka_unit_test(changed_credentials_are_eperm),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
