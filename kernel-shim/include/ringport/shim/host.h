/*
 * The kernel shim's host interface: everything the shim needs from its environment besides the native ring's
 * opcodes. The shim is freestanding C++20 and calls nothing else (plus memcpy, memset, memmove and memcmp, which
 * every freestanding C/C++ environment must provide, as compilers emit calls to them).
 *
 * The contract: anything about a file (its kind, its flags, its readiness, whether an operation would block)
 * reaches the shim only through native SQEs and CQEs (docs/native-abi.md: RP_SQE_WAIT_READY, RP_OP_FILE_INFO,
 * RP_CQE_SHORT_STREAM). What is here is what a native op cannot be: memory, copies to and from the program,
 * time, sleeping and waking, the native ring itself, and the few handles the shim holds on the program's
 * behalf. Each function says why it is not a native op ("Not an op:").
 *
 * Hosted build: libc-glue/src/host_hosted.cpp implements it over hosted_os.h and Linux system calls.
 * Reference kernel: the kernel implements it. `make check-freestanding` proves the shim needs nothing more.
 *
 * Errors are -errno with Linux numbers.
 */
#ifndef RINGPORT_SHIM_HOST_H
#define RINGPORT_SHIM_HOST_H

#include <ringport/native_ring.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- memory ---- */
/* Zeroed, 64-byte aligned memory for shim bookkeeping; NULL when exhausted.
 * Not an op: the shim allocates while it holds its locks and on paths that must not wait for the OS. */
void *rp_host_alloc(size_t size);
void rp_host_free(void *ptr, size_t size);

/*
 * Ring memory: zeroed pages the program can map (mmap on the ring fd) while the shim keeps its own view at
 * *addr. size is a multiple of the page size.
 * Not an op: it is the memory io_uring_setup returns; the shim needs it before any native ring exists.
 */
struct rp_host_region;
int rp_host_region_create(size_t size, struct rp_host_region **region, void **addr);
void rp_host_region_destroy(struct rp_host_region *region);

/* Copies between shim memory and the calling program's memory; -EFAULT for an unreadable/unwritable range.
 * Not an op: Linux's copy_from_user/copy_to_user run synchronously inside the system call, under the shim's
 * locks (SQE arguments, registration tables, CQE-side write-backs). */
int rp_host_copy_from_user(void *dst, uint64_t user_src, size_t size);
int rp_host_copy_to_user(uint64_t user_dst, const void *src, size_t size);

/* Whether [addr, addr + len) may be registered as a fixed buffer: 0, -EFAULT (unmapped) or -EOPNOTSUPP
 * (file-backed memory other than shared memory and huge pages, which Linux cannot pin long term).
 * Not an op: a question about the program's address space asked synchronously by io_uring_register. */
int rp_host_check_pinnable(uint64_t addr, uint64_t len);

/*
 * Pins [addr, addr + len) of the program's memory for as long as the shim uses it (IORING_SETUP_NO_MMAP rings,
 * provided-buffer rings in program memory), as Linux's pin_user_pages(FOLL_WRITE | FOLL_LONGTERM) at set-up:
 * 0, or -EFAULT when any page of the range is unmapped or not writable (-ENOMEM when the host is out of
 * memory). *view is the shim's address for the same bytes: the program's writes show there and the shim's
 * show to the program, and it stays valid until unpin even when the program unmaps its range. A kernel
 * references the frames; a hosted OS gives the pages a second mapping (each implementation says what differs).
 * Not an op: io_uring_setup and io_uring_register pin synchronously, before any native ring exists.
 */
struct rp_host_pin;
int rp_host_pin_user(uint64_t addr, uint64_t len, struct rp_host_pin **pin, void **view);
void rp_host_unpin_user(struct rp_host_pin *pin);

/* ---- time, waiting, tasks ---- */
/* Nanoseconds on a Linux clock id (CLOCK_REALTIME 0, CLOCK_MONOTONIC 1, CLOCK_BOOTTIME 7).
 * Not an op: read on every wait and timeout computation; a clock read, not an operation. */
uint64_t rp_host_now_ns(uint32_t clock_id);

/*
 * Sleeps while *word == expected, until woken, until the absolute CLOCK_MONOTONIC deadline (UINT64_MAX: none)
 * or until a signal arrives. Returns 0 (woken or value changed), -ETIME (deadline) or -EINTR (signal).
 * sigmask, when not NULL, is the Linux sigset (sigmask_size bytes) to install for the duration of the sleep.
 * Not an op: this is how the thread inside io_uring_enter sleeps; the native ring's own waits sit below it.
 */
