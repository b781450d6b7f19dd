// A program at its fd limit (issue #12): the OS's own fds are made at ring creation and above the program's
// soft RLIMIT_NOFILE, so timeouts, link timeouts, reads and polls of a ring made before the limit was reached
// behave as on Linux (they wait, then complete), and a ring that cannot get its fds fails io_uring_setup with
// EMFILE, as Linux does, rather than failing requests later.
#include "rp_test.h"

#include "hostile_program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>

using namespace shimtest;

namespace {

int open_below(int limit)
{
	int n = 0;
	for (int fd = 0; fd < limit; ++fd)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

// Sanitizer runtimes check memory with a pipe of their own (UBSan's vptr check, ASan's reports): with no fd
// left they report false errors. Under them the table is left two fds short of full, still fewer than the
// reactor's six, so the lost timers this test pins would still show.
// gcc says __SANITIZE_*__; clang (before 15) says so only through __has_feature.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RP_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(RP_TEST_SANITIZED)
constexpr int kSpareForSanitizer = 2;
#else
constexpr int kSpareForSanitizer = 0;
#endif

// dup()s fd 0 until the table is full; returns the copies.
std::vector<int> fill_fd_table(int spare = kSpareForSanitizer)
{
	std::vector<int> mine;
	for (int fd; (fd = dup(0)) >= 0;)
		mine.push_back(fd);
	const int full = errno; // EMFILE: the table is full
	for (int i = 0; i < spare && !mine.empty(); ++i) {
		close(mine.back());
		mine.pop_back();
	}
	errno = full;
	return mine;
}

// Timeouts, a link timeout, a read and a poll of an empty pipe, all submitted with no fd left: the timers
// fire, the read and the poll wait (Linux never fails them for want of fds) and complete once data arrives.
int requests_at_the_limit(Ring& r, int pipe_r, int pipe_w)
{
	std::vector<int> fillers = fill_fd_table();
	CHILD_CHECK(errno == EMFILE);
	static lx::kernel_timespec ts{0, 20000000};
	static char buf[8], buf2[8];
	prep_timeout(r.get_sqe(), &ts, 1);
	prep(r.get_sqe(), lx::OP_READ, pipe_r, uint64_t(buf), sizeof buf, 0, 2);
	auto* s = r.get_sqe();
	prep(s, lx::OP_POLL_ADD, pipe_r, 0, 0, 0, 3);
	s->poll32_events = POLLIN;
	s = r.get_sqe();
	prep(s, lx::OP_READ, pipe_r, uint64_t(buf2), sizeof buf2, 0, 4);
	s->flags = lx::SQE_IO_LINK;
	s = r.get_sqe();
	prep(s, lx::OP_LINK_TIMEOUT, -1, uint64_t(&ts), 1, 0, 5);
	CHILD_CHECK(r.submit() == 5);
	std::map<uint64_t, lx::io_uring_cqe> got;
	CHILD_CHECK(gather(r, got, {1, 4, 5}, 5000));
	CHILD_CHECK(got[1].res == -ETIME);
	CHILD_CHECK(got[4].res == -ECANCELED);
	CHILD_CHECK(got[5].res == -ETIME);
	// Still waiting, not failed with EMFILE.
	CHILD_CHECK(!got.count(2) && !got.count(3));
	CHILD_CHECK(write(pipe_w, "x", 1) == 1);
	CHILD_CHECK(gather(r, got, {2, 3}, 5000));
	CHILD_CHECK(got[2].res == 1);
	CHILD_CHECK(got[3].res > 0 && (got[3].res & POLLIN));
	// Freeing fds changes nothing: a new timeout still works.
	for (int fd : fillers)
		close(fd);
	prep_timeout(r.get_sqe(), &ts, 6);
	CHILD_CHECK(r.submit() == 1);
	CHILD_CHECK(gather(r, got, {6}, 5000));
	CHILD_CHECK(got[6].res == -ETIME);
	return 0;
}

// Soft limit low, hard limit above it: the ring's internals live above the soft limit, so they take none of
// the program's numbers (the ring fd is the only new one below it).
int soft_limit_scenario()
{
	rlimit rl{};
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_max < 256)
		return 77;
	rl.rlim_cur = 64;
	CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	int p[2];
	CHILD_CHECK(pipe(p) == 0);
	int before = open_below(64);
	Ring r;
	CHILD_CHECK(r.init(16) == 0);
	CHILD_CHECK(open_below(64) == before + 1);
	// The program's limit is as it set it.
	rlimit now{};
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur == 64);
	return requests_at_the_limit(r, p[0], p[1]);
}

