/*
 * getcontext, setcontext, swapcontext for x86_64 on the reference kernel, over glibc's ucontext_t layout
 * (compat/sys/ucontext.h). A context is what a call boundary preserves: the callee-saved registers, the stack
 * pointer and the return address, the x87 control/status environment and MXCSR, and the signal mask (the
 * kernel's rt_sigprocmask, 14). The argument registers are saved and restored too, so that a context made by
 * makecontext (makecontext.c) starts its function with its arguments.
 */
#define UC_LINK 8
#define GREG(n) (40 + 8 * (n))
#define R8 GREG(0)
#define R9 GREG(1)
#define R12 GREG(4)
#define R13 GREG(5)
#define R14 GREG(6)
#define R15 GREG(7)
#define RDI GREG(8)
#define RSI GREG(9)
#define RBP GREG(10)
#define RBX GREG(11)
#define RDX GREG(12)
#define RCX GREG(14)
#define RSP GREG(15)
#define RIP GREG(16)
#define FPREGS 224
#define SIGMASK 296
#define FPREGS_MEM 424
#define MXCSR 24 /* in the FXSAVE image */
#define SYS_rt_sigprocmask 14
#define SIG_SETMASK 2

	.text

/* Saves the caller's context into the ucontext_t at %rdi (the signal mask is the caller's to do). */
	.type save_registers, @function
save_registers:
	mov %rbx, RBX(%rdi)
	mov %rbp, RBP(%rdi)
	mov %r12, R12(%rdi)
	mov %r13, R13(%rdi)
	mov %r14, R14(%rdi)
	mov %r15, R15(%rdi)
	mov %rdi, RDI(%rdi)
	mov %rsi, RSI(%rdi)
	mov %rdx, RDX(%rdi)
	mov %rcx, RCX(%rdi)
	mov %r8, R8(%rdi)
	mov %r9, R9(%rdi)
	mov 8(%rsp), %rax        /* the public function's return address */
	mov %rax, RIP(%rdi)
	lea 16(%rsp), %rax       /* its caller's stack pointer after that return */
	mov %rax, RSP(%rdi)
	lea FPREGS_MEM(%rdi), %rax
	mov %rax, FPREGS(%rdi)
	fnstenv (%rax)           /* fnstenv masks the x87 exceptions: load the environment back */
	fldenv (%rax)
	stmxcsr MXCSR(%rax)
	ret
	.size save_registers, . - save_registers

/* Switches to the context at %r11 (its signal mask already installed); never returns. */
	.type load_registers, @function
load_registers:
	mov FPREGS(%r11), %rax
	fldenv (%rax)
	ldmxcsr MXCSR(%rax)
	mov RSP(%r11), %rsp
	mov RBX(%r11), %rbx
	mov RBP(%r11), %rbp
	mov R12(%r11), %r12
	mov R13(%r11), %r13
	mov R14(%r11), %r14
	mov R15(%r11), %r15
	pushq RIP(%r11)
	mov RDI(%r11), %rdi
	mov RSI(%r11), %rsi
	mov RDX(%r11), %rdx
	mov RCX(%r11), %rcx
	mov R8(%r11), %r8
	mov R9(%r11), %r9
	xor %eax, %eax           /* getcontext/swapcontext "return" 0 into the resumed context */
	ret
	.size load_registers, . - load_registers

/* int getcontext(ucontext_t *ucp) */
	.global getcontext
	.type getcontext, @function
getcontext:
	call save_registers
	lea SIGMASK(%rdi), %rdx  /* rt_sigprocmask(SIG_SETMASK, NULL, &ucp->uc_sigmask, 8): only reads it */
	xor %esi, %esi
	mov $SIG_SETMASK, %edi
	mov $8, %r10d
	mov $SYS_rt_sigprocmask, %eax
	syscall
	jmp finish
	.size getcontext, . - getcontext

/* int setcontext(const ucontext_t *ucp) */
	.global setcontext
	.type setcontext, @function
setcontext:
	push %rdi
	lea SIGMASK(%rdi), %rsi  /* rt_sigprocmask(SIG_SETMASK, &ucp->uc_sigmask, NULL, 8) */
	xor %edx, %edx
	mov $SIG_SETMASK, %edi
	mov $8, %r10d
	mov $SYS_rt_sigprocmask, %eax
	syscall
	pop %r11
	test %rax, %rax
	jnz finish
	jmp load_registers
	.size setcontext, . - setcontext

/* int swapcontext(ucontext_t *oucp, const ucontext_t *ucp) */
	.global swapcontext
	.type swapcontext, @function
swapcontext:
	call save_registers
	push %rsi
	lea SIGMASK(%rdi), %rdx  /* rt_sigprocmask(SIG_SETMASK, &ucp->uc_sigmask, &oucp->uc_sigmask, 8) */
	lea SIGMASK(%rsi), %rsi
	mov $SIG_SETMASK, %edi
	mov $8, %r10d
	mov $SYS_rt_sigprocmask, %eax
	syscall
	pop %r11
	test %rax, %rax
	jnz finish
	jmp load_registers
	.size swapcontext, . - swapcontext

/* 0, or -1 with errno set from a failed system call (%rax = -errno). */
finish:
	test %rax, %rax
	jnz 1f
	ret
1:	neg %eax
	mov %eax, %edi
	sub $8, %rsp             /* align the stack for the call */
	call rp_set_errno
	add $8, %rsp
	mov $-1, %eax
	ret

/* Where a makecontext function returns to (makecontext.c): %rbx, which the function preserved, points at the
   uc_link slot above its stack arguments. The next context, or exit(0) when there is none. */
	.global rp_context_trampoline
	.type rp_context_trampoline, @function
rp_context_trampoline:
	mov (%rbx), %rdi
	test %rdi, %rdi
	jz 1f
	call setcontext
1:	xor %edi, %edi
	call exit
	hlt
	.size rp_context_trampoline, . - rp_context_trampoline

	.section .note.GNU-stack, "", @progbits
