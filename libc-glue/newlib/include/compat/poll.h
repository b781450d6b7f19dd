/* <poll.h> for newlib on the reference kernel: Linux's struct pollfd and POLL* values (asm-generic/poll.h). */
#ifndef RP_COMPAT_POLL_H
#define RP_COMPAT_POLL_H
#include <asm/poll.h>
#include <signal.h>
#include <time.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef unsigned long nfds_t;
int poll(struct pollfd *fds, nfds_t nfds, int timeout);
int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask);
#ifdef __cplusplus
}
#endif
#endif
