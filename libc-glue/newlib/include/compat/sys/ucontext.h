/* <sys/ucontext.h> for newlib on the reference kernel: glibc's x86_64 ucontext_t, byte for byte (the kernel's
   struct ucontext up to uc_sigmask, which a SA_SIGINFO handler's third argument points at; then glibc's
   128-byte sigset area and FXSAVE image). getcontext/setcontext/swapcontext are libc-glue/newlib/src/
   ucontext.S, makecontext makecontext.c. */
#ifndef RP_COMPAT_SYS_UCONTEXT_H
#define RP_COMPAT_SYS_UCONTEXT_H
#include <signal.h>
#include <stdint.h>

typedef long long greg_t;
#define NGREG 23
typedef greg_t gregset_t[NGREG];

#ifdef _GNU_SOURCE
enum {
	REG_R8 = 0, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RDI, REG_RSI, REG_RBP,
	REG_RBX, REG_RDX, REG_RAX, REG_RCX, REG_RSP, REG_RIP, REG_EFL, REG_CSGSFS, REG_ERR, REG_TRAPNO,
	REG_OLDMASK, REG_CR2
};
#endif

struct _libc_fpxreg {
	unsigned short significand[4];
	unsigned short exponent;
	unsigned short __glibc_reserved1[3];
};
struct _libc_xmmreg {
	uint32_t element[4];
};
struct _libc_fpstate { /* the FXSAVE image */
	uint16_t cwd, swd, ftw, fop;
	uint64_t rip, rdp;
	uint32_t mxcsr, mxcr_mask;
	struct _libc_fpxreg _st[8];
	struct _libc_xmmreg _xmm[16];
	uint32_t __glibc_reserved1[24];
};
typedef struct _libc_fpstate *fpregset_t;

typedef struct {
	gregset_t gregs;
	fpregset_t fpregs;
	unsigned long long __reserved1[8];
} mcontext_t;

typedef struct ucontext_t {
	unsigned long uc_flags;
	struct ucontext_t *uc_link;
	stack_t uc_stack;
	mcontext_t uc_mcontext;
	sigset_t uc_sigmask; /* the kernel's 8-byte mask ... */
	unsigned long __rp_sigmask_rest[128 / sizeof(unsigned long) - 1]; /* ... in glibc's 128-byte sigset_t */
	struct _libc_fpstate __fpregs_mem;
	unsigned long long __ssp[4];
} ucontext_t;

_Static_assert(sizeof(struct _libc_fpstate) == 512, "FXSAVE image");
_Static_assert(__builtin_offsetof(ucontext_t, uc_mcontext) == 40, "glibc's uc_mcontext offset");
_Static_assert(__builtin_offsetof(ucontext_t, uc_sigmask) == 296, "glibc's uc_sigmask offset");
_Static_assert(__builtin_offsetof(ucontext_t, __fpregs_mem) == 424, "glibc's __fpregs_mem offset");
_Static_assert(sizeof(ucontext_t) == 968, "glibc's ucontext_t size");

#endif
