/*
 * Signal handlers for the freestanding smoke programs: rt_sigaction with SA_RESTORER, whose restorer makes
 * the rt_sigreturn system call (what a C library's sigaction does on x86_64). Include after smoke.h.
 */
#ifndef RPK_SIGFRAME_H
#define RPK_SIGFRAME_H

#define SA_SIGINFO 4
#define SA_RESTORER 0x04000000

struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

void signal_restorer(void);
__asm__(".text\n"
        ".global signal_restorer\n"
        "signal_restorer:\n"
        "  mov $15, %eax\n"
        "  syscall\n"
        "  hlt\n");

static long install_action(int signal, void *handler, unsigned long flags, unsigned long mask)
{
	struct kernel_sigaction action = {handler, flags | SA_RESTORER, signal_restorer, mask};
	return SYS4(13, signal, &action, 0, 8);
}

static long install_handler(int signal, void (*handler)(int))
{
	return install_action(signal, (void *)handler, 0, 0);
}

#endif
