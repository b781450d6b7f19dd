// Linux io_uring user ABI (as of liburing 2.15 / Linux 6.18), restated for ringport.
//
// Everything lives in namespace ringport::lx with the IORING_/IOSQE_ prefixes dropped, so a translation unit
// may include this header together with liburing's <liburing/io_uring.h> (whose names are macros and global
// structs) without a clash. Struct layouts are pinned by static_asserts at the end; the values are checked
// against liburing's own header by tests/shim/uapi_crosscheck.cpp.
//
// Freestanding: needs only compiler builtins (no libc, no kernel headers).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace ringport::lx {

// ---- submission queue entry (64 bytes; 128 with SETUP_SQE128, the second half being cmd space) ----
struct io_uring_sqe {
	uint8_t opcode; // enum op
	uint8_t flags;  // SQE_* below
	uint16_t ioprio;
	int32_t fd;
	union {
		uint64_t off;
		uint64_t addr2;
		struct {
			uint32_t cmd_op;
			uint32_t pad1;
		};
	};
	union {
		uint64_t addr;
		uint64_t splice_off_in;
		struct {
			uint32_t level;
			uint32_t optname;
		};
	};
	uint32_t len;
	union { // the op-specific flags word; every name aliases the same 32 bits
		int32_t rw_flags;
		uint32_t fsync_flags;
		uint16_t poll_events;
		uint32_t poll32_events;
		uint32_t sync_range_flags;
		uint32_t msg_flags;
		uint32_t timeout_flags;
		uint32_t accept_flags;
		uint32_t cancel_flags;
		uint32_t open_flags;
		uint32_t statx_flags;
		uint32_t fadvise_advice;
		uint32_t splice_flags;
		uint32_t rename_flags;
		uint32_t unlink_flags;
		uint32_t hardlink_flags;
		uint32_t xattr_flags;
		uint32_t msg_ring_flags;
		uint32_t uring_cmd_flags;
		uint32_t waitid_flags;
		uint32_t futex_flags;
		uint32_t install_fd_flags;
		uint32_t nop_flags;
		uint32_t pipe_flags;
		uint32_t op_flags; // ringport's neutral name for the word
	};
	uint64_t user_data;
	union {
		uint16_t buf_index;
		uint16_t buf_group;
	} __attribute__((packed));
	uint16_t personality;
	union {
		int32_t splice_fd_in;
		uint32_t file_index;
		uint32_t optlen;
		struct {
			uint16_t addr_len;
			uint16_t pad3;
		};
	};
	union {
		struct {
			uint64_t addr3;
			uint64_t pad2;
		};
		uint64_t optval;
	};
};

// Sentinel file_index: let the kernel pick a free fixed-file slot.
inline constexpr uint32_t FILE_INDEX_ALLOC = ~0u;

// SQE flags (sqe.flags).
inline constexpr uint8_t SQE_FIXED_FILE = 1u << 0;
inline constexpr uint8_t SQE_IO_DRAIN = 1u << 1;
inline constexpr uint8_t SQE_IO_LINK = 1u << 2;
inline constexpr uint8_t SQE_IO_HARDLINK = 1u << 3;
inline constexpr uint8_t SQE_ASYNC = 1u << 4;
inline constexpr uint8_t SQE_BUFFER_SELECT = 1u << 5;
inline constexpr uint8_t SQE_CQE_SKIP_SUCCESS = 1u << 6;
inline constexpr uint8_t SQE_VALID_FLAGS = 0x7f;

