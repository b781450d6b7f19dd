// Waitpid on real children: exit status, death by signal, stop events, P_ALL and P_PIDFD, WNOHANG, errors,
// cancellation, and many pending waits without a thread each.
#include "rp_test.h"
#include "hosted_test.hpp"

#include <csignal>
#include <cstdio>
#include <sys/syscall.h>
#include <sys/wait.h>

using namespace hosted_test;

// idtype is a plain number: a bad one (77) must reach the OS, and converting it to idtype_t would be undefined.
static rp_sqe wait_sqe(uint32_t idtype, uint64_t id, int options, siginfo_t* info, uint64_t ud)
{
	rp_sqe s = sqe(RP_OP_WAITPID, ud);
	s.syscall_flags = idtype;
	s.fd = id;
	s.len = uint64_t(options);
	s.addr = uint64_t(uintptr_t(info));
	return s;
}

static pid_t child_exiting(int status, unsigned delay_us)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(delay_us);
		_exit(status);
	}
	return pid;
}

static void test_exit_status(void**)
{
	TestRing r;
	pid_t pid = child_exiting(7, 30000);
	siginfo_t si{};
	r.push(wait_sqe(P_PID, uint64_t(pid), WEXITED, &si, 1));
	assert_int_equal(r.enter(0), 1);
	Completion c = r.wait();
	assert_int_equal(c.result, 0);
	assert_int_equal(si.si_pid, pid);
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 7);
	// Reaped: waiting again says ECHILD.
	assert_int_equal(r.result(wait_sqe(P_PID, uint64_t(pid), WEXITED, &si, 2)), -ECHILD);
}

static void test_already_exited_completes_inline(void**)
{
	TestRing r;
	pid_t pid = child_exiting(3, 0);
	siginfo_t si{};
	// Wait with WNOWAIT through a plain peek until it is a zombie, then the ring op completes inline.
	siginfo_t peek{};
	waitid(P_PID, id_t(pid), &peek, WEXITED | WNOWAIT);
	r.push(wait_sqe(P_PID, uint64_t(pid), WEXITED, &si, 1));
	assert_int_equal(r.enter(0), 1);
	Completion c;
	assert_true(r.pop(&c)); // there before enter returned
	assert_int_equal(c.result, 0);
	assert_int_equal(si.si_status, 3);
}

static void test_killed_by_signal(void**)
{
	TestRing r;
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	siginfo_t si{};
	r.push(wait_sqe(P_PID, uint64_t(pid), WEXITED, &si, 1));
	assert_int_equal(r.enter(0), 1);
	usleep(10000);
	Completion c;
	assert_false(r.pop(&c));
	kill(pid, SIGTERM);
	c = r.wait();
	assert_int_equal(c.result, 0);
	assert_int_equal(si.si_code, CLD_KILLED);
	assert_int_equal(si.si_status, SIGTERM);
}

static void test_stopped_and_continued(void**)
{
	TestRing r;
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	siginfo_t si{};
	r.push(wait_sqe(P_PID, uint64_t(pid), WSTOPPED, &si, 1));
	assert_int_equal(r.enter(0), 1);
	kill(pid, SIGSTOP);
	Completion c = r.wait();
	assert_int_equal(c.result, 0);
	assert_int_equal(si.si_code, CLD_STOPPED);
	assert_int_equal(si.si_status, SIGSTOP);
	r.push(wait_sqe(P_PID, uint64_t(pid), WCONTINUED, &si, 2));
	assert_int_equal(r.enter(0), 1);
	kill(pid, SIGCONT);
	c = r.wait();
	assert_int_equal(si.si_code, CLD_CONTINUED);
	kill(pid, SIGKILL);
	assert_int_equal(r.result(wait_sqe(P_PID, uint64_t(pid), WEXITED, &si, 3)), 0);
	assert_int_equal(si.si_status, SIGKILL);
}

