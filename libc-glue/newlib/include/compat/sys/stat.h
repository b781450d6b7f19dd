/* <sys/stat.h> for newlib on the reference kernel: newlib's struct stat plus Linux's struct statx and
   STATX_* (linux/stat.h; its S_IF* repeat newlib's values) and statx(). */
#ifndef RP_COMPAT_SYS_STAT_H
#define RP_COMPAT_SYS_STAT_H
#include_next <sys/stat.h>
#include <linux/stat.h>
#ifdef __cplusplus
extern "C" {
#endif
int statx(int dirfd, const char *__restrict path, int flags, unsigned int mask, struct statx *__restrict buf);
#ifdef __cplusplus
}
#endif
#endif
