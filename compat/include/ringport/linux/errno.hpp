// Linux errno numbers (x86_64 / asm-generic), for freestanding code that cannot include <errno.h>.
// Never include it together with <errno.h>: the names are the same.
#pragma once

namespace ringport::lx {

enum errno_value : int {
	EPERM = 1,
	ENOENT = 2,
	ESRCH = 3,
	EINTR = 4,
	EIO = 5,
	ENXIO = 6,
	E2BIG = 7,
	EBADF = 9,
	ECHILD = 10,
	EAGAIN = 11,
	ENOMEM = 12,
	EACCES = 13,
	EFAULT = 14,
	EBUSY = 16,
	EEXIST = 17,
	ENODEV = 19,
	EINVAL = 22,
	ENFILE = 23,
	EMFILE = 24,
	EFBIG = 27,
	ENOSPC = 28,
	ESPIPE = 29,
	ERANGE = 34,
	ENOSYS = 38,
	EOVERFLOW = 75,
	EBADFD = 77,
	EBADR = 53,
	ETIME = 62,
	EMSGSIZE = 90,
	ENOBUFS = 105,
	EOPNOTSUPP = 95,
	ETIMEDOUT = 110,
	EALREADY = 114,
	ECANCELED = 125,
	EOWNERDEAD = 130,
};

// Poll bits (same values as EPOLL*).
inline constexpr unsigned POLLIN_ = 0x001, POLLPRI_ = 0x002, POLLOUT_ = 0x004, POLLERR_ = 0x008, POLLHUP_ = 0x010,
                          POLLNVAL_ = 0x020, POLLRDNORM_ = 0x040, POLLWRNORM_ = 0x100, POLLRDHUP_ = 0x2000;
inline constexpr unsigned EPOLLEXCLUSIVE_ = 1u << 28, EPOLLONESHOT_ = 1u << 30, EPOLLET_ = 1u << 31;

// Clock ids.
inline constexpr unsigned CLOCK_REALTIME_ = 0, CLOCK_MONOTONIC_ = 1, CLOCK_BOOTTIME_ = 7;

// File flags used by the shim's checks.
inline constexpr int AT_FDCWD_ = -100;
inline constexpr unsigned AT_REMOVEDIR_ = 0x200;
inline constexpr unsigned O_LARGEFILE_ = 0100000;
inline constexpr unsigned O_CLOEXEC_ = 02000000;

// Transfer flags the shim reads or adds (x86_64 values): recv/send(2) MSG_*, preadv2(2) RWF_*, socket(2) SOCK_*.
inline constexpr unsigned MSG_DONTWAIT_ = 0x40, MSG_WAITALL_ = 0x100, MSG_NOSIGNAL_ = 0x4000;
inline constexpr unsigned RWF_NOWAIT_ = 0x8;
inline constexpr unsigned SOCK_NONBLOCK_ = 04000, SOCK_CLOEXEC_ = 02000000;

// Size of the kernel's sigset_t.
inline constexpr unsigned KERNEL_SIGSET_SIZE = 8;

} // namespace ringport::lx
