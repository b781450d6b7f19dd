// The Linux opcode table. Adding an opcode: its entry here, its family file, a test.
#include "optable.hpp"

namespace ringport::shim {

namespace {
using F = Family;

constexpr OpDef run(const char* name, F family, bool needs_file, PrepFn prep, IssueFn issue, const char* native,
                    NativeDoneFn done = nullptr, const char* note = "")
{
	return OpDef{name, family, true, needs_file, false, false, false, 0, 0, prep, issue, done, native, note};
}
// Ops that use sqe.ioprio and, on a file that would block, wait for readiness (Linux's FAST_POLL).
constexpr uint8_t kIn = 0x1, kOut = 0x4;
constexpr OpDef io(uint8_t events, const char* name, F family, PrepFn prep, IssueFn issue, const char* native,
                   NativeDoneFn done, const char* note = "")
{
	return OpDef{name, family, true, true, false, true, family == F::rw, events, 0, prep, issue, done, native, note};
}
// Refused the way a kernel without the opcode refuses it: -EINVAL in the CQE, unsupported in the probe.
constexpr OpDef refuse(const char* name, F family, const char* why)
{
	return OpDef{name, family, false, false, false, false, false, 0, -lx::EINVAL, nullptr, nullptr, nullptr, "-", why};
}
// Also allowed on IOPOLL rings (Linux: ops that complete without the file's poll machinery).
constexpr OpDef selects_buffers(OpDef d)
{
	d.buffer_select = true;
	return d;
}
constexpr OpDef pollable_ring(OpDef d)
{
	d.iopoll = true;
	return d;
}
} // namespace

constexpr OpDef kOps[] = {
    pollable_ring(run("NOP", F::core, false, prep_nop, issue_nop, "(none: completes in the shim)")),
    selects_buffers(io(kIn, "READV", F::rw, prep_rw, issue_rw, "READV / PREADV", done_rw)),
    io(kOut, "WRITEV", F::rw, prep_rw, issue_rw, "WRITEV / PWRITEV", done_rw),
    run("FSYNC", F::sync, true, prep_fsync, issue_fsync, "FSYNC / FDATASYNC", nullptr,
        "a range (off/len) syncs the whole file"),
    io(kIn, "READ_FIXED", F::rw, prep_rw_fixed, issue_rw, "READ / PREAD", done_rw),
    io(kOut, "WRITE_FIXED", F::rw, prep_rw_fixed, issue_rw, "WRITE / PWRITE", done_rw),
    run("POLL_ADD", F::poll, true, prep_poll_add, issue_poll_add, "POLL / REGISTER_EVENTS", done_poll_add),
    run("POLL_REMOVE", F::poll, false, prep_poll_remove, issue_poll_remove, "CANCEL"),
    run("SYNC_FILE_RANGE", F::sync, true, prep_sync_file_range, issue_sync_file_range, "SYNC_RANGE"),
    io(kOut, "SENDMSG", F::net, prep_msg, issue_msg, "SENDMSG", done_rw),
    selects_buffers(io(kIn, "RECVMSG", F::net, prep_msg, issue_msg, "RECVMSG", done_rw)),
    run("TIMEOUT", F::timeout, false, prep_timeout, issue_timeout, "TIMEOUT", done_timeout),
    run("TIMEOUT_REMOVE", F::timeout, false, prep_timeout_remove, issue_timeout_remove, "CANCEL + TIMEOUT"),
    io(kIn, "ACCEPT", F::net, prep_accept, issue_accept, "ACCEPT", done_rw),
    run("ASYNC_CANCEL", F::cancel, false, prep_async_cancel, issue_async_cancel, "CANCEL", done_async_cancel),
    run("LINK_TIMEOUT", F::timeout, false, prep_link_timeout, issue_link_timeout, "TIMEOUT + CANCEL",
        done_link_timeout),
    run("CONNECT", F::net, true, prep_connect, issue_connect, "CONNECT"),
    run("FALLOCATE", F::fs, true, prep_fallocate, issue_fallocate, "FALLOCATE"),
    run("OPENAT", F::fs, false, prep_openat, issue_openat, "OPENAT", done_direct),
    run("CLOSE", F::fs, false, prep_close, issue_close, "CLOSE"),
    pollable_ring(run("FILES_UPDATE", F::core, false, prep_files_update, issue_files_update, "(none: shim file table)")),
    run("STATX", F::fs, false, prep_statx, issue_statx, "STATX"),
    selects_buffers(io(kIn, "READ", F::rw, prep_rw, issue_rw, "READ / PREAD", done_rw)),
    io(kOut, "WRITE", F::rw, prep_rw, issue_rw, "WRITE / PWRITE", done_rw),
    run("FADVISE", F::fs, true, prep_fadvise, issue_fadvise, "FADVISE"),
    run("MADVISE", F::fs, false, prep_madvise, issue_madvise, "MADVISE"),
    io(kOut, "SEND", F::net, prep_sendrecv, issue_sendrecv, "SEND / SENDMSG (to a destination)", done_rw),
    selects_buffers(io(kIn, "RECV", F::net, prep_sendrecv, issue_sendrecv, "RECV", done_rw, "no bundles")),
    run("OPENAT2", F::fs, false, prep_openat2, issue_openat2, "OPENAT (resolve)", done_direct),
    refuse("EPOLL_CTL", F::core, "no native epoll_ctl opcode"),
    run("SPLICE", F::rw, true, prep_splice, issue_splice, "SPLICE"),
    pollable_ring(run("PROVIDE_BUFFERS", F::core, false, prep_provide_buffers, issue_provide_buffers,
                      "(none: shim buffer groups)")),
    pollable_ring(run("REMOVE_BUFFERS", F::core, false, prep_remove_buffers, issue_remove_buffers,
                      "(none: shim buffer groups)")),
    run("TEE", F::rw, true, prep_tee, issue_tee, "TEE"),
    run("SHUTDOWN", F::net, true, prep_shutdown, issue_shutdown, "SHUTDOWN"),
    run("RENAMEAT", F::fs, false, prep_renameat, issue_renameat, "RENAMEAT"),
    run("UNLINKAT", F::fs, false, prep_unlinkat, issue_unlinkat, "UNLINKAT"),
    run("MKDIRAT", F::fs, false, prep_mkdirat, issue_mkdirat, "MKDIRAT"),
    run("SYMLINKAT", F::fs, false, prep_symlinkat, issue_symlinkat, "SYMLINKAT"),
    run("LINKAT", F::fs, false, prep_linkat, issue_linkat, "LINKAT"),
    pollable_ring(run("MSG_RING", F::msg, true, prep_msg_ring, issue_msg_ring, "(none: posted to the target ring)",
                      nullptr, "SEND_FD between rings driven by different threads may return -EAGAIN")),
    run("FSETXATTR", F::fs, true, prep_xattr, issue_xattr, "FSETXATTR"),
    run("SETXATTR", F::fs, false, prep_xattr, issue_xattr, "SETXATTR"),
    run("FGETXATTR", F::fs, true, prep_xattr, issue_xattr, "FGETXATTR"),
    run("GETXATTR", F::fs, false, prep_xattr, issue_xattr, "GETXATTR"),
    run("SOCKET", F::net, false, prep_socket, issue_socket, "SOCKET", done_direct),
    run("URING_CMD", F::net, true, prep_uring_cmd, issue_uring_cmd, "SOCKET_QUEUED / SOCKET_GETOPT / SOCKET_SETOPT",
        done_uring_cmd, "socket commands only; other files -EOPNOTSUPP (no driver commands)"),
    io(kOut, "SEND_ZC", F::net, prep_send_zc, issue_send_zc, "SEND / SENDMSG", done_rw,
       "the OS copies the data; the notification follows the result (REPORT_USAGE says copied)"),
    io(kOut, "SENDMSG_ZC", F::net, prep_sendmsg_zc, issue_sendmsg_zc, "SENDMSG", done_rw,
       "the OS copies the data; the notification follows the result (REPORT_USAGE says copied)"),
    selects_buffers(io(kIn, "READ_MULTISHOT", F::rw, prep_read_mshot, issue_read_mshot, "PREADV (RWF_NOWAIT) + POLL",
                       done_read_mshot, "pollable files only (-EBADFD otherwise), as on Linux")),
    run("WAITID", F::process, false, prep_waitid, issue_waitid, "WAITPID"),
    run("FUTEX_WAIT", F::process, false, prep_futex_wait, issue_futex_wait, "FUTEX (WAIT)"),
    run("FUTEX_WAKE", F::process, false, prep_futex_wake, issue_futex_wake, "FUTEX (WAKE)"),
    run("FUTEX_WAITV", F::process, false, prep_futex_waitv, issue_futex_waitv, "FUTEX (WAITV)"),
    run("FIXED_FD_INSTALL", F::core, true, prep_fixed_fd_install, issue_fixed_fd_install, "DUP"),
    run("FTRUNCATE", F::fs, true, prep_ftruncate, issue_ftruncate, "FTRUNCATE"),
    run("BIND", F::net, true, prep_bind, issue_bind, "BIND"),
    run("LISTEN", F::net, true, prep_listen, issue_listen, "LISTEN"),
};
static_assert(sizeof(kOps) / sizeof(kOps[0]) == lx::OP_LAST, "one entry per Linux opcode");

} // namespace ringport::shim
