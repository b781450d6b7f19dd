/*
 * check-ports: what `ringport run` cannot route must fail loudly, never reach Linux's io_uring.
 *   escape-static  (linked -static): refused by `ringport run` before it starts;
 *   escape-handler: puts SIGSYS back to its default action, then makes io_uring_setup with its own `syscall`
 *                   instruction (libc's syscall() would be libringport's): the trap stops it, and
 *                   `ringport run` reports the SIGSYS death. Prints "escaped" if the call returned.
 */
#include <linux/io_uring.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	signal(SIGSYS, SIG_DFL);
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"((long)__NR_io_uring_setup), "D"(4L), "S"(&p) : "rcx", "r11", "memory");
	printf("escaped: io_uring_setup returned %ld\n", r);
	return 1;
}
