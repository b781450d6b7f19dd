/*
 * The user-memory copy loops. Each returns the number of bytes it did NOT copy (0: all done). A fault on the
 * marked instruction lands on its fixup through the exception table (user_copy.cpp): rep movsb/stosb leave
 * the remaining count in RCX, which is the answer. A demand-zero fault is resolved and the instruction
 * restarted before the table is consulted (Arch/interrupts.cpp).
 */
	.text
	/* uint64_t user_copy_raw(void *dst, const void *src, uint64_t size) */
	.global user_copy_raw
user_copy_raw:
	mov %rdx, %rcx
1:	rep movsb
	xor %eax, %eax
	ret
2:	mov %rcx, %rax
	ret

	/* uint64_t user_fill_raw(void *dst, uint64_t size): zeroes */
	.global user_fill_raw
user_fill_raw:
	mov %rsi, %rcx
	xor %eax, %eax
3:	rep stosb
	ret
4:	mov %rcx, %rax
	ret

	.section .exception_table, "a"
	.balign 8
	.quad 1b, 2b
	.quad 3b, 4b