// io_uring_setup flags (params.flags).
inline constexpr uint32_t SETUP_IOPOLL = 1u << 0;
inline constexpr uint32_t SETUP_SQPOLL = 1u << 1;
inline constexpr uint32_t SETUP_SQ_AFF = 1u << 2;
inline constexpr uint32_t SETUP_CQSIZE = 1u << 3;
inline constexpr uint32_t SETUP_CLAMP = 1u << 4;
inline constexpr uint32_t SETUP_ATTACH_WQ = 1u << 5;
inline constexpr uint32_t SETUP_R_DISABLED = 1u << 6;
inline constexpr uint32_t SETUP_SUBMIT_ALL = 1u << 7;
inline constexpr uint32_t SETUP_COOP_TASKRUN = 1u << 8;
inline constexpr uint32_t SETUP_TASKRUN_FLAG = 1u << 9;
inline constexpr uint32_t SETUP_SQE128 = 1u << 10;
inline constexpr uint32_t SETUP_CQE32 = 1u << 11;
inline constexpr uint32_t SETUP_SINGLE_ISSUER = 1u << 12;
inline constexpr uint32_t SETUP_DEFER_TASKRUN = 1u << 13;
inline constexpr uint32_t SETUP_NO_MMAP = 1u << 14;
inline constexpr uint32_t SETUP_REGISTERED_FD_ONLY = 1u << 15;
inline constexpr uint32_t SETUP_NO_SQARRAY = 1u << 16;
inline constexpr uint32_t SETUP_HYBRID_IOPOLL = 1u << 17;
inline constexpr uint32_t SETUP_CQE_MIXED = 1u << 18; // 16- and 32-byte CQEs in one ring (CQE_F_32 marks the big ones)
inline constexpr uint32_t SETUP_SQE_MIXED = 1u << 19; // 64- and 128-byte SQEs in one ring (the 128-byte opcodes)

// Opcodes, in uapi order: the value is the index into every per-op table.
enum op : uint8_t {
	OP_NOP,
	OP_READV,
	OP_WRITEV,
	OP_FSYNC,
	OP_READ_FIXED,
	OP_WRITE_FIXED,
	OP_POLL_ADD,
	OP_POLL_REMOVE,
	OP_SYNC_FILE_RANGE,
	OP_SENDMSG,
	OP_RECVMSG,
	OP_TIMEOUT,
	OP_TIMEOUT_REMOVE,
	OP_ACCEPT,
	OP_ASYNC_CANCEL,
	OP_LINK_TIMEOUT,
	OP_CONNECT,
	OP_FALLOCATE,
	OP_OPENAT,
	OP_CLOSE,
	OP_FILES_UPDATE,
	OP_STATX,
	OP_READ,
	OP_WRITE,
	OP_FADVISE,
	OP_MADVISE,
	OP_SEND,
	OP_RECV,
	OP_OPENAT2,
	OP_EPOLL_CTL,
	OP_SPLICE,
	OP_PROVIDE_BUFFERS,
	OP_REMOVE_BUFFERS,
	OP_TEE,
	OP_SHUTDOWN,
	OP_RENAMEAT,
	OP_UNLINKAT,
	OP_MKDIRAT,
	OP_SYMLINKAT,
	OP_LINKAT,
	OP_MSG_RING,
	OP_FSETXATTR,
	OP_SETXATTR,
	OP_FGETXATTR,
	OP_GETXATTR,
	OP_SOCKET,
	OP_URING_CMD,
	OP_SEND_ZC,
	OP_SENDMSG_ZC,
	OP_READ_MULTISHOT,
	OP_WAITID,
	OP_FUTEX_WAIT,
	OP_FUTEX_WAKE,
	OP_FUTEX_WAITV,
	OP_FIXED_FD_INSTALL,
	OP_FTRUNCATE,
	OP_BIND,
	OP_LISTEN,
	OP_RECV_ZC,
	OP_EPOLL_WAIT,
	OP_READV_FIXED,
	OP_WRITEV_FIXED,
	OP_PIPE,
	OP_NOP128,
	OP_URING_CMD128,
	OP_LAST, // one past the highest opcode
};

// URING_CMD flags (sqe.uring_cmd_flags).
inline constexpr uint32_t URING_CMD_FIXED = 1u << 0;
inline constexpr uint32_t URING_CMD_MASK = URING_CMD_FIXED;

// FSYNC flags.
inline constexpr uint32_t FSYNC_DATASYNC = 1u << 0;

