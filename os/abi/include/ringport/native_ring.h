/*
 * ringport native ring ABI: the Redox-style interface the OS speaks.
 *
 * Usable from C99, C++ and freestanding code: it needs only <stdint.h> and <stddef.h>.
 * Every layout here is pinned with static assertions at the end of the file and described in
 * docs/native-abi.md; change both together.
 */
#ifndef RINGPORT_NATIVE_RING_H
#define RINGPORT_NATIVE_RING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version written into rp_ring_header.version by whoever creates a ring. */
#define RP_RING_ABI_VERSION 1u

/*
 * Submission entry: 64 bytes, the Redox v1 field set. Which fields an opcode reads is listed per opcode below
 * and in docs/native-abi.md; fields an opcode does not use must be zero.
 */
struct rp_sqe {
	uint8_t opcode;         /* enum rp_opcode */
	uint8_t flags;          /* RP_SQE_* */
	uint16_t priority;      /* greater runs earlier when the OS has a choice; 0 = normal */
	uint32_t syscall_flags; /* per-opcode flags (O_*, MSG_*, AT_*, ...) with Linux values */
	uint64_t fd;
	uint64_t len;
	uint64_t user_data; /* opaque, copied into the completion */
	uint64_t addr;
	uint64_t offset;
	uint64_t additional1;
	uint64_t additional2;
};

/*
 * Completion entry: 16 bytes. status is the result on success and -errno (Linux numbering) on failure.
 * When RP_CQE_EXTENDED is set, the very next slot of the ring is an rp_cqe_ext carrying the full 64-bit
 * result; both slots are published by one tail update and may wrap around the end of the ring.
 */
struct rp_cqe {
	uint64_t user_data;
	int32_t status;
	uint32_t flags; /* RP_CQE_* */
};

/* The second slot of an extended completion. */
struct rp_cqe_ext {
	int64_t result; /* the full result; negative values are -errno */
	uint64_t reserved;
};

/* Submission entry flags. Unknown bits are refused with -EINVAL. */
enum {
	RP_SQE_DRAIN = 1u << 0, /* start only after every earlier entry of this ring has completed */
	RP_SQE_CHAIN = 1u << 1, /* start only after the previous entry completed; cancelled if it failed */
	/*
	 * The OS owns "would block" (Linux io_uring's FAST_POLL): a transfer (Read..Pwritev) that would block on a
	 * file with readiness (pipe, socket, tty, eventfd) waits for that readiness and is retried, even when the
	 * file is O_NONBLOCK. Without it an O_NONBLOCK file completes with -EAGAIN, as its system call does. A
	 * caller's own RWF_NOWAIT still completes with -EAGAIN.
	 */
	RP_SQE_WAIT_READY = 1u << 2,
	/* Polled I/O (an IOPOLL ring): the file must be open for direct I/O (O_DIRECT), else -EOPNOTSUPP. */
	RP_SQE_DIRECT_ONLY = 1u << 3,
	/*
	 * Result passing between entries: `priority` is not a priority but a register specifier (RP_REG_*): up to
	 * two fields are loaded from the ring's registers (rp_ring_header.registers of the SQ) when the entry
	 * starts, and the result is stored into one when it succeeds. With RP_SQE_CHAIN, a chain such as
	 * open -> read -> write -> close runs without a round trip to the program between its steps.
	 */
	RP_SQE_REGISTERS = 1u << 4,
	/*
	 * Start the entry on one of the OS's worker threads instead of inside the enter that consumed it (Linux's
	 * IOSQE_ASYNC): it never completes inline. What it does there is what it does inline, waits included (an
	 * entry that would block still waits for readiness, without holding the worker). Paths and strings are
	 * copied when the entry is consumed, as always; any other memory it names must stay valid until it
	 * completes. An OS without workers may run it inline: the flag is a placement, not a semantic.
	 */
	RP_SQE_ASYNC = 1u << 6,
};
/*
 * Run with registered credentials (the hosted OS's rp_os_ring_register_creds): `priority` is not a priority but
 * the id they were registered under, as Linux's sqe->personality. Not in RP_SQE_VALID_FLAGS: only an OS that
 * offers credential registration accepts it; any other refuses the entry with -EINVAL like any unknown flag.
 * Not with RP_SQE_REGISTERS or in a chain (-EINVAL).
 */
#define RP_SQE_CREDS 0x20u
#define RP_SQE_VALID_FLAGS \
	((uint8_t)(RP_SQE_DRAIN | RP_SQE_CHAIN | RP_SQE_WAIT_READY | RP_SQE_DIRECT_ONLY | RP_SQE_REGISTERS | RP_SQE_ASYNC))

/*
 * The register specifier (rp_sqe.priority when RP_SQE_REGISTERS is set). A load names an SQE field and a
 * register; the field must be one the opcode reads as a number or an fd or caller memory (not a path or string,
 * which the OS copies when it consumes the entry, and not an unused field). Loading a register that holds no
 * value (its bit in registers_set is clear) completes the entry with -EINVAL. A successful result is stored
 * whole (64 bits) and sets the register's bit; a failure stores nothing.
 *   bits 0-2 first load's field (RP_REG_FIELD_*, 0 none)   bits 3-4 its register
 *   bits 5-7 second load's field                           bits 8-9 its register
 *   bit 10   store the result                              bits 11-12 the register it goes to
 *   bits 13-15 must be zero
 */
#define RP_RING_REGISTER_COUNT 4u
enum rp_reg_field {
	RP_REG_FIELD_NONE = 0,
	RP_REG_FIELD_FD = 1,
	RP_REG_FIELD_ADDR = 2,
	RP_REG_FIELD_LEN = 3,
	RP_REG_FIELD_OFFSET = 4,
	RP_REG_FIELD_A1 = 5,
	RP_REG_FIELD_A2 = 6,
};
#define RP_REG_LOAD(field, reg) ((uint16_t)(((field) & 7u) | (((reg) & 3u) << 3)))
#define RP_REG_LOAD2(field, reg) ((uint16_t)((((field) & 7u) << 5) | (((reg) & 3u) << 8)))
#define RP_REG_STORE(reg) ((uint16_t)((1u << 10) | (((reg) & 3u) << 11)))
#define RP_REG_SPEC_VALID_BITS 0x1fffu

/* Completion entry flags. */
enum {
	RP_CQE_EXTENDED = 1u << 0,    /* the next slot is an rp_cqe_ext with the full 64-bit result */
	RP_CQE_EVENT = 1u << 1,       /* one item of a stream (RegisterEvents); more will follow */
	RP_CQE_LAST_UPDATE = 1u << 2, /* the final completion of a stream */
	/*
	 * Send/Recv/SendMsg/RecvMsg with MSG_WAITALL on a byte-stream or seqpacket socket that moved some bytes and
	 * stopped only because it was not to wait (MSG_DONTWAIT): the rest may still come (MSG_WAITALL's goal).
	 */
	RP_CQE_SHORT_STREAM = 1u << 3,
	/*
	 * Accept: more connections wait on the listening socket after this one; Recv/RecvMsg: more data waits on the
	 * byte stream after this receive (Linux's IORING_CQE_F_SOCK_NONEMPTY, which Linux reports for TCP listeners
	 * and TCP and AF_UNIX streams). A hint: an OS that cannot tell never sets it.
	 */
	RP_CQE_MORE_PENDING = 1u << 4,
};

/* Ring status word bits. */
enum {
	RP_RING_DROP = 1u << 0, /* the other side has shut the ring down: stop producing and consuming */
};

/* Ring header flags (fixed at creation). */
enum {
	RP_RING_INDIRECT = 1u << 0, /* SQ only: slots of the index array name the entry to consume */
	RP_RING_POLLED = 1u << 1,   /* both sides spin on the indices instead of sleeping */
};

