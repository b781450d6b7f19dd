// The VFS and ramfs as a demanding program sees them: open flags, path walk edge cases, symlinks, sparse files,
// unlink while open, rename variants, directories, links, statx, getdents, devices and the initrd, each errno
// as Linux gives it. Runs over the host Platform (tests/x86_64/host_platform.cpp): "user" buffers are plain
// pointers, and armed ranges fault.
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include "rp_test.h"

#include "FileSystem/fd_table.hpp"
#include "FileSystem/inode.hpp"
#include "FileSystem/vfs.hpp"
#include "host_platform.hpp"
#include "ustar_fixtures.h"

using namespace kernel;

namespace {

FdTable *table;

// Each test starts from the basic fixture mounted as / with a fresh process whose cwd is /.
int setup(void **)
{
	host::reset();
	assert_true(vfs_init(fixture_basic, sizeof fixture_basic).ok());
	table = FdTable::create();
	table->set_cwd(vfs_root());
	host::set_fd_table(table);
	vfs_umask(022);
	return 0;
}

int teardown(void **)
{
	FdTable::destroy(table);
	host::set_fd_table(nullptr);
	vfs_shutdown();
	// Everything the test made is gone: no inode or file outlives the tree and the table.
	assert_int_equal(Inode::live_count(), 0);
	assert_int_equal(File::live_count(), 0);
	return 0;
}

// -errno or the value, as a system call would return it.
template <typename T>
long rc(const Result<T> &r)
{
	if (!r.ok())
		return -long(r.error());
	if constexpr (requires { long(r.value()); })
		return long(r.value());
	else
		return 0;
}
long rc(const Result<void> &r) { return r.ok() ? 0 : -long(r.error()); }

long open_(const char *path, uint32_t flags, uint32_t mode = 0644) { return rc(vfs_openat(AT_FDCWD, path, flags, mode)); }
File *f(long fd) { return table->peek(int(fd)); }
long write_(long fd, const char *s) { return rc(f(fd)->write(IoBuffer::kernel(s, strlen(s)))); }
long pwrite_(long fd, const void *p, size_t n, int64_t off) { return rc(f(fd)->pwrite(IoBuffer::kernel(p, n), off)); }
long read_(long fd, void *p, size_t n) { return rc(f(fd)->read(IoBuffer::kernel(p, n))); }
long pread_(long fd, void *p, size_t n, int64_t off) { return rc(f(fd)->pread(IoBuffer::kernel(p, n), off)); }
long close_(long fd) { return rc(table->close(int(fd))); }
Statx st(const char *path, uint32_t flags = 0)
{
	Statx s;
	assert_int_equal(rc(vfs_statx(AT_FDCWD, path, flags, STATX_BASIC_STATS_, s)), 0);
	return s;
}
long stat_rc(const char *path, uint32_t flags = 0)
{
	Statx s;
	return rc(vfs_statx(AT_FDCWD, path, flags, STATX_BASIC_STATS_, s));
}
// Reads a whole small file by path into buf (NUL-terminated): its length or -errno.
long slurp(const char *path, char *buf, size_t size)
{
	long fd = open_(path, O_RDONLY);
	if (fd < 0)
		return fd;
	long n = read_(fd, buf, size - 1);
	close_(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

// ---- open ---------------------------------------------------------------------------------------------------

void test_open_create_excl_trunc(void **)
{
	assert_int_equal(open_("/tmp/a", O_RDONLY), -ENOENT);
	long fd = open_("/tmp/a", O_CREAT | O_WRONLY, 0666);
	assert_int_equal(fd, 0); // the lowest free fd: this table starts empty
	assert_int_equal(write_(fd, "hello"), 5);
	Statx s = st("/tmp/a");
	assert_int_equal(s.stx_mode, S_IFREG_ | 0644); // 0666 & ~022
	assert_int_equal(s.stx_size, 5);
	assert_int_equal(s.stx_nlink, 1);
	assert_int_equal(open_("/tmp/a", O_CREAT | O_EXCL | O_RDWR), -EEXIST);
	// O_CREAT without O_EXCL opens the existing file untouched; O_TRUNC empties it.
	long fd2 = open_("/tmp/a", O_CREAT | O_RDWR);
	assert_int_equal(fd2, 1);
	assert_int_equal(st("/tmp/a").stx_size, 5);
	long fd3 = open_("/tmp/a", O_RDWR | O_TRUNC);
	assert_int_equal(st("/tmp/a").stx_size, 0);
	char buf[8];
	assert_int_equal(read_(fd2, buf, sizeof buf), 0);
	close_(fd);
	close_(fd2);
	close_(fd3);
	// A mode with setuid and sticky bits keeps them (minus the umask).
	vfs_umask(0);
	fd = open_("/tmp/m", O_CREAT | O_RDONLY, 07777);
	assert_int_equal(st("/tmp/m").stx_mode, S_IFREG_ | 07777);
	close_(fd);
	assert_int_equal(vfs_umask(022), 0);
}

void test_open_flags_and_access(void **)
{
	long fd = open_("/tmp/f", O_CREAT | O_WRONLY | O_APPEND | O_NONBLOCK | O_DIRECT | O_CLOEXEC | O_TRUNC | O_EXCL);
	assert_true(fd >= 0);
	// F_GETFL: the open-time flags are gone, O_LARGEFILE_ is there (x86_64 Linux forces it).
	assert_int_equal(f(fd)->status_flags(), O_WRONLY | O_APPEND | O_NONBLOCK | O_DIRECT | O_LARGEFILE_);
	assert_int_equal(rc(table->fd_flags(int(fd))), FD_CLOEXEC);
	char c;
	assert_int_equal(read_(fd, &c, 1), -EBADF);
	long ro = open_("/tmp/f", O_RDONLY);
	assert_int_equal(write_(ro, "x"), -EBADF);
	assert_int_equal(pwrite_(ro, "x", 1, 0), -EBADF);
	assert_int_equal(rc(f(ro)->truncate(0)), -EINVAL); // ftruncate needs a writable fd
	assert_int_equal(rc(table->fd_flags(int(ro))), 0);
	// F_SETFL changes only O_APPEND/O_NONBLOCK/O_DIRECT/O_ASYNC/O_NOATIME.
	f(ro)->set_status_flags(O_RDWR | O_NONBLOCK | O_TRUNC);
	assert_int_equal(f(ro)->status_flags(), O_RDONLY | O_NONBLOCK | O_LARGEFILE_);
	assert_int_equal(write_(ro, "x"), -EBADF);
	close_(fd);
	close_(ro);
	assert_int_equal(open_("", O_RDONLY), -ENOENT);
	assert_int_equal(open_("/tmp/x", O_CREAT | O_TMPFILE | O_RDWR), -EOPNOTSUPP);
}

void test_open_directories(void **)
{
	assert_int_equal(open_("/t", O_WRONLY), -EISDIR);
	assert_int_equal(open_("/t", O_RDWR), -EISDIR);
	assert_int_equal(open_("/t", O_RDONLY | O_TRUNC), -EISDIR);
	assert_int_equal(open_("/t", O_RDONLY | O_CREAT), -EISDIR);
	assert_int_equal(open_("/t/", O_RDONLY | O_CREAT), -EISDIR);
	assert_int_equal(open_("/t/new/", O_RDWR | O_CREAT), -EISDIR); // O_CREAT with a trailing slash
	assert_int_equal(open_("/t/hello.txt", O_RDONLY | O_DIRECTORY), -ENOTDIR);
	assert_int_equal(open_("/t/hello.txt/", O_RDONLY), -ENOTDIR);
	assert_int_equal(open_("/t/hello.txt/.", O_RDONLY), -ENOTDIR);
	assert_int_equal(open_("/t/hello.txt/x", O_RDONLY | O_CREAT), -ENOTDIR);
	assert_int_equal(open_("/nonexistent/x", O_RDONLY | O_CREAT), -ENOENT);
	long d = open_("/t", O_RDONLY | O_DIRECTORY);
	assert_true(d >= 0);
	char c;
	assert_int_equal(read_(d, &c, 1), -EISDIR);
	assert_int_equal(pread_(d, &c, 1, 0), -EISDIR);
	assert_int_equal(write_(d, "x"), -EBADF);
	assert_int_equal(rc(f(d)->truncate(0)), -EINVAL); // ftruncate: not a regular file open for writing
	assert_int_equal(f(d)->kind() == FileKind::directory, 1);
	close_(d);
}

void test_open_path(void **)
{
	long p = open_("/t/hello.txt", O_PATH | O_RDWR | O_CREAT | O_TRUNC);
	assert_true(p >= 0);
	assert_int_equal(st("/t/hello.txt").stx_size, 9); // O_TRUNC and O_CREAT ignored with O_PATH
	assert_int_equal(f(p)->status_flags(), O_PATH);
	char c;
	assert_int_equal(read_(p, &c, 1), -EBADF);
	assert_int_equal(write_(p, "x"), -EBADF);
	assert_int_equal(rc(f(p)->lseek(0, SEEK_SET_)), -EBADF);
	assert_int_equal(rc(f(p)->fsync(false)), -EBADF);
	assert_int_equal(f(p)->poll(), POLLNVAL_);
	Statx s;
	assert_int_equal(rc(f(p)->statx(s)), 0);
	assert_int_equal(s.stx_size, 9);
	// fstatat(fd, "", AT_EMPTY_PATH) on the O_PATH fd.
	assert_int_equal(rc(vfs_statx(int(p), "", AT_EMPTY_PATH, STATX_SIZE_, s)), 0);
	assert_int_equal(s.stx_size, 9);
	close_(p);
	// An O_PATH directory works as a dirfd.
	long dir = open_("/t", O_PATH | O_DIRECTORY);
	long fd = rc(vfs_openat(int(dir), "hello.txt", O_RDONLY, 0));
	assert_true(fd >= 0);
	close_(fd);
	close_(dir);
}

void test_append(void **)
{
	long fd = open_("/tmp/log", O_CREAT | O_RDWR | O_APPEND);
	assert_int_equal(write_(fd, "abc"), 3);
	assert_int_equal(rc(f(fd)->lseek(0, SEEK_SET_)), 0);
	assert_int_equal(write_(fd, "def"), 3);
	assert_int_equal(f(fd)->position(), 6);
	// pwrite on O_APPEND appends too (Linux).
	assert_int_equal(pwrite_(fd, "g", 1, 0), 1);
	char buf[16];
	assert_int_equal(pread_(fd, buf, sizeof buf, 0), 7);
	assert_memory_equal(buf, "abcdefg", 7);
	close_(fd);
}

// ---- paths --------------------------------------------------------------------------------------------------

void test_path_dots_and_slashes(void **)
{
	char buf[64];
	assert_int_equal(slurp("/t/hello.txt", buf, sizeof buf), 9);
	assert_string_equal(buf, "replaced\n");
	assert_int_equal(slurp("//t///hello.txt", buf, sizeof buf), 9);
	assert_int_equal(slurp("/t/./hello.txt", buf, sizeof buf), 9);
	assert_int_equal(slurp("/t/../t/hello.txt", buf, sizeof buf), 9);
	assert_int_equal(slurp("/../../t/hello.txt", buf, sizeof buf), 9); // the root is its own parent
	assert_int_equal(slurp("t/hello.txt", buf, sizeof buf), 9);
	assert_int_equal(slurp("./t/../etc/tests", buf, sizeof buf), 7);
	assert_int_equal(slurp("/t/empty/..", buf, sizeof buf), -ENOTDIR); // ".." after a file
	assert_int_equal(slurp("/t/nope/../hello.txt", buf, sizeof buf), -ENOENT);
	Statx root = st("/");
	assert_int_equal(root.stx_ino, st("/..").stx_ino);
	assert_int_equal(root.stx_ino, st(".").stx_ino);
	assert_int_equal(root.stx_ino, st("/t/..").stx_ino);
	assert_int_equal(root.stx_mode & S_IFMT_, S_IFDIR_);
	assert_int_equal(st("/t/").stx_ino, st("/t").stx_ino);
	assert_int_equal(stat_rc("/t/hello.txt/"), -ENOTDIR);
	assert_int_equal(stat_rc(""), -ENOENT);
}

void test_path_dirfd(void **)
{
	long t = open_("/t", O_RDONLY | O_DIRECTORY);
	long file = open_("/t/hello.txt", O_RDONLY);
	Statx s;
	assert_int_equal(rc(vfs_statx(int(t), "hello.txt", 0, STATX_SIZE_, s)), 0);
	assert_int_equal(s.stx_size, 9);
	assert_int_equal(rc(vfs_statx(int(t), "../etc/tests", 0, STATX_SIZE_, s)), 0);
	assert_int_equal(s.stx_size, 7);
	// Relative to a non-directory: ENOTDIR; to a closed fd: EBADF; absolute paths ignore dirfd entirely.
	assert_int_equal(rc(vfs_statx(int(file), "x", 0, STATX_SIZE_, s)), -ENOTDIR);
	assert_int_equal(rc(vfs_statx(999, "x", 0, STATX_SIZE_, s)), -EBADF);
	assert_int_equal(rc(vfs_statx(-5, "x", 0, STATX_SIZE_, s)), -EBADF);
	assert_int_equal(rc(vfs_statx(999, "/t/hello.txt", 0, STATX_SIZE_, s)), 0);
	assert_int_equal(rc(vfs_statx(int(file), "/etc/tests", 0, STATX_SIZE_, s)), 0);
	assert_int_equal(rc(vfs_openat(int(t), "created", O_CREAT | O_RDWR, 0600)), 2);
	assert_int_equal(st("/t/created").stx_mode, S_IFREG_ | 0600);
	close_(2);
	close_(t);
	close_(file);
}

void test_path_name_limits(void **)
{
	char name[300];
	memset(name, 'n', 255);
	name[255] = 0;
	char path[4200];
	snprintf(path, sizeof path, "/tmp/%s", name);
	long fd = open_(path, O_CREAT | O_RDWR);
	assert_true(fd >= 0); // NAME_MAX is fine
	close_(fd);
	snprintf(path, sizeof path, "/tmp/%sX", name);
	assert_int_equal(open_(path, O_CREAT | O_RDWR), -ENAMETOOLONG);
	assert_int_equal(stat_rc(path), -ENAMETOOLONG);
	assert_int_equal(rc(vfs_mkdirat(AT_FDCWD, path, 0755)), -ENAMETOOLONG);
	// A path of PATH_MAX bytes (no room for the NUL) is too long even when every component is short.
	size_t n = 0;
	while (n < 4096) {
		path[n++] = '/';
		path[n++] = '.';
	}
	path[4096] = 0;
	assert_int_equal(stat_rc(path), -ENAMETOOLONG);
	path[4094] = 0; // 4094 characters: within PATH_MAX
	assert_int_equal(stat_rc(path), 0);
}

// ---- symlinks -----------------------------------------------------------------------------------------------

void test_symlinks(void **)
{
	char buf[64];
	// From the initrd: relative and absolute targets.
	assert_int_equal(slurp("/t/link", buf, sizeof buf), 9);
	assert_string_equal(buf, "replaced\n");
	assert_int_equal(slurp("/t/abs", buf, sizeof buf), 7);
	assert_int_equal(rc(vfs_readlinkat(AT_FDCWD, "/t/link", buf, sizeof buf)), 9);
	assert_memory_equal(buf, "hello.txt", 9);
	// readlink truncates silently to the buffer, without a NUL.
	memset(buf, 'Z', sizeof buf);
	assert_int_equal(rc(vfs_readlinkat(AT_FDCWD, "/t/link", buf, 4)), 4);
	assert_memory_equal(buf, "hellZ", 5);
	assert_int_equal(rc(vfs_readlinkat(AT_FDCWD, "/t/link", buf, 0)), -EINVAL);
	assert_int_equal(rc(vfs_readlinkat(AT_FDCWD, "/t/hello.txt", buf, sizeof buf)), -EINVAL);
	assert_int_equal(rc(vfs_readlinkat(AT_FDCWD, "/t/none", buf, sizeof buf)), -ENOENT);

	// lstat sees the link, stat the target.
	Statx l = st("/t/link", AT_SYMLINK_NOFOLLOW);
	assert_int_equal(l.stx_mode, S_IFLNK_ | 0777);
	assert_int_equal(l.stx_size, 9);
	assert_int_equal(st("/t/link").stx_ino, st("/t/hello.txt").stx_ino);

	// A symlink to a directory in the middle of a path and with a trailing slash.
	assert_int_equal(rc(vfs_symlinkat("/t", AT_FDCWD, "/tmp/tdir")), 0);
	assert_int_equal(slurp("/tmp/tdir/hello.txt", buf, sizeof buf), 9);
	assert_int_equal(st("/tmp/tdir/", AT_SYMLINK_NOFOLLOW).stx_mode & S_IFMT_, S_IFDIR_);
	assert_int_equal(st("/tmp/tdir", AT_SYMLINK_NOFOLLOW).stx_mode & S_IFMT_, S_IFLNK_);
	// Relative targets resolve from the link's directory, also through ".." in the target.
	assert_int_equal(rc(vfs_symlinkat("../etc/tests", AT_FDCWD, "/t/up")), 0);
	assert_int_equal(slurp("/t/up", buf, sizeof buf), 7);

	// O_NOFOLLOW on a link: ELOOP; with O_PATH it opens the link itself.
	assert_int_equal(open_("/t/link", O_RDONLY | O_NOFOLLOW), -ELOOP);
	long p = open_("/t/link", O_PATH | O_NOFOLLOW);
	assert_true(p >= 0);
	assert_int_equal(f(p)->kind() == FileKind::symlink, 1);
	assert_int_equal(rc(vfs_readlinkat(int(p), "", buf, sizeof buf)), 9); // readlinkat(fd, "")
	close_(p);

	// A dangling link: ENOENT to open; O_CREAT creates its target; O_CREAT|O_EXCL refuses (EEXIST).
	assert_int_equal(rc(vfs_symlinkat("made", AT_FDCWD, "/tmp/dangling")), 0);
	assert_int_equal(open_("/tmp/dangling", O_RDONLY), -ENOENT);
	assert_int_equal(open_("/tmp/dangling", O_RDWR | O_CREAT | O_EXCL), -EEXIST);
	long fd = open_("/tmp/dangling", O_RDWR | O_CREAT);
	assert_true(fd >= 0);
	close_(fd);
	assert_int_equal(st("/tmp/made").stx_mode & S_IFMT_, S_IFREG_);
	// mkdir, symlink and link over an existing (also dangling) link: EEXIST.
	assert_int_equal(rc(vfs_symlinkat("nowhere", AT_FDCWD, "/tmp/d2")), 0);
	assert_int_equal(rc(vfs_mkdirat(AT_FDCWD, "/tmp/d2", 0755)), -EEXIST);
	assert_int_equal(rc(vfs_symlinkat("x", AT_FDCWD, "/tmp/d2")), -EEXIST);
	assert_int_equal(rc(vfs_symlinkat("", AT_FDCWD, "/tmp/empty_target")), -ENOENT);
	// unlink removes the link, not the target.
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/t/link", 0)), 0);
	assert_int_equal(stat_rc("/t/hello.txt"), 0);
	// rmdir/unlink of "link/" to a directory: the link is not followed (ENOTDIR).
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/tdir/", AT_REMOVEDIR)), -ENOTDIR);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/tdir/", 0)), -ENOTDIR);
}