static void test_p_all_and_pidfd(void**)
{
	TestRing r;
	pid_t a = child_exiting(1, 20000), b = child_exiting(2, 40000);
	siginfo_t s1{}, s2{};
	r.push(wait_sqe(P_ALL, 0, WEXITED, &s1, 1));
	r.push(wait_sqe(P_ALL, 0, WEXITED, &s2, 2));
	assert_int_equal(r.enter(0), 2);
	Completion c1 = r.wait(), c2 = r.wait();
	assert_int_equal(c1.result, 0);
	assert_int_equal(c2.result, 0);
	assert_true((s1.si_pid == a && s2.si_pid == b) || (s1.si_pid == b && s2.si_pid == a));
	assert_int_equal(s1.si_status + s2.si_status, 3);
	// P_PIDFD.
	pid_t c = child_exiting(5, 20000);
	int pidfd = int(syscall(SYS_pidfd_open, c, 0));
	assert_true(pidfd >= 0);
	siginfo_t si{};
	assert_int_equal(r.result(wait_sqe(P_PIDFD, uint64_t(pidfd), WEXITED, &si, 3)), 0);
	assert_int_equal(si.si_pid, c);
	assert_int_equal(si.si_status, 5);
	close(pidfd);
}

static void test_wnohang_and_errors(void**)
{
	TestRing r;
	pid_t pid = child_exiting(0, 100000);
	siginfo_t si;
	memset(&si, 0xff, sizeof si);
	assert_int_equal(r.result(wait_sqe(P_PID, uint64_t(pid), WEXITED | WNOHANG, &si, 1)), 0);
	assert_int_equal(si.si_pid, 0);
	assert_int_equal(r.result(wait_sqe(P_PID, 1, WEXITED, &si, 2)), -ECHILD); // init is not our child
	assert_int_equal(r.result(wait_sqe(77, 0, WEXITED, &si, 3)), -EINVAL);
	assert_int_equal(r.result(wait_sqe(P_PID, uint64_t(pid), 0, &si, 4)), -EINVAL); // no event asked for
	assert_int_equal(r.result(wait_sqe(P_PID, uint64_t(pid), WEXITED, (siginfo_t*)8, 5)), -EFAULT);
}

static void test_cancel_and_many_waiters(void**)
{
	TestRing r(256, 512);
	const int threads_before = thread_count();
	const int n = 64;
	pid_t pids[n];
	siginfo_t infos[n];
	for (int i = 0; i < n; ++i) {
		pids[i] = fork();
		if (pids[i] == 0) {
			pause();
			_exit(0);
		}
		r.push(wait_sqe(P_PID, uint64_t(pids[i]), WEXITED, &infos[i], uint64_t(i)));
	}
	assert_int_equal(r.enter(0), n);
	// 64 pending waits cost the reactor thread, not 64 threads.
	assert_true(thread_count() <= threads_before + 2);
	// Cancel the first; kill the rest.
	rp_sqe k = sqe(RP_OP_CANCEL, 1000);
	k.addr = 0;
	r.push(k);
	assert_int_equal(r.enter(0), 1);
	for (int i = 1; i < n; ++i)
		kill(pids[i], SIGKILL);
	int done = 0;
	bool cancelled = false;
	while (done < n + 1) {
		Completion c = r.wait();
		if (c.user_data == 1000) {
			assert_int_equal(c.result, 0);
		} else if (c.user_data == 0) {
			assert_int_equal(c.result, -ECANCELED);
			cancelled = true;
		} else {
			assert_int_equal(c.result, 0);
			assert_int_equal(infos[c.user_data].si_pid, pids[c.user_data]);
			assert_int_equal(infos[c.user_data].si_status, SIGKILL);
		}
		++done;
	}
	assert_true(cancelled);
	kill(pids[0], SIGKILL);
	siginfo_t si{};
	assert_int_equal(waitid(P_PID, id_t(pids[0]), &si, WEXITED), 0);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_already_exited_completes_inline),
		cmocka_unit_test(test_killed_by_signal),
		cmocka_unit_test(test_stopped_and_continued),
		cmocka_unit_test(test_p_all_and_pidfd),
		cmocka_unit_test(test_wnohang_and_errors),
		cmocka_unit_test(test_cancel_and_many_waiters),
	};
	return cmocka_run_group_tests_name("hosted_process", tests, nullptr, nullptr);
}
