// A program that closes every fd it did not open (issue #12): daemons sweep their fd table with close_range,
// closefrom or a loop of close(). The OS's own fds (epoll, eventfds, timerfds, ring memory) are not the
// program's: the sweep leaves them open (close on one says EBADF, as for an fd the program never had), requests
// pending across it complete, and requests waiting on a file the sweep closed keep that file, as on Linux.
#include "rp_test.h"

#include "hostile_program.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <set>
#include <sys/syscall.h>

using namespace shimtest;

namespace {

enum class Sweep { close_range_all, closefrom_all, close_loop };

// The fds open now, from /proc/self/fd.
std::set<int> open_fds()
{
	std::set<int> fds;
	DIR* d = opendir("/proc/self/fd");
	if (!d)
		return fds;
	int own = dirfd(d);
	while (dirent* e = readdir(d))
		if (e->d_name[0] != '.' && atoi(e->d_name) != own)
			fds.insert(atoi(e->d_name));
	closedir(d);
	return fds;
}

// Requests pending on a ring the program reaches only through its registered ring index, then the sweep of
// every fd from 3 up (the ring fd and the pipe's read end included); the pipe's write end sits at fd 0.
int sweep_scenario(Sweep how)
{
	int p[2];
	CHILD_CHECK(pipe(p) == 0);
	CHILD_CHECK(dup2(p[1], 0) == 0);
	close(p[1]);
	const std::set<int> before = open_fds();
	Ring r;
	CHILD_CHECK(r.init(16) == 0);
	lx::io_uring_rsrc_update up{~0u, 0, uint64_t(r.fd)};
	CHILD_CHECK(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_RING_FDS, &up, 1) == 1);
	const int slot = int(up.offset);

	// Every fd the ring brought besides its own fd is the OS's: the program cannot close or replace it.
	std::set<int> others = open_fds();
	for (int mine : before)
		others.erase(mine);
	others.erase(r.fd);
	CHILD_CHECK(!others.empty());
	for (int fd : others) {
		errno = 0;
		CHILD_CHECK(close(fd) == -1 && errno == EBADF);
		CHILD_CHECK(dup2(1, fd) == -1 && errno == EBADF);
		CHILD_CHECK(dup(fd) == -1 && errno == EBADF);
	}

	static lx::kernel_timespec ts{0, 30000000};
	static char buf[8];
	prep(r.get_sqe(), lx::OP_READ, p[0], uint64_t(buf), sizeof buf, 0, 1);
	prep_timeout(r.get_sqe(), &ts, 2);
	auto* s = r.get_sqe();
	prep(s, lx::OP_POLL_ADD, p[0], 0, 0, 0, 3);
	s->poll32_events = POLLIN;
	r.publish();
	CHILD_CHECK(rp_sys_io_uring_enter(unsigned(slot), 3, 0, lx::ENTER_REGISTERED_RING, nullptr) == 3);

	switch (how) {
	case Sweep::close_range_all:
		CHILD_CHECK(close_range(3, ~0u, 0) == 0);
		break;
	case Sweep::closefrom_all:
		closefrom(3);
		break;
	case Sweep::close_loop:
		for (int fd = 3; fd < 4096; ++fd)
			close(fd);
		break;
	}
	// The program's fds are gone; the OS's are all still there.
	CHILD_CHECK(fcntl(p[0], F_GETFD) == -1 && fcntl(r.fd, F_GETFD) == -1);
	std::set<int> left = open_fds();
	for (int fd : others)
		CHILD_CHECK(left.count(fd));

	std::map<uint64_t, lx::io_uring_cqe> got;
	CHILD_CHECK(gather(r, got, {2}, 5000, slot, lx::ENTER_REGISTERED_RING));
	CHILD_CHECK(got[2].res == -ETIME);
	CHILD_CHECK(!got.count(1) && !got.count(3));
	// The read and the poll kept the pipe the sweep closed: data written now reaches them.
	CHILD_CHECK(write(0, "x", 1) == 1);
	CHILD_CHECK(gather(r, got, {1, 3}, 5000, slot, lx::ENTER_REGISTERED_RING));
	CHILD_CHECK(got[1].res == 1 && buf[0] == 'x');
	CHILD_CHECK(got[3].res > 0 && (got[3].res & POLLIN));
	// New requests after the sweep work too.
	prep_timeout(r.get_sqe(), &ts, 4);
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, 5);
	r.publish();
	CHILD_CHECK(rp_sys_io_uring_enter(unsigned(slot), 2, 0, lx::ENTER_REGISTERED_RING, nullptr) == 2);
	CHILD_CHECK(gather(r, got, {4, 5}, 5000, slot, lx::ENTER_REGISTERED_RING));
	CHILD_CHECK(got[4].res == -ETIME && got[5].res == 0);
	r.fd = -1; // closed by the sweep
	return 0;
}

// close_range over the gaps between the fds the program keeps (the usual daemon pattern), with the ring fd
// kept: the OS's fds in those gaps survive, the ring goes on.
int gaps_scenario()
{
	int p[2];
	CHILD_CHECK(pipe(p) == 0);
	Ring r;
	CHILD_CHECK(r.init(8) == 0);
	static lx::kernel_timespec ts{0, 20000000};
	static char buf[8];
	prep(r.get_sqe(), lx::OP_READ, p[0], uint64_t(buf), sizeof buf, 0, 1);
	prep_timeout(r.get_sqe(), &ts, 2);
	CHILD_CHECK(r.submit() == 2);
	std::set<int> keep{0, 1, 2, p[0], p[1], r.fd};
	int from = 3;
	for (int k : keep) {
		if (k > from)
			CHILD_CHECK(close_range(unsigned(from), unsigned(k - 1), 0) == 0);
		if (k + 1 > from)
			from = k + 1;
	}
	closefrom(from);
	std::map<uint64_t, lx::io_uring_cqe> got;
	CHILD_CHECK(gather(r, got, {2}, 5000));
	CHILD_CHECK(got[2].res == -ETIME);
	CHILD_CHECK(write(p[1], "y", 1) == 1);
	CHILD_CHECK(gather(r, got, {1}, 5000));
	CHILD_CHECK(got[1].res == 1 && buf[0] == 'y');
	// close_range's own rules are Linux's.
	errno = 0;
	CHILD_CHECK(close_range(5, 4, 0) == -1 && errno == EINVAL);
	CHILD_CHECK(close_range(3, 4, 1u << 30) == -1 && errno == EINVAL);
	return 0;
}

void sweep_close_range(void**) { assert_int_equal(in_child([] { return sweep_scenario(Sweep::close_range_all); }), 0); }
void sweep_closefrom(void**) { assert_int_equal(in_child([] { return sweep_scenario(Sweep::closefrom_all); }), 0); }
void sweep_close_loop(void**) { assert_int_equal(in_child([] { return sweep_scenario(Sweep::close_loop); }), 0); }
void sweep_gaps(void**) { assert_int_equal(in_child(gaps_scenario), 0); }

} // namespace

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sweep_close_range),
	    cmocka_unit_test(sweep_closefrom),
	    cmocka_unit_test(sweep_close_loop),
	    cmocka_unit_test(sweep_gaps),
	};
	return cmocka_run_group_tests_name("test_fd_sweeps", tests, nullptr, nullptr);
}