void test_symlink_loops(void **)
{
	assert_int_equal(rc(vfs_symlinkat("self", AT_FDCWD, "/tmp/self")), 0);
	assert_int_equal(open_("/tmp/self", O_RDONLY), -ELOOP);
	assert_int_equal(stat_rc("/tmp/self"), -ELOOP);
	assert_int_equal(stat_rc("/tmp/self", AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(stat_rc("/tmp/self/x"), -ELOOP);
	assert_int_equal(rc(vfs_symlinkat("b", AT_FDCWD, "/tmp/a")), 0);
	assert_int_equal(rc(vfs_symlinkat("a", AT_FDCWD, "/tmp/b")), 0);
	assert_int_equal(open_("/tmp/a", O_RDONLY | O_CREAT), -ELOOP);
	// A chain of 40 links resolves (Linux's limit); 41 is ELOOP.
	char name[32], target[32];
	long fd = open_("/tmp/l0", O_CREAT | O_RDWR);
	close_(fd);
	for (int i = 1; i <= 41; ++i) {
		snprintf(name, sizeof name, "/tmp/l%d", i);
		snprintf(target, sizeof target, "l%d", i - 1);
		assert_int_equal(rc(vfs_symlinkat(target, AT_FDCWD, name)), 0);
	}
	assert_int_equal(stat_rc("/tmp/l40"), 0);
	assert_int_equal(stat_rc("/tmp/l41"), -ELOOP);
}

// ---- sparse files, truncate, lseek --------------------------------------------------------------------------

void test_sparse_pwrite_at_4gib(void **)
{
	long fd = open_("/tmp/sparse", O_CREAT | O_RDWR);
	const uint64_t four_g = uint64_t(4) << 30;
	assert_int_equal(pwrite_(fd, "Z", 1, int64_t(four_g)), 1);
	Statx s = st("/tmp/sparse");
	assert_int_equal(s.stx_size, four_g + 1);
	assert_int_equal(s.stx_blocks, 8); // one 4 KiB page, in 512-byte blocks
	// Holes read as zeros, across page boundaries and right up to the data.
	char buf[8192];
	memset(buf, 'x', sizeof buf);
	assert_int_equal(pread_(fd, buf, sizeof buf, 12345), sizeof buf);
	for (char c : buf)
		assert_int_equal(c, 0);
	memset(buf, 'x', sizeof buf);
	assert_int_equal(pread_(fd, buf, 10, int64_t(four_g) - 9), 10);
	for (int i = 0; i < 9; ++i)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[9], 'Z');
	// Reads stop at the end of file.
	assert_int_equal(pread_(fd, buf, 10, int64_t(four_g)), 1);
	assert_int_equal(pread_(fd, buf, 10, int64_t(four_g) + 1), 0);
	assert_int_equal(pread_(fd, buf, 10, int64_t(four_g) * 2), 0);
	// SEEK_DATA_/SEEK_HOLE_ see the page-granular layout.
	assert_int_equal(rc(f(fd)->lseek(0, SEEK_DATA_)), int64_t(four_g));
	assert_int_equal(rc(f(fd)->lseek(0, SEEK_HOLE_)), 0);
	assert_int_equal(rc(f(fd)->lseek(int64_t(four_g), SEEK_HOLE_)), int64_t(four_g + 1));
	assert_int_equal(rc(f(fd)->lseek(int64_t(four_g) + 1, SEEK_DATA_)), -ENXIO);
	// lseek past the end and write: the gap is a hole.
	assert_int_equal(rc(f(fd)->lseek(100, SEEK_END_)), int64_t(four_g + 101));
	assert_int_equal(write_(fd, "E"), 1);
	assert_int_equal(st("/tmp/sparse").stx_size, four_g + 102);
	assert_int_equal(pread_(fd, buf, 3, int64_t(four_g) + 99), 3);
	assert_memory_equal(buf, "\0\0E", 3);
	close_(fd);
}

// RLIMIT_FSIZE (Linux's write and inode_newsize_ok rules): a write crossing the limit is cut at it, one starting
// at or past it sends SIGXFSZ and fails EFBIG; shrinking is always allowed.
void test_file_size_limit_write(void **)
{
	long fd = open_("/tmp/limited", O_CREAT | O_RDWR);
	char data[8192];
	memset(data, 'l', sizeof data);
	host::set_file_size_limit(6000);
	assert_int_equal(pwrite_(fd, data, sizeof data, 0), 6000);
	assert_int_equal(host::last_signal(), 0);
	assert_int_equal(st("/tmp/limited").stx_size, 6000);
	assert_int_equal(pwrite_(fd, data, 10, 6000), -EFBIG);
	assert_int_equal(host::last_signal(), 25);
	assert_int_equal(st("/tmp/limited").stx_size, 6000);
	host::set_file_size_limit(UINT64_MAX);
	assert_int_equal(pwrite_(fd, data, sizeof data, 6000), (long)sizeof data);
	close_(fd);
}

// Growing a file past RLIMIT_FSIZE by truncate (also what fallocate does here) sends SIGXFSZ and fails EFBIG.
void test_file_size_limit_truncate(void **)
{
	long fd = open_("/tmp/limited", O_CREAT | O_RDWR);
	host::set_file_size_limit(6000);
	assert_int_equal(rc(f(fd)->truncate(6000)), 0);
	assert_int_equal(host::last_signal(), 0);
	assert_int_equal(rc(f(fd)->truncate(6001)), -EFBIG);
	assert_int_equal(host::last_signal(), 25);
	assert_int_equal(st("/tmp/limited").stx_size, 6000);
	assert_int_equal(rc(f(fd)->truncate(100)), 0);
	assert_int_equal(st("/tmp/limited").stx_size, 100);
	close_(fd);
}

void test_truncate(void **)
{
	long fd = open_("/tmp/tr", O_CREAT | O_RDWR);
	char data[6000];
	memset(data, 'd', sizeof data);
	assert_int_equal(pwrite_(fd, data, sizeof data, 0), sizeof data);
	// Shrink into the middle of a page, then grow again: the cut part reads as zeros, not old data.
	assert_int_equal(rc(f(fd)->truncate(4100)), 0);
	assert_int_equal(st("/tmp/tr").stx_size, 4100);
	assert_int_equal(rc(f(fd)->truncate(8000)), 0);
	char buf[8000];
	assert_int_equal(pread_(fd, buf, sizeof buf, 0), 8000);
	for (int i = 0; i < 4100; ++i)
		assert_int_equal(buf[i], 'd');
	for (int i = 4100; i < 8000; ++i)
		assert_int_equal(buf[i], 0);
	assert_int_equal(rc(f(fd)->truncate(0)), 0);
	assert_int_equal(st("/tmp/tr").stx_blocks, 0);
	assert_int_equal(rc(f(fd)->truncate(-1)), -EINVAL);
	// The position is not changed by truncation; reading past the end gives 0.
	assert_int_equal(rc(f(fd)->lseek(50, SEEK_SET_)), 50);
	assert_int_equal(read_(fd, buf, 10), 0);
	close_(fd);
	// truncate(2) by path.
	assert_int_equal(rc(vfs_truncate("/tmp/tr", 10)), 0);
	assert_int_equal(st("/tmp/tr").stx_size, 10);
	assert_int_equal(rc(vfs_truncate("/tmp", 10)), -EISDIR);
	assert_int_equal(rc(vfs_truncate("/tmp/none", 10)), -ENOENT);
	assert_int_equal(rc(vfs_truncate("/tmp/tr", -1)), -EINVAL);
	assert_int_equal(rc(vfs_truncate("/dev/null", 0)), -EINVAL);
}

void test_lseek(void **)
{
	long fd = open_("/t/run.t", O_RDONLY);
	assert_int_equal(rc(f(fd)->lseek(0, SEEK_END_)), 513);
	assert_int_equal(rc(f(fd)->lseek(-13, SEEK_CUR_)), 500);
	assert_int_equal(rc(f(fd)->lseek(-501, SEEK_CUR_)), -EINVAL);
	assert_int_equal(f(fd)->position(), 500); // unchanged by the failed seek
	assert_int_equal(rc(f(fd)->lseek(0, 7)), -EINVAL);
	assert_int_equal(rc(f(fd)->lseek(INT64_MAX, SEEK_CUR_)), -EINVAL); // overflow
	assert_int_equal(rc(f(fd)->lseek(-1, SEEK_SET_)), -EINVAL);
	unsigned char c;
	assert_int_equal(rc(f(fd)->lseek(255, SEEK_SET_)), 255);
	assert_int_equal(read_(fd, &c, 1), 1);
	assert_int_equal(c, 255);
	assert_int_equal(f(fd)->position(), 256);
	// pread neither uses nor moves the position.
	assert_int_equal(pread_(fd, &c, 1, 3), 1);
	assert_int_equal(c, 3);
	assert_int_equal(f(fd)->position(), 256);
	assert_int_equal(pread_(fd, &c, 1, -1), -EINVAL);
	close_(fd);
}

// ---- unlink while open, links -------------------------------------------------------------------------------

void test_unlink_while_open(void **)
{
	long fd = open_("/tmp/gone", O_CREAT | O_RDWR);
	assert_int_equal(write_(fd, "still here"), 10);
	uint64_t live = Inode::live_count();
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/gone", 0)), 0);
	assert_int_equal(stat_rc("/tmp/gone"), -ENOENT);
	assert_int_equal(open_("/tmp/gone", O_RDONLY), -ENOENT);
	// The open file still reads and writes; fstat says it has no links.
	char buf[32];
	assert_int_equal(pread_(fd, buf, sizeof buf, 0), 10);
	assert_memory_equal(buf, "still here", 10);
	assert_int_equal(write_(fd, "!"), 1);
	Statx s;
	assert_int_equal(rc(f(fd)->statx(s)), 0);
	assert_int_equal(s.stx_nlink, 0);
	assert_int_equal(s.stx_size, 11);
	// A new file of the same name is a different file.
	long fd2 = open_("/tmp/gone", O_CREAT | O_RDWR);
	assert_int_equal(pread_(fd2, buf, sizeof buf, 0), 0);
	close_(fd2);
	// A dup keeps it alive too; the last close frees the inode.
	long dup = rc(table->dup(int(fd)));
	close_(fd);
	assert_int_equal(pread_(dup, buf, 5, 0), 5);
	assert_int_equal(Inode::live_count(), live + 1);
	close_(dup);
	assert_int_equal(Inode::live_count(), live);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/gone", 0)), 0);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/gone", 0)), -ENOENT);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp", 0)), -EISDIR);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/", 0)), -EISDIR);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/t/hello.txt/", 0)), -ENOTDIR);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/t/missing/", 0)), -ENOENT);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, ".", 0)), -EISDIR);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/x", 0x1)), -EINVAL);
}

