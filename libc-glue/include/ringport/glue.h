/*
 * What the ported liburing calls instead of raw system calls (ports/liburing routes its __sys_* helpers
 * here). Same arguments as the Linux system calls; every function returns -errno on failure instead of
 * setting errno, as liburing's __sys_* helpers do. rp_sys_mmap returns an address, or a value in
 * [-4095, -1] cast to a pointer on failure.
 *
 * Programs linked with the glue also get Linux behaviour from plain libc calls on ring fds (mmap, munmap,
 * close, dup, poll, epoll, syscall(__NR_io_uring_*)): see docs/ARCHITECTURE.md for the mechanism.
 */
#ifndef RINGPORT_GLUE_H
#define RINGPORT_GLUE_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct io_uring_params;

int rp_sys_io_uring_setup(unsigned int entries, struct io_uring_params *p);
int rp_sys_io_uring_enter(unsigned int fd, unsigned int to_submit, unsigned int min_complete, unsigned int flags,
                          sigset_t *sig);
int rp_sys_io_uring_enter2(unsigned int fd, unsigned int to_submit, unsigned int min_complete, unsigned int flags,
                           void *arg, size_t argsz);
int rp_sys_io_uring_register(unsigned int fd, unsigned int opcode, const void *arg, unsigned int nr_args);

void *rp_sys_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
int rp_sys_munmap(void *addr, size_t length);
int rp_sys_madvise(void *addr, size_t length, int advice);
int rp_sys_close(int fd);
/* close_range(2) that leaves the OS's private fds alone and lets requests keep the files they use. */
int rp_sys_close_range(unsigned int first, unsigned int last, unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif /* RINGPORT_GLUE_H */
