/*
 * Interrupt and exception entry: every vector's stub makes the stack look the same (an error code, 0 when the
 * CPU pushes none, and the vector), then interrupt_common saves the general registers in struct Frame order
 * (Arch/frame.hpp), calls interrupt_dispatch(Frame *) and returns with iretq.
 * No swapgs: part 1 runs on one CPU, so the kernel keeps its per-CPU state in ordinary globals and never
 * relies on GS (a user program's GS base is left alone).
 */
#include "frame_save.inc"

	.text

.macro STUB_NO_ERROR vector
	.balign 16
stub_\vector:
	pushq $0
	pushq $\vector
	jmp interrupt_common
.endm

.macro STUB_ERROR vector
	.balign 16
stub_\vector:
	pushq $\vector
	jmp interrupt_common
.endm

	STUB_NO_ERROR 0
	STUB_NO_ERROR 1
	STUB_NO_ERROR 2
	STUB_NO_ERROR 3
	STUB_NO_ERROR 4
	STUB_NO_ERROR 5
	STUB_NO_ERROR 6
	STUB_NO_ERROR 7
	STUB_ERROR 8
	STUB_NO_ERROR 9
	STUB_ERROR 10
	STUB_ERROR 11
	STUB_ERROR 12
	STUB_ERROR 13
	STUB_ERROR 14
	STUB_NO_ERROR 15
	STUB_NO_ERROR 16
	STUB_ERROR 17
	STUB_NO_ERROR 18
	STUB_NO_ERROR 19
	STUB_NO_ERROR 20
	STUB_ERROR 21
	STUB_NO_ERROR 22
	STUB_NO_ERROR 23
	STUB_NO_ERROR 24
	STUB_NO_ERROR 25
	STUB_NO_ERROR 26
	STUB_NO_ERROR 27
	STUB_NO_ERROR 28
	STUB_ERROR 29
	STUB_ERROR 30
	STUB_NO_ERROR 31
	.irp vector, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	STUB_NO_ERROR \vector
	.endr

	.balign 16
	.global interrupt_common
interrupt_common:
	cld
	SAVE_GENERAL_REGISTERS
	mov %rsp, %rdi
	/* Align the stack for the C++ call whatever the interrupted code's alignment was. */
	mov %rsp, %rbx
	and $~15, %rsp
	call interrupt_dispatch
	mov %rbx, %rsp
	.global return_from_frame
return_from_frame:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	add $16, %rsp                           /* vector and error code */
	iretq

	.section .rodata
	.balign 8
	.global interrupt_stubs
interrupt_stubs:
	.irp vector, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad stub_\vector
	.endr
