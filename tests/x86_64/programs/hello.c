/*
 * The walking skeleton: a native ring created with RP_SYS_RING_SETUP, "hello" written with RP_OP_WRITE to
 * fd 1 (or the temporary debug write while the ring executor is missing: smoke.h), exit 0.
 */
#include "smoke.h"

int main(long *stack)
{
	(void)stack;
	struct rp_kernel_ring_params params = {.sq_entries = 8, .cq_entries = 16};
	long handle = SYS2(RP_SYS_RING_SETUP, &params, &ring_view);
	if (handle >= 0)
		ring_handle = handle;
	else
		say("hello: no native ring yet (RP_SYS_RING_SETUP answered ");
	if (handle < 0) {
		say_number(handle);
		say("), using the debug write\n");
	}
	say("hello\n");
	if (handle >= 0)
		CHECK(SYS1(RP_SYS_RING_DESTROY, handle) == 0);
	return failures;
}
