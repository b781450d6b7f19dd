/* <unistd.h> for newlib on the reference kernel: newlib's plus the Linux calls glibc's declares. */
#ifndef RP_COMPAT_UNISTD_H
#define RP_COMPAT_UNISTD_H
#include_next <unistd.h>
#ifdef __cplusplus
extern "C" {
#endif
long syscall(long number, ...);
pid_t gettid(void);
int fdatasync(int fd);
#ifdef __cplusplus
}
#endif
#endif
