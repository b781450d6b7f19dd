/*
 * Switching between the test runner (kernel_main's stack) and a user program.
 *
 * context_save(Context *) stores the callee-saved registers, the stack pointer and the return address and
 * returns 0; context_resume(Context *, value) later makes that context_save call return `value` (setjmp and
 * longjmp). The runner saves itself, then enter_user(Frame *) leaves for user mode through the frame; when the
 * program exits or is killed, from a system call or an interrupt handler deep on the process's kernel stack,
 * the kernel resumes the runner, abandoning that stack.
 */
	.text
	.global context_save
context_save:
	mov %rbx, 0(%rdi)
	mov %rbp, 8(%rdi)
	mov %r12, 16(%rdi)
	mov %r13, 24(%rdi)
	mov %r14, 32(%rdi)
	mov %r15, 40(%rdi)
	lea 8(%rsp), %rax                       /* the caller's stack pointer after our return */
	mov %rax, 48(%rdi)
	mov (%rsp), %rax                        /* our return address */
	mov %rax, 56(%rdi)
	xor %eax, %eax
	ret

	.global context_resume
context_resume:
	mov 0(%rdi), %rbx
	mov 8(%rdi), %rbp
	mov 16(%rdi), %r12
	mov 24(%rdi), %r13
	mov 32(%rdi), %r14
	mov 40(%rdi), %r15
	mov 48(%rdi), %rsp
	mov %rsi, %rax
	jmp *56(%rdi)

	/* enter_user(Frame *frame): the frame is copied to the top of the current kernel stack by the caller;
	   we load it and iretq to ring 3. */
	.global enter_user
enter_user:
	mov %rdi, %rsp
	jmp return_from_frame
