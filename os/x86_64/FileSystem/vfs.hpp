// The filesystem's system calls, on kernel strings (paths already copied from user memory with
// copy_path_from_user). dirfds and relative paths resolve against the current process's fd table and cwd
// (Platform's current_fd_table(); without a process, against the root). Linux's flag values and errnos.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "FileSystem/fd_table.hpp"
#include "FileSystem/file.hpp"
#include "FileSystem/inode.hpp"

namespace kernel {

// ---- the tree -----------------------------------------------------------------------------------------------

// Builds an empty root with /dev (null, zero, console), /tmp (1777) and /t, then extracts the USTAR initrd
// into it ("mount the initrd as /"): directories, regular files (their bytes stay in the initrd until written),
// symlinks and hard links. EINVAL for a malformed archive (what was extracted before stays), ENOMEM.
Result<void> vfs_init(const void *initrd, size_t size);
// Frees the whole tree (host tests between cases; nodes still open are freed with their last reference).
void vfs_shutdown();
DirectoryInode *vfs_root();

// Copies a user path into buf (PATH_MAX bytes): its length, ENAMETOOLONG, EFAULT. An empty path is returned
// as such; the calls below refuse it with ENOENT unless AT_EMPTY_PATH applies.
Result<size_t> copy_path_from_user(char *buf, uint64_t user_path);

// The process's umask (022 at boot, as a Linux login gets): returns the previous one.
uint32_t vfs_umask(uint32_t mask);

// ---- calls --------------------------------------------------------------------------------------------------

// openat(2) without installing: the new open file description. Flags as open(2) (O_CREAT/O_EXCL/O_TRUNC/
// O_APPEND/O_DIRECTORY/O_NOFOLLOW/O_PATH/O_NONBLOCK/O_DIRECT/O_CLOEXEC are honoured, O_CLOEXEC being the
// installer's business; O_TMPFILE is EOPNOTSUPP).
Result<FileRef> vfs_open(int dirfd, const char *path, uint32_t flags, uint32_t mode);
// Userspace schemes (os/x86_64/Schemes): when set, an open whose path names no existing file is offered to
// this hook, which claims "name:rest" paths of registered schemes (their server opens them) and leaves the
// rest alone (claimed false). Set by the first scheme registration, so the VFS alone knows nothing of schemes.
using SchemeOpenHook = Result<FileRef> (*)(const char *path, uint32_t flags, uint32_t mode, bool *claimed);
extern constinit SchemeOpenHook vfs_scheme_open_hook;
// openat(2): installs the file at the lowest free fd of the current table (close-on-exec with O_CLOEXEC).
Result<int> vfs_openat(int dirfd, const char *path, uint32_t flags, uint32_t mode);
Result<void> vfs_mkdirat(int dirfd, const char *path, uint32_t mode);
// unlinkat(2); AT_REMOVEDIR makes it rmdir.
Result<void> vfs_unlinkat(int dirfd, const char *path, uint32_t flags);
// renameat2(2): RENAME_NOREPLACE and RENAME_EXCHANGE are implemented; RENAME_WHITEOUT is EINVAL.
Result<void> vfs_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, uint32_t flags);
// linkat(2): AT_SYMLINK_FOLLOW, AT_EMPTY_PATH.
Result<void> vfs_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, uint32_t flags);
Result<void> vfs_symlinkat(const char *target, int newdirfd, const char *linkpath);
// readlinkat(2): bytes copied into buf (no NUL), at most size. An empty path reads the dirfd's own symlink
// (an O_PATH|O_NOFOLLOW fd), as Linux.
Result<size_t> vfs_readlinkat(int dirfd, const char *path, char *buf, size_t size);
// statx(2) (flags AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_STATX_*); newfstatat uses it too.
Result<void> vfs_statx(int dirfd, const char *path, uint32_t flags, uint32_t mask, Statx &out);
// truncate(2) by path (follows symlinks).
Result<void> vfs_truncate(const char *path, int64_t length);
// faccessat(2)/access(2): existence only (the process is all-powerful here): ENOENT, ENOTDIR, ELOOP, EINVAL
// for bad mode or flags.
Result<void> vfs_faccessat(int dirfd, const char *path, uint32_t mode, uint32_t flags);
// chdir(2), fchdir(2), getcwd(2) (the length including the NUL; ERANGE when size is too small, ENOENT when
// the cwd was removed).
Result<void> vfs_chdir(const char *path);
Result<void> vfs_fchdir(int fd);
Result<size_t> vfs_getcwd(char *buf, size_t size);

} // namespace kernel