/*
 * Standard opcodes. Argument convention (unused fields zero):
 *   fd, addr, len, offset, syscall_flags, additional1 (a1), additional2 (a2).
 * Path arguments are NUL-terminated strings at addr (or a1/a2 where stated). "at" directory fds use
 * AT_FDCWD (-100) sign-extended to 64 bits. A result wider than 31 bits completes as an extended pair.
 */
enum rp_opcode {
	RP_OP_NOP = 0,          /* -> 0 */
	RP_OP_OPEN = 1,         /* addr=path flags=O_* offset=mode -> fd */
	RP_OP_OPENAT = 2,       /* fd=dirfd addr=path flags=O_* offset=mode a1=resolve (openat2 RESOLVE_*) -> fd */
	RP_OP_CLOSE = 3,        /* fd -> 0 */
	RP_OP_CLOSE_RANGE = 4,  /* fd=first offset=last flags=CLOSE_RANGE_* -> 0 */
	RP_OP_READ = 5,         /* fd addr len -> bytes (at the file position) */
	RP_OP_READV = 6,        /* fd addr=iovec* len=iovcnt -> bytes */
	RP_OP_PREAD = 7,        /* fd addr len offset -> bytes */
	RP_OP_PREADV = 8,       /* fd addr=iovec* len=iovcnt offset flags=RWF_* -> bytes */
	RP_OP_WRITE = 9,        /* fd addr len -> bytes */
	RP_OP_WRITEV = 10,      /* fd addr=iovec* len=iovcnt -> bytes */
	RP_OP_PWRITE = 11,      /* fd addr len offset -> bytes */
	RP_OP_PWRITEV = 12,     /* fd addr=iovec* len=iovcnt offset flags=RWF_* -> bytes */
	RP_OP_DUP = 13,         /* fd flags=O_CLOEXEC offset=target fd or UINT64_MAX for lowest free -> fd */
	RP_OP_MMAP = 14,        /* addr=hint len fd offset flags=MAP_* a1=PROT_* -> address (extended) */
	RP_OP_MUNMAP = 15,      /* addr len -> 0 */
	RP_OP_LSEEK = 16,       /* fd offset (signed) flags=SEEK_* -> new offset (extended when wide) */
	RP_OP_FSYNC = 17,       /* fd -> 0 */
	RP_OP_FDATASYNC = 18,   /* fd -> 0 */
	RP_OP_SYNC_RANGE = 19,  /* fd offset len flags=SYNC_FILE_RANGE_* -> 0 */
	RP_OP_STATX = 20,       /* fd=dirfd addr=path flags=AT_* len=mask a1=struct statx* -> 0 */
	RP_OP_FTRUNCATE = 21,   /* fd offset=length -> 0 */
	RP_OP_FALLOCATE = 22,   /* fd flags=mode offset len -> 0 */
	RP_OP_FADVISE = 23,     /* fd offset len flags=POSIX_FADV_* -> 0 */
	RP_OP_MADVISE = 24,     /* addr len flags=MADV_* -> 0 */
	RP_OP_RENAMEAT = 25,    /* fd=olddirfd addr=oldpath a1=newdirfd a2=newpath flags=RENAME_* -> 0 */
	RP_OP_UNLINKAT = 26,    /* fd=dirfd addr=path flags=AT_REMOVEDIR -> 0 */
	RP_OP_MKDIRAT = 27,     /* fd=dirfd addr=path offset=mode -> 0 */
	RP_OP_SYMLINKAT = 28,   /* addr=target fd=newdirfd a1=linkpath -> 0 */
	RP_OP_LINKAT = 29,      /* fd=olddirfd addr=oldpath a1=newdirfd a2=newpath flags=AT_* -> 0 */
	RP_OP_GETXATTR = 30,    /* a2=path addr=name a1=value len=size -> size */
	RP_OP_SETXATTR = 31,    /* a2=path addr=name a1=value len=size flags=XATTR_* -> 0 */
	RP_OP_FGETXATTR = 32,   /* fd addr=name a1=value len=size -> size */
	RP_OP_FSETXATTR = 33,   /* fd addr=name a1=value len=size flags=XATTR_* -> 0 */
	RP_OP_POLL = 34,        /* fd flags=POLL* events -> revents (one shot) */
	RP_OP_REGISTER_EVENTS = 35, /* fd flags=POLL* events: a stream of RP_CQE_EVENT completions with revents,
	                             * ended by one RP_CQE_LAST_UPDATE completion (after Cancel or an error) */
	RP_OP_SOCKET = 36,      /* offset=domain flags=type len=protocol -> fd */
	RP_OP_BIND = 37,        /* fd addr=sockaddr* len=addrlen -> 0 */
	RP_OP_LISTEN = 38,      /* fd len=backlog -> 0 */
	RP_OP_ACCEPT = 39,      /* fd addr=sockaddr* a1=socklen_t* flags=SOCK_* -> fd */
	RP_OP_CONNECT = 40,     /* fd addr=sockaddr* len=addrlen -> 0 */
	RP_OP_SEND = 41,        /* fd addr len flags=MSG_* -> bytes */
	RP_OP_RECV = 42,        /* fd addr len flags=MSG_* -> bytes */
	RP_OP_SENDMSG = 43,     /* fd addr=msghdr* flags=MSG_* -> bytes */
	RP_OP_RECVMSG = 44,     /* fd addr=msghdr* flags=MSG_* -> bytes */
	RP_OP_SHUTDOWN = 45,    /* fd len=how -> 0 */
	RP_OP_SPLICE = 46,      /* fd=in offset=in offset or UINT64_MAX a1=out fd a2=out offset or UINT64_MAX len
	                         * flags=SPLICE_F_* -> bytes */
	RP_OP_TEE = 47,         /* fd=in a1=out fd len flags=SPLICE_F_* -> bytes */
	RP_OP_TIMEOUT = 48,     /* offset=nanoseconds flags=RP_TIMEOUT_* -> -ETIME when it fires */
	RP_OP_CANCEL = 49,      /* addr=user_data of the target -> 0, -ENOENT (not found), -EALREADY (running) */
	RP_OP_WAITPID = 50,     /* fd=id flags=idtype (P_*) len=options (W*) addr=siginfo_t* -> 0 */
	RP_OP_FUTEX = 51,       /* flags=RP_FUTEX_* op; see enum rp_futex_op */
	RP_OP_FILE_INFO = 52,   /* fd a1=another fd or UINT64_MAX -> RP_FILE_* bits */
	RP_OP_PIPE = 53,        /* addr=int[2] (read end, write end) flags=O_* -> 0 */
	RP_OP_EPOLL_WAIT = 54,  /* fd=epoll fd addr=struct epoll_event* len=maxevents -> events (never 0: waits) */
	RP_OP_STANDARD_COUNT = 55,

