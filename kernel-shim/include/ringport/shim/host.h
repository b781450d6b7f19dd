/*
 * The kernel shim's host interface: everything the shim needs from its environment. The shim is
 * freestanding C++20 and calls nothing else (plus memcpy, memset, memmove and memcmp, which every
 * freestanding C/C++ environment must provide, as compilers emit calls to them).
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
/* Zeroed, 64-byte aligned memory for shim bookkeeping; NULL when exhausted. */
void *rp_host_alloc(size_t size);
void rp_host_free(void *ptr, size_t size);

/*
 * Ring memory: zeroed pages the program can map (mmap on the ring fd) while the shim keeps its own view at
 * *addr. size is a multiple of the page size.
 */
struct rp_host_region;
int rp_host_region_create(size_t size, struct rp_host_region **region, void **addr);
void rp_host_region_destroy(struct rp_host_region *region);

/* Copies between shim memory and the calling program's memory; -EFAULT for an unreadable/unwritable range. */
int rp_host_copy_from_user(void *dst, uint64_t user_src, size_t size);
int rp_host_copy_to_user(uint64_t user_dst, const void *src, size_t size);

/* ---- time, waiting, tasks ---- */
/* Nanoseconds on a Linux clock id (CLOCK_REALTIME 0, CLOCK_MONOTONIC 1, CLOCK_BOOTTIME 7). */
uint64_t rp_host_now_ns(uint32_t clock_id);

/*
 * Sleeps while *word == expected, until woken, until the absolute CLOCK_MONOTONIC deadline (UINT64_MAX: none)
 * or until a signal arrives. Returns 0 (woken or value changed), -ETIME (deadline) or -EINTR (signal).
 * sigmask, when not NULL, is the Linux sigset (sigmask_size bytes) to install for the duration of the sleep.
 */
int rp_host_wait(const uint32_t *word, uint32_t expected, uint64_t deadline_ns, const void *sigmask,
                 size_t sigmask_size);
void rp_host_wake(const uint32_t *word, uint32_t count);
/*
 * The same for a word in memory other processes map too (a ring shared across fork): a wake from any
 * process reaches sleepers in every process (Linux: futexes without FUTEX_PRIVATE_FLAG).
 */
int rp_host_wait_shared(const uint32_t *word, uint32_t expected, uint64_t deadline_ns, const void *sigmask,
                        size_t sigmask_size);
void rp_host_wake_shared(const uint32_t *word, uint32_t count);

/*
 * A host thread of this process that calls fn(arg) whenever *word (memory shared across processes, bumped and
 * woken with rp_host_wake_shared) changes, and again at the absolute CLOCK_MONOTONIC time fn last returned
 * (UINT64_MAX: none). fn may enter native rings. NULL when no thread can be had. Stop joins the thread; in a
 * forked child, stopping the parent's watch only forgets the copy.
 */
struct rp_host_watch;
struct rp_host_watch *rp_host_watch_start(const uint32_t *word, uint64_t (*fn)(void *arg), void *arg);
void rp_host_watch_stop(struct rp_host_watch *watch);

/* CPUs the host can run on (SQ_AFF validation). */
uint32_t rp_host_cpu_count(void);

/* An id of the calling thread, stable for its lifetime (SINGLE_ISSUER checks). */
uint64_t rp_host_task_id(void);

/* ---- the native ring (the OS) ---- */
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
 * native CQ was full into the space freed since. Completions are in the native CQ on return.
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
 * Runs fn(arg) soon on a host thread that may enter native rings (the shim's stand-in for Linux's task work
 * when the program is not inside io_uring_enter: link successors, retries, re-armed timers).
 */
void rp_host_defer(void (*fn)(void *arg), void *arg);

/* ---- files ---- */
/* What fd is: -EBADF (not open), 0 (an ordinary file), 1 (an io_uring fd). */
int rp_host_fd_kind(int fd);
/* File status flags of fd (O_*), or -EBADF. */
int rp_host_fd_flags(int fd);
/* 1 when fd is a stream or seqpacket socket (MSG_WAITALL retries apply), 0 otherwise. */
int rp_host_fd_is_stream(int fd);
/* 1 when fd can be polled for readiness (pipes, sockets, ttys, eventfds: not regular files, directories or
 * block devices), 0 when not, -EBADF when fd is not open. */
int rp_host_fd_pollable(int fd);
/* 1 when both fds name the same open file, 0 when not, -errno when unknown. */
int rp_host_same_file(int fd1, int fd2);
/* A reference that keeps fd's file alive after the program closes fd (registered files). -errno on failure. */
int rp_host_file_get(int fd);
void rp_host_file_put(int ref);
/* The shim ring behind a ring fd (MSG_RING targets), or NULL. */
void *rp_host_ring_of_fd(int fd);
/* The OS is about to wait for readiness of fd: if fd is a ring fd, make its readiness track its CQ. */
void rp_host_fd_watch(int fd);
/* Whether [addr, addr + len) may be registered as a fixed buffer: 0, -EFAULT (unmapped) or -EOPNOTSUPP
 * (file-backed memory other than shared memory and huge pages, which Linux cannot pin long term). */
int rp_host_check_pinnable(uint64_t addr, uint64_t len);

/* Adds 1 to an eventfd counter (registered eventfd); returns 0 or -errno. */
int rp_host_eventfd_signal(int ref);

/*
 * New CQEs were published on a ring whose fd someone polls (see ringport::shim::set_poll_cookie): the host
 * makes the ring fd readable for poll/epoll. Called with the ring's lock held; must not call into the shim.
 */
void rp_host_ring_posted(void *cookie);

#ifdef __cplusplus
}
#endif

#endif /* RINGPORT_SHIM_HOST_H */