// Soft == hard: nothing can go above the limit. Setup at the limit fails with EMFILE (Linux's answer); a ring
// made with room keeps working when the program then fills its table.
int hard_limit_scenario()
{
	rlimit rl{64, 64};
	CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	int p[2];
	CHILD_CHECK(pipe(p) == 0);
	{
		std::vector<int> fillers = fill_fd_table(0);
		lx::io_uring_params params{};
		int fd = rp_sys_io_uring_setup(8, reinterpret_cast<io_uring_params*>(&params));
		CHILD_CHECK(fd == -EMFILE);
		for (int f : fillers)
			close(f);
	}
	Ring r;
	CHILD_CHECK(r.init(16) == 0);
	return requests_at_the_limit(r, p[0], p[1]);
}

// The OS reads the program's limit once and then places the files it holds from what it read (no system call
// to read it per held file). A program that changes its limit later still finds its own numbers untouched and
// its limit exactly as it set it, whether it lowered the soft limit (the files go above it) or set soft == hard
// (they go to the top quarter of its range, not to its lowest free numbers).
int changed_limit_scenario()
{
	rlimit rl{};
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_max < 256)
		return 77;
	Ring r;
	CHILD_CHECK(r.init(8) == 0);
	int p[2];
	CHILD_CHECK(pipe(p) == 0);
	const int files[2] = {p[0], p[1]};
	auto hold = [&] { return rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_FILES, files, 2); };
	auto drop = [&] { return rp_sys_io_uring_register(unsigned(r.fd), lx::UNREGISTER_FILES, nullptr, 0); };
	CHILD_CHECK(hold() == 0); // the OS has read the limit
	CHILD_CHECK(drop() == 0);

	const rlimit low{64, rl.rlim_max};
	CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
	int before = open_below(64);
	CHILD_CHECK(hold() == 0);
	CHILD_CHECK(open_below(64) == before);
	rlimit now{};
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur == low.rlim_cur && now.rlim_max == low.rlim_max);
	CHILD_CHECK(drop() == 0);

	const rlimit equal{64, 64};
	CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &equal) == 0);
	before = open_below(48);
	CHILD_CHECK(hold() == 0);
	CHILD_CHECK(open_below(48) == before);
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur == 64 && now.rlim_max == 64);
	// The files are still held: the ring reads through its registered pipe end.
	static char buf[4];
	CHILD_CHECK(write(p[1], "abc", 3) == 3);
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ, 0, uint64_t(buf), 3, 0, 7);
	s->flags = lx::SQE_FIXED_FILE;
	CHILD_CHECK(r.submit() == 1);
	std::map<uint64_t, lx::io_uring_cqe> got;
	CHILD_CHECK(gather(r, got, {7}, 5000));
	CHILD_CHECK(got[7].res == 3 && std::memcmp(buf, "abc", 3) == 0);
	return 0;
}

void soft_limit(void**) { assert_int_equal(in_child(soft_limit_scenario), 0); }
void changed_limit(void**) { assert_int_equal(in_child(changed_limit_scenario), 0); }
void hard_limit(void**) { assert_int_equal(in_child(hard_limit_scenario), 0); }

} // namespace

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(soft_limit),
	    cmocka_unit_test(hard_limit),
	    cmocka_unit_test(changed_limit),
	};
	return cmocka_run_group_tests_name("test_fd_limits", tests, nullptr, nullptr);
}
