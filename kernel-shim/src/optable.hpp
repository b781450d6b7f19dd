// The table of Linux opcodes: one entry per IORING_OP_*, indexed by opcode. The probe, the submission path
// and docs/compat-matrix.md all read this one table.
#pragma once

#include "ring.hpp"

namespace ringport::shim {

// What issuing a request did.
struct Issued {
	bool pending;   // a native operation (or a timer) will finish it
	int64_t res;    // when !pending: the result to complete with
	uint32_t cflags;
	static constexpr Issued later() { return {true, 0, 0}; }
	static constexpr Issued now(int64_t res, uint32_t cflags = 0) { return {false, res, cflags}; }
};

using PrepFn = Status (*)(Ring&, Req&);
using IssueFn = Issued (*)(Ring&, Req&);
// A native completion for req (tag says which of its operations). nflags are RP_CQE_* flags.
using NativeDoneFn = void (*)(Ring&, Req&, NativeTag, int64_t res, uint32_t nflags);

enum class Family : uint8_t { core, rw, fs, sync, net, poll, timeout, cancel, process, msg };

// Ops that are one native op with fields copied across (the fs family's path, xattr and file-size ops): where each
// native field takes its value from, which Linux fields must be zero, and which flags are allowed. prep_mapped
// and issue_mapped do the rest, so each such op is its table entry and nothing else.
enum class From : uint8_t {
	zero,
	file,        // the resolved file (FIXED_FILE honoured)
	dirfd,       // sqe.fd as a directory fd (AT_FDCWD sign-extended)
	len_dirfd,   // sqe.len as a directory fd (the second directory of renameat/linkat)
	addr,
	addr2,
	addr3,
	len,
	off,
	op_flags,    // the 32-bit flags union (statx_flags, rename_flags, xattr_flags, fadvise_advice, ...)
	addr_or_len, // a 64-bit length in addr when set, else len (fadvise since 6.7)
	off_or_len,  // a 64-bit length in off when set, else len (madvise since 6.7)
};
// Linux fields a mapped op refuses with -EINVAL when set.
enum : uint16_t {
	Z_BUF_INDEX = 1u << 0,
	Z_SPLICE_FD_IN = 1u << 1,
	Z_OFF = 1u << 2,
	Z_LEN = 1u << 3,
	Z_OP_FLAGS = 1u << 4,
	Z_ADDR = 1u << 5,
	Z_ADDR3 = 1u << 6,
	Z_IOPRIO = 1u << 7,
};
struct FieldMap {
	uint8_t native_op; // 0 (NOP): the op is not mapped
	From fd, addr, len, offset, a1, a2, flags;
	uint16_t zero;          // Z_* fields that must be zero
	bool dirfd_op;          // names a path relative to sqe.fd: FIXED_FILE is -EBADF (after buf_index/splice_fd_in)
	uint32_t flags_allowed; // op_flags bits allowed (when flags comes from op_flags)
};
Status prep_mapped(Ring&, Req&);
Issued issue_mapped(Ring&, Req&);

// One Linux opcode: what it accepts, its hooks, and the traits the generic submit/complete paths ask instead of
// testing opcodes (Linux's io_uring/opdef.c is the model).
struct OpDef {
	uint8_t opcode;     // the index it sits at: set from the index, checked for every entry at build time
	const char* name;   // IORING_OP_<name>, spelled from the same token as the index
	Family family;
	bool supported;     // executes; otherwise refused with refusal and reported unsupported by the probe
	bool needs_file;    // sqe.fd names a file (FIXED_FILE applies)
	bool buffer_select; // accepts IOSQE_BUFFER_SELECT
	bool ioprio;        // sqe.ioprio means something (else it must be zero)
	bool iopoll;        // allowed on an IOPOLL ring
	uint8_t poll_events; // readiness a buffer-selecting attempt waits for before it selects again (POLLIN/POLLOUT)
	// Traits.
	bool guards_link;   // LINK_TIMEOUT: armed when the request before it starts; its target hands the chain on
	bool timer;         // a cancel names its native timer (TAG_TIMER), not its current operation
	bool cancel_counts; // Linux's cancellation of it reports how many it removed (waitid, futex waits)
	bool is_cancel;     // it cancels others: never itself the target of another process's cancel
	bool mshot_drains;  // multishot and cancelled: it first takes what already arrived (reads, receives)
	bool mshot_zero_ends; // multishot: a result of 0 is the end (EOF), not an item (an accepted fd 0 is one)
	bool trivial;       // with no flags, op flags, ioprio or personality it is done at once with 0: no request (NOP)
	int16_t refusal;    // -errno for refused opcodes
	PrepFn prep;
	IssueFn issue;
	NativeDoneFn native_done; // nullptr: complete with the native result
	// Hooks.
	bool (*cancel)(Ring&, Req*);                      // cancels it in the shim (timers); nullptr: a native Cancel
	int64_t (*mshot_result)(Ring&, Req&, int64_t res); // multishot: turns a native result into the CQE's
	FieldMap map;             // mapped ops (prep_mapped/issue_mapped): the native op and its fields
	const char* native;       // the native opcode(s) it becomes, for the compat matrix (mapped ops: from map)
	const char* note;         // how it differs from Linux here, if at all
};

// Indexed by IORING_OP_*; constant-initialised (kernel-shim/src/optable.cpp builds it entry by index).
struct OpTable {
	OpDef e[lx::OP_LAST];
	constexpr const OpDef& operator[](uint32_t op) const { return e[op]; }
};
// Hidden: the table is the shim's own, so the hot paths reach it directly rather than through the GOT.
extern const OpTable kOps __attribute__((visibility("hidden")));

// The opcodes whose `trivial` trait is set, as one constant: the submit hot path tests it per SQE without a
// table load (optable.cpp proves at build time that it says exactly what the table says).
// Only opcodes below 64 can be trivial (the submit path tests `opcode < 64` first).
inline constexpr uint64_t kTrivialOps = uint64_t(1) << lx::OP_NOP;

// io_uring_enter flags the shim takes (REGISTER_QUERY reports the same set). NO_IOWAIT only changes how Linux
// accounts the sleep (iowait); a wait here is never accounted as iowait, so it is honoured as it stands.
inline constexpr uint32_t kEnterFlags = lx::ENTER_GETEVENTS | lx::ENTER_SQ_WAKEUP | lx::ENTER_SQ_WAIT |
                                        lx::ENTER_EXT_ARG | lx::ENTER_REGISTERED_RING | lx::ENTER_ABS_TIMER |
                                        lx::ENTER_EXT_ARG_REG | lx::ENTER_NO_IOWAIT;

// Family entry points (one source file per family).
#define RP_OP_FNS(name)                                                                                        \
	Status prep_##name(Ring&, Req&);                                                                           \
	Issued issue_##name(Ring&, Req&);
RP_OP_FNS(nop)
RP_OP_FNS(files_update)
RP_OP_FNS(provide_buffers)
RP_OP_FNS(remove_buffers)
RP_OP_FNS(rw)
RP_OP_FNS(rw_fixed)
Status prep_rwv_fixed(Ring&, Req&);
RP_OP_FNS(read_mshot)
RP_OP_FNS(splice)
RP_OP_FNS(tee)
RP_OP_FNS(openat)
RP_OP_FNS(openat2)
RP_OP_FNS(close)
RP_OP_FNS(fsync)
RP_OP_FNS(sync_file_range)
RP_OP_FNS(sendrecv)
RP_OP_FNS(msg)
RP_OP_FNS(send_zc)
RP_OP_FNS(uring_cmd)
RP_OP_FNS(sendmsg_zc)
RP_OP_FNS(accept)
RP_OP_FNS(connect)
RP_OP_FNS(socket)
RP_OP_FNS(bind)
RP_OP_FNS(listen)
RP_OP_FNS(shutdown)
RP_OP_FNS(poll_add)
RP_OP_FNS(poll_remove)
RP_OP_FNS(timeout)
RP_OP_FNS(timeout_remove)
RP_OP_FNS(link_timeout)
RP_OP_FNS(async_cancel)
RP_OP_FNS(waitid)
RP_OP_FNS(futex_wait)
RP_OP_FNS(futex_wake)
RP_OP_FNS(futex_waitv)
RP_OP_FNS(fixed_fd_install)
RP_OP_FNS(msg_ring)
RP_OP_FNS(pipe)
RP_OP_FNS(epoll_wait)
#undef RP_OP_FNS

void done_rw(Ring&, Req&, NativeTag, int64_t, uint32_t);
void done_net(Ring&, Req&, NativeTag, int64_t, uint32_t);
void done_uring_cmd(Ring&, Req&, NativeTag, int64_t, uint32_t);
void done_read_mshot(Ring&, Req&, NativeTag, int64_t, uint32_t);
// The multishot state machine shared by READ_MULTISHOT and multishot RECV/RECVMSG/ACCEPT (multishot.cpp).
void done_multishot(Ring&, Req&, NativeTag, int64_t);
int64_t recvmsg_mshot_result(Ring&, Req&, int64_t);
int64_t accept_mshot_result(Ring&, Req&, int64_t);

void done_poll_add(Ring&, Req&, NativeTag, int64_t, uint32_t);
// A multishot poll's event posted (F_MORE while the CQ has room, else the stream's end). Lock held.
void post_poll_event(Ring& r, Req& q, uint32_t mask);
// DEFER_TASKRUN: posts the multishot poll events a submit-only enter held back (Ring::hold_task_work). Lock held.
void flush_held_polls(Ring& r);
void done_timeout(Ring&, Req&, NativeTag, int64_t, uint32_t);
void done_link_timeout(Ring&, Req&, NativeTag, int64_t, uint32_t);
void done_async_cancel(Ring&, Req&, NativeTag, int64_t, uint32_t);
void done_direct(Ring&, Req&, NativeTag, int64_t, uint32_t);
void done_pipe(Ring&, Req&, NativeTag, int64_t, uint32_t);
// Installs fd into the fixed-file table (file_index: slot + 1, or FILE_INDEX_ALLOC): 0 or the allocated slot.
int64_t install_direct(Ring& r, int64_t fd, uint32_t file_index);

// Buffer selection (ops_buffers.cpp): takes a buffer of sqe.buf_group for req, and at completion returns the
// CQE flags naming it (or puts it back when nothing was consumed).
bool select_buffer(Ring& r, Req& q, uint64_t* addr, uint32_t* len);
uint32_t finish_buffer(Ring& r, Req& q, int64_t res);
// Bundles: takes several buffers at once (q.selected->iov); max_len 0 means no limit. A send's buffers are
// consumed at once, as Linux commits them when it maps them; a receive's when its result is known.
bool select_bundle(Ring& r, Req& q, uint64_t max_len, bool send);
// After a bundle receive's result: true when the buffers it used reached the ring's tail (Linux ends a bundle
// there, BL_EMPTY). Call before finish_buffer.
bool bundle_used_to_tail(const Req& q, int64_t res);
// Gives the selected buffer back unused (the op will wait for readiness and select again), where possible.
void recycle_buffer(Ring& r, Req& q);
// The ring is going with the request still pending: frees the record of the buffer it took, if any (the buffer
// itself is the program's memory).
void drop_selected_buffer(Req& q);
void free_buffer_groups(Ring& r);
void finish_selected_msg(Req& q);
// Provided-buffer rings (io_uring_register and mmap at OFF_PBUF_RING).
int64_t register_pbuf_ring(Ring& r, uint64_t arg, uint32_t nr);
int64_t unregister_pbuf_ring(Ring& r, uint64_t arg, uint32_t nr);
int64_t pbuf_status(Ring& r, uint64_t arg, uint32_t nr);
int64_t pbuf_map_target(Ring& r, uint16_t bgid, uint64_t length, rp_host_region** region);

// io_uring_register opcodes as docs/compat-matrix.md lists them (register.cpp; the dispatch switch is what
// runs, and tests/shim/shim_ringless_register.cpp checks that every opcode listed as refused is -EINVAL).
struct RegisterOpInfo {
	const char* name;   // IORING_<name> (REGISTER_... or UNREGISTER_...); nullptr for numbers Linux leaves unused
	const char* status; // "supported", or "-EINVAL" and why
	bool refused;
};
extern const RegisterOpInfo (&kRegisterOps)[lx::REGISTER_LAST];

// REGISTER_MEM_REGION (mem_region.cpp).
int64_t register_mem_region(Ring& r, uint64_t arg, uint32_t nr);
void free_mem_region(Ring& r);
int64_t mem_region_map_target(Ring& r, uint64_t length, rp_host_region** region);
// Registered wait argument at byte offset of the wait region: 0 or -EFAULT.
int read_reg_wait(Ring& r, uint64_t offset, lx::io_uring_reg_wait* out);

// Personalities (personality.cpp): the id or -errno; unregister -EINVAL for an unknown id; personality_check
// is init's: -EINVAL for an unknown id, -EPERM when the credentials changed since, else 0 (sets REQ_CREDS).
const Personality* find_personality(const Ring& r, uint32_t id);
int64_t register_personality(Ring& r);
int64_t unregister_personality(Ring& r, uint32_t id);
int personality_check(Ring& r, Req& q);
void free_personalities(Ring& r);

// REGISTER_CLONE_BUFFERS (clone_buffers.cpp): called without the ring's lock, which it takes itself (with the
// source ring's, one at a time).
int64_t clone_buffers(Ring& r, uint64_t arg, uint32_t nr);
// Installs a new registered-buffer table (register.cpp): the old table is freed; tags of the slots in
// [retire_from, retire_to) of the old table are retired (their buffers were replaced).
void replace_buffer_table(Ring& r, RegisteredBuffer* bufs, uint64_t* tags, uint32_t nr, uint32_t retire_from,
                          uint32_t retire_to);

// REGISTER_SEND_MSG_RING without a ring (ops_msg.cpp): 0 or -errno.
int64_t sync_msg_ring(const lx::io_uring_sqe& s);

// Registered-file updates shared by FILES_UPDATE and io_uring_register.
int64_t files_update_from_op(Ring& r, uint32_t offset, uint64_t data, uint32_t nr);

// Timeout family services used by the core.
void arm_link_timeout(Ring& r, Req* lt, Req* target);
// The request a link timeout lt guards finished (or failed before it started): lt is disarmed or completes, and
// the returned request (what followed lt) continues the chain.
Req* link_timeout_target_done(Ring& r, Req* lt);
// A plain timeout (no count, not multishot, nothing linked after it): exit lets it fire rather than cancel it.
bool plain_timeout(const Req* q);
// Cancel family services (ASYNC_CANCEL and REGISTER_SYNC_CANCEL share the matching).
struct CancelSpec {
	uint64_t user_data;
	int32_t fd;
	uint32_t flags;
	uint8_t opcode;
	bool fd_fixed;
};
// Whether q is a request spec names.
bool cancel_matches(Ring& r, const CancelSpec& spec, const Req* q);
Status cancel_prep_spec(CancelSpec* spec, uint64_t addr, int32_t fd, uint32_t flags, uint32_t opcode, bool fixed_ok);
// Starts cancelling what spec matches on behalf of owner. Returns matches found (the results come later
// through owner's TAG_CANCEL_RESULT completions) or -ENOENT.
int64_t cancel_start(Ring& r, const CancelSpec& spec, Req* owner);
// Cancels one shim-level request (timeouts): true when it was one and is now done.
bool cancel_timeout_req(Ring& r, Req* req);
// Cancels q quietly: in the shim when its op says how (timers), else by a native Cancel nobody waits for.
void cancel_quietly(Ring& r, Req* q);
// Asks every request that task submitted (kEveryTask: every request) to end with -ECANCELED: drained ones and
// link successors waiting to issue at once, issued ones through cancel_quietly; with keep_timeouts, plain
// timeouts keep running. Lock held, submit context. The CQEs follow as the cancels complete.
inline constexpr uint64_t kEveryTask = ~uint64_t(0);
void cancel_requests_of(Ring& r, uint64_t task, bool keep_timeouts);
// Whether a request of task (kEveryTask: any) is still issued, ready or drained on r.
bool has_requests_of(Ring& r, uint64_t task);

} // namespace ringport::shim