// TIMEOUT / TIMEOUT_REMOVE / LINK_TIMEOUT flags (sqe.timeout_flags).
inline constexpr uint32_t TIMEOUT_ABS = 1u << 0;
inline constexpr uint32_t TIMEOUT_UPDATE = 1u << 1;
inline constexpr uint32_t TIMEOUT_BOOTTIME = 1u << 2;
inline constexpr uint32_t TIMEOUT_REALTIME = 1u << 3;
inline constexpr uint32_t LINK_TIMEOUT_UPDATE = 1u << 4;
inline constexpr uint32_t TIMEOUT_ETIME_SUCCESS = 1u << 5;
inline constexpr uint32_t TIMEOUT_MULTISHOT = 1u << 6;
inline constexpr uint32_t TIMEOUT_CLOCK_MASK = TIMEOUT_BOOTTIME | TIMEOUT_REALTIME;
inline constexpr uint32_t TIMEOUT_UPDATE_MASK = TIMEOUT_UPDATE | LINK_TIMEOUT_UPDATE;

// SPLICE / TEE: splice_fd_in is a fixed-file index.
inline constexpr uint32_t SPLICE_FD_IN_FIXED = 1u << 31;

// POLL_ADD / POLL_REMOVE flags (carried in sqe.len).
inline constexpr uint32_t POLL_ADD_MULTI = 1u << 0;
inline constexpr uint32_t POLL_UPDATE_EVENTS = 1u << 1;
inline constexpr uint32_t POLL_UPDATE_USER_DATA = 1u << 2;
inline constexpr uint32_t POLL_ADD_LEVEL = 1u << 3;

// ASYNC_CANCEL flags (sqe.cancel_flags) and io_uring_sync_cancel_reg.flags.
inline constexpr uint32_t ASYNC_CANCEL_ALL = 1u << 0;
inline constexpr uint32_t ASYNC_CANCEL_FD = 1u << 1;
inline constexpr uint32_t ASYNC_CANCEL_ANY = 1u << 2;
inline constexpr uint32_t ASYNC_CANCEL_FD_FIXED = 1u << 3;
inline constexpr uint32_t ASYNC_CANCEL_USERDATA = 1u << 4;
inline constexpr uint32_t ASYNC_CANCEL_OP = 1u << 5;

// SEND/RECV family flags (carried in sqe.ioprio).
inline constexpr uint16_t RECVSEND_POLL_FIRST = 1u << 0;
inline constexpr uint16_t RECV_MULTISHOT = 1u << 1;
inline constexpr uint16_t RECVSEND_FIXED_BUF = 1u << 2;
inline constexpr uint16_t SEND_ZC_REPORT_USAGE = 1u << 3;
inline constexpr uint16_t RECVSEND_BUNDLE = 1u << 4;
inline constexpr uint16_t SEND_VECTORIZED = 1u << 5;
// In the res of a zero-copy notification CQE: the data was copied after all.
inline constexpr uint32_t NOTIF_USAGE_ZC_COPIED = 1u << 31;

// ACCEPT flags (carried in sqe.ioprio).
inline constexpr uint16_t ACCEPT_MULTISHOT = 1u << 0;
inline constexpr uint16_t ACCEPT_DONTWAIT = 1u << 1;
inline constexpr uint16_t ACCEPT_POLL_FIRST = 1u << 2;

// MSG_RING commands (sqe.addr) and flags (sqe.msg_ring_flags).
inline constexpr uint64_t MSG_DATA = 0;
inline constexpr uint64_t MSG_SEND_FD = 1;
inline constexpr uint32_t MSG_RING_CQE_SKIP = 1u << 0;
inline constexpr uint32_t MSG_RING_FLAGS_PASS = 1u << 1;

// FIXED_FD_INSTALL flags.
inline constexpr uint32_t FIXED_FD_NO_CLOEXEC = 1u << 0;

// NOP flags.
inline constexpr uint32_t NOP_INJECT_RESULT = 1u << 0;
inline constexpr uint32_t NOP_CQE32 = 1u << 5; // post a 32-byte CQE (CQE32 or CQE_MIXED rings)

// ---- completion queue entry (16 bytes; 32 with SETUP_CQE32) ----
struct io_uring_cqe {
	uint64_t user_data;
	int32_t res;
	uint32_t flags; // CQE_F_*
};

struct io_uring_cqe32 {
	io_uring_cqe cqe;
	uint64_t big_cqe[2];
};

