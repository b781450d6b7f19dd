// The filesystem's Linux system calls with their raw register arguments (user pointers as uint64_t), for the
// kernel's syscall table (Syscalls/) and for the native ring's ops (Ring/), which may call these or the
// kernel-pointer functions of vfs.hpp / file.hpp directly. Each returns the value for rax: >= 0, or -errno.
// They act on the current process (Platform's current_fd_table()).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel {

long fs_openat(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mode);          // 257 (open 2: AT_FDCWD)
long fs_close(uint64_t fd);                                                            // 3
long fs_close_range(uint64_t first, uint64_t last, uint64_t flags);                    // 436
long fs_read(uint64_t fd, uint64_t buf, uint64_t count);                               // 0
long fs_write(uint64_t fd, uint64_t buf, uint64_t count);                              // 1
long fs_pread64(uint64_t fd, uint64_t buf, uint64_t count, uint64_t offset);           // 17
long fs_pwrite64(uint64_t fd, uint64_t buf, uint64_t count, uint64_t offset);          // 18
long fs_readv(uint64_t fd, uint64_t iov, uint64_t iovcnt);                             // 19
long fs_writev(uint64_t fd, uint64_t iov, uint64_t iovcnt);                            // 20
// offset -1 means the file position (preadv2/pwritev2); flags RWF_* (RWF_NOWAIT honoured, others accepted
// when Linux knows them).
long fs_preadv2(uint64_t fd, uint64_t iov, uint64_t iovcnt, int64_t offset, uint64_t flags); // 327 (preadv 295)
long fs_pwritev2(uint64_t fd, uint64_t iov, uint64_t iovcnt, int64_t offset, uint64_t flags); // 328 (pwritev 296)
long fs_lseek(uint64_t fd, uint64_t offset, uint64_t whence);                          // 8
long fs_fstat(uint64_t fd, uint64_t statbuf);                                          // 5
long fs_newfstatat(uint64_t dirfd, uint64_t path, uint64_t statbuf, uint64_t flags);   // 262 (stat 4, lstat 6)
long fs_statx(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mask, uint64_t statxbuf); // 332
long fs_ftruncate(uint64_t fd, uint64_t length);                                       // 77
long fs_truncate(uint64_t path, uint64_t length);                                      // 76
long fs_fsync(uint64_t fd);                                                            // 74
long fs_fdatasync(uint64_t fd);                                                        // 75
long fs_mkdirat(uint64_t dirfd, uint64_t path, uint64_t mode);                         // 258 (mkdir 83)
long fs_unlinkat(uint64_t dirfd, uint64_t path, uint64_t flags);                       // 263 (unlink 87, rmdir 84)
long fs_renameat2(uint64_t olddirfd, uint64_t oldpath, uint64_t newdirfd, uint64_t newpath, uint64_t flags); // 316
long fs_linkat(uint64_t olddirfd, uint64_t oldpath, uint64_t newdirfd, uint64_t newpath, uint64_t flags); // 265
long fs_symlinkat(uint64_t target, uint64_t newdirfd, uint64_t linkpath);              // 266 (symlink 88)
long fs_readlinkat(uint64_t dirfd, uint64_t path, uint64_t buf, uint64_t size);        // 267 (readlink 89)
long fs_faccessat(uint64_t dirfd, uint64_t path, uint64_t mode, uint64_t flags);       // 439 faccessat2 (269, 21)
long fs_getdents64(uint64_t fd, uint64_t dirp, uint64_t count);                        // 217
long fs_dup(uint64_t fd);                                                              // 32
long fs_dup2(uint64_t oldfd, uint64_t newfd);                                          // 33
long fs_dup3(uint64_t oldfd, uint64_t newfd, uint64_t flags);                          // 292
long fs_fcntl(uint64_t fd, uint64_t cmd, uint64_t arg);                                // 72
long fs_ioctl(uint64_t fd, uint64_t request, uint64_t arg);                            // 16
long fs_pipe2(uint64_t fds, uint64_t flags);                                           // 293 (pipe 22)
long fs_eventfd2(uint64_t initval, uint64_t flags);                                    // 290 (eventfd 284)
long fs_chdir(uint64_t path);                                                          // 80
long fs_fchdir(uint64_t fd);                                                           // 81
long fs_getcwd(uint64_t buf, uint64_t size);                                           // 79
long fs_umask(uint64_t mask);                                                          // 95
// ppoll(2)/poll(2) over files' readiness: timeout_ns UINT64_MAX waits for ever, 0 only looks. Returns how
// many entries have revents; EINTR when the process is being killed; EINVAL for more than RLIMIT_NOFILE fds.
long fs_poll(uint64_t fds, uint64_t nfds, uint64_t timeout_ns);                        // 7 / 271

} // namespace kernel