void test_hard_links(void **)
{
	// From the initrd: t/hard names the first t/hello.txt... which the later member replaced, so they differ.
	Statx h = st("/t/hard");
	assert_int_equal(h.stx_nlink, 1);
	long fd = open_("/tmp/orig", O_CREAT | O_RDWR);
	write_(fd, "shared");
	assert_int_equal(rc(vfs_linkat(AT_FDCWD, "/tmp/orig", AT_FDCWD, "/tmp/second", 0)), 0);
	assert_int_equal(st("/tmp/orig").stx_nlink, 2);
	assert_int_equal(st("/tmp/second").stx_ino, st("/tmp/orig").stx_ino);
	assert_int_equal(rc(vfs_linkat(AT_FDCWD, "/tmp/orig", AT_FDCWD, "/tmp/second", 0)), -EEXIST);
	assert_int_equal(rc(vfs_linkat(AT_FDCWD, "/tmp", AT_FDCWD, "/tmp/dirlink", 0)), -EPERM);
	assert_int_equal(rc(vfs_linkat(AT_FDCWD, "/tmp/none", AT_FDCWD, "/tmp/x", 0)), -ENOENT);
	assert_int_equal(rc(vfs_linkat(AT_FDCWD, "/tmp/orig", AT_FDCWD, "/none/x", 0)), -ENOENT);
	assert_int_equal(rc(vfs_linkat(AT_FDCWD, "/tmp/orig", AT_FDCWD, "/tmp/x/", 0)), -ENOENT);
	assert_int_equal(rc(vfs_linkat(AT_FDCWD, "/tmp/orig", AT_FDCWD, "/tmp/x", 0x8)), -EINVAL);
	// Writes through one name are seen through the other; unlinking one keeps the other.
	char buf[16];
	assert_int_equal(slurp("/tmp/second", buf, sizeof buf), 6);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/orig", 0)), 0);
	assert_int_equal(st("/tmp/second").stx_nlink, 1);
	assert_int_equal(slurp("/tmp/second", buf, sizeof buf), 6);
	// linkat(fd, "", AT_EMPTY_PATH) names an open file again; not once it has no links left.
	assert_int_equal(rc(vfs_linkat(int(fd), "", AT_FDCWD, "/tmp/third", AT_EMPTY_PATH)), 0);
	assert_int_equal(st("/tmp/third").stx_nlink, 2);
	assert_int_equal(rc(vfs_linkat(int(fd), "", AT_FDCWD, "/tmp/x", 0)), -ENOENT);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/second", 0)), 0);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/third", 0)), 0);
	assert_int_equal(rc(vfs_linkat(int(fd), "", AT_FDCWD, "/tmp/fourth", AT_EMPTY_PATH)), -ENOENT);
	close_(fd);
	// A link to a symlink links the symlink unless AT_SYMLINK_FOLLOW.
	assert_int_equal(rc(vfs_linkat(AT_FDCWD, "/t/link", AT_FDCWD, "/tmp/l1", 0)), 0);
	assert_int_equal(st("/tmp/l1", AT_SYMLINK_NOFOLLOW).stx_mode & S_IFMT_, S_IFLNK_);
	assert_int_equal(rc(vfs_linkat(AT_FDCWD, "/t/link", AT_FDCWD, "/tmp/l2", AT_SYMLINK_FOLLOW)), 0);
	assert_int_equal(st("/tmp/l2", AT_SYMLINK_NOFOLLOW).stx_ino, st("/t/hello.txt").stx_ino);
}

