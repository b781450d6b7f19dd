/* A program that writes through a null pointer: the kernel must kill it with SIGSEGV (sig=11), not panic. */
#include "smoke.h"

int main(long *stack)
{
	(void)stack;
	say("segv: writing to address 16\n");
	*(volatile int *)16 = 1;
	say("segv: still alive?!\n");
	return 1;
}
