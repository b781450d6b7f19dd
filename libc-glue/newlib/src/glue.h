/*
 * Internal interface of the newlib glue (libc-glue/newlib): what every family of system calls shares.
 *
 * A newlib system call is one native SQE on the calling thread's native ring (rp_native_call); the few calls
 * that have no native opcode are plain Linux-numbered syscalls (raw_syscall.h). Results are Linux's: >= 0, or
 * -errno with Linux numbers, which equal newlib's here (ports/newlib/linux-abi.patch).
 */
#ifndef RP_NEWLIB_GLUE_H
#define RP_NEWLIB_GLUE_H

#include <stdint.h>
#include <ringport/native_ring.h>

#ifdef __cplusplus
extern "C" {
#endif

struct _reent;

/* Opaque storage for the thread's ring (ring.cpp owns the layout; it checks that it fits). */
struct rp_thread_ring {
	uint64_t words[24];
};

/*
 * One per thread, at the thread pointer (%fs:0 points at `self`, the x86_64 TLS ABI's TCB convention); the
 * program's static TLS block sits just below it. crt0 sets up the main thread's.
 */
struct rp_thread {
	struct rp_thread *self;
	struct _reent *reent;
	struct rp_thread_ring ring;
};

/* The calling thread's state. */
struct rp_thread *rp_self(void);

/*
 * Submits *sqe (user_data is filled in) on the calling thread's native ring, waits for its completion and
 * returns the full 64-bit result: >= 0 or -errno. The ring is created on first use. A failure of the ring
 * itself (no ring could be set up, a corrupt ring) returns -errno too (-ENOSYS, -EIO).
 */
int64_t rp_native_call(struct rp_sqe *sqe);

/* r < 0: errno = -r, returns -1; otherwise returns r. */
long rp_result(int64_t r);

/* An SQE with every field zero (unused fields must be zero) and the given opcode. */
static inline struct rp_sqe rp_sqe_for(uint8_t opcode)
{
	struct rp_sqe sqe = {.opcode = opcode};
	return sqe;
}

/* crt0 calls this before anything else: TLS, the thread pointer and the reentrancy state of the main thread. */
void rp_thread_init_main(const uint64_t *auxv);

#ifdef __cplusplus
}
#endif

#endif