	RP_OP_SCHEME_PRIVATE = 128 /* 128..255: meaning defined by the scheme that owns the fd */
};

/* Scheme-private opcodes of sockets (the OS's own socket scheme: fds from Socket and Accept). */
enum rp_socket_opcode {
	RP_OP_SOCKET_GETOPT = 128, /* fd offset=level len=optname addr=optval a1=optlen -> the option's length */
	RP_OP_SOCKET_SETOPT = 129, /* fd offset=level len=optname addr=optval a1=optlen -> 0 */
	RP_OP_SOCKET_QUEUED = 130, /* fd flags=RP_SOCKET_QUEUED_* -> bytes */
	RP_OP_SOCKET_TX_TIMESTAMPS = 131 /* fd addr=struct rp_tx_timestamp[len] len -> records taken (never waits) */
};
enum {
	RP_SOCKET_QUEUED_IN = 0,  /* received, not yet read (SIOCINQ) */
	RP_SOCKET_QUEUED_OUT = 1  /* written, not yet sent (SIOCOUTQ) */
};

/*
 * One transmit timestamp RP_OP_SOCKET_TX_TIMESTAMPS took off a socket's error queue (SO_TIMESTAMPING): the key
 * and type the kernel gave it (sock_extended_err's ee_data and ee_info) and the time itself.
 */
