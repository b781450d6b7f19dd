// A ring shared across fork whose program writes over the io_rings padding (issue 12): the bytes between
// cq_overflow and the CQEs are program memory like any other byte of its mapping, so nothing the shim
// synchronises processes with may live there. Scribbling on them must not make io_uring_enter block.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <sys/wait.h>

using namespace shimtest;

namespace {

int child_status(pid_t pid)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void scribble(Ring& r, uint8_t value)
{
	// From the end of the fixed fields (cq_overflow, at 44) up to the CQEs: Linux's struct io_rings padding.
	uint32_t from = r.p.cq_off.overflow + 4, to = r.p.cq_off.cqes;
	std::memset(r.cq + from, value, to - from);
}

bool nop_round_trip(Ring& r, uint64_t ud)
{
	prep(r.get_sqe(), lx::OP_NOP, -1, 0, 0, 0, ud);
	if (r.submit(1) != 1)
		return false;
	lx::io_uring_cqe c{};
	return r.pop(&c) && c.user_data == ud && c.res == 0;
}

} // namespace

// Child and parent both scribble (all ones, then zeros) and both keep submitting and reaping.
static void padding_scribbles_do_not_hang(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	assert_true(nop_round_trip(r, 1));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10); // a hang ends the child with SIGALRM, which the parent reports
		scribble(r, 0xff);
		bool ok = nop_round_trip(r, 2);
		scribble(r, 0x00);
		ok = ok && nop_round_trip(r, 3);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(child_status(pid), 0);
	r.sq_tail = *Ring::u32(r.sq, r.p.sq_off.tail); // the child moved the SQ on
	scribble(r, 0xff);
	alarm(10);
	assert_true(nop_round_trip(r, 4));
	scribble(r, 0x5a);
	assert_true(nop_round_trip(r, 5));
	alarm(0);
}

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(padding_scribbles_do_not_hang),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
