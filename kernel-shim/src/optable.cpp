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
// One native op, fields copied across by the map (prep_mapped/issue_mapped in ops_fs.cpp).
using M = From;
constexpr OpDef mapped(F family, bool needs_file, uint8_t native_op, From fd, From addr, From len, From offset, From a1,
                       From a2, From flags, uint16_t zero, bool dirfd_op = false, uint32_t flags_allowed = ~0u,
                       const char* note = "")
{
	OpDef d = run(family, needs_file, prep_mapped, issue_mapped, nullptr, nullptr, note);
	d.map = FieldMap{native_op, fd, addr, len, offset, a1, a2, flags, zero, dirfd_op, flags_allowed};
	return d;
}
constexpr uint16_t kPathZero = Z_BUF_INDEX | Z_SPLICE_FD_IN;
constexpr uint32_t kXattrSetFlags = 3; // XATTR_CREATE | XATTR_REPLACE

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
	t.e[lx::OP_NOP].trivial = true;
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
	OP(RECVMSG, receives(selects_buffers(io(kIn, F::net, prep_msg, issue_msg, "RECVMSG", done_net,
	                                        "SOCK_NONEMPTY when data stays queued on a TCP or AF_UNIX byte stream "
	                                        "(the reference kernel cannot tell and never says it)")),
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
	//                                   native op       fd        addr      len       offset  a1       a2
	//                                   flags         zero fields
	OP(FALLOCATE, mapped(F::fs, true, RP_OP_FALLOCATE, M::file, M::zero, M::addr, M::off, M::zero, M::zero,
	                     M::len, Z_BUF_INDEX | Z_OP_FLAGS | Z_SPLICE_FD_IN)); // mode in len, length in addr
	OP(OPENAT, run(F::fs, false, prep_openat, issue_openat, "OPENAT", done_direct));
	OP(CLOSE, run(F::fs, false, prep_close, issue_close, "CLOSE"));
	OP(FILES_UPDATE, pollable_ring(run(F::core, false, prep_files_update, issue_files_update, "(none: shim file table)")));
	OP(STATX, mapped(F::fs, false, RP_OP_STATX, M::dirfd, M::addr, M::len, M::zero, M::addr2, M::zero, M::op_flags,
	                 kPathZero, true));
	OP(READ, selects_buffers(io(kIn, F::rw, prep_rw, issue_rw, "READ / PREAD", done_rw)));
	OP(WRITE, io(kOut, F::rw, prep_rw, issue_rw, "WRITE / PWRITE", done_rw));
	OP(FADVISE, mapped(F::fs, true, RP_OP_FADVISE, M::file, M::zero, M::addr_or_len, M::off, M::zero, M::zero,
	                   M::op_flags, Z_BUF_INDEX | Z_SPLICE_FD_IN));
	OP(MADVISE, mapped(F::fs, false, RP_OP_MADVISE, M::zero, M::addr, M::off_or_len, M::zero, M::zero, M::zero,
	                   M::op_flags, Z_BUF_INDEX | Z_SPLICE_FD_IN));
	OP(SEND, selects_buffers(io(kOut, F::net, prep_sendrecv, issue_sendrecv, "SEND / SENDMSG (to a destination, a bundle)",
	                            done_net, "bundles (RECVSEND_BUNDLE) gather up to 256 ring buffers per CQE")));
	OP(RECV, receives(selects_buffers(io(kIn, F::net, prep_sendrecv, issue_sendrecv, "RECV / RECVMSG (a bundle)", done_net,
	                                     "bundles (RECVSEND_BUNDLE) fill up to 256 ring buffers per CQE; SOCK_NONEMPTY when data "
	                                     "stays queued on a TCP or AF_UNIX byte stream (the reference kernel cannot tell and "
	                                     "never says it)"))));
	OP(OPENAT2, run(F::fs, false, prep_openat2, issue_openat2, "OPENAT (resolve)", done_direct));
	OP(EPOLL_CTL, refuse(F::core, "no native epoll_ctl opcode"));
	OP(SPLICE, run(F::rw, true, prep_splice, issue_splice, "SPLICE"));
	OP(PROVIDE_BUFFERS, pollable_ring(run(F::core, false, prep_provide_buffers, issue_provide_buffers,
	                                      "(none: shim buffer groups)")));
	OP(REMOVE_BUFFERS, pollable_ring(run(F::core, false, prep_remove_buffers, issue_remove_buffers,
	                                     "(none: shim buffer groups)")));
	OP(TEE, run(F::rw, true, prep_tee, issue_tee, "TEE"));
	OP(SHUTDOWN, run(F::net, true, prep_shutdown, issue_shutdown, "SHUTDOWN"));
	OP(RENAMEAT, mapped(F::fs, false, RP_OP_RENAMEAT, M::dirfd, M::addr, M::zero, M::zero, M::len_dirfd, M::addr2,
	                    M::op_flags, kPathZero, true));
	OP(UNLINKAT, mapped(F::fs, false, RP_OP_UNLINKAT, M::dirfd, M::addr, M::zero, M::zero, M::zero, M::zero,
	                    M::op_flags, kPathZero | Z_OFF | Z_LEN, true, lx::AT_REMOVEDIR_));
	OP(MKDIRAT, mapped(F::fs, false, RP_OP_MKDIRAT, M::dirfd, M::addr, M::zero, M::len, M::zero, M::zero, M::zero,
	                   kPathZero | Z_OFF | Z_OP_FLAGS, true)); // mode in len
	OP(SYMLINKAT, mapped(F::fs, false, RP_OP_SYMLINKAT, M::dirfd, M::addr, M::zero, M::zero, M::addr2, M::zero,
	                     M::zero, kPathZero | Z_LEN | Z_OP_FLAGS, true)); // target in addr, link path in addr2
	OP(LINKAT, mapped(F::fs, false, RP_OP_LINKAT, M::dirfd, M::addr, M::zero, M::zero, M::len_dirfd, M::addr2,
	                  M::op_flags, kPathZero, true));
	OP(MSG_RING, pollable_ring(run(F::msg, true, prep_msg_ring, issue_msg_ring, "(none: posted to the target ring)",
	                               nullptr, "SEND_FD between rings driven by different threads may return -EAGAIN")));
	// xattrs: name in addr, value in addr2, path in addr3 (the path forms).
	OP(FSETXATTR, mapped(F::fs, true, RP_OP_FSETXATTR, M::file, M::addr, M::len, M::zero, M::addr2, M::zero,
	                     M::op_flags, Z_IOPRIO | Z_BUF_INDEX, false, kXattrSetFlags));
	OP(SETXATTR, mapped(F::fs, false, RP_OP_SETXATTR, M::zero, M::addr, M::len, M::zero, M::addr2, M::addr3,
	                    M::op_flags, Z_IOPRIO | Z_BUF_INDEX, false, kXattrSetFlags));
	OP(FGETXATTR, mapped(F::fs, true, RP_OP_FGETXATTR, M::file, M::addr, M::len, M::zero, M::addr2, M::zero,
	                     M::zero, Z_IOPRIO | Z_BUF_INDEX | Z_OP_FLAGS));
	OP(GETXATTR, mapped(F::fs, false, RP_OP_GETXATTR, M::zero, M::addr, M::len, M::zero, M::addr2, M::addr3, M::zero,
	                    Z_IOPRIO | Z_BUF_INDEX | Z_OP_FLAGS));
	OP(SOCKET, run(F::net, false, prep_socket, issue_socket, "SOCKET", done_direct));
	OP(URING_CMD, run(F::net, true, prep_uring_cmd, issue_uring_cmd,
	                  "SOCKET_QUEUED / SOCKET_GETOPT / SOCKET_SETOPT / SOCKET_TX_TIMESTAMPS + REGISTER_EVENTS",
	                  done_uring_cmd,
	                  "socket commands SIOCINQ, SIOCOUTQ, GETSOCKOPT, SETSOCKOPT and TX_TIMESTAMP (6.13: multishot CQE32s, "
	                  "-EINVAL without CQE32 or CQE_MIXED, ended by cancel; the OS reads the error queue only while the "
	                  "socket can queue nothing but payload-less stamps: OPT_TSONLY set, no IP_RECVERR, IPV6_RECVERR, "
	                  "SO_ZEROCOPY or SO_TXTIME error reports; the reference kernel answers -EOPNOTSUPP); GETSOCKNAME "
	                  "-EOPNOTSUPP, as on 6.18; other files -EOPNOTSUPP (no driver commands)"));
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
	OP(FTRUNCATE, mapped(F::fs, true, RP_OP_FTRUNCATE, M::file, M::zero, M::zero, M::off, M::zero, M::zero, M::zero,
	                     Z_OP_FLAGS | Z_ADDR | Z_LEN | Z_BUF_INDEX | Z_SPLICE_FD_IN | Z_ADDR3));
	OP(BIND, run(F::net, true, prep_bind, issue_bind, "BIND"));
	OP(LISTEN, run(F::net, true, prep_listen, issue_listen, "LISTEN"));
	// Linux 6.15-6.18 (liburing 2.10-2.15).
	OP(RECV_ZC, refuse(F::net, "needs a zero-copy receive queue (REGISTER_ZCRX_IFQ: a NIC's hardware queue), "
	                           "which the OS has no way to offer"));
	OP(EPOLL_WAIT, run(F::poll, true, prep_epoll_wait, issue_epoll_wait, "EPOLL_WAIT", nullptr,
	                   "ring fds in the epoll set report readiness as the glue last synced it"));
	OP(READV_FIXED, io(kIn, F::rw, prep_rwv_fixed, issue_rw, "READV / PREADV", done_rw));
	OP(WRITEV_FIXED, io(kOut, F::rw, prep_rwv_fixed, issue_rw, "WRITEV / PWRITEV", done_rw));
	OP(PIPE, run(F::fs, false, prep_pipe, issue_pipe, "PIPE", done_pipe));
	// The 128-byte SQE opcodes (Linux 6.18): NOP and URING_CMD in an SQE that takes two slots of a SQE_MIXED ring
	// (submission.cpp consumes the second slot), or one slot of an SQE128 ring; -EINVAL on any other ring.
	OP(NOP128, pollable_ring(run(F::core, false, prep_nop, issue_nop, "(none: completes in the shim)")));
	OP(URING_CMD128, run(F::net, true, prep_uring_cmd, issue_uring_cmd,
	                     "SOCKET_QUEUED / SOCKET_GETOPT / SOCKET_SETOPT / SOCKET_TX_TIMESTAMPS + REGISTER_EVENTS",
	                     done_uring_cmd, "as URING_CMD: the socket commands read only the SQE's first 64 bytes"));
	return t;
}

#undef OP

// Every opcode has its entry, at its own index, and says what it becomes natively. (No function addresses are
// compared here: sanitizer builds cannot evaluate that at compile time.)
constexpr bool complete_and_in_place(const OpTable& t)
{
	for (uint32_t i = 0; i < lx::OP_LAST; ++i)
		if (!t.e[i].name || t.e[i].opcode != i || (!t.e[i].native && !t.e[i].map.native_op))
			return false;
	return true;
}
} // namespace

constexpr OpTable kOps = build();
static_assert(complete_and_in_place(kOps), "every IORING_OP_* has exactly one entry, at its own index");

// The mask has one bit for each of the first 64 opcodes; a trivial op above those could not be named by it.
constexpr uint64_t trivial_ops(const OpTable& t)
{
	uint64_t mask = 0;
	for (uint32_t i = 0; i < lx::OP_LAST; ++i)
		if (t.e[i].trivial)
			mask |= i < 64 ? uint64_t(1) << i : ~uint64_t(0);
	return mask;
}
static_assert(trivial_ops(kOps) == kTrivialOps, "kTrivialOps (optable.hpp) names exactly the table's trivial ops");

} // namespace ringport::shim