inline constexpr uint32_t CQE_F_BUFFER = 1u << 0;
inline constexpr uint32_t CQE_F_MORE = 1u << 1;
inline constexpr uint32_t CQE_F_SOCK_NONEMPTY = 1u << 2;
inline constexpr uint32_t CQE_F_NOTIF = 1u << 3;
inline constexpr uint32_t CQE_F_BUF_MORE = 1u << 4;
inline constexpr uint32_t CQE_F_SKIP = 1u << 5; // CQE_MIXED: padding before a 32-byte CQE that would wrap
inline constexpr uint32_t CQE_F_32 = 1u << 15;  // CQE_MIXED: this CQE is 32 bytes
inline constexpr uint32_t CQE_BUFFER_SHIFT = 16;

// mmap offsets of a ring fd.
inline constexpr uint64_t OFF_SQ_RING = 0;
inline constexpr uint64_t OFF_CQ_RING = 0x8000000ull;
inline constexpr uint64_t OFF_SQES = 0x10000000ull;
inline constexpr uint64_t OFF_PBUF_RING = 0x80000000ull;
inline constexpr uint32_t OFF_PBUF_SHIFT = 16;
inline constexpr uint64_t OFF_MMAP_MASK = 0xf8000000ull;
// Linux's IORING_MAP_OFF_PARAM_REGION (io_uring/memmap.h, not in the uapi header): a REGISTER_MEM_REGION
// region the kernel allocated is mapped here; the kernel reports it in io_uring_region_desc.mmap_offset.
inline constexpr uint64_t OFF_PARAM_REGION = 0x20000000ull;

// Where each SQ ring field lives, relative to the SQ ring mapping.
struct io_sqring_offsets {
	uint32_t head;
	uint32_t tail;
	uint32_t ring_mask;
	uint32_t ring_entries;
	uint32_t flags;
	uint32_t dropped;
	uint32_t array;
	uint32_t resv1;
	uint64_t user_addr; // SETUP_NO_MMAP: the program's memory for the SQEs
};

// SQ ring flags word.
inline constexpr uint32_t SQ_NEED_WAKEUP = 1u << 0;
inline constexpr uint32_t SQ_CQ_OVERFLOW = 1u << 1;
inline constexpr uint32_t SQ_TASKRUN = 1u << 2;

struct io_cqring_offsets {
	uint32_t head;
	uint32_t tail;
	uint32_t ring_mask;
	uint32_t ring_entries;
	uint32_t overflow;
	uint32_t cqes;
	uint32_t flags;
	uint32_t resv1;
	uint64_t user_addr; // SETUP_NO_MMAP: the program's memory for the rings
};

// CQ ring flags word.
inline constexpr uint32_t CQ_EVENTFD_DISABLED = 1u << 0;

// io_uring_enter flags.
inline constexpr uint32_t ENTER_GETEVENTS = 1u << 0;
inline constexpr uint32_t ENTER_SQ_WAKEUP = 1u << 1;
inline constexpr uint32_t ENTER_SQ_WAIT = 1u << 2;
inline constexpr uint32_t ENTER_EXT_ARG = 1u << 3;
inline constexpr uint32_t ENTER_REGISTERED_RING = 1u << 4;
inline constexpr uint32_t ENTER_ABS_TIMER = 1u << 5;
inline constexpr uint32_t ENTER_EXT_ARG_REG = 1u << 6;
inline constexpr uint32_t ENTER_NO_IOWAIT = 1u << 7; // the wait is not accounted as iowait (FEAT_NO_IOWAIT)

struct io_uring_params {
	uint32_t sq_entries;
	uint32_t cq_entries;
	uint32_t flags;
	uint32_t sq_thread_cpu;
	uint32_t sq_thread_idle;
	uint32_t features;
	uint32_t wq_fd;
	uint32_t resv[3];
	io_sqring_offsets sq_off;
	io_cqring_offsets cq_off;
};