int rp_host_wait(const uint32_t *word, uint32_t expected, uint64_t deadline_ns, const void *sigmask,
                 size_t sigmask_size);
void rp_host_wake(const uint32_t *word, uint32_t count);
/*
 * The same for a word in memory other processes map too (a ring shared across fork): a wake from any
 * process reaches sleepers in every process (Linux: futexes without FUTEX_PRIVATE_FLAG).
 * Not an op: as rp_host_wait.
 */
int rp_host_wait_shared(const uint32_t *word, uint32_t expected, uint64_t deadline_ns, const void *sigmask,
                        size_t sigmask_size);
void rp_host_wake_shared(const uint32_t *word, uint32_t count);

/*
 * A host thread of this process that calls fn(arg) whenever *word (memory shared across processes, bumped and
 * woken with rp_host_wake_shared) changes, and again at the absolute CLOCK_MONOTONIC time fn last returned
 * (UINT64_MAX: none). fn may enter native rings. NULL when no thread can be had. Stop joins the thread; in a
 * forked child, stopping the parent's watch only forgets the copy.
 * Not an op: it is a task of the process (Linux: the task that answers cross-process cancels), not I/O.
 */
struct rp_host_watch;
struct rp_host_watch *rp_host_watch_start(const uint32_t *word, uint64_t (*fn)(void *arg), void *arg);
void rp_host_watch_stop(struct rp_host_watch *watch);

/*
 * Runs fn(arg) soon on a host thread that may enter native rings (the shim's stand-in for Linux's task work
 * when the program is not inside io_uring_enter: link successors, retries, re-armed timers).
 * Not an op: it runs shim code, which the OS cannot; the notify callback that asks for it may not enter.
 */
void rp_host_defer(void (*fn)(void *arg), void *arg);

/*
 * Makes the calling host thread (the SQPOLL watch) look as Linux's ring thread does: named `name` (at most 15
 * characters are kept, as /proc's comm) and, with cpu >= 0, kept on that CPU (SQ_AFF). 0 or -errno;
 * -EOPNOTSUPP where threads have no names. Not an op: it concerns the calling thread.
 */
int rp_host_thread_describe(const char *name, int32_t cpu);

/* CPUs the host can run on (SQ_AFF validation). Not an op: a constant of the machine. */
uint32_t rp_host_cpu_count(void);

/* An id of the calling thread, stable for its lifetime (SINGLE_ISSUER checks). Not an op: who is calling. */
uint64_t rp_host_task_id(void);

/*
 * The calling thread's credentials, as far as io_uring personalities compare them (REGISTER_PERSONALITY
 * snapshots them; an SQE naming a personality runs only while they are still the current ones). groups_hash
 * digests the supplementary groups, which Linux keeps sorted, so equal sets give equal digests. 0 or -errno.
 * Not an op: who is calling, asked synchronously inside io_uring_register and at submission.
 */
struct rp_host_creds {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint32_t ngroups;
	uint32_t reserved;
	uint64_t groups_hash;
};
int rp_host_current_creds(struct rp_host_creds *out);

/* ---- the native ring (the OS) ---- */
/* Not ops: these create, drive and end the channel the ops travel on. */
struct rp_host_ring;
struct rp_host_ring_params {
	uint32_t sq_entries;
	uint32_t cq_entries;
	uint32_t flags;
	uint32_t reserved;
};
struct rp_host_ring_view {
	struct rp_ring_header *sq;
	struct rp_sqe *sqes;
	struct rp_ring_header *cq;
	struct rp_cqe *cqes;
};
int rp_host_ring_create(const struct rp_host_ring_params *params, struct rp_host_ring **ring,
                        struct rp_host_ring_view *view);
/* Consumes every published native SQE; with min_complete, waits as rp_os_ring_enter does. */
int rp_host_ring_enter(struct rp_host_ring *ring, uint32_t min_complete);
/*
 * Makes the OS act now on events that have already happened for its waiting operations (a hosted OS learns
 * of readiness on its own threads; Linux acts inside the waker), and move completions it parked while the
 * native CQ was full into the space freed since. Completions are in the native CQ on return. A kernel that
 * acts on readiness inside the waker has nothing to do here beyond the parked completions.
 */