// ---- rename -------------------------------------------------------------------------------------------------

long ren(const char *a, const char *b, uint32_t flags = 0) { return rc(vfs_renameat2(AT_FDCWD, a, AT_FDCWD, b, flags)); }
long mkd(const char *p) { return rc(vfs_mkdirat(AT_FDCWD, p, 0755)); }
long touch(const char *p, const char *content = "")
{
	long fd = open_(p, O_CREAT | O_RDWR | O_TRUNC);
	if (fd < 0)
		return fd;
	write_(fd, content);
	return close_(fd);
}

void test_rename_files(void **)
{
	touch("/tmp/a", "AAA");
	touch("/tmp/b", "BB");
	uint64_t ino_a = st("/tmp/a").stx_ino;
	assert_int_equal(ren("/tmp/a", "/tmp/c"), 0);
	assert_int_equal(stat_rc("/tmp/a"), -ENOENT);
	assert_int_equal(st("/tmp/c").stx_ino, ino_a);
	// Over an existing file: replaced; an fd open on the replaced file still reads its data.
	long fd_b = open_("/tmp/b", O_RDONLY);
	assert_int_equal(ren("/tmp/c", "/tmp/b"), 0);
	char buf[8];
	assert_int_equal(slurp("/tmp/b", buf, sizeof buf), 3);
	assert_int_equal(read_(fd_b, buf, sizeof buf), 2);
	assert_memory_equal(buf, "BB", 2);
	close_(fd_b);
	// Across directories, and onto itself (nothing happens).
	assert_int_equal(ren("/tmp/b", "/t/moved"), 0);
	assert_int_equal(ren("/t/moved", "/t/moved"), 0);
	assert_int_equal(st("/t/moved").stx_ino, ino_a);
	// Two hard links of one file: success, both names stay (POSIX).
	assert_int_equal(rc(vfs_linkat(AT_FDCWD, "/t/moved", AT_FDCWD, "/t/moved2", 0)), 0);
	assert_int_equal(ren("/t/moved", "/t/moved2"), 0);
	assert_int_equal(stat_rc("/t/moved"), 0);
	assert_int_equal(stat_rc("/t/moved2"), 0);
	// Errors.
	assert_int_equal(ren("/tmp/none", "/tmp/x"), -ENOENT);
	assert_int_equal(ren("/t/moved", "/none/x"), -ENOENT);
	assert_int_equal(ren("/t/moved", "/tmp"), -EISDIR);
	assert_int_equal(ren("/t/moved", "/tmp/x/"), -ENOTDIR);
	assert_int_equal(ren("/t/moved/", "/tmp/x"), -ENOTDIR);
	assert_int_equal(ren(".", "/tmp/x"), -EBUSY);
	assert_int_equal(ren("/t/moved", "."), -EBUSY);
	assert_int_equal(ren("/t/moved", ".", RENAME_NOREPLACE_), -EEXIST);
	assert_int_equal(ren("/", "/tmp/x"), -EBUSY);
}

