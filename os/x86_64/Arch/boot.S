/*
 * PVH entry (QEMU -kernel with the XEN_ELFNOTE_PHYS32_ENTRY note): 32-bit protected mode, paging off,
 * EBX = physical address of struct hvm_start_info. We zero .bss, build the boot page tables, enter long mode
 * and jump to kernel_start in the higher half with the start-info address in RDI.
 *
 * Boot page tables (kept as the kernel's own, minus the identity map, once kernel_main runs):
 *   PML4[0]   -> identity of the first 4 GiB (2 MiB pages): only while the stub runs at its physical address
 *   PML4[256] -> the same 4 GiB at 0xFFFF800000000000 (the direct map of RAM; Memory/ extends it if needed)
 *   PML4[511] -> PDPT[510..511]: physical 0..2 GiB at 0xFFFFFFFF80000000 (the kernel image, -mcmodel=kernel)
 */
#define KERNEL_VIRTUAL_BASE 0xFFFFFFFF80000000
#define PHYS(symbol) ((symbol) - KERNEL_VIRTUAL_BASE)

	.section .note.pvh, "a"
	.balign 4
	.long 4                 /* name size: "Xen\0" */
	.long 8                 /* descriptor size: a 64-bit entry address (QEMU reads it as such for ELF64) */
	.long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.quad pvh_start

	.section .boot.text, "ax"
	.code32
	.global pvh_start
pvh_start:
	cli
	cld
	mov %ebx, %esi                          /* keep the start info across the setup */

	/* .bss is NOLOAD: zero it (page tables and stacks live there). */
	mov $PHYS(kernel_bss_start), %edi
	mov $PHYS(kernel_bss_end), %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	mov $PHYS(boot_stack_top), %esp

	/* 2048 PD entries: physical 0..4 GiB in 2 MiB pages (present, writable, PS). */
	mov $PHYS(boot_page_directories), %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, (%edi,%ecx,8)
	mov %ecx, %eax
	shr $11, %eax                           /* high dword: (i * 2 MiB) >> 32 = i >> 11 */
	mov %eax, 4(%edi,%ecx,8)
	inc %ecx
	cmp $2048, %ecx
	jne 1b

	/* The low PDPT: four PDs. */
	mov $PHYS(boot_pdpt_low), %edi
	mov $PHYS(boot_page_directories), %eax
	or $3, %eax
	mov %eax, 0(%edi)
	add $4096, %eax
	mov %eax, 8(%edi)
	add $4096, %eax
	mov %eax, 16(%edi)
	add $4096, %eax
	mov %eax, 24(%edi)

	/* The high PDPT: entries 510 and 511 map physical 0..2 GiB at -2 GiB. */
	mov $PHYS(boot_pdpt_high), %edi
	mov $PHYS(boot_page_directories), %eax
	or $3, %eax
	mov %eax, 510*8(%edi)
	add $4096, %eax
	mov %eax, 511*8(%edi)

	mov $PHYS(kernel_pml4), %edi
	mov $PHYS(boot_pdpt_low), %eax
	or $3, %eax
	mov %eax, 0(%edi)
	mov %eax, 256*8(%edi)
	mov $PHYS(boot_pdpt_high), %eax
	or $3, %eax
	mov %eax, 511*8(%edi)

	/* CR4: PAE (5), OSFXSR (9), OSXMMEXCPT (10); user programs use SSE. */
	mov %cr4, %eax
	or $((1 << 5) | (1 << 9) | (1 << 10)), %eax
	mov %eax, %cr4
	mov $PHYS(kernel_pml4), %eax
	mov %eax, %cr3
	/* EFER: SCE (0) for syscall, LME (8), NXE (11). */
	mov $0xC0000080, %ecx
	rdmsr
	or $((1 << 0) | (1 << 8) | (1 << 11)), %eax
	wrmsr
	/* CR0: PE, MP (1), WP (16: the kernel faults on read-only user pages too), PG; EM (2) off. */
	mov %cr0, %eax
	and $~(1 << 2), %eax
	or $((1 << 0) | (1 << 1) | (1 << 16) | (1 << 31)), %eax
	mov %eax, %cr0

	lgdt boot_gdt_pointer
	ljmp $0x08, $long_mode

	.code64
long_mode:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov %esi, %edi                          /* start info, zero-extended */
	movabs $boot_stack_top, %rsp
	movabs $kernel_start, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF                /* 0x08: 64-bit kernel code */
	.quad 0x00CF92000000FFFF                /* 0x10: kernel data */
boot_gdt_end:
boot_gdt_pointer:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.text
	.global kernel_start
kernel_start:
	xor %ebp, %ebp
	call kernel_main
1:	cli
	hlt
	jmp 1b

	.bss
	.balign 4096
	.global kernel_pml4
kernel_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
	.global boot_page_directories
boot_page_directories:
	.skip 4 * 4096
boot_stack:
	.skip 65536
	.global boot_stack_top
boot_stack_top:
