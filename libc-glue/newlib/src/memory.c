/*
 * Memory: the heap behind malloc (sbrk), and mmap and friends.
 *
 * sbrk grows a heap in [RP_HEAP_BASE, RP_HEAP_LIMIT), below 0x20000000, the address three M1 tests pass to
 * mmap as a hint and expect to get; it maps more of that range with native Mmap SQEs (MAP_FIXED_NOREPLACE,
 * anonymous, private) as malloc asks for it, or with Linux's mmap while the kernel's ring cannot map
 * anonymous memory. mmap/munmap/mprotect/madvise/msync are the Linux system calls
 * liburing issues itself (9/11/10/28/26), so a program's own mappings of ring fds take the same path.
 */
#include "glue.h"
#include "raw_syscall.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define RP_HEAP_BASE 0x10000000ull
#define RP_HEAP_LIMIT 0x20000000ull
#define RP_HEAP_CHUNK (256ull * 1024)

static uint64_t rp_brk = RP_HEAP_BASE;        /* the current break */
static uint64_t rp_heap_mapped = RP_HEAP_BASE; /* end of what is mapped */

/* Set once the kernel's ring answered that it cannot map anonymous memory (-EOPNOTSUPP): from then on the
   heap grows with Linux's mmap (9), which takes the same arguments. */
static int rp_heap_by_syscall;

static int64_t rp_heap_map(uint64_t at, uint64_t len)
{
	const uint32_t flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
	if (!rp_heap_by_syscall) {
		struct rp_sqe sqe = rp_sqe_for(RP_OP_MMAP);
		sqe.addr = at;
		sqe.len = len;
		sqe.fd = UINT64_MAX; /* -1: anonymous */
		sqe.syscall_flags = flags;
		sqe.additional1 = PROT_READ | PROT_WRITE;
		int64_t r = rp_native_call(&sqe);
		if (r != -EOPNOTSUPP)
			return r;
		rp_heap_by_syscall = 1;
	}
	return rp_raw_syscall6(RP_NR_mmap, (long)at, (long)len, PROT_READ | PROT_WRITE, flags, -1, 0);
}

void *sbrk(ptrdiff_t increment)
{
	uint64_t old = rp_brk;
	uint64_t want = old + (uint64_t)increment;
	if ((increment < 0 && want < RP_HEAP_BASE) || (increment > 0 && (want < old || want > RP_HEAP_LIMIT))) {
		errno = ENOMEM;
		return (void *)-1;
	}
	if (want > rp_heap_mapped) {
		uint64_t end = (want + RP_HEAP_CHUNK - 1) & ~(RP_HEAP_CHUNK - 1);
		if (end > RP_HEAP_LIMIT)
			end = RP_HEAP_LIMIT;
		int64_t r = rp_heap_map(rp_heap_mapped, end - rp_heap_mapped);
		if (r < 0 || (uint64_t)r != rp_heap_mapped) {
			if (r >= 0) /* placed elsewhere: not our heap */
				rp_raw_syscall2(RP_NR_munmap, r, end - rp_heap_mapped);
			errno = ENOMEM;
			return (void *)-1;
		}
		rp_heap_mapped = end;
	}
	rp_brk = want;
	return (void *)(uintptr_t)old;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = rp_raw_syscall6(RP_NR_mmap, (long)addr, (long)len, prot, flags, fd, (long)off);
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return MAP_FAILED;
	}
	return (void *)r;
}

int munmap(void *addr, size_t len) { return (int)rp_result(rp_raw_syscall2(RP_NR_munmap, addr, len)); }
int mprotect(void *addr, size_t len, int prot) { return (int)rp_result(rp_raw_syscall3(RP_NR_mprotect, addr, len, prot)); }
int madvise(void *addr, size_t len, int advice) { return (int)rp_result(rp_raw_syscall3(RP_NR_madvise, addr, len, advice)); }
int posix_madvise(void *addr, size_t len, int advice)
{
	long r = rp_raw_syscall3(RP_NR_madvise, addr, len, advice);
	return r < 0 ? (int)-r : 0;
}
int msync(void *addr, size_t len, int flags) { return (int)rp_result(rp_raw_syscall3(RP_NR_msync, addr, len, flags)); }

int posix_memalign(void **out, size_t alignment, size_t size)
{
	if (alignment < sizeof(void *) || (alignment & (alignment - 1)))
		return EINVAL;
	void *p = memalign(alignment, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

int getpagesize(void) { return 4096; }