void rp_host_ring_collect(struct rp_host_ring *ring);
/* fn(ctx) runs on an OS thread after it posted completions; it must not enter or destroy the ring. */
void rp_host_ring_set_notify(struct rp_host_ring *ring, void (*fn)(void *ctx), void *ctx);
void rp_host_ring_destroy(struct rp_host_ring *ring);
/*
 * In a forked child: lets go of a native ring copied from the parent, whose OS threads do not exist here.
 * Nothing is joined, cancelled or completed (the parent still runs it); what the copy holds is released where
 * that is safe, else left alone. The ring must not be used afterwards.
 */
void rp_host_ring_abandon(struct rp_host_ring *ring);

/*
 * Snapshots the calling thread's credentials in the native ring under id (1..65535; a second registration of
 * an id replaces the first), for native entries flagged RP_SQE_CREDS: REGISTER_PERSONALITY, so an SQE under a
 * personality runs with it after the program changed its credentials. 0, -ENOMEM, or -EOPNOTSUPP when the OS
 * has no credential registration (then the shim runs an SQE under a personality only while it equals the
 * current credentials). Not an op: Linux snapshots them inside io_uring_register.
 */
int rp_host_ring_creds(struct rp_host_ring *ring, uint16_t id);

/*
 * The CPUs the native ring's worker threads may run on (REGISTER_IOWQ_AFF): a cpu_set_t-style mask of size
 * bytes; size 0 gives them every CPU again (UNREGISTER_IOWQ_AFF). 0, -EINVAL (no CPU of the process in the
 * mask), or -EOPNOTSUPP when the OS has no worker threads to place (the mask is then only checked and kept).
 * Not an op: Linux sets the io-wq's affinity inside io_uring_register.
 */
int rp_host_ring_wq_affinity(struct rp_host_ring *ring, const void *mask, size_t size);

/* ---- handles the shim holds for the program ---- */
/*
 * A reference that keeps fd's file alive after the program closes fd (registered files, the registered
 * eventfd); -EBADF when fd is not open. Put lets it go.
 * Not an op: Linux's fget/fput; io_uring_register takes it synchronously, and a put happens on completion
 * paths that may not enter the native ring.
 */
int rp_host_file_get(int fd);
void rp_host_file_put(int ref);

/*
 * Adds 1 to the counter of a registered eventfd (a reference from rp_host_file_get); 0 or -errno.
 * Not an op: Linux signals it inside CQ posting, which also runs in the notify callback, where no native
 * enter is allowed.
 */
int rp_host_eventfd_signal(int ref);

/*
 * The shim ring behind a ring fd (MSG_RING targets; CLOSE and file registration refuse ring fds), or NULL.
 * Not an op: ring fds are the host's handles of shim rings; the OS knows nothing of shim rings.
 */
void *rp_host_ring_of_fd(int fd);

/*
 * The shim ring an io_uring_register argument names (REGISTER_CLONE_BUFFERS' source): fd is a ring fd, or with
 * registered != 0 an index into the calling thread's registered rings (REGISTER_RING_FDS). The ring comes back
 * with a reference taken (ringport::shim::ring_ref; the shim drops it with ring_unref), or NULL with *err set
 * to Linux's answer: -EBADF (not open, empty slot), -EINVAL (index out of range), -EOPNOTSUPP (not a ring).
 * Not an op: ring fds and the registered-ring table are the host's handles of shim rings.
 */
void *rp_host_ring_get(uint32_t fd, int registered, int *err);

/*
 * New CQEs were published on a ring whose fd someone polls (see ringport::shim::set_poll_cookie): the host
 * makes the ring fd readable for poll/epoll. Called with the ring's lock held; must not call into the shim.
 * Not an op: the readiness of a ring fd is the shim's CQ, which only the shim sees change.
 */
void rp_host_ring_posted(void *cookie);

/*
 * How many io_uring CQ postings have woken fd's pollers so far: a ring fd's own postings, and for an epoll set
 * those of every ring fd it holds (nested sets too); 0 for a file no posting wakes. Linux tags those wakeups
 * (EPOLL_URING_WAKE) and a multishot poll woken by one turns one-shot. Must not call into the shim.
 */
uint64_t rp_host_uring_wakes(int fd);

#ifdef __cplusplus
}
#endif

#endif /* RINGPORT_SHIM_HOST_H */
