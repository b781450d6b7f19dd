/*
 * <sys/signal.h> for newlib on the reference kernel: newlib's, plus the sigaction flags Linux programs set,
 * with Linux's values and spelling (the kernel reads sa_flags as they are; newlib's own set stops at
 * SA_NOCLDSTOP). SA_SIGINFO stays out: newlib's struct sigaction has no sa_sigaction to go with it.
 */
#ifndef RP_COMPAT_SYS_SIGNAL_H
#define RP_COMPAT_SYS_SIGNAL_H
#include_next <sys/signal.h>
#define SA_NOCLDWAIT	0x00000002
#define SA_ONSTACK	0x08000000
#define SA_RESTART	0x10000000
#define SA_NODEFER	0x40000000
#define SA_RESETHAND	0x80000000
#endif