// Feature bits (params.features).
inline constexpr uint32_t FEAT_SINGLE_MMAP = 1u << 0;
inline constexpr uint32_t FEAT_NODROP = 1u << 1;
inline constexpr uint32_t FEAT_SUBMIT_STABLE = 1u << 2;
inline constexpr uint32_t FEAT_RW_CUR_POS = 1u << 3;
inline constexpr uint32_t FEAT_CUR_PERSONALITY = 1u << 4;
inline constexpr uint32_t FEAT_FAST_POLL = 1u << 5;
inline constexpr uint32_t FEAT_POLL_32BITS = 1u << 6;
inline constexpr uint32_t FEAT_SQPOLL_NONFIXED = 1u << 7;
inline constexpr uint32_t FEAT_EXT_ARG = 1u << 8;
inline constexpr uint32_t FEAT_NATIVE_WORKERS = 1u << 9;
inline constexpr uint32_t FEAT_RSRC_TAGS = 1u << 10;
inline constexpr uint32_t FEAT_CQE_SKIP = 1u << 11;
inline constexpr uint32_t FEAT_LINKED_FILE = 1u << 12;
inline constexpr uint32_t FEAT_REG_REG_RING = 1u << 13;
inline constexpr uint32_t FEAT_RECVSEND_BUNDLE = 1u << 14;
inline constexpr uint32_t FEAT_MIN_TIMEOUT = 1u << 15;
inline constexpr uint32_t FEAT_RW_ATTR = 1u << 16;
inline constexpr uint32_t FEAT_NO_IOWAIT = 1u << 17;

// io_uring_register opcodes.
enum register_op : uint32_t {
	REGISTER_BUFFERS = 0,
	UNREGISTER_BUFFERS = 1,
	REGISTER_FILES = 2,
	UNREGISTER_FILES = 3,
	REGISTER_EVENTFD = 4,
	UNREGISTER_EVENTFD = 5,
	REGISTER_FILES_UPDATE = 6,
	REGISTER_EVENTFD_ASYNC = 7,
	REGISTER_PROBE = 8,
	REGISTER_PERSONALITY = 9,
	UNREGISTER_PERSONALITY = 10,
	REGISTER_RESTRICTIONS = 11,
	REGISTER_ENABLE_RINGS = 12,
	REGISTER_FILES2 = 13,
	REGISTER_FILES_UPDATE2 = 14,
	REGISTER_BUFFERS2 = 15,
	REGISTER_BUFFERS_UPDATE = 16,
	REGISTER_IOWQ_AFF = 17,
	UNREGISTER_IOWQ_AFF = 18,
	REGISTER_IOWQ_MAX_WORKERS = 19,
	REGISTER_RING_FDS = 20,
	UNREGISTER_RING_FDS = 21,
	REGISTER_PBUF_RING = 22,
	UNREGISTER_PBUF_RING = 23,
	REGISTER_SYNC_CANCEL = 24,
	REGISTER_FILE_ALLOC_RANGE = 25,
	REGISTER_PBUF_STATUS = 26,
	REGISTER_NAPI = 27,
	UNREGISTER_NAPI = 28,
	REGISTER_CLOCK = 29,
	REGISTER_CLONE_BUFFERS = 30,
	REGISTER_SEND_MSG_RING = 31, // ring-less (fd -1): a MSG_RING DATA message from no ring
	REGISTER_ZCRX_IFQ = 32,
	REGISTER_RESIZE_RINGS = 33,
	REGISTER_MEM_REGION = 34,
	REGISTER_QUERY = 35, // ring-less or not: what this io_uring supports
	REGISTER_LAST,       // 36 in Linux 6.18 (liburing 2.15 adds BPF_FILTER = 37 for a later kernel)
	REGISTER_USE_REGISTERED_RING = 1u << 31,
};

// io-wq worker classes (REGISTER_IOWQ_MAX_WORKERS array index).
inline constexpr uint32_t IO_WQ_BOUND = 0;
inline constexpr uint32_t IO_WQ_UNBOUND = 1;

// Deprecated FILES_UPDATE argument.
struct io_uring_files_update {
	uint32_t offset;
	uint32_t resv;
	alignas(8) uint64_t fds; // int32_t *
};