struct rp_tx_timestamp {
	uint32_t key;   /* SOF_TIMESTAMPING_OPT_ID's counter, or the TCP byte it stamps */
	uint32_t type;  /* SCM_TSTAMP_SND (0), SCM_TSTAMP_SCHED (1), SCM_TSTAMP_ACK (2) */
	int64_t sec;
	uint32_t nsec;
	uint32_t flags; /* RP_TX_TIMESTAMP_HW: taken by the hardware, not the software */
};
enum {
	RP_TX_TIMESTAMP_HW = 1,
	RP_TX_TIMESTAMPS_MAX = 64 /* records one RP_OP_SOCKET_TX_TIMESTAMPS takes at most (a larger len is -EINVAL) */
};

/*
 * RP_OP_FILE_INFO result bits: the facts about an open file a consumer of the ring may need before it chooses
 * what to submit (Linux's io_uring asks its own file objects the same). -EBADF when fd is not open.
 */
enum {
	RP_FILE_POLLABLE = 1u << 0, /* the file reports readiness (pipe, socket, tty, eventfd; not a regular file,
	                             * directory or block device) */
	RP_FILE_SAME = 1u << 1,     /* a1 names the same open file as fd */
};

/* Timeout flags (RP_OP_TIMEOUT syscall_flags). */
enum {
	RP_TIMEOUT_ABS = 1u << 0,      /* offset is an absolute time on the chosen clock */
	RP_TIMEOUT_BOOTTIME = 1u << 1, /* CLOCK_BOOTTIME instead of CLOCK_MONOTONIC */
	RP_TIMEOUT_REALTIME = 1u << 2, /* CLOCK_REALTIME instead of CLOCK_MONOTONIC */
};

/*
 * Futex operations (RP_OP_FUTEX syscall_flags). Futex words are 32-bit.
 *   WAIT:  addr=word offset=expected value a1=bitset (0 means all) -> 0, -EAGAIN if the value differs
 *   WAKE:  addr=word len=max waiters a1=bitset (0 means all) -> number woken
 *   WAITV: addr=struct rp_futex_waitv[] len=count (1..RP_FUTEX_WAITV_MAX) -> index of the woken entry
 */
enum rp_futex_op {
	RP_FUTEX_WAIT = 0,
	RP_FUTEX_WAKE = 1,
	RP_FUTEX_WAITV = 2,
};
/* OR-ed into a Wait or Wake op: the word is private to the process (Linux FUTEX_PRIVATE_FLAG, FUTEX2_PRIVATE).
 * Without it the futex is shared, which also works across processes mapping the word. A private wake never
 * reaches a shared waiter, so waiter and waker must agree. Waitv entries carry their own flags. */
#define RP_FUTEX_PRIVATE_FLAG 128u
#define RP_FUTEX_WAITV_MAX 128u

/* One element of a WAITV vector, laid out like Linux's struct futex_waitv. */
struct rp_futex_waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags; /* must be 2 (32-bit futex); bit 7 private */
	uint32_t reserved;
};

/* Cache line the indices are padded to: 128 bytes covers x86_64 adjacent-line prefetch. */
#define RP_RING_INDEX_ALIGN 128u

/*
 * Ring header, one per ring (SQ or CQ). head is written only by the consumer, tail only by the producer; both
 * are free-running 64-bit counters (the slot is index & mask). A sleeping side waits on the low 32 bits of the
 * index it waits for, after announcing itself in *_waiters, so the other side only makes a wake call when
 * someone sleeps.
 */
