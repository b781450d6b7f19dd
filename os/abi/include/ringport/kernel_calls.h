/*
 * The reference kernel's plain system calls (os/x86_64): the user/kernel contract that is not a native SQE.
 *
 * Everything a program asks of the reference kernel about files, time and waiting travels as native SQEs on a
 * ring (native_ring.h). Only these stay plain `syscall` instructions: creating and entering a native ring,
 * and (below 512) the Linux system calls that unmodified liburing and its tests issue themselves.
 *
 * Calling convention: Linux x86_64's. rax = number; arguments in rdi, rsi, rdx, r10, r8, r9; the result in
 * rax, negative values being -errno with Linux numbers. rcx and r11 are clobbered.
 *
 * Numbers below RP_KERNEL_CALL_BASE are Linux's own (425 io_uring_setup, 426 io_uring_enter, 427
 * io_uring_register, 9 mmap, 11 munmap, 28 madvise, 3 close, 60 exit, 231 exit_group, ...) with Linux's
 * semantics; docs/reference-kernel.md lists which the kernel serves. A number it does not serve: -ENOSYS.
 * Plain C so that newlib's glue, the kernel and host-side tests share it.
 */
#ifndef RINGPORT_KERNEL_CALLS_H
#define RINGPORT_KERNEL_CALLS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RP_KERNEL_CALL_BASE 0x1000u

enum rp_kernel_call {
	/*
	 * rdi = const struct rp_kernel_ring_params *, rsi = struct rp_kernel_ring_view * (filled in)
	 * -> a ring handle (>= 0), or -EINVAL (bad params), -ENOMEM, -EFAULT.
	 * The kernel maps the ring (SQ header, SQEs, CQ header, CQEs) into the caller's address space, readable
	 * and writable; it is not inherited by fork.
	 */
	RP_SYS_RING_SETUP = RP_KERNEL_CALL_BASE + 0,
	/*
	 * rdi = ring handle, rsi = min_complete, rdx = flags (0), r10 = relative timeout in ns (UINT64_MAX: none)
	 * -> the number of SQEs consumed, or -EBADF, -ETIME (timeout before min_complete CQEs), -EINTR.
	 * Consumes every published SQE, then sleeps until min_complete CQEs are unconsumed.
	 */
	RP_SYS_RING_ENTER = RP_KERNEL_CALL_BASE + 1,
	/* rdi = ring handle -> 0 or -EBADF. Cancels what is in flight and unmaps the ring. */
	RP_SYS_RING_DESTROY = RP_KERNEL_CALL_BASE + 2,
};

struct rp_kernel_ring_params {
	uint32_t sq_entries; /* power of two, 1..4096 */
	uint32_t cq_entries; /* power of two, 2..8192 */
	uint32_t flags;      /* 0 */
	uint32_t reserved;   /* 0 */
};

/* User addresses of the ring's parts (struct rp_ring_header *, struct rp_sqe *, ...). */
struct rp_kernel_ring_view {
	uint64_t sq;   /* struct rp_ring_header * */
	uint64_t sqes; /* struct rp_sqe[sq_entries] */
	uint64_t cq;   /* struct rp_ring_header * */
	uint64_t cqes; /* struct rp_cqe[cq_entries] */
	uint64_t base; /* the whole mapping */
	uint64_t size;
};

#ifdef __cplusplus
}
#endif

#endif /* RINGPORT_KERNEL_CALLS_H */
