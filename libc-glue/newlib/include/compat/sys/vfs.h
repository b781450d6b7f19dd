/* <sys/vfs.h> (= <sys/statfs.h>) for newlib on the reference kernel: struct statfs as Linux's x86_64 system
   calls fill it (the kernel's asm/statfs.h layout, which is glibc's on 64-bit), and statfs/fstatfs, which
   are system calls 137/138 (libc-glue/newlib/src/statfs.c). */
#ifndef RP_COMPAT_SYS_VFS_H
#define RP_COMPAT_SYS_VFS_H
#include <asm/statfs.h>
#ifdef __cplusplus
extern "C" {
#endif
int statfs(const char *path, struct statfs *buf);
int fstatfs(int fd, struct statfs *buf);
#ifdef __cplusplus
}
#endif
#endif
