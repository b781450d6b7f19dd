/*
 * The walking skeleton: a native ring created with RP_SYS_RING_SETUP, "hello" written with RP_OP_WRITE to
 * fd 1 (the console, through the ring executor and the fd table), the completion checked, the ring destroyed,
 * exit 0. Any failure makes the exit status non-zero (and is reported through a new ring, if one can be had).
 */
#include "smoke.h"

int main(long *stack)
{
	(void)stack;
	struct rp_kernel_ring_params params = {.sq_entries = 8, .cq_entries = 16};
	long handle = SYS2(RP_SYS_RING_SETUP, &params, &ring_view);
	CHECK(handle >= 0);
	if (handle < 0)
		return failures;
	CHECK(ring_view.sq && ring_view.sqes && ring_view.cq && ring_view.cqes && ring_view.size);
	ring_handle = handle;
	CHECK(ring_write("hello\n", 6) == 6);
	ring_handle = -1;
	CHECK(SYS1(RP_SYS_RING_DESTROY, handle) == 0);
	CHECK(SYS1(RP_SYS_RING_DESTROY, handle) == -9); /* EBADF: already gone */
	return failures;
}
