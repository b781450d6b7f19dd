// File and path opcodes: Lseek (64-bit results through extended CQEs), Dup, the sync family, Statx, Ftruncate,
// Fallocate, Fadvise, the *At path operations and xattrs, each with its error path.
#include "rp_test.h"
#include "hosted_test.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

using namespace hosted_test;

static rp_sqe fd_sqe(uint8_t op, int fd, uint64_t ud)
{
	rp_sqe s = sqe(op, ud);
	s.fd = uint64_t(int64_t(fd));
	return s;
}

static void test_lseek_extended(void**)
{
	TestRing r;
	TempFile f;
	rp_sqe s = fd_sqe(RP_OP_LSEEK, f.fd, 1);
	s.offset = uint64_t(1) << 40;
	s.syscall_flags = SEEK_SET;
	Completion c = r.run(s);
	assert_int_equal(c.result, int64_t(1) << 40);
	assert_true(c.flags & RP_CQE_EXTENDED);
	// Write a byte there (sparse file), then SEEK_END reports 2^40 + 1, SEEK_DATA finds it.
	assert_int_equal(r.result(rw(RP_OP_WRITE, f.fd, "x", 1, 0, 2)), 1);
	s.offset = 0;
	s.syscall_flags = SEEK_END;
	assert_int_equal(r.result(s), (int64_t(1) << 40) + 1);
	s.syscall_flags = SEEK_DATA;
	assert_int_equal(r.result(s), int64_t(1) << 40);
	// Small results are plain CQEs.
	s.syscall_flags = SEEK_SET;
	s.offset = 5;
	c = r.run(s);
	assert_int_equal(c.result, 5);
	assert_int_equal(c.flags, 0);
	// Errors.
	s.offset = uint64_t(-1);
	assert_int_equal(r.result(s), -EINVAL);
	s.syscall_flags = 99;
	s.offset = 0;
	assert_int_equal(r.result(s), -EINVAL);
	int p[2];
	assert_int_equal(pipe(p), 0);
	s = fd_sqe(RP_OP_LSEEK, p[0], 3);
	assert_int_equal(r.result(s), -ESPIPE);
	close(p[0]);
	close(p[1]);
	s.fd = 4000;
	assert_int_equal(r.result(s), -EBADF);
}

static void test_extended_pair_wraps_ring_end(void**)
{
	// A 2-slot... 4-slot CQ: NOP fills slot 0..2, then an extended pair must wrap from slot 3 to slot 0.
	TestRing r(8, 4);
	TempFile f;
	for (int round = 0; round < 3; ++round) {
		r.push(sqe(RP_OP_NOP, 10));
		rp_sqe s = fd_sqe(RP_OP_LSEEK, f.fd, 11);
		s.offset = uint64_t(3) << 33;
		r.push(s);
		assert_int_equal(r.enter(2), 2);
		Completion a = r.wait(), b = r.wait();
		assert_int_equal(a.user_data, 10);
		assert_int_equal(b.user_data, 11);
		assert_int_equal(b.result, int64_t(3) << 33);
	}
}

