/* <sys/uio.h> for newlib on the reference kernel: Linux's struct iovec (linux/uio.h) and the vectored calls. */
#ifndef RP_COMPAT_SYS_UIO_H
#define RP_COMPAT_SYS_UIO_H
#include <sys/types.h>
#include <linux/uio.h>
#ifdef __cplusplus
extern "C" {
#endif
ssize_t readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t writev(int fd, const struct iovec *iov, int iovcnt);
ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t offset);
ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset);
ssize_t preadv2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags);
ssize_t pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags);
#ifdef __cplusplus
}
#endif
#endif