void test_rename_directories(void **)
{
	assert_int_equal(mkd("/tmp/d1"), 0);
	touch("/tmp/d1/f", "x");
	assert_int_equal(mkd("/tmp/d2"), 0);
	assert_int_equal(mkd("/tmp/full"), 0);
	touch("/tmp/full/f");
	touch("/tmp/file");
	assert_int_equal(ren("/tmp/d1", "/tmp/full"), -ENOTEMPTY);
	assert_int_equal(ren("/tmp/d1", "/tmp/file"), -ENOTDIR);
	assert_int_equal(ren("/tmp/d1", "/tmp/d1/sub"), -EINVAL);   // into itself
	assert_int_equal(mkd("/tmp/d1/sub"), 0);
	assert_int_equal(ren("/tmp/d1", "/tmp/d1/sub/deeper"), -EINVAL);
	// Over an empty directory: replaced; ".." of the moved directory follows it.
	long old_d2 = open_("/tmp/d2", O_RDONLY | O_DIRECTORY);
	assert_int_equal(ren("/tmp/d1", "/tmp/d2/"), 0);
	char buf[4];
	assert_int_equal(slurp("/tmp/d2/f", buf, sizeof buf), 1);
	assert_int_equal(stat_rc("/tmp/d1"), -ENOENT);
	assert_int_equal(ren("/tmp/d2", "/t/d3"), 0);
	assert_int_equal(st("/t/d3/sub/../..").stx_ino, st("/t").stx_ino);
	// The replaced directory is dead: nothing can be created in it through the old fd.
	assert_int_equal(rc(vfs_openat(int(old_d2), "new", O_CREAT | O_RDWR, 0644)), -ENOENT);
	assert_int_equal(rc(vfs_mkdirat(int(old_d2), "new", 0755)), -ENOENT);
	Statx s;
	assert_int_equal(rc(f(old_d2)->statx(s)), 0);
	assert_int_equal(s.stx_nlink, 0);
	close_(old_d2);
	// Directory link counts: 2 + subdirectories.
	assert_int_equal(st("/t/d3").stx_nlink, 3);
}

