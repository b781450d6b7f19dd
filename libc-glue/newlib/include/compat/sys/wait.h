/*
 * <sys/wait.h> for newlib on the reference kernel: newlib's (whose status macros already decode Linux's
 * encoding), plus the wait options Linux programs pass, with the uapi's values and spelling.
 */
#ifndef RP_COMPAT_SYS_WAIT_H
#define RP_COMPAT_SYS_WAIT_H
#include_next <sys/wait.h>
#define WSTOPPED	WUNTRACED
#define WEXITED		0x00000004
#define WCONTINUED	0x00000008
#define WNOWAIT		0x01000000
#define __WNOTHREAD	0x20000000
#define __WALL		0x40000000
#define __WCLONE	0x80000000
#endif
