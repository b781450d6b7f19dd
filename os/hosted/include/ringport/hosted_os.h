/*
 * The hosted OS: consumes native rings inside a Linux process and executes each standard opcode with real
 * Linux system calls (see docs/native-abi.md for what every opcode does here).
 *
 * This is the userspace-to-kernel attachment: the caller produces SQEs and consumes CQEs, the OS consumes
 * SQEs and produces CQEs. Plain C so that C tests, the libc glue and the kernel shim's host layer can use it.
 */
#ifndef RINGPORT_HOSTED_OS_H
#define RINGPORT_HOSTED_OS_H

#include <ringport/native_ring.h>
#include <stddef.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rp_os_ring_params {
	uint32_t sq_entries; /* power of two, 1..32768 */
	uint32_t cq_entries; /* power of two, 2..65536; at least 2 so an extended pair fits */
	uint32_t flags;      /* RP_RING_INDIRECT (SQ index array), RP_RING_POLLED */
	uint32_t reserved;   /* must be 0 */
};

/* Where a ring's memory sits in this process. The OS owns it until rp_os_ring_destroy(). */
struct rp_os_ring_view {
	struct rp_ring_header *sq;
	struct rp_sqe *sqes;
	uint32_t *sq_indirect; /* NULL unless RP_RING_INDIRECT */
	struct rp_ring_header *cq;
	struct rp_cqe *cqes;
};

typedef struct rp_os_ring rp_os_ring;

/* Creates a ring. Returns 0, or -EINVAL for bad params, -ENOMEM. */
int rp_os_ring_create(const struct rp_os_ring_params *params, rp_os_ring **ring, struct rp_os_ring_view *view);

/*
 * The native enter call. Consumes every SQE published so far: work that can finish without blocking
 * completes inline, before this returns; the rest is handed to the reactor or the worker pool. Then, when
 * min_complete > 0, sleeps until at least min_complete completions are unconsumed in the CQ, or the relative
 * timeout passes (-ETIME), or the ring is dropped. Returns the number of SQEs consumed, or -errno.
 * One thread at a time per ring (the SQ has one producer); completions may be posted from any OS thread.
 */
int rp_os_ring_enter(rp_os_ring *ring, uint32_t min_complete, uint32_t flags, const struct timespec *timeout);

/*
 * Credentials for entries flagged RP_SQE_CREDS (docs/native-abi.md, "Credentials"): register snapshots the
 * calling thread's credentials (uids, gids, fs ids, supplementary groups) under id (1..65535); an entry whose
 * `priority` names the id runs with them. A new registration of an id replaces the old one; ops already issued
 * keep what they were issued with. 0, -EINVAL (id 0) or -ENOMEM.
 */
int rp_os_ring_register_creds(rp_os_ring *ring, uint16_t id);

/*
 * The CPUs the ring's worker threads may run on (Linux's IORING_REGISTER_IOWQ_AFF): a cpu_set_t-style mask of
 * `size` bytes, applied to the workers that exist and to every later one. size 0 (mask ignored) gives them back
 * every CPU the process may use. 0, or -EINVAL when the mask names no CPU the process may use.
 */
int rp_os_ring_worker_cpus(rp_os_ring *ring, const void *mask, size_t size);

/*
 * Called after the OS posts completions from one of its own threads (never from inside rp_os_ring_enter on
 * the calling thread: what completes inline is the caller's to reap when enter returns). The callback must
 * not call rp_os_ring_destroy or rp_os_ring_enter; it may consume the CQ.
 */
typedef void (*rp_os_notify_fn)(void *ctx);
void rp_os_ring_set_notify(rp_os_ring *ring, rp_os_notify_fn fn, void *ctx);

/*
 * Acts now on readiness Linux has already signalled for this ring's waiting operations (Linux runs a poll
 * wakeup inside the waker's system call; the reactor learns of it on its own thread). What completes is in
 * the CQ when this returns, without a notify call, as with rp_os_ring_enter. Like enter, it also moves
 * completions parked while the CQ was full into the space the consumer has freed.
 */
void rp_os_ring_collect(rp_os_ring *ring);

