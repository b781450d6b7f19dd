/* <sys/mman.h> for newlib on the reference kernel: Linux's PROT_*, MAP_*, MADV_*, MS_* (linux/mman.h). */
#ifndef RP_COMPAT_SYS_MMAN_H
#define RP_COMPAT_SYS_MMAN_H
#include <sys/types.h>
#include <linux/mman.h>
#ifdef __cplusplus
extern "C" {
#endif
#define MAP_FAILED ((void *)-1)
#define MAP_ANON MAP_ANONYMOUS
#define POSIX_MADV_NORMAL 0
#define POSIX_MADV_RANDOM 1
#define POSIX_MADV_SEQUENTIAL 2
#define POSIX_MADV_WILLNEED 3
#define POSIX_MADV_DONTNEED 4
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
int madvise(void *addr, size_t len, int advice);
int posix_madvise(void *addr, size_t len, int advice);
int msync(void *addr, size_t len, int flags);
int mlock(const void *addr, size_t len);
int munlock(const void *addr, size_t len);
int mlockall(int flags);
int munlockall(void);
#ifdef __cplusplus
}
#endif
#endif
