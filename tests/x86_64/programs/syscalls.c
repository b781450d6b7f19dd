/*
 * The Linux system calls the kernel serves itself, checked from user mode: the initial stack (argv, envp,
 * auxv), ids, rlimits, anonymous mmap/munmap/mprotect/madvise, brk, arch_prctl, futex, -EFAULT on bad
 * pointers, -ENOSYS on unknown numbers. Exits with the number of failed checks.
 */
#include "smoke.h"

#define ENOENT 2
#define EAGAIN 11
#define EFAULT 14
#define EEXIST 17
#define EINVAL 22
#define ENOSYS 38
#define EPERM 1
#define ETIMEDOUT 110
#define ENOMEM 12

static int equal(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static unsigned long auxv_value(unsigned long *auxv, unsigned long key)
{
	for (; auxv[0]; auxv += 2)
		if (auxv[0] == key)
			return auxv[1];
	return ~0ul;
}

int main(long *stack)
{
	/* The stack: argc, argv, NULL, envp, NULL, auxv. */
	long argc = stack[0];
	char **argv = (char **)&stack[1];
	char **envp = argv + argc + 1;
	CHECK(((unsigned long)stack & 15) == 0);
	CHECK(argc == 1);
	CHECK(equal(argv[0], "syscalls.t"));
	CHECK(argv[1] == 0);
	CHECK(equal(envp[0], "PATH=/t"));
	CHECK(equal(envp[1], "HOME=/tmp"));
	CHECK(envp[2] == 0);
	unsigned long *auxv = (unsigned long *)(envp + 3);
	CHECK(auxv_value(auxv, 6) == 4096);  /* AT_PAGESZ */
	CHECK(auxv_value(auxv, 11) == 1000); /* AT_UID */
	CHECK(auxv_value(auxv, 12) == 1000); /* AT_EUID */
	extern char _start[];
	CHECK(auxv_value(auxv, 9) == (unsigned long)_start); /* AT_ENTRY */
	unsigned long phdr = auxv_value(auxv, 3);
	CHECK(phdr != ~0ul && *(unsigned int *)phdr != 0); /* AT_PHDR readable */
	CHECK(auxv_value(auxv, 5) >= 2);                   /* AT_PHNUM */
	unsigned char *random = (unsigned char *)auxv_value(auxv, 25);
	CHECK(random != (unsigned char *)~0ul && (random[0] | random[1] | random[2] | random[3]));

	CHECK(SYS0(102) == 1000 && SYS0(104) == 1000 && SYS0(107) == 1000 && SYS0(108) == 1000);
	long pid = SYS0(39);
	CHECK(pid > 0 && SYS0(186) == pid);
	CHECK(SYS1(218, 0) == pid);
	CHECK(SYS0(9999) == -ENOSYS);
	CHECK(SYS0(0x1fff) == -ENOSYS);

	/* rlimits: NOFILE 1024/1024, others unlimited; a bad pointer is -EFAULT. */
	unsigned long limit[2] = {0, 0};
	CHECK(SYS2(97, 7, limit) == 0 && limit[0] == 1024 && limit[1] == 1024);
	CHECK(SYS2(97, 1, limit) == 0 && limit[0] == ~0ul && limit[1] == ~0ul);
	CHECK(SYS2(97, 7, 8) == -EFAULT);
	CHECK(SYS2(97, 99, limit) == -EINVAL);
	unsigned long lower[2] = {256, 1024};
	CHECK(SYS2(160, 7, lower) == 0);
	unsigned long old[2];
	CHECK(SYS4(302, 0, 7, 0, old) == 0 && old[0] == 256 && old[1] == 1024);
	unsigned long higher[2] = {2048, 2048};
	CHECK(SYS2(160, 7, higher) == -EPERM);
	CHECK(SYS4(302, 0, 7, lower, 0xdead0000) == -EFAULT);

	/* Anonymous mmap: demand-zero, writable, unmapped afterwards (a touch would then be SIGSEGV). */
	long p = SYS6(9, 0, 3 * 4096, 3, 0x22, -1, 0); /* PROT_READ|WRITE, MAP_PRIVATE|MAP_ANONYMOUS */
	CHECK(p > 0 && (p & 4095) == 0);
	if (p > 0) {
		volatile unsigned char *m = (volatile unsigned char *)p;
		CHECK(m[0] == 0 && m[4096 * 3 - 1] == 0);
		m[5000] = 7;
		CHECK(m[5000] == 7);
		CHECK(SYS3(28, p, 3 * 4096, 4) == 0); /* MADV_DONTNEED: zero again */
		CHECK(m[5000] == 0);
		CHECK(SYS3(28, p, 4096, 10) == 0);    /* MADV_DONTFORK, as liburing does on rings */
		CHECK(SYS3(10, p, 4096, 1) == 0);     /* mprotect read-only */
		CHECK(SYS2(97, 7, p) == -EFAULT);     /* the kernel cannot write a read-only page */
		CHECK(SYS2(97, 7, p + 4096) == 0);    /* but can write the writable one after it */
		CHECK(SYS2(11, p, 3 * 4096) == 0);
		CHECK(SYS2(97, 7, p + 4096) == -EFAULT);
	}
	CHECK(SYS6(9, 0, 0, 3, 0x22, -1, 0) == -EINVAL);
	CHECK(SYS6(9, 0, 4096, 3, 0x20, -1, 0) == -EINVAL); /* neither shared nor private */
	/* An address hint is honoured when free (three liburing tests ask for 0x20000000). */
	long hinted = SYS6(9, 0x20000000, 4096, 3, 0x22, -1, 0);
	CHECK(hinted == 0x20000000);
	CHECK(SYS6(9, 0x20000000, 4096, 3, 0x100022, -1, 0) == -EEXIST); /* MAP_FIXED_NOREPLACE */
	CHECK(SYS6(9, 0x20000000, 4096, 3, 0x32, -1, 0) == 0x20000000);  /* MAP_FIXED replaces */
	CHECK(SYS6(9, 0, 4096, 3, 0x02, 99, 0) < 0);                        /* a file mapping of a closed fd */

	/* brk grows and shrinks. */
	long base = SYS1(12, 0);
	CHECK(base > 0);
	CHECK(SYS1(12, base + 10000) == base + 10000);
	((volatile char *)base)[9999] = 1;
	CHECK(SYS1(12, base) == base);

	/* arch_prctl: the FS base is what %fs: loads see. */
	static unsigned long tls_block[4] = {0x1111, 0x2222, 0x3333, 0x4444};
	CHECK(SYS2(158, 0x1002, tls_block) == 0);
	unsigned long through_fs;
	__asm__ volatile("mov %%fs:8, %0" : "=r"(through_fs));
	CHECK(through_fs == 0x2222);
	unsigned long got = 0;
	CHECK(SYS2(158, 0x1003, &got) == 0 && got == (unsigned long)tls_block);
	CHECK(SYS2(158, 0x1002, 0x800000000000ul) == -EPERM);

	/* futex without a second thread (blocking wake-ups: threads.c, futex.c). */
	static unsigned int word = 5;
	CHECK(SYS3(202, &word, 1, 1) == 0);                           /* WAKE: nobody */
	CHECK(SYS4(202, &word, 0, 4, 0) == -EAGAIN);                  /* WAIT on a changed value */
	CHECK(SYS4(202, &word, 1 | 256, 1, 0) == -ENOSYS);           /* CLOCK_REALTIME only with waits */
	long ts[2] = {0, 20 * 1000 * 1000};
	CHECK(SYS4(202, &word, 128, 5, ts) == -ETIMEDOUT);            /* WAIT|PRIVATE, 20 ms */
	CHECK(SYS4(202, 8, 0, 5, 0) == -EFAULT);

	/* prctl: the process name (16 bytes with the NUL, truncated), an unknown option. */
	char name[16] = {0};
	CHECK(SYS2(157, 15 /* PR_SET_NAME */, "a-very-long-process-name") == 0);
	CHECK(SYS2(157, 16 /* PR_GET_NAME */, name) == 0);
	CHECK(name[0] == 'a' && name[13] == 'r' && name[14] == 'o' && name[15] == 0); /* "a-very-long-pro" */
	CHECK(SYS2(157, 9999, 0) == -EINVAL);

	/* close of an fd that is not open. */
	CHECK(SYS1(3, 999) == -9);

	if (!failures)
		say("syscalls: all checks passed\n");
	return failures;
}