void test_rename_flags(void **)
{
	touch("/tmp/x", "X");
	touch("/tmp/y", "YY");
	assert_int_equal(ren("/tmp/x", "/tmp/y", RENAME_NOREPLACE_), -EEXIST);
	assert_int_equal(ren("/tmp/x", "/tmp/z", RENAME_NOREPLACE_), 0);
	assert_int_equal(ren("/tmp/z", "/tmp/x", RENAME_NOREPLACE_ | RENAME_EXCHANGE_), -EINVAL);
	assert_int_equal(ren("/tmp/z", "/tmp/x", RENAME_WHITEOUT_), -EINVAL);
	assert_int_equal(ren("/tmp/z", "/tmp/x", 0x80), -EINVAL);
	assert_int_equal(ren("/tmp/z", "/tmp/none", RENAME_EXCHANGE_), -ENOENT);
	// EXCHANGE swaps the two names atomically, also a file with a directory.
	assert_int_equal(ren("/tmp/z", "/tmp/y", RENAME_EXCHANGE_), 0);
	char buf[4];
	assert_int_equal(slurp("/tmp/y", buf, sizeof buf), 1);
	assert_int_equal(slurp("/tmp/z", buf, sizeof buf), 2);
	assert_int_equal(mkd("/tmp/dir"), 0);
	touch("/tmp/dir/inside");
	assert_int_equal(ren("/tmp/y", "/tmp/dir", RENAME_EXCHANGE_), 0);
	assert_int_equal(st("/tmp/y").stx_mode & S_IFMT_, S_IFDIR_);
	assert_int_equal(stat_rc("/tmp/y/inside"), 0);
	assert_int_equal(st("/tmp/dir").stx_mode & S_IFMT_, S_IFREG_);
	assert_int_equal(ren("/tmp/y", "/tmp/y/inside", RENAME_EXCHANGE_), -EINVAL);
}

// ---- directories --------------------------------------------------------------------------------------------

void test_mkdir_rmdir(void **)
{
	assert_int_equal(mkd("/tmp/d"), 0);
	assert_int_equal(st("/tmp/d").stx_mode, S_IFDIR_ | 0755);
	assert_int_equal(st("/tmp/d").stx_nlink, 2);
	assert_int_equal(mkd("/tmp/d"), -EEXIST);
	assert_int_equal(mkd("/tmp/d/"), -EEXIST);
	assert_int_equal(mkd("/tmp/e/"), 0); // a trailing slash is fine for mkdir
	assert_int_equal(mkd("/tmp/none/x"), -ENOENT);
	assert_int_equal(mkd("/t/hello.txt/x"), -ENOTDIR);
	assert_int_equal(mkd("/t/hello.txt"), -EEXIST);
	assert_int_equal(mkd("/"), -EEXIST);
	assert_int_equal(mkd("."), -EEXIST);
	assert_int_equal(mkd(".."), -EEXIST);
	assert_int_equal(mkd("/tmp/d/sub"), 0);
	assert_int_equal(st("/tmp/d").stx_nlink, 3);
	auto rmd = [](const char *p) { return rc(vfs_unlinkat(AT_FDCWD, p, AT_REMOVEDIR)); };
	assert_int_equal(rmd("/tmp/d"), -ENOTEMPTY);
	assert_int_equal(rmd("/tmp/d/sub/."), -EINVAL);
	assert_int_equal(rmd("/tmp/d/sub/.."), -ENOTEMPTY);
	assert_int_equal(rmd("/"), -EBUSY);
	assert_int_equal(rmd("/t/hello.txt"), -ENOTDIR);
	assert_int_equal(rmd("/tmp/none"), -ENOENT);
	assert_int_equal(rmd("/tmp/d/sub/"), 0);
	assert_int_equal(st("/tmp/d").stx_nlink, 2);
	// A removed cwd: getcwd says ENOENT, creating inside fails, ".." still leads out.
	assert_int_equal(rc(vfs_chdir("/tmp/d")), 0);
	char cwd[64];
	assert_int_equal(rc(vfs_getcwd(cwd, sizeof cwd)), 7);
	assert_string_equal(cwd, "/tmp/d");
	assert_int_equal(rmd("/tmp/d"), 0);
	assert_int_equal(rc(vfs_getcwd(cwd, sizeof cwd)), -ENOENT);
	assert_int_equal(open_("new", O_CREAT | O_RDWR), -ENOENT);
	assert_int_equal(mkd("new"), -ENOENT);
	assert_int_equal(rc(vfs_chdir("..")), 0);
	assert_int_equal(rc(vfs_getcwd(cwd, sizeof cwd)), 5);
	assert_string_equal(cwd, "/tmp");
}