/*
 * Acts now on readiness Linux has already signalled to the reactors of every ring of the process, and calls
 * the notify callback of each ring that got completions from it. Linux runs a poll wakeup inside the waker's
 * system call; the reactors learn of it on their own threads, so the libc glue calls this at the program's
 * poll and epoll calls to show what Linux would already show. Not from a notify callback.
 */
void rp_os_collect_readiness(void);

/*
 * fn(fd) runs whenever the OS is about to look at fd's readiness (Poll's inline check, a new registration with
 * the reactor), on the thread doing so, possibly under a ring's lock: it must not call into the OS. libringport
 * uses it for ring fds, whose readiness is the ring's CQ (docs/glue.md); a kernel has no such files to emulate.
 */
void rp_os_set_readiness_hook(void (*fn)(int fd));

/*
 * Address space the embedding keeps for itself (libringport's private heap, libc-glue/src/private_heap.cpp):
 * to the program it is what kernel memory is on Linux. An operation handed a buffer, a string or a structure
 * that overlaps it fails as Linux fails for a kernel pointer (-EFAULT; MADVISE -ENOMEM, MUNMAP -EINVAL, a
 * MAP_FIXED MMAP -ENOMEM), before any system call. Ranges are added, never removed (the heap never gives
 * address space back), from any thread; adjacent ones merge. rp_os_private_overlaps answers whether
 * [addr, addr + len) (a zero len counts as one byte; a range that wraps overlaps) touches one.
 */
void rp_os_add_private_range(uint64_t lo, uint64_t hi);
int rp_os_private_overlaps(uint64_t addr, uint64_t len);

/*
 * The program is about to close fd (or replace it with dup2): operations waiting for it keep its file, as
 * Linux's requests hold theirs, by moving to a duplicate the OS owns and closes when they are done. The libc
 * glue calls this from close, dup2 and dup3. Not under a ring's lock, not for the OS's own fds.
 */
void rp_os_fd_closing(int fd);
/* The same for every fd in [first, last] (close_range, closefrom). */
void rp_os_fd_range_closing(unsigned first, unsigned last);

/*
 * The OS's private fds (os/hosted/src/private_fds.cpp): the descriptors the OS and its embedding keep for
 * themselves (epoll, eventfd, timerfds, ring memory, the duplicates that hold a program's files) live in the
 * process's fd table but are not the program's. They are made above the program's soft RLIMIT_NOFILE when the
 * hard limit allows it (so they neither take the program's numbers nor count against its limit), else at the
 * top of its range. The libc glue refuses the program's close, close_range, dup2 and dup3 on them with EBADF,
 * as Linux answers for an fd the program never had.
 *
 * rp_os_private_syscall makes one: the fd-returning system call n(a, b, c) (memfd_create, eventfd2,
 * F_DUPFD_CLOEXEC of a program fd, ...) runs with the limit raised; returns the fd or -errno.
 * rp_os_private_dup duplicates fd as one (one F_DUPFD straight to the place; the fd or -errno).
 * rp_os_private_close closes one (0 or -errno); rp_os_is_private_fd says whether fd is one.
 */
long rp_os_private_syscall(long n, long a, long b, long c);
int rp_os_private_dup(int fd);
int rp_os_private_close(int fd);
int rp_os_is_private_fd(int fd);
/* The lowest private fd >= from, or -1: close_range walks around them. */
int rp_os_next_private_fd(int from);

/*
 * The program's sigaction for the signal the OS interrupts its blocked workers with (teardown). Returns 0 when
 * sig is not that signal (the caller does the real sigaction), else 1 after reading the program's action into
 * *old and recording *act (either may be NULL): the program's action is kept aside and run by the OS's handler
 * whenever the signal is not the OS's own interrupt, so a program's handler can neither take the signal from
 * the OS nor hang its teardown (os/hosted/src/workers.cpp). The glue's sigaction and signal interposers call it.
 */
struct sigaction;
int rp_os_program_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/*
 * Pins [addr, addr + len) of the program's memory for the shim's lasting use (host.h rp_host_pin_user): every
 * page mapped readable and writable, else -EFAULT. *view is the OS's alias of the same bytes, valid until
 * rp_os_unpin_user even after the program unmaps its range (os/hosted/src/pinning.cpp says how, and what
 * differs from Linux).
 */
struct rp_os_pin;
int rp_os_pin_user(uint64_t addr, uint64_t len, struct rp_os_pin **pin, void **view);
void rp_os_unpin_user(struct rp_os_pin *pin);

/* Cancels what is in flight, waits for every worker to let go of the ring, frees it. */
void rp_os_ring_destroy(rp_os_ring *ring);

/*
 * In a child forked from the process that runs the ring: the copy's threads do not exist and its locks may
 * look held, so nothing is joined, cancelled or freed; only the copy's own descriptors and ring memory are
 * released. The parent's ring is unaffected. The copy must not be used afterwards.
 */
void rp_os_ring_abandon(rp_os_ring *ring);

/*
 * Userspace-to-userspace attachment: a ring in a memfd shared by two processes, with no OS in the data path.
 * One side produces SQEs and consumes CQEs, the other the reverse; each sleeps and wakes the other with shared
 * futexes on the indices (native_ring_linux.hpp: wait_for_tail/wait_for_head, publish_and_wake, shut_down).
 * The memfd passes to the other process by fork or SCM_RIGHTS; it is close-on-exec.
 */
struct rp_shared_ring {
	int memfd;
	void *base;  /* the whole mapping */
	size_t size; /* bytes mapped: the memfd's size */
	struct rp_os_ring_view view;
};

/* Creates the memfd and both rings in it, mapped here. 0, -EINVAL for bad params, or -errno. */
int rp_shared_ring_create(const struct rp_os_ring_params *params, struct rp_shared_ring *ring);
/* Maps a ring another process created, checking that its headers describe a ring that fits: 0 or -EINVAL.
 * On success the ring owns memfd (detach closes it). */
int rp_shared_ring_attach(int memfd, struct rp_shared_ring *ring);
/* Unmaps and closes the memfd. */
void rp_shared_ring_detach(struct rp_shared_ring *ring);

/*
 * Kernel-to-userspace attachment: a server process registers a scheme NAME; in any process, an Open or OpenAt
 * of "NAME:rest" on a hosted ring is forwarded to it (when no such file exists on the host), and Read, Pread,
 * Write, Pwrite, Close and scheme-private opcodes (128..255) on the fd it returns are forwarded too. Other
 * opcodes on such an fd complete with -EOPNOTSUPP (-ENOTDIR as a directory fd). At most 64 KiB move per
 * request (a larger Read/Write is short) and 64 requests per client are in flight (more: -EAGAIN).
 */
typedef struct rp_scheme_server rp_scheme_server;

struct rp_scheme_request {
	struct rp_sqe sqe; /* opcode, flags; fd = the server's handle (Open's result); user_data = the OS's tag */
	void *data;        /* Open: the path after "NAME:" (NUL-terminated); Write/Pwrite: the bytes;
	                    * Read/Pread: where to put them. NULL for other opcodes. Valid until the reply. */
	uint64_t data_len; /* bytes at data */
	uint32_t client;   /* which OS instance asked */
	uint32_t reserved;
};

/* Registers NAME (letters, digits, '_', '-', '.'; at most 64): 0, -EINVAL, -EADDRINUSE if taken, -errno. */
int rp_scheme_server_create(const char *name, rp_scheme_server **server);
/* Waits up to timeout_ms (-1: forever) for the next request of any client: 0, or -ETIME. */
int rp_scheme_server_next(rp_scheme_server *server, struct rp_scheme_request *req, int timeout_ms);
/* Completes a request: result is its status (Open: a handle >= 0; Read/Write: bytes; else 0) or -errno. */
int rp_scheme_server_reply(rp_scheme_server *server, const struct rp_scheme_request *req, int64_t result);
/* Unregisters NAME and drops every client (their pending requests stay unanswered). */
void rp_scheme_server_destroy(rp_scheme_server *server);

#ifdef __cplusplus
}
#endif

#endif /* RINGPORT_HOSTED_OS_H */
