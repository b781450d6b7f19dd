/*
 * _start of every program on the reference kernel. The kernel enters with Linux's initial stack: rsp points
 * at argc, then argv[0..argc-1], NULL, envp[...], NULL, auxv pairs ending with AT_NULL (the System V x86_64
 * ABI, section 3.4.1). rsp is 16-byte aligned there; rp_start (start.c) does the rest in C.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	.cfi_startproc
	.cfi_undefined rip		/* the outermost frame: debuggers stop unwinding here */
	xorl	%ebp, %ebp
	movq	%rsp, %rdi		/* rp_start(&argc) */
	andq	$-16, %rsp
	call	rp_start
	hlt				/* rp_start does not return */
	.cfi_endproc
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
