// The opcode table: one handler per standard opcode, indexed by rp_opcode.
#include "internal.hpp"

#include <cerrno>

namespace ringport::hosted {

namespace {
Issue op_not_yet(Ring&, const rp_sqe&) { return Issue::complete(-ENOSYS); }
} // namespace

const Handler opcode_table[RP_OP_STANDARD_COUNT] = {
	op_nop,             // RP_OP_NOP
	op_open,            // RP_OP_OPEN
	op_open,            // RP_OP_OPENAT
	op_close,           // RP_OP_CLOSE
	op_close_range,     // RP_OP_CLOSE_RANGE
	op_rw,              // RP_OP_READ
	op_rw,              // RP_OP_READV
	op_rw,              // RP_OP_PREAD
	op_rw,              // RP_OP_PREADV
	op_rw,              // RP_OP_WRITE
	op_rw,              // RP_OP_WRITEV
	op_rw,              // RP_OP_PWRITE
	op_rw,              // RP_OP_PWRITEV
	op_not_yet,         // RP_OP_DUP
	op_not_yet,         // RP_OP_MMAP
	op_not_yet,         // RP_OP_MUNMAP
	op_not_yet,         // RP_OP_LSEEK
	op_not_yet,         // RP_OP_FSYNC
	op_not_yet,         // RP_OP_FDATASYNC
	op_not_yet,         // RP_OP_SYNC_RANGE
	op_not_yet,         // RP_OP_STATX
	op_not_yet,         // RP_OP_FTRUNCATE
	op_not_yet,         // RP_OP_FALLOCATE
	op_not_yet,         // RP_OP_FADVISE
	op_not_yet,         // RP_OP_MADVISE
	op_not_yet,         // RP_OP_RENAMEAT
	op_not_yet,         // RP_OP_UNLINKAT
	op_not_yet,         // RP_OP_MKDIRAT
	op_not_yet,         // RP_OP_SYMLINKAT
	op_not_yet,         // RP_OP_LINKAT
	op_not_yet,         // RP_OP_GETXATTR
	op_not_yet,         // RP_OP_SETXATTR
	op_not_yet,         // RP_OP_FGETXATTR
	op_not_yet,         // RP_OP_FSETXATTR
	op_poll,            // RP_OP_POLL
	op_register_events, // RP_OP_REGISTER_EVENTS
	op_not_yet,         // RP_OP_SOCKET
	op_not_yet,         // RP_OP_BIND
	op_not_yet,         // RP_OP_LISTEN
	op_not_yet,         // RP_OP_ACCEPT
	op_not_yet,         // RP_OP_CONNECT
	op_not_yet,         // RP_OP_SEND
	op_not_yet,         // RP_OP_RECV
	op_not_yet,         // RP_OP_SENDMSG
	op_not_yet,         // RP_OP_RECVMSG
	op_not_yet,         // RP_OP_SHUTDOWN
	op_not_yet,         // RP_OP_SPLICE
	op_not_yet,         // RP_OP_TEE
	op_timeout,         // RP_OP_TIMEOUT
	op_cancel,          // RP_OP_CANCEL
	op_not_yet,         // RP_OP_WAITPID
	op_not_yet,         // RP_OP_FUTEX
};
static_assert(sizeof(opcode_table) / sizeof(opcode_table[0]) == RP_OP_STANDARD_COUNT, "one handler per opcode");

} // namespace ringport::hosted
