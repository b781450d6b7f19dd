// The filesystem's Linux numbers (FileSystem/linux_abi.hpp) pinned against the kernel's uapi headers: every
// open/at/rename/statx/poll/fcntl value, the statx, stat and dirent layouts, and the errnos the FileSystem
// returns. A mismatch fails the build of this test; the one runtime case reports that it compiled.
#include <linux/close_range.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/stat.h>
#include <asm/poll.h>
#include <asm/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <sys/eventfd.h>

#include "rp_test.h"

#include "FileSystem/linux_abi.hpp"

namespace k = kernel;

// open(2)
static_assert(k::O_RDONLY_ == O_RDONLY && k::O_WRONLY_ == O_WRONLY && k::O_RDWR_ == O_RDWR && k::O_ACCMODE_ == O_ACCMODE);
static_assert(k::O_CREAT_ == O_CREAT && k::O_EXCL_ == O_EXCL && k::O_NOCTTY_ == O_NOCTTY && k::O_TRUNC_ == O_TRUNC);
static_assert(k::O_APPEND_ == O_APPEND && k::O_NONBLOCK_ == O_NONBLOCK && k::O_DSYNC_ == O_DSYNC);
static_assert(k::O_ASYNC_ == FASYNC && k::O_DIRECT_ == O_DIRECT && k::O_LARGEFILE_ == O_LARGEFILE);
static_assert(k::O_DIRECTORY_ == O_DIRECTORY && k::O_NOFOLLOW_ == O_NOFOLLOW && k::O_NOATIME_ == O_NOATIME);
static_assert(k::O_CLOEXEC_ == O_CLOEXEC && k::O_SYNC_ == O_SYNC && k::O_PATH_ == O_PATH && k::O_TMPFILE_ == O_TMPFILE);
// *at()
static_assert(k::AT_FDCWD_ == AT_FDCWD && k::AT_SYMLINK_NOFOLLOW_ == AT_SYMLINK_NOFOLLOW);
static_assert(k::AT_REMOVEDIR_ == AT_REMOVEDIR && k::AT_EACCESS_ == AT_EACCESS && k::AT_SYMLINK_FOLLOW_ == AT_SYMLINK_FOLLOW);
static_assert(k::AT_NO_AUTOMOUNT_ == AT_NO_AUTOMOUNT && k::AT_EMPTY_PATH_ == AT_EMPTY_PATH);
static_assert(k::AT_STATX_SYNC_TYPE_ == AT_STATX_SYNC_TYPE && k::AT_STATX_FORCE_SYNC_ == AT_STATX_FORCE_SYNC);
static_assert(k::AT_STATX_DONT_SYNC_ == AT_STATX_DONT_SYNC);
static_assert(k::RENAME_NOREPLACE_ == RENAME_NOREPLACE && k::RENAME_EXCHANGE_ == RENAME_EXCHANGE);
static_assert(k::RENAME_WHITEOUT_ == RENAME_WHITEOUT);
// modes, seek, dirent types
static_assert(k::S_IFMT_ == S_IFMT && k::S_IFSOCK_ == S_IFSOCK && k::S_IFLNK_ == S_IFLNK && k::S_IFREG_ == S_IFREG);
static_assert(k::S_IFBLK_ == S_IFBLK && k::S_IFDIR_ == S_IFDIR && k::S_IFCHR_ == S_IFCHR && k::S_IFIFO_ == S_IFIFO);
static_assert(k::SEEK_SET_ == SEEK_SET && k::SEEK_CUR_ == SEEK_CUR && k::SEEK_END_ == SEEK_END);
static_assert(k::SEEK_DATA_ == SEEK_DATA && k::SEEK_HOLE_ == SEEK_HOLE);
static_assert(k::DT_UNKNOWN_ == DT_UNKNOWN && k::DT_FIFO_ == DT_FIFO && k::DT_CHR_ == DT_CHR && k::DT_DIR_ == DT_DIR);
static_assert(k::DT_BLK_ == DT_BLK && k::DT_REG_ == DT_REG && k::DT_LNK_ == DT_LNK && k::DT_SOCK_ == DT_SOCK);
// statx
static_assert(k::STATX_TYPE_ == STATX_TYPE && k::STATX_MODE_ == STATX_MODE && k::STATX_NLINK_ == STATX_NLINK);
static_assert(k::STATX_UID_ == STATX_UID && k::STATX_GID_ == STATX_GID && k::STATX_ATIME_ == STATX_ATIME);
static_assert(k::STATX_MTIME_ == STATX_MTIME && k::STATX_CTIME_ == STATX_CTIME && k::STATX_INO_ == STATX_INO);
static_assert(k::STATX_SIZE_ == STATX_SIZE && k::STATX_BLOCKS_ == STATX_BLOCKS);
static_assert(k::STATX_BASIC_STATS_ == STATX_BASIC_STATS && k::STATX_BTIME_ == STATX_BTIME);
static_assert(k::STATX_MNT_ID_ == STATX_MNT_ID && k::STATX__RESERVED_ == STATX__RESERVED);
#define SAME_FIELD(ours, theirs, field)                                                                          \
	static_assert(offsetof(ours, field) == offsetof(theirs, field) &&                                              \
	              sizeof(static_cast<ours *>(nullptr)->field) == sizeof(static_cast<theirs *>(nullptr)->field))
