/*
 * File-backed MAP_PRIVATE from the ramfs: the mapping shows the file's bytes (zeros past its end), a write to
 * the mapping stays private (the file is unchanged), an offset maps from there, a file opened write-only
 * cannot be mapped (EACCES), and MAP_SHARED of a ramfs file is refused (ENODEV: no shared page cache here).
 */
#include "smoke.h"

#define O_RDONLY 0
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_TRUNC 01000
#define ENODEV 19
#define EACCES 13

static int same(const char *a, const char *b, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (a[i] != b[i])
			return 1;
	return 0;
}

static long ring_op(uint8_t opcode, long fd, const void *addr, unsigned long len, unsigned long offset, unsigned flags)
{
	struct rp_sqe s;
	__builtin_memset(&s, 0, sizeof s);
	s.opcode = opcode;
	s.fd = (uint64_t)fd;
	s.addr = (uint64_t)(uintptr_t)addr;
	s.len = len;
	s.offset = offset;
	s.syscall_flags = flags;
	return ring_run(&s);
}

int main(long *stack)
{
	(void)stack;
	long fd = ring_op(RP_OP_OPENAT, -100, "/tmp/filemap", 0, 0644, O_RDWR | O_CREAT | O_TRUNC);
	CHECK(fd >= 0);
	CHECK(ring_op(RP_OP_PWRITE, fd, "first page", 10, 0, 0) == 10);
	CHECK(ring_op(RP_OP_PWRITE, fd, "second page", 11, 4096, 0) == 11);

	char *map = (char *)SYS6(9, 0, 3 * 4096, 3, 0x02 /* MAP_PRIVATE */, fd, 0);
	CHECK((long)map > 0);
	if ((long)map > 0) {
		CHECK(same(map, "first page", 10) == 0 && map[10] == 0);
		CHECK(same(map + 4096, "second page", 11) == 0);
		CHECK(map[4096 + 11] == 0 && map[2 * 4096] == 0); /* past the end: zeros */
		map[0] = 'F';
		char back[10];
		CHECK(ring_op(RP_OP_PREAD, fd, back, 10, 0, 0) == 10 && back[0] == 'f'); /* private */
		CHECK(SYS2(11, map, 3 * 4096) == 0);
	}
	char *second = (char *)SYS6(9, 0, 4096, 1, 0x02, fd, 4096);
	CHECK((long)second > 0 && same(second, "second page", 11) == 0);
	CHECK(SYS6(9, 0, 4096, 1, 0x01 /* MAP_SHARED */, fd, 0) == -ENODEV);
	long wronly = ring_op(RP_OP_OPENAT, -100, "/tmp/filemap", 0, 0, O_WRONLY);
	CHECK(wronly >= 0 && SYS6(9, 0, 4096, 1, 0x02, wronly, 0) == -EACCES);

	if (failures == 0)
		say("filemap: all checks passed\n");
	return failures;
}