struct rp_ring_header {
	uint64_t head;
	uint32_t head_waiters; /* producers sleeping until head moves (ring full) */
	uint8_t pad_head[RP_RING_INDEX_ALIGN - 12];

	uint64_t tail;
	uint32_t tail_waiters; /* consumers sleeping until tail moves (ring empty) */
	uint8_t pad_tail[RP_RING_INDEX_ALIGN - 12];

	uint32_t version;     /* RP_RING_ABI_VERSION */
	uint32_t entry_count; /* a power of two */
	uint32_t mask;        /* entry_count - 1 */
	uint32_t flags;       /* RP_RING_* (fixed at creation) */
	uint32_t status;      /* RP_RING_DROP */
	uint32_t entry_size;  /* sizeof(rp_sqe) or sizeof(rp_cqe) */
	uint64_t dropped;     /* entries refused by the consumer (bad indirect index) */
	/* SQ only: the registers of RP_SQE_REGISTERS. The program may set them (then set their bit) before it
	 * submits; the OS stores results into them. Unused in a CQ header. */
	int64_t registers[RP_RING_REGISTER_COUNT];
	uint32_t registers_set; /* bit i: registers[i] holds a value */
	uint8_t pad_end[RP_RING_INDEX_ALIGN - 68];
};

/* Errors of ring operations (not of opcodes): returned negated by the C++ helpers' Result. */
enum rp_ring_error {
	RP_RING_OK = 0,
	RP_RING_EMPTY = 1,     /* nothing to consume */
	RP_RING_FULL = 2,      /* no room to produce */
	RP_RING_CORRUPT = 3,   /* tail - head exceeds entry_count, or a bad header field */
	RP_RING_BAD_INDEX = 4, /* an indirect index outside the entry array */
	RP_RING_DROPPED = 5,   /* the ring is marked RP_RING_DROP */
};

#if defined(__cplusplus)
#define RP_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define RP_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

RP_STATIC_ASSERT(sizeof(struct rp_sqe) == 64, "rp_sqe is 64 bytes");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, opcode) == 0, "rp_sqe.opcode");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, flags) == 1, "rp_sqe.flags");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, priority) == 2, "rp_sqe.priority");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, syscall_flags) == 4, "rp_sqe.syscall_flags");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, fd) == 8, "rp_sqe.fd");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, len) == 16, "rp_sqe.len");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, user_data) == 24, "rp_sqe.user_data");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, addr) == 32, "rp_sqe.addr");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, offset) == 40, "rp_sqe.offset");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, additional1) == 48, "rp_sqe.additional1");
RP_STATIC_ASSERT(offsetof(struct rp_sqe, additional2) == 56, "rp_sqe.additional2");
RP_STATIC_ASSERT(sizeof(struct rp_cqe) == 16, "rp_cqe is 16 bytes");
RP_STATIC_ASSERT(offsetof(struct rp_cqe, user_data) == 0, "rp_cqe.user_data");
RP_STATIC_ASSERT(offsetof(struct rp_cqe, status) == 8, "rp_cqe.status");
RP_STATIC_ASSERT(offsetof(struct rp_cqe, flags) == 12, "rp_cqe.flags");
RP_STATIC_ASSERT(sizeof(struct rp_cqe_ext) == sizeof(struct rp_cqe), "an extension fills one CQ slot");
RP_STATIC_ASSERT(sizeof(struct rp_futex_waitv) == 24, "rp_futex_waitv matches futex_waitv");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, head) == 0, "head on line 0");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, head_waiters) == 8, "head_waiters");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, tail) == RP_RING_INDEX_ALIGN, "tail on its own line");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, tail_waiters) == RP_RING_INDEX_ALIGN + 8, "tail_waiters");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, version) == 2 * RP_RING_INDEX_ALIGN, "fields after the indices");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, entry_count) == 2 * RP_RING_INDEX_ALIGN + 4, "entry_count");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, mask) == 2 * RP_RING_INDEX_ALIGN + 8, "mask");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, flags) == 2 * RP_RING_INDEX_ALIGN + 12, "flags");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, status) == 2 * RP_RING_INDEX_ALIGN + 16, "status");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, entry_size) == 2 * RP_RING_INDEX_ALIGN + 20, "entry_size");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, dropped) == 2 * RP_RING_INDEX_ALIGN + 24, "dropped");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, registers) == 2 * RP_RING_INDEX_ALIGN + 32, "registers");
RP_STATIC_ASSERT(offsetof(struct rp_ring_header, registers_set) == 2 * RP_RING_INDEX_ALIGN + 64, "registers_set");
RP_STATIC_ASSERT(sizeof(struct rp_ring_header) == 3 * RP_RING_INDEX_ALIGN, "header is three index lines");
/* Flag and opcode values are ABI too (docs/native-abi.md lists them). */
RP_STATIC_ASSERT(RP_SQE_DRAIN == 1 && RP_SQE_CHAIN == 2 && RP_SQE_WAIT_READY == 4 && RP_SQE_DIRECT_ONLY == 8 &&
                     RP_SQE_REGISTERS == 16 && RP_SQE_ASYNC == 64,
                 "submission flags");