void test_chdir_getcwd(void **)
{
	char cwd[64];
	assert_int_equal(rc(vfs_getcwd(cwd, sizeof cwd)), 2);
	assert_string_equal(cwd, "/");
	assert_int_equal(rc(vfs_chdir("t")), 0);
	assert_int_equal(rc(vfs_getcwd(cwd, sizeof cwd)), 3);
	assert_string_equal(cwd, "/t");
	assert_int_equal(rc(vfs_getcwd(cwd, 3)), 3);
	assert_int_equal(rc(vfs_getcwd(cwd, 2)), -ERANGE);
	char buf[16];
	assert_int_equal(slurp("hello.txt", buf, sizeof buf), 9);
	assert_int_equal(rc(vfs_chdir("hello.txt")), -ENOTDIR);
	assert_int_equal(rc(vfs_chdir("nope")), -ENOENT);
	long fd = open_("/etc", O_RDONLY | O_DIRECTORY);
	assert_int_equal(rc(vfs_fchdir(int(fd))), 0);
	assert_int_equal(slurp("tests", buf, sizeof buf), 7);
	long file = open_("tests", O_RDONLY);
	assert_int_equal(rc(vfs_fchdir(int(file))), -ENOTDIR);
	assert_int_equal(rc(vfs_fchdir(900)), -EBADF);
	close_(fd);
	close_(file);
	assert_int_equal(rc(vfs_faccessat(AT_FDCWD, "tests", 4, 0)), 0);
	assert_int_equal(rc(vfs_faccessat(AT_FDCWD, "nope", 0, 0)), -ENOENT);
	assert_int_equal(rc(vfs_faccessat(AT_FDCWD, "tests", 8, 0)), -EINVAL);
}

void test_getdents(void **)
{
	assert_int_equal(mkd("/tmp/g"), 0);
	touch("/tmp/g/one");
	assert_int_equal(mkd("/tmp/g/two"), 0);
	assert_int_equal(rc(vfs_symlinkat("one", AT_FDCWD, "/tmp/g/three")), 0);
	long fd = open_("/tmp/g", O_RDONLY | O_DIRECTORY);
	alignas(8) char buf[512];
	long n = rc(f(fd)->getdents(IoBuffer::kernel(buf, sizeof buf)));
	assert_true(n > 0);
	const char *names[8];
	uint8_t types[8];
	uint64_t inos[8];
	int count = 0;
	for (long at = 0; at < n;) {
		Dirent64 *d = reinterpret_cast<Dirent64 *>(buf + at);
		assert_int_equal(d->d_reclen % 8, 0);
		names[count] = d->d_name;
		types[count] = d->d_type;
		inos[count] = d->d_ino;
		++count;
		at += d->d_reclen;
	}
	assert_int_equal(count, 5);
	assert_string_equal(names[0], ".");
	assert_string_equal(names[1], "..");
	assert_string_equal(names[2], "one");
	assert_string_equal(names[3], "two");
	assert_string_equal(names[4], "three");
	assert_int_equal(types[0], DT_DIR_);
	assert_int_equal(types[2], DT_REG_);
	assert_int_equal(types[3], DT_DIR_);
	assert_int_equal(types[4], DT_LNK_);
	assert_int_equal(inos[0], st("/tmp/g").stx_ino);
	assert_int_equal(inos[1], st("/tmp").stx_ino);
	assert_int_equal(inos[2], st("/tmp/g/one").stx_ino);
	// At the end: 0. After a rewind: again; a buffer too small for one record: EINVAL.
	assert_int_equal(rc(f(fd)->getdents(IoBuffer::kernel(buf, sizeof buf))), 0);
	assert_int_equal(rc(f(fd)->lseek(0, SEEK_SET_)), 0);
	assert_int_equal(rc(f(fd)->getdents(IoBuffer::kernel(buf, 10))), -EINVAL);
	// One record at a time (24 bytes for "." fits, "one" needs 24 too); an entry removed meanwhile is skipped.
	assert_int_equal(rc(f(fd)->getdents(IoBuffer::kernel(buf, 24))), 24);
	assert_int_equal(rc(f(fd)->getdents(IoBuffer::kernel(buf, 24))), 24);
	assert_int_equal(rc(vfs_unlinkat(AT_FDCWD, "/tmp/g/one", 0)), 0);
	assert_int_equal(rc(f(fd)->getdents(IoBuffer::kernel(buf, 24))), 24);
	assert_string_equal(reinterpret_cast<Dirent64 *>(buf)->d_name, "two");
	close_(fd);
	// getdents on a file: ENOTDIR.
	fd = open_("/t/hello.txt", O_RDONLY);
	assert_int_equal(rc(f(fd)->getdents(IoBuffer::kernel(buf, sizeof buf))), -ENOTDIR);
	close_(fd);
}

// ---- statx --------------------------------------------------------------------------------------------------

void test_statx_fields(void **)
{
	uint64_t before = now_ns(0);
	long fd = open_("/tmp/s", O_CREAT | O_RDWR, 0640);
	Statx s = st("/tmp/s");
	assert_true((s.stx_mask & STATX_BASIC_STATS_) == STATX_BASIC_STATS_);
	assert_int_equal(s.stx_mode, S_IFREG_ | 0640);
	assert_int_equal(s.stx_blksize, 4096);
	assert_int_equal(s.stx_size, 0);
	assert_int_equal(s.stx_blocks, 0);
	assert_int_equal(s.stx_uid, 0);
	uint64_t t = uint64_t(s.stx_mtime.tv_sec) * 1000000000u + s.stx_mtime.tv_nsec;
	assert_true(t + 1000000000u >= before && t <= now_ns(0));
	assert_true(s.stx_mtime.tv_nsec < 1000000000u);
	assert_int_not_equal(s.stx_ino, st("/tmp").stx_ino);
	// A write moves mtime and ctime forward.
	struct timespec ts = {0, 2000000};
	nanosleep(&ts, nullptr);
	write_(fd, "12345");
	Statx s2 = st("/tmp/s");
	assert_true(s2.stx_mtime.tv_sec > s.stx_mtime.tv_sec ||
	            (s2.stx_mtime.tv_sec == s.stx_mtime.tv_sec && s2.stx_mtime.tv_nsec > s.stx_mtime.tv_nsec));
	assert_int_equal(s2.stx_size, 5);
	assert_int_equal(s2.stx_blocks, 8);
	// Invalid flags and mask bits; AT_EMPTY_PATH needs an empty path to mean the fd.
	Statx x;
	assert_int_equal(rc(vfs_statx(AT_FDCWD, "/tmp/s", 0x10000, STATX_BASIC_STATS_, x)), -EINVAL);
	assert_int_equal(rc(vfs_statx(AT_FDCWD, "/tmp/s", AT_STATX_FORCE_SYNC_ | AT_STATX_DONT_SYNC_, 0, x)), -EINVAL);
	assert_int_equal(rc(vfs_statx(AT_FDCWD, "/tmp/s", 0, 0x80000000u, x)), -EINVAL);
	assert_int_equal(rc(vfs_statx(AT_FDCWD, "/tmp/s", AT_STATX_DONT_SYNC_, 0, x)), 0);
	assert_int_equal(rc(vfs_statx(int(fd), "", 0, STATX_BASIC_STATS_, x)), -ENOENT);
	assert_int_equal(rc(vfs_statx(int(fd), "", AT_EMPTY_PATH, STATX_BASIC_STATS_, x)), 0);
	assert_int_equal(x.stx_ino, s.stx_ino);
	assert_int_equal(rc(vfs_statx(AT_FDCWD, "", AT_EMPTY_PATH, STATX_BASIC_STATS_, x)), 0);
	assert_int_equal(x.stx_ino, st("/").stx_ino);
	assert_int_equal(rc(vfs_statx(77, "", AT_EMPTY_PATH, STATX_BASIC_STATS_, x)), -EBADF);
	// struct stat from statx.
	Stat old;
	stat_from_statx(s2, old);
	assert_int_equal(old.st_size, 5);
	assert_int_equal(old.st_mode, S_IFREG_ | 0640);
	assert_int_equal(old.st_ino, s2.stx_ino);
	assert_int_equal(old.st_nlink, 1);
	assert_int_equal(old.st_blocks, 8);
	assert_int_equal(old.st_mtime_sec, s2.stx_mtime.tv_sec);
	close_(fd);
}

