/*
 * A test that leaves processes behind: a child and a grandchild blocked forever in futex waits. The root exits
 * 0 at once; the runner must kill the rest of the tree and reap it before the next test starts (the smoke
 * script checks the END line and that the next test runs).
 */
#include "smoke.h"

int main(long *stack)
{
	(void)stack;
	static volatile unsigned int never;
	long child = SYS0(57);
	if (child == 0) {
		if (SYS0(57) == 0)
			for (;;)
				SYS4(202, &never, 0, 0, 0);
		for (;;)
			SYS4(202, &never, 0, 0, 0);
	}
	CHECK(child > 0);
	SYS0(24);
	return failures;
}
