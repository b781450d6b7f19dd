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
	/*
	 * Kernel-to-userspace attachment: registers a userspace scheme server.
	 * rdi = const char *name (letters, digits, '_', '-', '.'; 1..64 bytes), rsi = struct rp_kernel_scheme_view *
	 * (filled in) -> an fd (close-on-exec) that owns the scheme: its last close unregisters the name. Errors:
	 * -EINVAL (bad name), -EADDRINUSE (the name is registered), -EMFILE, -ENOMEM, -EFAULT.
	 * From then on an open of "name:rest" in any process, where no such file exists, is forwarded to the server
	 * as an RP_OP_OPEN request on the view's SQ (the server consumes it and answers on the CQ: the same
	 * protocol as the hosted OS's scheme servers, docs/native-abi.md "Attachment modes"); Read, Pread, Write,
	 * Pwrite and Close on the fd the opener gets are forwarded too, the opener's thread blocking until the
	 * server answers. The server sleeps on the SQ tail with a shared futex after counting itself in
	 * tail_waiters; the kernel counts itself in the CQ's tail_waiters while a client waits, so the server
	 * wakes it (FUTEX_WAKE on the CQ tail) after publishing replies.
	 */
	RP_SYS_SCHEME_CREATE = RP_KERNEL_CALL_BASE + 3,
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

/*
 * A scheme server's view of its request ring and data area (RP_SYS_SCHEME_CREATE). Requests are native SQEs:
 * opcode RP_OP_OPEN/READ/PREAD/WRITE/PWRITE/CLOSE, fd = the server's handle (what it answered to the Open),
 * user_data = the kernel's tag (echo it in the reply CQE), and for Open/Read/Pread/Write/Pwrite addr = a slot
 * index and len = the bytes in (Open: the path after "name:", NUL included; Write: the data) or wanted
 * (Read: at most slot_size). Open carries the open flags in syscall_flags and the mode in offset; Pread and
 * Pwrite the file offset in offset. A reply's status is the result (Open: a handle >= 0; Read/Write: bytes;
 * Close: 0) or -errno; a Read's bytes go into its slot before the reply is published.
 */
struct rp_kernel_scheme_view {
	uint64_t sq;         /* struct rp_ring_header *: requests, produced by the kernel */
	uint64_t sqes;       /* struct rp_sqe[sq entry_count] */
	uint64_t cq;         /* struct rp_ring_header *: replies, produced by the server */
	uint64_t cqes;       /* struct rp_cqe[cq entry_count] */
	uint64_t data;       /* slot_count slots of slot_size bytes */
	uint32_t slot_size;
	uint32_t slot_count;
};

#ifdef __cplusplus
}
#endif

#endif /* RINGPORT_KERNEL_CALLS_H */
