/* <sys/syscall.h> for newlib on the reference kernel: Linux x86_64's __NR_* and their SYS_* names. */
#ifndef RP_COMPAT_SYS_SYSCALL_H
#define RP_COMPAT_SYS_SYSCALL_H
#include <asm/unistd.h>
#include <bits/syscall.h>
#endif
