// The Linux file system calls programs issue themselves (upstream tests call statx, pipe2 or eventfd2 through
// syscall(); newlib's glue uses a few where no native opcode exists: fcntl, poll, pipe2, eventfd2). Each is
// the filesystem's own call (FileSystem/syscalls.hpp); the legacy numbers are their *at forms at AT_FDCWD,
// as Linux implements them. Returns -ENOSYS for a number that is not a file call.
#include "FileSystem/syscalls.hpp"
#include "Library/errno.hpp"
#include "Syscalls/calls.hpp"

namespace kernel {

namespace {
constexpr uint64_t at_fdcwd = static_cast<uint64_t>(-100);
constexpr uint64_t at_symlink_nofollow = 0x100;
constexpr uint64_t at_removedir = 0x200;
} // namespace

long file_call(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	switch (number) {
	case 0: return fs_read(a0, a1, a2);
	case 1: return fs_write(a0, a1, a2);
	case 2: return fs_openat(at_fdcwd, a0, a1, a2);                      // open
	case 4: return fs_newfstatat(at_fdcwd, a0, a1, 0);                   // stat
	case 5: return fs_fstat(a0, a1);
	case 6: return fs_newfstatat(at_fdcwd, a0, a1, at_symlink_nofollow); // lstat
	case 8: return fs_lseek(a0, a1, a2);
	case 16: return fs_ioctl(a0, a1, a2);
	case 17: return fs_pread64(a0, a1, a2, a3);
	case 18: return fs_pwrite64(a0, a1, a2, a3);
	case 19: return fs_readv(a0, a1, a2);
	case 20: return fs_writev(a0, a1, a2);
	case 21: return fs_faccessat(at_fdcwd, a0, a1, 0);                   // access
	case 22: return fs_pipe2(a0, 0);                                     // pipe
	case 32: return fs_dup(a0);
	case 33: return fs_dup2(a0, a1);
	case 72: return fs_fcntl(a0, a1, a2);
	case 74: return fs_fsync(a0);
	case 75: return fs_fdatasync(a0);
	case 76: return fs_truncate(a0, a1);
	case 77: return fs_ftruncate(a0, a1);
	case 79: return fs_getcwd(a0, a1);
	case 80: return fs_chdir(a0);
	case 81: return fs_fchdir(a0);
	case 82: return fs_renameat2(at_fdcwd, a0, at_fdcwd, a1, 0);         // rename
	case 83: return fs_mkdirat(at_fdcwd, a0, a1);                        // mkdir
	case 84: return fs_unlinkat(at_fdcwd, a0, at_removedir);             // rmdir
	case 86: return fs_linkat(at_fdcwd, a0, at_fdcwd, a1, 0);            // link
	case 87: return fs_unlinkat(at_fdcwd, a0, 0);                        // unlink
	case 88: return fs_symlinkat(a0, at_fdcwd, a1);                      // symlink
	case 89: return fs_readlinkat(at_fdcwd, a0, a1, a2);                 // readlink
	case 95: return fs_umask(a0);
	case 217: return fs_getdents64(a0, a1, a2);
	case 257: return fs_openat(a0, a1, a2, a3);
	case 258: return fs_mkdirat(a0, a1, a2);
	case 262: return fs_newfstatat(a0, a1, a2, a3);
	case 263: return fs_unlinkat(a0, a1, a2);
	case 264: return fs_renameat2(a0, a1, a2, a3, 0);                    // renameat
	case 265: return fs_linkat(a0, a1, a2, a3, a4);
	case 266: return fs_symlinkat(a0, a1, a2);
	case 267: return fs_readlinkat(a0, a1, a2, a3);
	case 269: return fs_faccessat(a0, a1, a2, 0);                        // faccessat
	case 284: return fs_eventfd2(a0, 0);                                 // eventfd
	case 290: return fs_eventfd2(a0, a1);
	case 292: return fs_dup3(a0, a1, a2);
	case 293: return fs_pipe2(a0, a1);
	case 295: return fs_preadv2(a0, a1, a2, static_cast<int64_t>(a3), 0);  // preadv
	case 296: return fs_pwritev2(a0, a1, a2, static_cast<int64_t>(a3), 0); // pwritev
	case 316: return fs_renameat2(a0, a1, a2, a3, a4);
	case 327: return fs_preadv2(a0, a1, a2, static_cast<int64_t>(a3), a4);
	case 328: return fs_pwritev2(a0, a1, a2, static_cast<int64_t>(a3), a4);
	case 332: return fs_statx(a0, a1, a2, a3, a4);
	case 436: return fs_close_range(a0, a1, a2);
	case 439: return fs_faccessat(a0, a1, a2, a3);
	default: return -ENOSYS;
	}
}

} // namespace kernel
