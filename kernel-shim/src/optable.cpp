// The Linux opcode table. Adding an opcode: its entry here (OP(NAME, ...) puts it at IORING_OP_NAME), its family
// file, a test. Every entry is checked at build time: each index is filled exactly once, by the entry spelled
// with that index's own name, so a missing, doubled or misplaced entry does not compile.
#include "optable.hpp"

namespace ringport::shim {

// Never defined, not constexpr: reaching it while the table is built (an opcode filled twice) is a compile error.
void duplicate_op_entry();

namespace {
using F = Family;

constexpr OpDef run(F family, bool needs_file, PrepFn prep, IssueFn issue, const char* native,
                    NativeDoneFn done = nullptr, const char* note = "")
{
	OpDef d{};
	d.family = family;
	d.supported = true;
	d.needs_file = needs_file;
	d.prep = prep;
	d.issue = issue;
	d.native_done = done;
	d.native = native;
	d.note = note;
	return d;
}
// Ops that use sqe.ioprio and wait for readiness when the file would block (Linux's FAST_POLL; the OS does the
// waiting, RP_SQE_WAIT_READY) and, with a selected buffer, before selecting it.
constexpr uint8_t kIn = 0x1, kOut = 0x4;
constexpr OpDef io(uint8_t events, F family, PrepFn prep, IssueFn issue, const char* native, NativeDoneFn done,
                   const char* note = "")
{
	OpDef d = run(family, true, prep, issue, native, done, note);
	d.ioprio = true;
	d.iopoll = family == F::rw;
	d.poll_events = events;
	return d;
}
// Refused the way a kernel without the opcode refuses it: -EINVAL in the CQE, unsupported in the probe.
constexpr OpDef refuse(F family, const char* why)
{
	OpDef d{};
	d.family = family;
	d.refusal = -lx::EINVAL;
	d.native = "-";
	d.note = why;
	return d;
}
constexpr OpDef selects_buffers(OpDef d)
{
	d.buffer_select = true;
	return d;
}
// Also allowed on IOPOLL rings (Linux: ops that complete without the file's poll machinery).
constexpr OpDef pollable_ring(OpDef d)
{
	d.iopoll = true;
	return d;
}
// Multishot-capable receive: a cancelled one takes what already arrived; a 0 is EOF.
constexpr OpDef receives(OpDef d, int64_t (*result)(Ring&, Req&, int64_t) = nullptr)
{
	d.mshot_drains = true;
	d.mshot_zero_ends = true;
	d.mshot_result = result;
	return d;
}
constexpr OpDef traits(OpDef d, bool OpDef::*trait)
{
	d.*trait = true;
	return d;
}

constexpr void def(OpTable& t, uint32_t op, const char* name, OpDef d)
{
	if (t.e[op].name)
		duplicate_op_entry();
	d.opcode = uint8_t(op);
	d.name = name;
	t.e[op] = d;
}

#define OP(NAME, ...) def(t, lx::OP_##NAME, #NAME, __VA_ARGS__)

constexpr OpTable build()
{
	OpTable t{};
	OP(NOP, pollable_ring(run(F::core, false, prep_nop, issue_nop, "(none: completes in the shim)")));
	t.e[lx::OP_NOP].fast = complete_nop_inline;
	OP(READV, selects_buffers(io(kIn, F::rw, prep_rw, issue_rw, "READV / PREADV", done_rw)));
	OP(WRITEV, io(kOut, F::rw, prep_rw, issue_rw, "WRITEV / PWRITEV", done_rw));
	OP(FSYNC, run(F::sync, true, prep_fsync, issue_fsync, "FSYNC / FDATASYNC", nullptr,
	              "a range (off/len) syncs the whole file"));
	OP(READ_FIXED, io(kIn, F::rw, prep_rw_fixed, issue_rw, "READ / PREAD", done_rw));
	OP(WRITE_FIXED, io(kOut, F::rw, prep_rw_fixed, issue_rw, "WRITE / PWRITE", done_rw));
	OP(POLL_ADD, run(F::poll, true, prep_poll_add, issue_poll_add, "POLL / REGISTER_EVENTS (+ FILE_INFO)",
	                 done_poll_add));
	OP(POLL_REMOVE, run(F::poll, false, prep_poll_remove, issue_poll_remove, "CANCEL"));
	OP(SYNC_FILE_RANGE, run(F::sync, true, prep_sync_file_range, issue_sync_file_range, "SYNC_RANGE"));
	OP(SENDMSG, io(kOut, F::net, prep_msg, issue_msg, "SENDMSG", done_net));
	OP(RECVMSG, receives(selects_buffers(io(kIn, F::net, prep_msg, issue_msg, "RECVMSG", done_net)),
	                     recvmsg_mshot_result));
	OP(TIMEOUT, traits(run(F::timeout, false, prep_timeout, issue_timeout, "TIMEOUT", done_timeout), &OpDef::timer));
	t.e[lx::OP_TIMEOUT].cancel = cancel_timeout_req;
	OP(TIMEOUT_REMOVE, run(F::timeout, false, prep_timeout_remove, issue_timeout_remove, "CANCEL + TIMEOUT"));
	OP(ACCEPT, io(kIn, F::net, prep_accept, issue_accept, "ACCEPT", done_net));
	t.e[lx::OP_ACCEPT].mshot_result = accept_mshot_result;
	OP(ASYNC_CANCEL, traits(run(F::cancel, false, prep_async_cancel, issue_async_cancel, "CANCEL", done_async_cancel),
	                        &OpDef::is_cancel));
	OP(LINK_TIMEOUT, traits(traits(run(F::timeout, false, prep_link_timeout, issue_link_timeout, "TIMEOUT + CANCEL",
	                                   done_link_timeout),
	                               &OpDef::timer),
	                        &OpDef::guards_link));
	OP(CONNECT, run(F::net, true, prep_connect, issue_connect, "CONNECT"));
	OP(FALLOCATE, run(F::fs, true, prep_fallocate, issue_fallocate, "FALLOCATE"));
	OP(OPENAT, run(F::fs, false, prep_openat, issue_openat, "OPENAT", done_direct));
	OP(CLOSE, run(F::fs, false, prep_close, issue_close, "CLOSE"));
	OP(FILES_UPDATE, pollable_ring(run(F::core, false, prep_files_update, issue_files_update, "(none: shim file table)")));
	OP(STATX, run(F::fs, false, prep_statx, issue_statx, "STATX"));
	OP(READ, selects_buffers(io(kIn, F::rw, prep_rw, issue_rw, "READ / PREAD", done_rw)));
	OP(WRITE, io(kOut, F::rw, prep_rw, issue_rw, "WRITE / PWRITE", done_rw));
	OP(FADVISE, run(F::fs, true, prep_fadvise, issue_fadvise, "FADVISE"));
	OP(MADVISE, run(F::fs, false, prep_madvise, issue_madvise, "MADVISE"));
	OP(SEND, io(kOut, F::net, prep_sendrecv, issue_sendrecv, "SEND / SENDMSG (to a destination)", done_net));
	OP(RECV, receives(selects_buffers(io(kIn, F::net, prep_sendrecv, issue_sendrecv, "RECV", done_net, "no bundles"))));
	OP(OPENAT2, run(F::fs, false, prep_openat2, issue_openat2, "OPENAT (resolve)", done_direct));
	OP(EPOLL_CTL, refuse(F::core, "no native epoll_ctl opcode"));
	OP(SPLICE, run(F::rw, true, prep_splice, issue_splice, "SPLICE"));
	OP(PROVIDE_BUFFERS, pollable_ring(run(F::core, false, prep_provide_buffers, issue_provide_buffers,
	                                      "(none: shim buffer groups)")));
	OP(REMOVE_BUFFERS, pollable_ring(run(F::core, false, prep_remove_buffers, issue_remove_buffers,
	                                     "(none: shim buffer groups)")));
	OP(TEE, run(F::rw, true, prep_tee, issue_tee, "TEE"));
	OP(SHUTDOWN, run(F::net, true, prep_shutdown, issue_shutdown, "SHUTDOWN"));
	OP(RENAMEAT, run(F::fs, false, prep_renameat, issue_renameat, "RENAMEAT"));
	OP(UNLINKAT, run(F::fs, false, prep_unlinkat, issue_unlinkat, "UNLINKAT"));
	OP(MKDIRAT, run(F::fs, false, prep_mkdirat, issue_mkdirat, "MKDIRAT"));
	OP(SYMLINKAT, run(F::fs, false, prep_symlinkat, issue_symlinkat, "SYMLINKAT"));
	OP(LINKAT, run(F::fs, false, prep_linkat, issue_linkat, "LINKAT"));
	OP(MSG_RING, pollable_ring(run(F::msg, true, prep_msg_ring, issue_msg_ring, "(none: posted to the target ring)",
	                               nullptr, "SEND_FD between rings driven by different threads may return -EAGAIN")));
	OP(FSETXATTR, run(F::fs, true, prep_xattr, issue_xattr, "FSETXATTR"));
	OP(SETXATTR, run(F::fs, false, prep_xattr, issue_xattr, "SETXATTR"));
	OP(FGETXATTR, run(F::fs, true, prep_xattr, issue_xattr, "FGETXATTR"));
	OP(GETXATTR, run(F::fs, false, prep_xattr, issue_xattr, "GETXATTR"));
	OP(SOCKET, run(F::net, false, prep_socket, issue_socket, "SOCKET", done_direct));
	OP(URING_CMD, run(F::net, true, prep_uring_cmd, issue_uring_cmd, "SOCKET_QUEUED / SOCKET_GETOPT / SOCKET_SETOPT",
	                  done_uring_cmd, "socket commands only; other files -EOPNOTSUPP (no driver commands)"));
	OP(SEND_ZC, io(kOut, F::net, prep_send_zc, issue_send_zc, "SEND / SENDMSG", done_net,
	               "the OS copies the data; the notification follows the result (REPORT_USAGE says copied)"));
	OP(SENDMSG_ZC, io(kOut, F::net, prep_sendmsg_zc, issue_sendmsg_zc, "SENDMSG", done_net,
	                  "the OS copies the data; the notification follows the result (REPORT_USAGE says copied)"));
	OP(READ_MULTISHOT, receives(selects_buffers(io(kIn, F::rw, prep_read_mshot, issue_read_mshot,
	                                               "FILE_INFO, then PREADV (RWF_NOWAIT) + POLL", done_read_mshot,
	                                               "pollable files only (-EBADFD otherwise), as on Linux"))));
	OP(WAITID, traits(run(F::process, false, prep_waitid, issue_waitid, "WAITPID"), &OpDef::cancel_counts));
	OP(FUTEX_WAIT, traits(run(F::process, false, prep_futex_wait, issue_futex_wait, "FUTEX (WAIT)"),
	                      &OpDef::cancel_counts));
	OP(FUTEX_WAKE, run(F::process, false, prep_futex_wake, issue_futex_wake, "FUTEX (WAKE)"));
	OP(FUTEX_WAITV, traits(run(F::process, false, prep_futex_waitv, issue_futex_waitv, "FUTEX (WAITV)"),
	                       &OpDef::cancel_counts));
	OP(FIXED_FD_INSTALL, run(F::core, true, prep_fixed_fd_install, issue_fixed_fd_install, "DUP"));
	OP(FTRUNCATE, run(F::fs, true, prep_ftruncate, issue_ftruncate, "FTRUNCATE"));
	OP(BIND, run(F::net, true, prep_bind, issue_bind, "BIND"));
	OP(LISTEN, run(F::net, true, prep_listen, issue_listen, "LISTEN"));
	return t;
}

#undef OP

// Every opcode has its entry, at its own index.
constexpr bool complete_and_in_place(const OpTable& t)
{
	for (uint32_t i = 0; i < lx::OP_LAST; ++i)
		if (!t.e[i].name || t.e[i].opcode != i || (t.e[i].supported && (!t.e[i].prep || !t.e[i].issue)))
			return false;
	return true;
}
} // namespace

constexpr OpTable kOps = build();
static_assert(complete_and_in_place(kOps), "every IORING_OP_* has exactly one entry, at its own index");

} // namespace ringport::shim