// REGISTER_MEM_REGION.
inline constexpr uint32_t MEM_REGION_TYPE_USER = 1;
struct io_uring_region_desc {
	uint64_t user_addr;
	uint64_t size;
	uint32_t flags;
	uint32_t id;
	uint64_t mmap_offset;
	uint64_t resv[4];
};
inline constexpr uint64_t MEM_REGION_REG_WAIT_ARG = 1;
struct io_uring_mem_region_reg {
	uint64_t region_uptr;
	uint64_t flags;
	uint64_t resv[2];
};

// FILES2 / BUFFERS2 registration.
inline constexpr uint32_t RSRC_REGISTER_SPARSE = 1u << 0;
struct io_uring_rsrc_register {
	uint32_t nr;
	uint32_t flags;
	uint64_t resv2;
	alignas(8) uint64_t data;
	alignas(8) uint64_t tags;
};

struct io_uring_rsrc_update {
	uint32_t offset;
	uint32_t resv;
	alignas(8) uint64_t data;
};

struct io_uring_rsrc_update2 {
	uint32_t offset;
	uint32_t resv;
	alignas(8) uint64_t data;
	alignas(8) uint64_t tags;
	uint32_t nr;
	uint32_t resv2;
};

// In a FILES_UPDATE array: leave this slot as it is.
inline constexpr int32_t REGISTER_FILES_SKIP = -2;

// REGISTER_PROBE.
inline constexpr uint16_t PROBE_OP_SUPPORTED = 1u << 0;
struct io_uring_probe_op {
	uint8_t op;
	uint8_t resv;
	uint16_t flags;
	uint32_t resv2;
};
struct io_uring_probe {
	uint8_t last_op;
	uint8_t ops_len;
	uint16_t resv;
	uint32_t resv2[3];
	io_uring_probe_op ops[];
};

// REGISTER_RESTRICTIONS.
struct io_uring_restriction {
	uint16_t opcode;
	union {
		uint8_t register_op;
		uint8_t sqe_op;
		uint8_t sqe_flags;
	};
	uint8_t resv;
	uint32_t resv2[3];
};
inline constexpr uint16_t RESTRICTION_REGISTER_OP = 0;
inline constexpr uint16_t RESTRICTION_SQE_OP = 1;
inline constexpr uint16_t RESTRICTION_SQE_FLAGS_ALLOWED = 2;
inline constexpr uint16_t RESTRICTION_SQE_FLAGS_REQUIRED = 3;
inline constexpr uint16_t RESTRICTION_LAST = 4;

// REGISTER_CLOCK.
struct io_uring_clock_register {
	uint32_t clockid;
	uint32_t resv[3];
};

// REGISTER_CLONE_BUFFERS.
inline constexpr uint32_t REGISTER_SRC_REGISTERED = 1u << 0;
inline constexpr uint32_t REGISTER_DST_REPLACE = 1u << 1;
struct io_uring_clone_buffers {
	uint32_t src_fd;
	uint32_t flags;
	uint32_t src_off;
	uint32_t dst_off;
	uint32_t nr;
	uint32_t pad[3];
};

// Provided-buffer rings.
struct io_uring_buf {
	uint64_t addr;
	uint32_t len;
	uint16_t bid;
	uint16_t resv;
};
// The ring's tail shares the first entry's resv field, so the header costs no slot.
struct io_uring_buf_ring {
	union {
		struct {
			uint64_t resv1;
			uint32_t resv2;
			uint16_t resv3;
			uint16_t tail;
		};
		io_uring_buf bufs[1]; // really a flexible array of ring_entries
	};
};
inline constexpr uint16_t PBUF_RING_MMAP = 1;
inline constexpr uint16_t PBUF_RING_INC = 2;
struct io_uring_buf_reg {
	uint64_t ring_addr;
	uint32_t ring_entries;
	uint16_t bgid;
	uint16_t flags;
	uint64_t resv[3];
};
struct io_uring_buf_status {
	uint32_t buf_group;
	uint32_t head;
	uint32_t resv[8];
};

// REGISTER_NAPI.
struct io_uring_napi {
	uint32_t busy_poll_to;
	uint8_t prefer_busy_poll;
	uint8_t pad[3];
	uint64_t resv;
};

// Linux's struct __kernel_timespec: 64-bit seconds and nanoseconds on every architecture.
struct kernel_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

