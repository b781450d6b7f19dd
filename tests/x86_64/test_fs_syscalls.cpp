// The fd table (lowest free fd, dup/dup2/dup3, close_range, close-on-exec, RLIMIT_NOFILE) and the system-call
// layer over user pointers (FileSystem/syscalls.hpp): what a program sees through open/read/write/readv/
// preadv2/fstat/statx/fcntl/ioctl/pipe2/eventfd2/getdents64/getcwd/poll, and the process start hook's fds 0-2.
#include <string.h>
#include <sys/uio.h>

#include "rp_test.h"

#include "FileSystem/fd_table.hpp"
#include "FileSystem/inode.hpp"
#include "FileSystem/syscalls.hpp"
#include "FileSystem/vfs.hpp"
#include "Syscalls/hooks.hpp"
#include "host_platform.hpp"
#include "ustar_fixtures.h"

using namespace kernel;

namespace {

FdTable *table;

int setup(void **)
{
	host::reset();
	assert_true(vfs_init(fixture_basic, sizeof fixture_basic).ok());
	table = filesystem_process_start("/t");
	assert_non_null(table);
	host::set_fd_table(table);
	return 0;
}

int teardown(void **)
{
	filesystem_process_exit(table);
	host::set_fd_table(nullptr);
	vfs_shutdown();
	assert_int_equal(Inode::live_count(), 0);
	assert_int_equal(File::live_count(), 0);
	host::reset();
	return 0;
}

uint64_t u(const void *p) { return uint64_t(uintptr_t(p)); }
long open_(const char *path, uint64_t flags, uint64_t mode = 0644) { return fs_openat(uint64_t(int64_t(AT_FDCWD_)), u(path), flags, mode); }
constexpr uint64_t cwd = uint64_t(int64_t(-100));

// ---- the process's first fds --------------------------------------------------------------------------------

void test_process_start(void **)
{
	// fds 0, 1, 2 are the console, read-write; reading gives end-of-file; cwd is the directory given.
	assert_int_equal(table->open_count(), 3);
	assert_int_equal(fs_fcntl(1, F_GETFL_, 0), O_RDWR_ | O_LARGEFILE_);
	char buf[8];
	assert_int_equal(fs_read(0, u(buf), sizeof buf), 0);
	host::clear_console();
	assert_int_equal(fs_write(1, u("out\n"), 4), 4);
	assert_int_equal(fs_write(2, u("err\n"), 4), 4);
	assert_string_equal(host::console_output(), "out\nerr\n");
	char path[64];
	assert_int_equal(fs_getcwd(u(path), sizeof path), 3);
	assert_string_equal(path, "/t");
	assert_int_equal(fs_getcwd(u(path), 2), -ERANGE);
	long fd = open_("hello.txt", O_RDONLY_);
	assert_int_equal(fd, 3);
	assert_int_equal(filesystem_close(3), 0);
	assert_int_equal(filesystem_close(3), -EBADF);
	assert_int_equal(filesystem_close(uint64_t(-1)), -EBADF);
	// mmap of a plain file: ENODEV (only ring fds map).
	fd = open_("hello.txt", O_RDONLY_);
	assert_int_equal(filesystem_mmap(uint64_t(fd), 0, 4096, 1, 1, 0), -ENODEV);
	assert_int_equal(filesystem_mmap(99, 0, 4096, 1, 1, 0), -EBADF);
	// A missing cwd falls back to the root.
	FdTable *other = filesystem_process_start("/nope");
	assert_non_null(other);
	host::set_fd_table(other);
	assert_int_equal(fs_getcwd(u(path), sizeof path), 2);
	host::set_fd_table(table);
	filesystem_process_exit(other);
}

// ---- the fd table -------------------------------------------------------------------------------------------

void test_lowest_free_and_dup(void **)
{
	long a = open_("/t/hello.txt", O_RDONLY_);
	long b = open_("/t/hello.txt", O_RDONLY_);
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
	assert_int_equal(fs_close(3), 0);
	assert_int_equal(fs_dup(4), 3); // the lowest free
	assert_int_equal(fs_dup(77), -EBADF);
	assert_int_equal(fs_dup(uint64_t(-1)), -EBADF);
	// dup shares the description: one position.
	char c;
	assert_int_equal(fs_read(3, u(&c), 1), 1);
	assert_int_equal(fs_lseek(4, 0, SEEK_CUR_), 1);
	// dup2: same fd returns it when open (EBADF when not); replaces an open target silently.
	assert_int_equal(fs_dup2(4, 4), 4);
	assert_int_equal(fs_dup2(50, 50), -EBADF);
	assert_int_equal(fs_dup2(4, 1), 1);
	assert_int_equal(fs_lseek(1, 0, SEEK_CUR_), 1);
	assert_int_equal(fs_dup2(4, 1024), -EBADF);
	assert_int_equal(fs_dup2(4, uint64_t(-1)), -EBADF);
	// dup3: oldfd == newfd and unknown flags are EINVAL; O_CLOEXEC sets the fd flag.
	assert_int_equal(fs_dup3(4, 4, 0), -EINVAL);
	assert_int_equal(fs_dup3(4, 9, O_NONBLOCK_), -EINVAL);
	assert_int_equal(fs_dup3(4, 9, O_CLOEXEC_), 9);
	assert_int_equal(fs_fcntl(9, F_GETFD_, 0), FD_CLOEXEC_);
	assert_int_equal(fs_fcntl(4, F_GETFD_, 0), 0);
	assert_int_equal(fs_dup3(44, 9, 0), -EBADF);
	// F_DUPFD: the lowest free at or above arg; F_DUPFD_CLOEXEC sets the flag; arg beyond the limit EINVAL.
	assert_int_equal(fs_fcntl(4, F_DUPFD_, 5), 5);
	assert_int_equal(fs_fcntl(4, F_DUPFD_CLOEXEC_, 5), 6);
	assert_int_equal(fs_fcntl(6, F_GETFD_, 0), FD_CLOEXEC_);
	assert_int_equal(fs_fcntl(4, F_DUPFD_, 1024), -EINVAL);
	assert_int_equal(fs_fcntl(4, F_SETFD_, FD_CLOEXEC_), 0);
	assert_int_equal(fs_fcntl(4, F_GETFD_, 0), FD_CLOEXEC_);
	assert_int_equal(fs_fcntl(4, 9999, 0), -EINVAL);
	assert_int_equal(fs_fcntl(88, F_GETFD_, 0), -EBADF);
	// exec closes the close-on-exec fds only.
	table->close_on_exec();
	assert_int_equal(fs_fcntl(4, F_GETFD_, 0), -EBADF);
	assert_int_equal(fs_fcntl(6, F_GETFD_, 0), -EBADF);
	assert_int_equal(fs_fcntl(9, F_GETFD_, 0), -EBADF);
	assert_int_equal(fs_fcntl(5, F_GETFD_, 0), 0);
	assert_int_equal(fs_fcntl(3, F_GETFD_, 0), 0);
}

void test_emfile_and_rlimit(void **)
{
	// Fill the table: fds 3..1023, then EMFILE; closing one frees exactly that number.
	for (int fd = 3; fd < 1024; ++fd)
		assert_int_equal(fs_dup(0), fd);
	assert_int_equal(table->open_count(), 1024);
	assert_int_equal(fs_dup(0), -EMFILE);
	assert_int_equal(open_("/t/hello.txt", O_RDONLY_), -EMFILE);
	uint64_t fds[2];
	assert_int_equal(fs_pipe2(u(fds), 0), -EMFILE);
	assert_int_equal(fs_eventfd2(0, 0), -EMFILE);
	assert_int_equal(fs_close(500), 0);
	assert_int_equal(fs_dup(0), 500);
	// A lower RLIMIT_NOFILE: new fds stay below it, existing ones stay open.
	assert_int_equal(fs_close_range(10, ~0u, 0), 0);
	assert_int_equal(table->open_count(), 10);
	host::set_open_files_limit(12);
	assert_int_equal(fs_dup(0), 10);
	assert_int_equal(fs_dup(0), 11);
	assert_int_equal(fs_dup(0), -EMFILE);
	assert_int_equal(fs_dup2(0, 12), -EBADF);
	assert_int_equal(fs_fcntl(0, F_DUPFD_, 12), -EINVAL);
	host::set_open_files_limit(1024);
}

void test_close_range(void **)
{
	for (int i = 0; i < 10; ++i)
		fs_dup(0); // 3..12
	assert_int_equal(fs_close_range(5, 4, 0), -EINVAL);
	assert_int_equal(fs_close_range(5, 6, 0x1), -EINVAL);
	assert_int_equal(fs_close_range(5, 7, CLOSE_RANGE_CLOEXEC_), 0);
	assert_int_equal(fs_fcntl(5, F_GETFD_, 0), FD_CLOEXEC_);
	assert_int_equal(fs_fcntl(7, F_GETFD_, 0), FD_CLOEXEC_);
	assert_int_equal(fs_fcntl(8, F_GETFD_, 0), 0);
	assert_int_equal(fs_close_range(4, 9, 0), 0);
	assert_int_equal(table->open_count(), 3 + 1 + 3); // 0-2, 3, 10-12
	assert_int_equal(fs_close_range(2000, 3000, 0), 0);
	assert_int_equal(fs_close_range(11, ~0u, CLOSE_RANGE_UNSHARE_), 0);
	assert_int_equal(table->open_count(), 5);
}

void test_clone_shares_descriptions(void **)
{
	long fd = open_("/t/run.t", O_RDONLY_);
	FdTable *copy = table->clone();
	assert_non_null(copy);
	assert_int_equal(copy->open_count(), table->open_count());
	char c;
	assert_int_equal(fs_read(uint64_t(fd), u(&c), 1), 1);
	assert_int_equal(copy->peek(int(fd))->position(), 1); // the same open file description
	FdTable::destroy(copy);
	assert_int_equal(fs_lseek(uint64_t(fd), 0, SEEK_CUR_), 1);
}

// ---- data calls over user memory ----------------------------------------------------------------------------

void test_read_write_vectors(void **)
{
	long fd = open_("/tmp/v", O_CREAT_ | O_RDWR_);
	char a[] = "abc", b[] = "", c[] = "defgh";
	struct iovec w[3] = {{a, 3}, {b, 0}, {c, 5}};
	assert_int_equal(fs_writev(uint64_t(fd), u(w), 3), 8);
	assert_int_equal(fs_lseek(uint64_t(fd), 0, SEEK_SET_), 0);
	char x[2], y[10];
	struct iovec r[2] = {{x, 2}, {y, 10}};
	assert_int_equal(fs_readv(uint64_t(fd), u(r), 2), 8);
	assert_memory_equal(x, "ab", 2);
	assert_memory_equal(y, "cdefgh", 6);
	// preadv2 at an offset leaves the position; offset -1 uses and moves it.
	memset(y, 0, sizeof y);
	struct iovec one = {y, 4};
	assert_int_equal(fs_preadv2(uint64_t(fd), u(&one), 1, 2, 0), 4);
	assert_memory_equal(y, "cdef", 4);
	assert_int_equal(fs_lseek(uint64_t(fd), 0, SEEK_CUR_), 8);
	assert_int_equal(fs_lseek(uint64_t(fd), 6, SEEK_SET_), 6);
	assert_int_equal(fs_preadv2(uint64_t(fd), u(&one), 1, -1, 8 /* RWF_NOWAIT */), 2);
	assert_int_equal(fs_lseek(uint64_t(fd), 0, SEEK_CUR_), 8);
	assert_int_equal(fs_preadv2(uint64_t(fd), u(&one), 1, 0, 0x10000), -EOPNOTSUPP);
	assert_int_equal(fs_preadv2(uint64_t(fd), u(&one), 1, -2, 0), -EINVAL);
	assert_int_equal(fs_readv(uint64_t(fd), u(&one), 1025), -EINVAL);
	assert_int_equal(fs_readv(uint64_t(fd), 8, 1), -EFAULT);
	struct iovec neg = {y, size_t(-1)};
	assert_int_equal(fs_readv(uint64_t(fd), u(&neg), 1), -EINVAL);
	// pwritev2 with RWF_APPEND appends whatever the offset (and leaves the position for an offset >= 0).
	struct iovec z = {(void *)"Z", 1};
	assert_int_equal(fs_lseek(uint64_t(fd), 1, SEEK_SET_), 1);
	assert_int_equal(fs_pwritev2(uint64_t(fd), u(&z), 1, 0, 0x10), 1);
	assert_int_equal(fs_lseek(uint64_t(fd), 0, SEEK_CUR_), 1);
	char all[16];
	assert_int_equal(fs_pread64(uint64_t(fd), u(all), sizeof all, 0), 9);
	assert_memory_equal(all, "abcdefghZ", 9);
	assert_int_equal(fs_pwrite64(uint64_t(fd), u("A"), 1, 0), 1);
	assert_int_equal(fs_pread64(uint64_t(fd), u(all), 1, 0), 1);
	assert_int_equal(all[0], 'A');
	// EBADF and EFAULT.
	assert_int_equal(fs_read(55, u(all), 1), -EBADF);
	assert_int_equal(fs_pread64(uint64_t(fd), 16, 1, 0), -EFAULT);
	assert_int_equal(fs_lseek(uint64_t(fd), 0, SEEK_END_), 9);
	assert_int_equal(fs_read(uint64_t(fd), 16, 1), 0); // at end of file nothing is copied, so no fault
	assert_int_equal(fs_write(uint64_t(fd), 16, 1), -EFAULT);
	assert_int_equal(fs_ftruncate(uint64_t(fd), 3), 0);
	assert_int_equal(fs_truncate(u("/tmp/v"), 2), 0);
	assert_int_equal(fs_fsync(uint64_t(fd)), 0);
	assert_int_equal(fs_fdatasync(uint64_t(fd)), 0);
	assert_int_equal(fs_lseek(uint64_t(fd), 0, SEEK_END_), 2);
	assert_int_equal(fs_lseek(uint64_t(fd), 0, uint64_t(1) << 32), -EINVAL);
}

void test_stat_calls(void **)
{
	Stat st;
	long fd = open_("/t/run.t", O_RDONLY_);
	assert_int_equal(fs_fstat(uint64_t(fd), u(&st)), 0);
	assert_int_equal(st.st_size, 513);
	assert_int_equal(st.st_mode, S_IFREG_ | 0755);
	assert_int_equal(st.st_blksize, 4096);
	assert_int_equal(fs_fstat(uint64_t(fd), 8), -EFAULT);
	assert_int_equal(fs_fstat(99, u(&st)), -EBADF);
	Stat st2;
	assert_int_equal(fs_newfstatat(cwd, u("run.t"), u(&st2), 0), 0);
	assert_int_equal(st2.st_ino, st.st_ino);
	assert_int_equal(fs_newfstatat(cwd, u("link"), u(&st2), AT_SYMLINK_NOFOLLOW_), 0);
	assert_int_equal(st2.st_mode & S_IFMT_, S_IFLNK_);
	assert_int_equal(fs_newfstatat(cwd, u("link"), u(&st2), 0x8000), -EINVAL);
	assert_int_equal(fs_newfstatat(uint64_t(fd), u(""), u(&st2), AT_EMPTY_PATH_), 0);
	assert_int_equal(st2.st_ino, st.st_ino);
	assert_int_equal(fs_newfstatat(cwd, 8, u(&st2), 0), -EFAULT);
	Statx sx;
	assert_int_equal(fs_statx(cwd, u("run.t"), 0, STATX_BASIC_STATS_, u(&sx)), 0);
	assert_int_equal(sx.stx_size, 513);
	assert_int_equal(sx.stx_ino, st.st_ino);
	assert_int_equal(fs_statx(cwd, u("nope"), 0, STATX_BASIC_STATS_, u(&sx)), -ENOENT);
	assert_int_equal(fs_statx(cwd, u("run.t"), 0, STATX_BASIC_STATS_, 8), -EFAULT);
	// A path without a NUL within PATH_MAX.
	static char huge[5000];
	memset(huge, 'a', sizeof huge);
	assert_int_equal(fs_statx(cwd, u(huge), 0, STATX_BASIC_STATS_, u(&sx)), -ENAMETOOLONG);
	// Pipes and eventfds fstat too.
	int fds[2];
	assert_int_equal(fs_pipe2(u(fds), 0), 0);
	assert_int_equal(fs_fstat(uint64_t(fds[0]), u(&st)), 0);
	assert_int_equal(st.st_mode & S_IFMT_, S_IFIFO_);
}

void test_name_calls(void **)
{
	assert_int_equal(fs_mkdirat(cwd, u("/tmp/d"), 0700), 0);
	assert_int_equal(fs_mkdirat(cwd, u("/tmp/d"), 0700), -EEXIST);
	assert_int_equal(fs_symlinkat(u("d"), cwd, u("/tmp/s")), 0);
	char buf[8];
	assert_int_equal(fs_readlinkat(cwd, u("/tmp/s"), u(buf), sizeof buf), 1);
	assert_int_equal(buf[0], 'd');
	assert_int_equal(fs_readlinkat(cwd, u("/tmp/s"), u(buf), 0), -EINVAL);
	assert_int_equal(fs_readlinkat(cwd, u("/tmp/s"), 8, 8), -EFAULT);
	assert_int_equal(fs_renameat2(cwd, u("/tmp/d"), cwd, u("/tmp/e"), 0), 0);
	assert_int_equal(fs_linkat(cwd, u("/t/hello.txt"), cwd, u("/tmp/h"), 0), 0);
	assert_int_equal(fs_unlinkat(cwd, u("/tmp/h"), 0), 0);
	assert_int_equal(fs_unlinkat(cwd, u("/tmp/e"), AT_REMOVEDIR_), 0);
	assert_int_equal(fs_faccessat(cwd, u("/tmp/s"), 0, AT_SYMLINK_NOFOLLOW_), 0);
	assert_int_equal(fs_faccessat(cwd, u("/tmp/s"), 0, 0), -ENOENT); // dangling now
	assert_int_equal(fs_chdir(u("/etc")), 0);
	assert_int_equal(open_("tests", O_RDONLY_), 3);
	long d = open_("/t", O_RDONLY_ | O_DIRECTORY_);
	assert_int_equal(fs_fchdir(uint64_t(d)), 0);
	assert_int_equal(fs_getcwd(u(buf), sizeof buf), 3);
	assert_int_equal(fs_umask(077), 022);
	assert_int_equal(fs_umask(022), 077);
	assert_int_equal(fs_unlinkat(cwd, 8, 0), -EFAULT);
}

void test_getdents64(void **)
{
	long d = open_("/etc", O_RDONLY_ | O_DIRECTORY_);
	alignas(8) char buf[256];
	long n = fs_getdents64(uint64_t(d), u(buf), sizeof buf);
	assert_int_equal(n, 24 + 24 + 32); // ".", "..", "tests" (19-byte header + name + NUL, 8-aligned)
	assert_string_equal(reinterpret_cast<Dirent64 *>(buf + 48)->d_name, "tests");
	assert_int_equal(fs_getdents64(uint64_t(d), u(buf), sizeof buf), 0);
	assert_int_equal(fs_getdents64(0, u(buf), sizeof buf), -ENOTDIR);
	assert_int_equal(fs_getdents64(77, u(buf), sizeof buf), -EBADF);
}

// ---- fcntl, ioctl, pipes, eventfd, poll ---------------------------------------------------------------------

void test_fcntl_flags_and_ioctl(void **)
{
	int fds[2];
	assert_int_equal(fs_pipe2(u(fds), O_CLOEXEC_ | O_NONBLOCK_), 0);
	assert_int_equal(fds[0], 3);
	assert_int_equal(fds[1], 4);
	assert_int_equal(fs_fcntl(3, F_GETFD_, 0), FD_CLOEXEC_);
	assert_int_equal(fs_fcntl(3, F_GETFL_, 0), O_RDONLY_ | O_NONBLOCK_);
	assert_int_equal(fs_fcntl(4, F_GETFL_, 0), O_WRONLY_ | O_NONBLOCK_);
	char c;
	assert_int_equal(fs_read(3, u(&c), 1), -EAGAIN);
	assert_int_equal(fs_fcntl(3, F_SETFL_, 0), 0);
	assert_int_equal(fs_fcntl(3, F_GETFL_, 0), O_RDONLY_);
	int on = 1;
	assert_int_equal(fs_ioctl(3, 0x5421 /* FIONBIO */, u(&on)), 0);
	assert_int_equal(fs_fcntl(3, F_GETFL_, 0), O_RDONLY_ | O_NONBLOCK_);
	assert_int_equal(fs_ioctl(3, 0x5450 /* FIONCLEX */, 0), 0);
	assert_int_equal(fs_fcntl(3, F_GETFD_, 0), 0);
	assert_int_equal(fs_ioctl(3, 0x5451 /* FIOCLEX */, 0), 0);
	assert_int_equal(fs_fcntl(3, F_GETFD_, 0), FD_CLOEXEC_);
	assert_int_equal(fs_write(4, u("xyz"), 3), 3);
	int avail = 0;
	assert_int_equal(fs_ioctl(3, 0x541B /* FIONREAD */, u(&avail)), 0);
	assert_int_equal(avail, 3);
	assert_int_equal(fs_ioctl(3, 0x1234, 0), -ENOTTY);
	assert_int_equal(fs_fcntl(3, F_GETPIPE_SZ_, 0), 65536);
	assert_int_equal(fs_fcntl(3, F_SETPIPE_SZ_, 10000), 16384);
	assert_int_equal(fs_fcntl(0, F_GETPIPE_SZ_, 0), -EINVAL);
	// O_PATH fds: F_GETFL works, F_SETFL does not.
	long p = open_("/t/hello.txt", O_PATH_);
	assert_int_equal(fs_fcntl(uint64_t(p), F_GETFL_, 0), O_PATH_);
	assert_int_equal(fs_fcntl(uint64_t(p), F_SETFL_, O_NONBLOCK_), -EBADF);
	assert_int_equal(fs_read(uint64_t(p), u(&c), 1), -EBADF);
	// pipe2: bad flags, bad pointer (no fds leak).
	int before = table->open_count();
	assert_int_equal(fs_pipe2(u(fds), O_APPEND_), -EINVAL);
	assert_int_equal(fs_pipe2(8, 0), -EFAULT);
	assert_int_equal(table->open_count(), before);
}

void test_eventfd_calls(void **)
{
	long e = fs_eventfd2(3, EFD_NONBLOCK_ | EFD_CLOEXEC_);
	assert_int_equal(e, 3);
	assert_int_equal(fs_fcntl(3, F_GETFD_, 0), FD_CLOEXEC_);
	uint64_t v = 0;
	assert_int_equal(fs_read(3, u(&v), 8), 8);
	assert_int_equal(v, 3);
	assert_int_equal(fs_read(3, u(&v), 8), -EAGAIN);
	v = 5;
	assert_int_equal(fs_write(3, u(&v), 8), 8);
	assert_int_equal(fs_read(3, u(&v), 4), -EINVAL);
	assert_int_equal(fs_eventfd2(0, 0x80), -EINVAL);
	assert_int_equal(fs_eventfd2(uint64_t(1) << 32, 0), -EINVAL);
}

void test_poll(void **)
{
	struct PollFd {
		int32_t fd;
		int16_t events, revents;
	};
	int fds[2];
	assert_int_equal(fs_pipe2(u(fds), 0), 0);
	PollFd set[4] = {{fds[0], POLLIN_, 0}, {fds[1], POLLOUT_, 0}, {-1, POLLIN_, 0}, {77, POLLIN_, 0}};
	assert_int_equal(fs_poll(u(set), 4, 0), 2);
	assert_int_equal(set[0].revents, 0);
	assert_int_equal(set[1].revents, POLLOUT_);
	assert_int_equal(set[2].revents, 0);
	assert_int_equal(set[3].revents, POLLNVAL_);
	// Waits until ready: the host's wait hook writes into the pipe on the second wake-up.
	struct Hook {
		int fd;
		int calls;
	} h{fds[1], 0};
	host::set_wait_hook(
		[](void *arg) {
			Hook *k = static_cast<Hook *>(arg);
			if (++k->calls == 2)
				fs_write(uint64_t(k->fd), u("!"), 1);
		},
		&h);
	PollFd in = {fds[0], POLLIN_, 0};
	assert_int_equal(fs_poll(u(&in), 1, no_deadline), 1);
	assert_int_equal(in.revents, POLLIN_);
	host::set_wait_hook(nullptr, nullptr);
	// A timeout with nothing ready: 0 after about the time asked.
	char c;
	fs_read(uint64_t(fds[0]), u(&c), 1);
	uint64_t start = now_ns(1);
	assert_int_equal(fs_poll(u(&in), 1, 20000000), 0);
	assert_true(now_ns(1) - start >= 20000000);
	assert_int_equal(in.revents, 0);
	// The writer closed: POLLHUP even when not asked for.
	fs_close(uint64_t(fds[1]));
	in.events = 0;
	assert_int_equal(fs_poll(u(&in), 1, 0), 1);
	assert_int_equal(in.revents, POLLHUP_);
	assert_int_equal(fs_poll(8, 1, 0), -EFAULT);
	assert_int_equal(fs_poll(u(&in), 5000, 0), -EINVAL);
	host::set_stop_requested(true);
	in.events = POLLIN_;
	PollFd idle = {0, 0, 0};
	assert_int_equal(fs_poll(u(&idle), 1, no_deadline), -EINTR);
	host::set_stop_requested(false);
}

} // namespace

int main()
{
	const CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_process_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lowest_free_and_dup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emfile_and_rlimit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clone_shares_descriptions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write_vectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stat_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getdents64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcntl_flags_and_ioctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eventfd_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
