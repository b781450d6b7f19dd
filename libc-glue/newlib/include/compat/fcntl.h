/* <fcntl.h> for newlib on the reference kernel: newlib's (O_*, AT_*, F_* patched to Linux's values) plus the
   Linux calls and constants glibc's <fcntl.h> also offers with _GNU_SOURCE. */
#ifndef RP_COMPAT_FCNTL_H
#define RP_COMPAT_FCNTL_H
#include_next <fcntl.h>
#include <linux/falloc.h>
#ifdef __cplusplus
extern "C" {
#endif
#define POSIX_FADV_NORMAL 0
#define POSIX_FADV_RANDOM 1
#define POSIX_FADV_SEQUENTIAL 2
#define POSIX_FADV_WILLNEED 3
#define POSIX_FADV_DONTNEED 4
#define POSIX_FADV_NOREUSE 5
#define SYNC_FILE_RANGE_WAIT_BEFORE 1
#define SYNC_FILE_RANGE_WRITE 2
#define SYNC_FILE_RANGE_WAIT_AFTER 4
#define SPLICE_F_MOVE 1
#define SPLICE_F_NONBLOCK 2
#define SPLICE_F_MORE 4
#define SPLICE_F_GIFT 8
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif
int posix_fadvise(int fd, off_t offset, off_t len, int advice);
int posix_fallocate(int fd, off_t offset, off_t len);
int fallocate(int fd, int mode, off_t offset, off_t len);
int sync_file_range(int fd, off_t offset, off_t nbytes, unsigned int flags);
int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);
#ifdef __cplusplus
}
#endif
#endif