// Registered wait arguments (ENTER_EXT_ARG_REG).
inline constexpr uint32_t REG_WAIT_TS = 1u << 0;
struct io_uring_cqwait_reg_arg {
	uint32_t flags;
	uint32_t struct_size;
	uint32_t nr_entries;
	uint32_t pad;
	uint64_t user_addr;
	uint64_t pad2[3];
};
struct io_uring_reg_wait {
	kernel_timespec ts;
	uint32_t min_wait_usec;
	uint32_t flags;
	uint64_t sigmask;
	uint32_t sigmask_sz;
	uint32_t pad[3];
	uint64_t pad2[2];
};

// ENTER_EXT_ARG argument.
struct io_uring_getevents_arg {
	uint64_t sigmask;
	uint32_t sigmask_sz;
	uint32_t min_wait_usec;
	uint64_t ts; // kernel_timespec *
};

// REGISTER_SYNC_CANCEL argument.
struct io_uring_sync_cancel_reg {
	uint64_t addr;
	int32_t fd;
	uint32_t flags;
	kernel_timespec timeout;
	uint8_t opcode;
	uint8_t pad[7];
	uint64_t pad2[3];
};

// REGISTER_FILE_ALLOC_RANGE argument.
struct io_uring_file_index_range {
	uint32_t off;
	uint32_t len;
	uint64_t resv;
};

// Header a multishot RECVMSG writes in front of each message.
struct io_uring_recvmsg_out {
	uint32_t namelen;
	uint32_t controllen;
	uint32_t payloadlen;
	uint32_t flags;
};

// URING_CMD commands on sockets.
inline constexpr uint32_t SOCKET_URING_OP_SIOCINQ = 0;
inline constexpr uint32_t SOCKET_URING_OP_SIOCOUTQ = 1;
inline constexpr uint32_t SOCKET_URING_OP_GETSOCKOPT = 2;
inline constexpr uint32_t SOCKET_URING_OP_SETSOCKOPT = 3;
inline constexpr uint32_t SOCKET_URING_OP_TX_TIMESTAMP = 4;
inline constexpr uint32_t SOCKET_URING_OP_GETSOCKNAME = 5;

// SOCKET_URING_OP_TX_TIMESTAMP: each timestamp is a CQE32 whose res is the key and whose flags carry the
// timestamp's type (SCM_TSTAMP_*) above TIMESTAMP_TYPE_SHIFT, CQE_F_TSTAMP_HW for a hardware stamp; the big CQE
// holds the time as an io_timespec.
inline constexpr uint32_t TIMESTAMP_HW_SHIFT = 16;
inline constexpr uint32_t TIMESTAMP_TYPE_SHIFT = TIMESTAMP_HW_SHIFT + 1;
inline constexpr uint32_t CQE_F_TSTAMP_HW = 1u << TIMESTAMP_HW_SHIFT;
struct io_timespec {
	uint64_t tv_sec;
	uint64_t tv_nsec;
};

// REGISTER_QUERY (liburing's <liburing/io_uring/query.h>): a chain of headers, each naming one query.
struct io_uring_query_hdr {
	uint64_t next_entry; // the next header's address, 0 ends the chain
	uint64_t query_data; // the query's result structure
	uint32_t query_op;
	uint32_t size;       // in: the result structure's size; out: how much was written
	int32_t result;      // out: 0 or -errno
	uint32_t resv[3];
};
inline constexpr uint32_t QUERY_OPCODES = 0;
inline constexpr uint32_t QUERY_MAX_6_18 = 1; // Linux 6.18 knows only OPCODES (ZCRX = 1 and SCQ = 2 came later)
struct io_uring_query_opcode {
	uint32_t nr_request_opcodes;
	uint32_t nr_register_opcodes;
	uint64_t feature_flags;
	uint64_t ring_setup_flags;
	uint64_t enter_flags;
	uint64_t sqe_flags;
	uint32_t nr_query_opcodes; // filled from Linux 6.19 on; 6.18 writes the first 40 bytes only
	uint32_t pad;
};
inline constexpr uint32_t QUERY_OPCODE_SIZE_6_18 = 40;

