/*
 * The syscall instruction's entry (LSTAR). The CPU left RIP in RCX, RFLAGS in R11, masked RFLAGS with FMASK
 * (IF, TF, DF, AC... cleared) and did not switch stacks. We switch to the process's kernel stack, build the
 * same struct Frame an interrupt from user mode builds (SS, RSP, RFLAGS, CS, RIP, error code, vector, then the
 * general registers), call syscall_dispatch(Frame *) and leave through the common iretq path.
 *
 * Returning with iretq rather than sysret costs a few cycles and removes sysret's hazards: a non-canonical
 * RCX (sysret would #GP in ring 0 on Intel) and the need to restore RCX/R11 exactly.
 * One CPU: the user RSP is parked in a global for the two instructions until it is on the kernel stack.
 */
#include "frame_save.inc"

	.text
	.balign 16
	.global syscall_entry
syscall_entry:
	mov %rsp, syscall_user_rsp(%rip)
	mov syscall_kernel_stack(%rip), %rsp
	pushq $0x1B                             /* user SS */
	pushq syscall_user_rsp(%rip)
	pushq %r11                              /* user RFLAGS */
	pushq $0x23                             /* user CS */
	pushq %rcx                              /* user RIP */
	pushq $0
	pushq $0x180                            /* syscall_vector (Arch/frame.hpp) */
	cld
	SAVE_GENERAL_REGISTERS
	mov %rsp, %rdi                          /* 16-byte aligned: the stack top is, and we pushed 22 words */
	call syscall_dispatch
	jmp return_from_frame

	.data
	.balign 8
	.global syscall_kernel_stack
syscall_kernel_stack:
	.quad 0
syscall_user_rsp:
	.quad 0