RP_STATIC_ASSERT(RP_SQE_VALID_FLAGS == 95, "every submission flag is valid, nothing else");
RP_STATIC_ASSERT(RP_SQE_CREDS == 32 && !(RP_SQE_CREDS & RP_SQE_VALID_FLAGS), "RP_SQE_CREDS: its own bit, outside the flags every OS takes");
RP_STATIC_ASSERT(RP_REG_LOAD(RP_REG_FIELD_A2, 3) == 0x1e && RP_REG_LOAD2(RP_REG_FIELD_A2, 3) == 0x3c0 &&
                     RP_REG_STORE(3) == 0x1c00,
                 "register specifier bits");
RP_STATIC_ASSERT(RP_CQE_EXTENDED == 1 && RP_CQE_EVENT == 2 && RP_CQE_LAST_UPDATE == 4 && RP_CQE_SHORT_STREAM == 8 &&
                     RP_CQE_MORE_PENDING == 16,
                 "completion flags");
RP_STATIC_ASSERT(RP_OP_FUTEX == 51 && RP_OP_FILE_INFO == 52 && RP_OP_PIPE == 53 && RP_OP_EPOLL_WAIT == 54 &&
                     RP_OP_STANDARD_COUNT == 55,
                 "standard opcodes");
RP_STATIC_ASSERT(RP_FILE_POLLABLE == 1 && RP_FILE_SAME == 2, "FILE_INFO result bits");
RP_STATIC_ASSERT(RP_OP_SOCKET_GETOPT == 128 && RP_OP_SOCKET_SETOPT == 129 && RP_OP_SOCKET_QUEUED == 130 &&
                     RP_OP_SOCKET_TX_TIMESTAMPS == 131,
                 "socket scheme opcodes");
RP_STATIC_ASSERT(sizeof(struct rp_tx_timestamp) == 24 && offsetof(struct rp_tx_timestamp, type) == 4 &&
                     offsetof(struct rp_tx_timestamp, sec) == 8 && offsetof(struct rp_tx_timestamp, nsec) == 16 &&
                     offsetof(struct rp_tx_timestamp, flags) == 20,
                 "rp_tx_timestamp layout");
RP_STATIC_ASSERT(RP_TX_TIMESTAMP_HW == 1 && RP_TX_TIMESTAMPS_MAX == 64, "TX timestamp constants");

#ifdef __cplusplus
}
#endif

#endif /* RINGPORT_NATIVE_RING_H */