// ---- layout pins: a mismatch here is an ABI break ----
static_assert(sizeof(io_uring_sqe) == 64);
static_assert(offsetof(io_uring_sqe, opcode) == 0 && offsetof(io_uring_sqe, flags) == 1);
static_assert(offsetof(io_uring_sqe, ioprio) == 2 && offsetof(io_uring_sqe, fd) == 4);
static_assert(offsetof(io_uring_sqe, off) == 8 && offsetof(io_uring_sqe, addr) == 16);
static_assert(offsetof(io_uring_sqe, len) == 24 && offsetof(io_uring_sqe, rw_flags) == 28);
static_assert(offsetof(io_uring_sqe, user_data) == 32 && offsetof(io_uring_sqe, buf_index) == 40);
static_assert(offsetof(io_uring_sqe, personality) == 42 && offsetof(io_uring_sqe, splice_fd_in) == 44);
static_assert(offsetof(io_uring_sqe, addr_len) == 44 && offsetof(io_uring_sqe, addr3) == 48);
static_assert(offsetof(io_uring_sqe, optval) == 48);
static_assert(sizeof(io_uring_cqe) == 16 && offsetof(io_uring_cqe, res) == 8 && offsetof(io_uring_cqe, flags) == 12);
static_assert(sizeof(io_uring_cqe32) == 32);
static_assert(sizeof(io_sqring_offsets) == 40 && offsetof(io_sqring_offsets, user_addr) == 32);
static_assert(sizeof(io_cqring_offsets) == 40 && offsetof(io_cqring_offsets, user_addr) == 32);
static_assert(sizeof(io_uring_params) == 120);
static_assert(offsetof(io_uring_params, sq_off) == 40 && offsetof(io_uring_params, cq_off) == 80);
static_assert(offsetof(io_uring_params, wq_fd) == 24 && offsetof(io_uring_params, features) == 20);
static_assert(sizeof(io_uring_files_update) == 16);
static_assert(sizeof(io_uring_region_desc) == 64 && sizeof(io_uring_mem_region_reg) == 32);
static_assert(sizeof(io_uring_rsrc_register) == 32 && offsetof(io_uring_rsrc_register, data) == 16);
static_assert(sizeof(io_uring_rsrc_update) == 16);
static_assert(sizeof(io_uring_rsrc_update2) == 32 && offsetof(io_uring_rsrc_update2, nr) == 24);
static_assert(sizeof(io_uring_probe_op) == 8 && sizeof(io_uring_probe) == 16);
static_assert(sizeof(io_uring_restriction) == 16 && offsetof(io_uring_restriction, register_op) == 2);
static_assert(sizeof(io_uring_clock_register) == 16 && sizeof(io_uring_clone_buffers) == 32);
static_assert(sizeof(io_uring_buf) == 16 && sizeof(io_uring_buf_ring) == 16);
static_assert(offsetof(io_uring_buf_ring, tail) == 14);
static_assert(sizeof(io_uring_buf_reg) == 40 && sizeof(io_uring_buf_status) == 40);
static_assert(sizeof(io_uring_napi) == 16);
static_assert(sizeof(io_uring_cqwait_reg_arg) == 48 && sizeof(io_uring_reg_wait) == 64);
static_assert(sizeof(io_uring_getevents_arg) == 24 && offsetof(io_uring_getevents_arg, ts) == 16);
static_assert(sizeof(io_uring_sync_cancel_reg) == 64 && offsetof(io_uring_sync_cancel_reg, timeout) == 16);
static_assert(offsetof(io_uring_sync_cancel_reg, opcode) == 32);
static_assert(sizeof(io_uring_file_index_range) == 16 && sizeof(io_uring_recvmsg_out) == 16);
static_assert(sizeof(io_uring_query_hdr) == 40 && offsetof(io_uring_query_hdr, result) == 24);
static_assert(sizeof(io_uring_query_opcode) == 48 && offsetof(io_uring_query_opcode, nr_query_opcodes) == 40);
static_assert(OP_LAST == 65, "Linux 6.18 (liburing 2.15) knows 65 opcodes");
static_assert(REGISTER_LAST == 36, "Linux 6.18 knows 36 register opcodes");

} // namespace ringport::lx