static void test_dup(void**)
{
	TestRing r;
	TempFile f;
	rp_sqe s = fd_sqe(RP_OP_DUP, f.fd, 1);
	s.offset = UINT64_MAX;
	int64_t d = r.result(s);
	assert_true(d >= 0 && d != f.fd);
	assert_int_equal(fcntl(int(d), F_GETFD) & FD_CLOEXEC, 0);
	close(int(d));
	s.syscall_flags = O_CLOEXEC;
	d = r.result(s);
	assert_int_equal(fcntl(int(d), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(int(d));
	s.offset = 900; // a chosen target
	assert_int_equal(r.result(s), 900);
	close(900);
	s.offset = uint64_t(f.fd);
	assert_int_equal(r.result(s), -EINVAL); // dup3 of an fd onto itself
	s.syscall_flags = O_NONBLOCK;
	assert_int_equal(r.result(s), -EINVAL);
	s = fd_sqe(RP_OP_DUP, 3999, 2);
	s.offset = UINT64_MAX;
	assert_int_equal(r.result(s), -EBADF);
}

static void test_sync_truncate_allocate_advise(void**)
{
	TestRing r;
	TempFile f;
	assert_int_equal(r.result(rw(RP_OP_PWRITE, f.fd, "abcdef", 6, 0, 1)), 6);
	assert_int_equal(r.result(fd_sqe(RP_OP_FSYNC, f.fd, 2)), 0);
	assert_int_equal(r.result(fd_sqe(RP_OP_FDATASYNC, f.fd, 3)), 0);
	rp_sqe s = fd_sqe(RP_OP_SYNC_RANGE, f.fd, 4);
	s.len = 6;
	s.syscall_flags = SYNC_FILE_RANGE_WRITE;
	assert_int_equal(r.result(s), 0);
	s.syscall_flags = 0x100;
	assert_int_equal(r.result(s), -EINVAL);
	s = fd_sqe(RP_OP_FTRUNCATE, f.fd, 5);
	s.offset = 3;
	assert_int_equal(r.result(s), 0);
	struct stat st;
	fstat(f.fd, &st);
	assert_int_equal(st.st_size, 3);
	s.offset = uint64_t(-5);
	assert_int_equal(r.result(s), -EINVAL);
	s = fd_sqe(RP_OP_FALLOCATE, f.fd, 6);
	s.offset = 0;
	s.len = 1 << 20;
	assert_int_equal(r.result(s), 0);
	fstat(f.fd, &st);
	assert_int_equal(st.st_size, 1 << 20);
	s.syscall_flags = FALLOC_FL_PUNCH_HOLE; // without KEEP_SIZE: refused
	assert_int_equal(r.result(s), -EOPNOTSUPP);
	s = fd_sqe(RP_OP_FADVISE, f.fd, 7);
	s.syscall_flags = POSIX_FADV_SEQUENTIAL;
	assert_int_equal(r.result(s), 0);
	s.syscall_flags = POSIX_FADV_WILLNEED;
	assert_int_equal(r.result(s), 0);
	s.syscall_flags = 77;
	assert_int_equal(r.result(s), -EINVAL);
	for (uint8_t op : {uint8_t(RP_OP_FSYNC), uint8_t(RP_OP_FDATASYNC), uint8_t(RP_OP_FTRUNCATE), uint8_t(RP_OP_FALLOCATE)}) {
		rp_sqe bad = fd_sqe(op, 3998, 8);
		bad.len = 1;
		assert_int_equal(r.result(bad), -EBADF);
	}
}

static void test_statx(void**)
{
	TestRing r;
	TempFile f;
	assert_int_equal(write(f.fd, "12345", 5), 5);
	struct statx stx;
	memset(&stx, 0, sizeof stx);
	rp_sqe s = fd_sqe(RP_OP_STATX, AT_FDCWD, 1);
	s.addr = uint64_t(uintptr_t(f.path));
	s.len = STATX_BASIC_STATS;
	s.additional1 = uint64_t(uintptr_t(&stx));
	assert_int_equal(r.result(s), 0);
	assert_int_equal(stx.stx_size, 5);
	assert_true(S_ISREG(stx.stx_mode));
	// On an fd with an empty path.
	memset(&stx, 0, sizeof stx);
	s = fd_sqe(RP_OP_STATX, f.fd, 2);
	s.addr = uint64_t(uintptr_t(""));
	s.syscall_flags = AT_EMPTY_PATH;
	s.len = STATX_SIZE;
	s.additional1 = uint64_t(uintptr_t(&stx));
	assert_int_equal(r.result(s), 0);
	assert_int_equal(stx.stx_size, 5);
	// Errors: missing file, bad path pointer, bad output pointer.
	s = fd_sqe(RP_OP_STATX, AT_FDCWD, 3);
	s.addr = uint64_t(uintptr_t("/nonexistent"));
	s.additional1 = uint64_t(uintptr_t(&stx));
	assert_int_equal(r.result(s), -ENOENT);
	s.addr = 16;
	assert_int_equal(r.result(s), -EFAULT);
	s.addr = uint64_t(uintptr_t(f.path));
	s.additional1 = 16;
	assert_int_equal(r.result(s), -EFAULT);
}

static void test_path_ops(void**)
{
	TestRing r;
	char dir[64], a[96], b[96], link[96];
	snprintf(dir, sizeof dir, "/tmp/rp-path-%d", getpid());
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	snprintf(link, sizeof link, "%s/l", dir);
	rp_sqe s = fd_sqe(RP_OP_MKDIRAT, AT_FDCWD, 1);
	s.addr = uint64_t(uintptr_t(dir));
	s.offset = 0700;
	assert_int_equal(r.result(s), 0);
	assert_int_equal(r.result(s), -EEXIST);
	int fd = open(a, O_CREAT | O_WRONLY, 0600);
	close(fd);
	// RenameAt a -> b.
	s = fd_sqe(RP_OP_RENAMEAT, AT_FDCWD, 2);
	s.addr = uint64_t(uintptr_t(a));
	s.additional1 = uint64_t(int64_t(AT_FDCWD));
	s.additional2 = uint64_t(uintptr_t(b));
	assert_int_equal(r.result(s), 0);
	assert_int_equal(access(b, F_OK), 0);
	assert_int_equal(r.result(s), -ENOENT);
	// LinkAt b -> a, then RENAME_NOREPLACE onto an existing name fails.
	s = fd_sqe(RP_OP_LINKAT, AT_FDCWD, 3);
	s.addr = uint64_t(uintptr_t(b));
	s.additional1 = uint64_t(int64_t(AT_FDCWD));
	s.additional2 = uint64_t(uintptr_t(a));
	assert_int_equal(r.result(s), 0);
	s = fd_sqe(RP_OP_RENAMEAT, AT_FDCWD, 4);
	s.addr = uint64_t(uintptr_t(a));
	s.additional1 = uint64_t(int64_t(AT_FDCWD));
	s.additional2 = uint64_t(uintptr_t(b));
	s.syscall_flags = RENAME_NOREPLACE;
	assert_int_equal(r.result(s), -EEXIST);
	// SymlinkAt.
	s = fd_sqe(RP_OP_SYMLINKAT, AT_FDCWD, 5);
	s.addr = uint64_t(uintptr_t("b"));
	s.additional1 = uint64_t(uintptr_t(link));
	assert_int_equal(r.result(s), 0);
	char target[16] = {};
	assert_int_equal(readlink(link, target, sizeof target), 1);
	assert_string_equal(target, "b");
	// UnlinkAt files, then the directory with AT_REMOVEDIR (refused while not empty).
	s = fd_sqe(RP_OP_UNLINKAT, AT_FDCWD, 6);
	s.addr = uint64_t(uintptr_t(dir));
	s.syscall_flags = AT_REMOVEDIR;
	assert_int_equal(r.result(s), -ENOTEMPTY);
	s.syscall_flags = 0;
	for (const char* p : {a, b, link}) {
		s.addr = uint64_t(uintptr_t(p));
		assert_int_equal(r.result(s), 0);
	}
	s.addr = uint64_t(uintptr_t(dir));
	assert_int_equal(r.result(s), -EISDIR);
	s.syscall_flags = AT_REMOVEDIR;
	assert_int_equal(r.result(s), 0);
	// Bad pointers and a bad dirfd.
	s.addr = 8;
	assert_int_equal(r.result(s), -EFAULT);
	s = fd_sqe(RP_OP_MKDIRAT, 3997, 7);
	s.addr = uint64_t(uintptr_t("rel"));
	assert_int_equal(r.result(s), -EBADF);
	s = fd_sqe(RP_OP_RENAMEAT, AT_FDCWD, 8);
	s.addr = uint64_t(uintptr_t(dir));
	s.additional1 = uint64_t(int64_t(AT_FDCWD));
	s.additional2 = 8;
	assert_int_equal(r.result(s), -EFAULT);
}

static void test_xattrs(void**)
{
	TestRing r;
	TempFile f;
	if (fsetxattr(f.fd, "user.probe", "1", 1, 0) < 0 && errno == EOPNOTSUPP)
		skip();
	rp_sqe s = fd_sqe(RP_OP_FSETXATTR, f.fd, 1);
	s.addr = uint64_t(uintptr_t("user.rp"));
	s.additional1 = uint64_t(uintptr_t("value"));
	s.len = 5;
	assert_int_equal(r.result(s), 0);
	s.syscall_flags = XATTR_CREATE;
	assert_int_equal(r.result(s), -EEXIST);
	char buf[16] = {};
	s = fd_sqe(RP_OP_FGETXATTR, f.fd, 2);
	s.addr = uint64_t(uintptr_t("user.rp"));
	s.additional1 = uint64_t(uintptr_t(buf));
	s.len = sizeof buf;
	assert_int_equal(r.result(s), 5);
	assert_string_equal(buf, "value");
	s.len = 2;
	assert_int_equal(r.result(s), -ERANGE);
	// By path.
	s = sqe(RP_OP_SETXATTR, 3);
	s.additional2 = uint64_t(uintptr_t(f.path));
	s.addr = uint64_t(uintptr_t("user.other"));
	s.additional1 = uint64_t(uintptr_t("xy"));
	s.len = 2;
	assert_int_equal(r.result(s), 0);
	memset(buf, 0, sizeof buf);
	s = sqe(RP_OP_GETXATTR, 4);
	s.additional2 = uint64_t(uintptr_t(f.path));
	s.addr = uint64_t(uintptr_t("user.other"));
	s.additional1 = uint64_t(uintptr_t(buf));
	s.len = sizeof buf;
	assert_int_equal(r.result(s), 2);
	assert_string_equal(buf, "xy");
	s.addr = uint64_t(uintptr_t("user.none"));
	assert_int_equal(r.result(s), -ENODATA);
	s.additional2 = 8;
	assert_int_equal(r.result(s), -EFAULT);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lseek_extended),
		cmocka_unit_test(test_extended_pair_wraps_ring_end),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_sync_truncate_allocate_advise),
		cmocka_unit_test(test_statx),
		cmocka_unit_test(test_path_ops),
		cmocka_unit_test(test_xattrs),
	};
	return cmocka_run_group_tests_name("hosted_fs", tests, nullptr, nullptr);
}
