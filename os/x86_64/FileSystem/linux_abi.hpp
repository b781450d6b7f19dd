// The Linux x86_64 numbers the filesystem speaks: errno values, open/at/rename flags, file types, lseek
// whences, statx/stat layouts, poll bits, eventfd and fcntl values. Programs and SQEs carry these raw values,
// so they must be Linux's exactly; tests/x86_64/test_fs_abi.cpp pins each one against the <linux/...> uapi
// headers. Every name ends in '_' so that a host test may include <fcntl.h>/<poll.h> (whose macros use the
// plain names) beside this header. errno values come from Library/errno.hpp.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel {

// open(2) flags, x86_64 values (octal, as asm-generic/fcntl.h writes them).
inline constexpr uint32_t O_RDONLY_ = 0, O_WRONLY_ = 01, O_RDWR_ = 02, O_ACCMODE_ = 03, O_CREAT_ = 0100,
                          O_EXCL_ = 0200, O_NOCTTY_ = 0400, O_TRUNC_ = 01000, O_APPEND_ = 02000,
                          O_NONBLOCK_ = 04000, O_DSYNC_ = 010000, O_ASYNC_ = 020000, O_DIRECT_ = 040000,
                          O_LARGEFILE_ = 0100000, O_DIRECTORY_ = 0200000, O_NOFOLLOW_ = 0400000,
                          O_NOATIME_ = 01000000, O_CLOEXEC_ = 02000000, O_SYNC_ = 04010000,
                          O_PATH_ = 010000000, O_TMPFILE_ = 020200000;
// The flags F_SETFL may change (Linux's SETFL_MASK minus O_NOATIME, which needs ownership checks we skip).
inline constexpr uint32_t SETFL_MASK_ = O_APPEND_ | O_NONBLOCK_ | O_ASYNC_ | O_DIRECT_ | O_NOATIME_;

// *at() flags and the special dirfd.
inline constexpr int AT_FDCWD_ = -100;
inline constexpr uint32_t AT_SYMLINK_NOFOLLOW_ = 0x100, AT_REMOVEDIR_ = 0x200, AT_EACCESS_ = 0x200,
                          AT_SYMLINK_FOLLOW_ = 0x400, AT_NO_AUTOMOUNT_ = 0x800, AT_EMPTY_PATH_ = 0x1000,
                          AT_STATX_SYNC_TYPE_ = 0x6000, AT_STATX_FORCE_SYNC_ = 0x2000,
                          AT_STATX_DONT_SYNC_ = 0x4000;

// renameat2(2).
inline constexpr uint32_t RENAME_NOREPLACE_ = 1, RENAME_EXCHANGE_ = 2, RENAME_WHITEOUT_ = 4;

// File type bits of st_mode / stx_mode.
inline constexpr uint32_t S_IFMT_ = 0170000, S_IFSOCK_ = 0140000, S_IFLNK_ = 0120000, S_IFREG_ = 0100000,
                          S_IFBLK_ = 060000, S_IFDIR_ = 040000, S_IFCHR_ = 020000, S_IFIFO_ = 010000;

// lseek(2).
inline constexpr int SEEK_SET_ = 0, SEEK_CUR_ = 1, SEEK_END_ = 2, SEEK_DATA_ = 3, SEEK_HOLE_ = 4;

// getdents64 d_type values.
inline constexpr uint8_t DT_UNKNOWN_ = 0, DT_FIFO_ = 1, DT_CHR_ = 2, DT_DIR_ = 4, DT_BLK_ = 6, DT_REG_ = 8,
                         DT_LNK_ = 10, DT_SOCK_ = 12;

// statx(2) mask bits.
inline constexpr uint32_t STATX_TYPE_ = 0x1, STATX_MODE_ = 0x2, STATX_NLINK_ = 0x4, STATX_UID_ = 0x8,
                          STATX_GID_ = 0x10, STATX_ATIME_ = 0x20, STATX_MTIME_ = 0x40, STATX_CTIME_ = 0x80,
                          STATX_INO_ = 0x100, STATX_SIZE_ = 0x200, STATX_BLOCKS_ = 0x400,
                          STATX_BASIC_STATS_ = 0x7ff, STATX_BTIME_ = 0x800, STATX_MNT_ID_ = 0x1000,
                          STATX__RESERVED_ = 0x80000000u;

// Poll bits (EPOLL* share them).
inline constexpr uint32_t POLLIN_ = 0x001, POLLPRI_ = 0x002, POLLOUT_ = 0x004, POLLERR_ = 0x008,
                          POLLHUP_ = 0x010, POLLNVAL_ = 0x020, POLLRDNORM_ = 0x040, POLLRDBAND_ = 0x080,
                          POLLWRNORM_ = 0x100, POLLWRBAND_ = 0x200, POLLRDHUP_ = 0x2000;

// eventfd2(2) and pipe2(2) flags (the same bits as O_*).
inline constexpr uint32_t EFD_SEMAPHORE_ = 1, EFD_CLOEXEC_ = O_CLOEXEC_, EFD_NONBLOCK_ = O_NONBLOCK_;

// fcntl(2) commands and fd flags; close_range(2) flags.
inline constexpr int F_DUPFD_ = 0, F_GETFD_ = 1, F_SETFD_ = 2, F_GETFL_ = 3, F_SETFL_ = 4,
                     F_DUPFD_CLOEXEC_ = 1030, F_SETPIPE_SZ_ = 1031, F_GETPIPE_SZ_ = 1032;
inline constexpr int FD_CLOEXEC_ = 1;
inline constexpr uint32_t CLOSE_RANGE_UNSHARE_ = 2, CLOSE_RANGE_CLOEXEC_ = 4;

// Limits: PATH_MAX counts the terminating NUL, NAME_MAX does not; Linux follows at most 40 symlinks in one
// walk; RLIMIT_NOFILE is the soft limit a Linux login shell gets.
inline constexpr size_t PATH_MAX_ = 4096, NAME_MAX_ = 255;
inline constexpr int MAXSYMLINKS_ = 40;
inline constexpr int RLIMIT_NOFILE_ = 1024;
inline constexpr uint32_t PIPE_BUF_ = 4096;

// struct statx (include/uapi/linux/stat.h), 256 bytes.
struct StatxTimestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct Statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	StatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t stx_mnt_id;
	uint32_t stx_dio_mem_align, stx_dio_offset_align;
	uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256);

// struct stat as x86_64 Linux lays it out (arch/x86/include/uapi/asm/stat.h), 144 bytes.
struct Stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	int32_t pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	int64_t st_atime_sec;
	uint64_t st_atime_nsec;
	int64_t st_mtime_sec;
	uint64_t st_mtime_nsec;
	int64_t st_ctime_sec;
	uint64_t st_ctime_nsec;
	int64_t unused[3];
};
static_assert(sizeof(Stat) == 144);

// struct linux_dirent64 header; d_name follows, NUL-terminated, the record padded to 8 bytes.
struct Dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};
static_assert(offsetof(Dirent64, d_name) == 19);

} // namespace kernel