// ---- devices and the initrd ---------------------------------------------------------------------------------

void test_devices(void **)
{
	long null = open_("/dev/null", O_RDWR);
	char buf[64];
	assert_int_equal(read_(null, buf, sizeof buf), 0);
	assert_int_equal(write_(null, "into the void"), 13);
	assert_int_equal(st("/dev/null").stx_mode, S_IFCHR_ | 0666);
	assert_int_equal(st("/dev/null").stx_rdev_major, 1);
	assert_int_equal(st("/dev/null").stx_rdev_minor, 3);
	long zero = open_("/dev/zero", O_RDONLY);
	memset(buf, 'x', sizeof buf);
	assert_int_equal(read_(zero, buf, sizeof buf), 64);
	for (char c : buf)
		assert_int_equal(c, 0);
	assert_int_equal(pread_(zero, buf, 8, 1 << 20), 8);
	host::clear_console();
	long con = open_("/dev/console", O_WRONLY);
	assert_int_equal(write_(con, "to the console\n"), 15);
	assert_string_equal(host::console_output(), "to the console\n");
	assert_int_equal(pwrite_(con, "x", 1, 0), -ESPIPE);
	assert_int_equal(rc(f(con)->lseek(0, SEEK_SET_)), -ESPIPE);
	assert_int_equal(open_("/dev/null", O_RDWR | O_CREAT | O_EXCL), -EEXIST);
	assert_int_equal(open_("/dev/null", O_RDWR | O_TRUNC), null + 3); // O_TRUNC is ignored on devices
	close_(null + 3);
	close_(null);
	close_(zero);
	close_(con);
	assert_int_equal(st("/tmp").stx_mode, S_IFDIR_ | 01777);
}

void test_initrd_contents(void **)
{
	char buf[600];
	assert_int_equal(slurp("/etc/tests", buf, sizeof buf), 7);
	assert_string_equal(buf, "nop 10\n");
	Statx s = st("/t/run.t");
	assert_int_equal(s.stx_mode, S_IFREG_ | 0755);
	assert_int_equal(s.stx_size, 513);
	long fd = open_("/t/run.t", O_RDWR);
	assert_int_equal(read_(fd, buf, sizeof buf), 513);
	for (int i = 0; i < 512; ++i)
		assert_int_equal((unsigned char)buf[i], i & 0xff);
	// Writing an initrd file copies the page: the archive itself (read-only memory here) is never written,
	// and bytes around the write keep their initrd values.
	assert_int_equal(pwrite_(fd, "AB", 2, 100), 2);
	assert_int_equal(pread_(fd, buf, 513, 0), 513);
	assert_int_equal((unsigned char)buf[99], 99);
	assert_memory_equal(buf + 100, "AB", 2);
	assert_int_equal((unsigned char)buf[102], 102);
	assert_int_equal(buf[512], 'x');
	// Truncating below the initrd size and growing again gives zeros, not initrd bytes.
	assert_int_equal(rc(f(fd)->truncate(10)), 0);
	assert_int_equal(rc(f(fd)->truncate(513)), 0);
	assert_int_equal(pread_(fd, buf, 513, 0), 513);
	assert_int_equal((unsigned char)buf[9], 9);
	for (int i = 10; i < 513; ++i)
		assert_int_equal(buf[i], 0);
	close_(fd);
	// An untouched initrd file in another test run still has the archive's bytes (re-mounted per test).
	assert_int_equal(st("/t/block").stx_blocks, 8);
	assert_int_equal(stat_rc("/fifo"), -ENOENT); // fifos in the archive are skipped
}

void test_initrd_malformed(void **)
{
	// A damaged archive: vfs_init reports EINVAL.
	static unsigned char bad[sizeof fixture_basic];
	memcpy(bad, fixture_basic, sizeof bad);
	bad[600] ^= 0xff; // inside the second header
	assert_int_equal(rc(vfs_init(bad, sizeof bad)), -EINVAL);
	assert_int_equal(rc(vfs_init(nullptr, 0)), 0);
	assert_int_equal(stat_rc("/dev/null"), 0);
	assert_int_equal(stat_rc("/t"), -ENOENT);
	assert_true(vfs_init(fixture_basic, sizeof fixture_basic).ok());
}

// ---- faults -------------------------------------------------------------------------------------------------

void test_user_buffer_faults(void **)
{
	long fd = open_("/tmp/u", O_CREAT | O_RDWR);
	static char src[8192];
	memset(src, 's', sizeof src);
	// Writing from a user buffer whose second page faults: the first page's bytes are written.
	// A "page" boundary of the user buffer: the first 4096-aligned address inside src.
	uint64_t page = (uint64_t(src) + 4095) & ~uint64_t(4095);
	host::arm_fault(page, 16);
	auto w = f(fd)->write(IoBuffer::user(page - 100, 200));
	assert_true(w.ok());
	assert_int_equal(w.value(), 100); // the bytes before the faulting page
	size_t written = w.value();
	auto w2 = f(fd)->write(IoBuffer::user(page, 10));
	assert_int_equal(rc(w2), -EFAULT);
	assert_int_equal(st("/tmp/u").stx_size, written);
	// Reading into a faulting buffer: EFAULT when nothing could be copied.
	assert_int_equal(rc(f(fd)->pread(IoBuffer::user(page, 10), 0)), -EFAULT);
	// ...and the bytes before the fault when some could.
	assert_int_equal(rc(f(fd)->pread(IoBuffer::user(page - 30, 60), 0)), 30);
	host::disarm_faults();
	assert_int_equal(rc(f(fd)->pread(IoBuffer::user(page, 10), 0)), 10);
	// The first page of the address space always faults on the host platform (a null pointer).
	assert_int_equal(rc(f(fd)->write(IoBuffer::user(16, 4))), -EFAULT);
	char path[16];
	assert_int_equal(rc(copy_path_from_user(path, 0)), -EFAULT);
	assert_int_equal(rc(copy_path_from_user(path, uint64_t("/tmp"))), 4);
	close_(fd);
}

} // namespace

int main()
{
	const CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_create_excl_trunc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_flags_and_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_directories, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_dots_and_slashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_dirfd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_name_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_pwrite_at_4gib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_size_limit_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_size_limit_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lseek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_while_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hard_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_directories, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_rmdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chdir_getcwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getdents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statx_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_buffer_faults, setup, teardown),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
