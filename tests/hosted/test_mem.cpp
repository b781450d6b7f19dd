// Memory opcodes: Mmap (addresses come back through extended CQEs), Munmap, Madvise.
#include "rp_test.h"
#include "hosted_test.hpp"

#include <fcntl.h>
#include <sys/mman.h>

using namespace hosted_test;

static rp_sqe mmap_sqe(uint64_t len, uint32_t flags, uint64_t prot, int fd, uint64_t off, uint64_t ud)
{
	rp_sqe s = sqe(RP_OP_MMAP, ud);
	s.len = len;
	s.syscall_flags = flags;
	s.additional1 = prot;
	s.fd = uint64_t(int64_t(fd));
	s.offset = off;
	return s;
}

static void test_mmap_4gib_prot_none(void**)
{
	TestRing r;
	const uint64_t len = uint64_t(4) << 30;
	Completion c = r.run(mmap_sqe(len, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, PROT_NONE, -1, 0, 1));
	assert_true(c.result > 0);
	assert_true(c.flags & RP_CQE_EXTENDED); // a user-space address is above 2^31
	void* p = reinterpret_cast<void*>(uintptr_t(c.result));
	// It is really there: mprotect works on its last page; then unmap it through the ring.
	assert_int_equal(mprotect(static_cast<char*>(p) + len - 4096, 4096, PROT_READ), 0);
	rp_sqe u = sqe(RP_OP_MUNMAP, 2);
	u.addr = uint64_t(uintptr_t(p));
	u.len = len;
	assert_int_equal(r.result(u), 0);
	assert_int_equal(mprotect(p, 4096, PROT_READ), -1);
	assert_int_equal(errno, ENOMEM);
}

static void test_mmap_file_and_madvise(void**)
{
	TestRing r;
	TempFile f;
	assert_int_equal(write(f.fd, "mapped!", 7), 7);
	Completion c = r.run(mmap_sqe(4096, MAP_SHARED, PROT_READ, f.fd, 0, 1));
	assert_true(c.result > 0);
	const char* p = reinterpret_cast<const char*>(uintptr_t(c.result));
	assert_memory_equal(p, "mapped!", 7);
	rp_sqe m = sqe(RP_OP_MADVISE, 2);
	m.addr = uint64_t(uintptr_t(p));
	m.len = 4096;
	m.syscall_flags = MADV_WILLNEED;
	assert_int_equal(r.result(m), 0);
	m.syscall_flags = 9999;
	assert_int_equal(r.result(m), -EINVAL);
	m.addr += 1; // unaligned
	m.syscall_flags = MADV_NORMAL;
	assert_int_equal(r.result(m), -EINVAL);
	munmap(const_cast<char*>(p), 4096);
}

static void test_mmap_errors(void**)
{
	TestRing r;
	assert_int_equal(r.result(mmap_sqe(0, MAP_PRIVATE | MAP_ANONYMOUS, PROT_READ, -1, 0, 1)), -EINVAL);
	assert_int_equal(r.result(mmap_sqe(4096, MAP_SHARED, PROT_READ, 3996, 0, 2)), -EBADF);
	assert_int_equal(r.result(mmap_sqe(4096, MAP_PRIVATE | MAP_ANONYMOUS, PROT_READ, -1, 1, 3)), -EINVAL);
	rp_sqe s = mmap_sqe(4096, MAP_SHARED, PROT_READ, 0, 0, 4);
	s.fd = uint64_t(1) << 40;
	assert_int_equal(r.result(s), -EBADF);
	rp_sqe u = sqe(RP_OP_MUNMAP, 5);
	u.addr = 12345; // unaligned
	u.len = 4096;
	assert_int_equal(r.result(u), -EINVAL);
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmap_4gib_prot_none),
		cmocka_unit_test(test_mmap_file_and_madvise),
		cmocka_unit_test(test_mmap_errors),
	};
	return cmocka_run_group_tests_name("hosted_mem", tests, nullptr, nullptr);
}
