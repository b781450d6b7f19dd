// The kernel shim's system-call surface: what a kernel (or the hosted libc glue) calls on behalf of a program.
// Freestanding C++20. Results are -errno (Linux numbers) or a non-negative value, exactly as the Linux system
// calls return them; the glue turns them into errno or passes them through.
//
// File descriptors are not the shim's business: the caller maps a ring fd to its Ring and passes user memory
// addresses unchanged (they are read and written through the host interface).
#pragma once

#include <ringport/shim/host.h>
#include <stddef.h>
#include <stdint.h>

namespace ringport::shim {

struct Ring;

// io_uring_setup(2). params is the program's io_uring_params (read, then filled). With SETUP_ATTACH_WQ the
// shim asks resolve_wq to turn params.wq_fd into a ring (0, or -errno: Linux gives -ENXIO for a bad fd and
// -EINVAL for one that is not a ring). On success *out holds one reference.
using ResolveRingFn = int (*)(int32_t fd, Ring** out);
int64_t setup(uint32_t entries, uint64_t user_params, ResolveRingFn resolve_wq, Ring** out);

// io_uring_enter(2) without the fd lookup (REGISTERED_RING is the caller's to resolve; the flag is accepted).
int64_t enter(Ring* ring, uint32_t to_submit, uint32_t min_complete, uint32_t flags, uint64_t arg, size_t argsz);

// io_uring_register(2) for the opcodes the shim owns (RING_FDS are the caller's: they name fds).
int64_t register_op(Ring* ring, uint32_t opcode, uint64_t arg, uint32_t nr_args);

// io_uring_register(2) with fd -1: the opcodes that need no ring (SEND_MSG_RING, QUERY); -EINVAL for the rest.
int64_t register_blind(uint32_t opcode, uint64_t arg, uint32_t nr_args);

// References: one per fd (dup) and one per mapping; the ring is torn down when the last one goes.
void ring_ref(Ring* ring);
void ring_unref(Ring* ring);

// mmap on a ring fd: which region and offset backs [pgoff, pgoff + length). -EINVAL for an unknown offset or a
// length beyond the ring memory.
struct MapTarget {
	rp_host_region* region;
	uint64_t region_offset;
};
int64_t mmap_target(Ring* ring, uint64_t pgoff, uint64_t length, MapTarget* out);

// Readiness of the ring fd for poll/epoll: POLLIN when the CQ has entries (or overflow is pending),
// POLLOUT when the SQ has room.
uint32_t poll_mask(Ring* ring);

// Asks for rp_host_ring_posted(cookie) after every CQ publish (nullptr stops it): the host's way of making
// the ring fd readable in poll/epoll while completions arrive.
void set_poll_cookie(Ring* ring, void* cookie);

// What io_uring_setup accepts and what it advertises (docs/compat-matrix.md prints these).
uint32_t honoured_setup_flags();
uint32_t advertised_features();

// Flags the ring was set up with (the glue needs NO_MMAP / REGISTERED_FD_ONLY).
uint32_t setup_flags(Ring* ring);

// ---- processes (a ring shared across fork) ----
// The host's fork handlers (pthread_atfork). prepare locks every ring of this process; parent and child
// release them, and from then on each of those rings is shared by both: each process executes the requests
// it submits, and both post to and consume from the one ring memory.
void fork_prepare();
void fork_parent();
void fork_child();

// This process stops executing its requests on its shared rings. exec: every request ends with -ECANCELED
// (Linux cancels a task's requests on exec). exit: the same, except that plain timeouts are given a few
// seconds to fire first (Linux keeps running requests after their task exits; here the executor goes with the
// process). Returns once every request has its CQE in the ring.
enum class Leaving { exec, exit };
void leave_shared_rings(Leaving why);
// exec failed: the process goes on using its rings.
void rejoin_shared_rings();

// ---- tasks ----
// Linux's io_uring_task_cancel, which exec runs: every request that `task` (the rp_host_task_id of the thread
// that submitted it) has on any ring of this shim ends with -ECANCELED, link successors with it, and the call
// returns once their CQEs are in the rings. Requests of other tasks on the same rings go on. A kernel, whose
// one shim serves every process, calls it at exec; a hosted process, whose shim copy goes with its image,
// leaves its shared rings instead (leave_shared_rings, which cancels every request of the process).
void cancel_task(uint64_t task);

} // namespace ringport::shim
