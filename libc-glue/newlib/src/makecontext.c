/*
 * makecontext for x86_64 (ucontext.S has the rest): the context starts func on ucp->uc_stack with up to six
 * integer arguments in registers and the rest on the stack, as a call would; when func returns, it returns
 * into rp_context_trampoline, which switches to uc_link or exits the program (0) when there is none.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <ucontext.h>

void rp_context_trampoline(void);

void rp_set_errno(int e) { errno = e; }

void makecontext(ucontext_t *ucp, void (*func)(void), int argc, ...)
{
	static const int arg_regs[6] = {REG_RDI, REG_RSI, REG_RDX, REG_RCX, REG_R8, REG_R9};
	int on_stack = argc > 6 ? argc - 6 : 0;
	uintptr_t top = (uintptr_t)ucp->uc_stack.ss_sp + ucp->uc_stack.ss_size;
	/* [return address][stack arguments][uc_link], with the return address slot at 8 mod 16: the alignment a
	   function finds at its entry. */
	uintptr_t sp = ((top - (uintptr_t)(on_stack + 1) * 8) & ~(uintptr_t)15) - 8;
	uint64_t *frame = (uint64_t *)sp;
	frame[0] = (uint64_t)(uintptr_t)rp_context_trampoline;
	va_list ap;
	va_start(ap, argc);
	for (int i = 0; i < argc; i++) {
		long value = va_arg(ap, long);
		if (i < 6)
			ucp->uc_mcontext.gregs[arg_regs[i]] = value;
		else
			frame[1 + (i - 6)] = (uint64_t)value;
	}
	va_end(ap);
	frame[1 + on_stack] = (uint64_t)(uintptr_t)ucp->uc_link;
	ucp->uc_mcontext.gregs[REG_RBX] = (greg_t)(uintptr_t)&frame[1 + on_stack];
	ucp->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)func;
	ucp->uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
}