using LinuxStatx = struct statx;
using LinuxStat = struct stat;
static_assert(sizeof(k::Statx) == sizeof(struct statx));
SAME_FIELD(k::Statx, LinuxStatx, stx_mask);
SAME_FIELD(k::Statx, LinuxStatx, stx_blksize);
SAME_FIELD(k::Statx, LinuxStatx, stx_attributes);
SAME_FIELD(k::Statx, LinuxStatx, stx_nlink);
SAME_FIELD(k::Statx, LinuxStatx, stx_uid);
SAME_FIELD(k::Statx, LinuxStatx, stx_gid);
SAME_FIELD(k::Statx, LinuxStatx, stx_mode);
SAME_FIELD(k::Statx, LinuxStatx, stx_ino);
SAME_FIELD(k::Statx, LinuxStatx, stx_size);
SAME_FIELD(k::Statx, LinuxStatx, stx_blocks);
SAME_FIELD(k::Statx, LinuxStatx, stx_attributes_mask);
SAME_FIELD(k::Statx, LinuxStatx, stx_atime);
SAME_FIELD(k::Statx, LinuxStatx, stx_btime);
SAME_FIELD(k::Statx, LinuxStatx, stx_ctime);
SAME_FIELD(k::Statx, LinuxStatx, stx_mtime);
SAME_FIELD(k::Statx, LinuxStatx, stx_rdev_major);
SAME_FIELD(k::Statx, LinuxStatx, stx_rdev_minor);
SAME_FIELD(k::Statx, LinuxStatx, stx_dev_major);
SAME_FIELD(k::Statx, LinuxStatx, stx_dev_minor);
SAME_FIELD(k::Statx, LinuxStatx, stx_mnt_id);
static_assert(sizeof(k::StatxTimestamp) == sizeof(struct statx_timestamp));
static_assert(offsetof(k::StatxTimestamp, tv_nsec) == offsetof(struct statx_timestamp, tv_nsec));
// struct stat (x86_64's asm/stat.h)
static_assert(sizeof(k::Stat) == sizeof(struct stat));
SAME_FIELD(k::Stat, LinuxStat, st_dev);
SAME_FIELD(k::Stat, LinuxStat, st_ino);
SAME_FIELD(k::Stat, LinuxStat, st_nlink);
SAME_FIELD(k::Stat, LinuxStat, st_mode);
SAME_FIELD(k::Stat, LinuxStat, st_uid);
SAME_FIELD(k::Stat, LinuxStat, st_gid);
SAME_FIELD(k::Stat, LinuxStat, st_rdev);
SAME_FIELD(k::Stat, LinuxStat, st_size);
SAME_FIELD(k::Stat, LinuxStat, st_blksize);
SAME_FIELD(k::Stat, LinuxStat, st_blocks);
static_assert(offsetof(k::Stat, st_atime_sec) == offsetof(struct stat, st_atime));
static_assert(offsetof(k::Stat, st_atime_nsec) == offsetof(struct stat, st_atime_nsec));
static_assert(offsetof(k::Stat, st_mtime_sec) == offsetof(struct stat, st_mtime));
static_assert(offsetof(k::Stat, st_mtime_nsec) == offsetof(struct stat, st_mtime_nsec));
static_assert(offsetof(k::Stat, st_ctime_sec) == offsetof(struct stat, st_ctime));
static_assert(offsetof(k::Stat, st_ctime_nsec) == offsetof(struct stat, st_ctime_nsec));
// poll, eventfd, fcntl, close_range, limits
static_assert(k::POLLIN_ == POLLIN && k::POLLPRI_ == POLLPRI && k::POLLOUT_ == POLLOUT && k::POLLERR_ == POLLERR);
static_assert(k::POLLHUP_ == POLLHUP && k::POLLNVAL_ == POLLNVAL && k::POLLRDNORM_ == POLLRDNORM);
static_assert(k::POLLRDBAND_ == POLLRDBAND && k::POLLWRNORM_ == POLLWRNORM && k::POLLWRBAND_ == POLLWRBAND);
static_assert(k::POLLRDHUP_ == POLLRDHUP);
static_assert(k::EFD_SEMAPHORE_ == EFD_SEMAPHORE && k::EFD_CLOEXEC_ == EFD_CLOEXEC && k::EFD_NONBLOCK_ == EFD_NONBLOCK);
static_assert(k::F_DUPFD_ == F_DUPFD && k::F_GETFD_ == F_GETFD && k::F_SETFD_ == F_SETFD && k::F_GETFL_ == F_GETFL);
static_assert(k::F_SETFL_ == F_SETFL && k::F_DUPFD_CLOEXEC_ == F_DUPFD_CLOEXEC && k::FD_CLOEXEC_ == FD_CLOEXEC);
static_assert(k::F_SETPIPE_SZ_ == F_SETPIPE_SZ && k::F_GETPIPE_SZ_ == F_GETPIPE_SZ);
static_assert(k::CLOSE_RANGE_UNSHARE_ == CLOSE_RANGE_UNSHARE && k::CLOSE_RANGE_CLOEXEC_ == CLOSE_RANGE_CLOEXEC);
static_assert(k::PATH_MAX_ == PATH_MAX && k::NAME_MAX_ == NAME_MAX && k::PIPE_BUF_ == PIPE_BUF);
// The errnos the FileSystem returns come from Library/errno.hpp, which on the host is libc's <errno.h>; in the
// kernel it defines them itself. Pin the kernel's list where it matters most (copied values, not the macros).
static_assert(ENOENT == 2 && ENOTDIR == 20 && EISDIR == 21 && EEXIST == 17 && ENOTEMPTY == 39 && EBADF == 9);
static_assert(EINVAL == 22 && ELOOP == 40 && ENAMETOOLONG == 36 && EPIPE == 32 && ESPIPE == 29 && EMFILE == 24);
static_assert(EAGAIN == 11 && EFAULT == 14 && EBUSY == 16 && EPERM == 1 && ENXIO == 6 && EOPNOTSUPP == 95);
// getdents64's record header (struct linux_dirent64 is not in the uapi headers; glibc's dirent64 matches it).
static_assert(offsetof(k::Dirent64, d_ino) == offsetof(struct dirent64, d_ino));
static_assert(offsetof(k::Dirent64, d_off) == offsetof(struct dirent64, d_off));
static_assert(offsetof(k::Dirent64, d_reclen) == offsetof(struct dirent64, d_reclen));
static_assert(offsetof(k::Dirent64, d_type) == offsetof(struct dirent64, d_type));
static_assert(offsetof(k::Dirent64, d_name) == offsetof(struct dirent64, d_name));

static void test_abi_pinned(void **)
{
	// Everything above is checked at compile time; reaching here means it all matched.
	assert_int_equal(sizeof(k::Statx), 256);
}

int main()
{
	const CMUnitTest tests[] = {cmocka_unit_test(test_abi_pinned)};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
