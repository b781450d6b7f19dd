/*
 * The main thread's state: its static TLS block (PT_TLS of the program, x86_64 TLS variant II: the block
 * sits just below the thread pointer), the thread pointer itself (%fs base = &rp_thread, whose first word
 * points at itself), and newlib's struct _reent, which __DYNAMIC_REENT__ makes newlib look up through
 * __getreent() on every errno or stdio access.
 */
#include "glue.h"
#include "raw_syscall.h"

#include <elf.h>
#include <reent.h>
#include <string.h>
#include <unistd.h>

#define RP_AT_NULL 0
#define RP_AT_PHDR 3
#define RP_AT_PHNUM 5

static struct rp_thread rp_main_thread;
/* Set once the kernel accepted the thread pointer; until then (and if it refuses) the main thread's state is
   reached directly, which is what a single-threaded program needs. */
static int rp_tls_ready;

/* Room for the main thread's TLS block and thread struct without a heap: liburing's tests need little. */
static unsigned char rp_main_tls[16384] __attribute__((aligned(64)));

struct rp_thread *rp_self(void)
{
	struct rp_thread *self;
	if (!rp_tls_ready)
		return &rp_main_thread;
	__asm__("movq %%fs:0, %0" : "=r"(self));
	return self;
}

struct _reent *__getreent(void)
{
	struct rp_thread *self = rp_self();
	return self->reent ? self->reent : _impure_ptr;
}

static uint64_t rp_auxv_value(const uint64_t *auxv, uint64_t type)
{
	for (; auxv[0] != RP_AT_NULL; auxv += 2)
		if (auxv[0] == type)
			return auxv[1];
	return 0;
}

void rp_thread_init_main(const uint64_t *auxv)
{
	rp_main_thread.self = &rp_main_thread;
	rp_main_thread.reent = _impure_ptr;

	const Elf64_Phdr *phdr = (const Elf64_Phdr *)rp_auxv_value(auxv, RP_AT_PHDR);
	uint64_t phnum = rp_auxv_value(auxv, RP_AT_PHNUM);
	const Elf64_Phdr *tls = 0;
	for (uint64_t i = 0; phdr && i < phnum; ++i)
		if (phdr[i].p_type == PT_TLS)
			tls = &phdr[i];

	/* Variant II: [TLS block, rounded up to its alignment][struct rp_thread], %fs = &rp_thread. */
	uint64_t align = tls && tls->p_align > 16 ? tls->p_align : 16;
	uint64_t block = tls ? (tls->p_memsz + align - 1) & ~(align - 1) : 0;
	uint64_t need = block + sizeof(struct rp_thread) + align;
	unsigned char *area = rp_main_tls;
	if (need > sizeof rp_main_tls) {
		area = sbrk((intptr_t)need);
		if (area == (void *)-1) {
			static const char msg[] = "rp_start: no memory for the TLS block\n";
			write(2, msg, sizeof msg - 1);
			_exit(127);
		}
	}
	uintptr_t tp = ((uintptr_t)area + block + align - 1) & ~(uintptr_t)(align - 1);
	if (tls) {
		unsigned char *start = (unsigned char *)(tp - block);
		memcpy(start, (const void *)tls->p_vaddr, tls->p_filesz);
		memset(start + tls->p_filesz, 0, block - tls->p_filesz);
	}
	struct rp_thread *self = (struct rp_thread *)tp;
	*self = rp_main_thread;
	self->self = self;
	if (rp_raw_syscall2(RP_NR_arch_prctl, RP_ARCH_SET_FS, tp) == 0) {
		rp_tls_ready = 1;
	} else if (tls) {
		static const char msg[] = "rp_start: the kernel refused the thread pointer (arch_prctl ARCH_SET_FS)\n";
		write(2, msg, sizeof msg - 1);
		_exit(127);
	}
}
