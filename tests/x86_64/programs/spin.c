/* A program that never ends: its manifest timeout (1 s) must kill it with sig=9 from the timer interrupt. */
#include "smoke.h"

int main(long *stack)
{
	(void)stack;
	say("spin: looping forever\n");
	for (;;)
		__asm__ volatile("" ::: "memory");
}
