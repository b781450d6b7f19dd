// The opcode table: one handler per standard opcode, indexed by rp_opcode.
#include "internal.hpp"

#include <cerrno>

namespace ringport::hosted {

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
	op_dup,             // RP_OP_DUP
	op_mmap,            // RP_OP_MMAP
	op_munmap,          // RP_OP_MUNMAP
	op_lseek,           // RP_OP_LSEEK
	op_fsync,           // RP_OP_FSYNC
	op_fsync,           // RP_OP_FDATASYNC
	op_sync_range,      // RP_OP_SYNC_RANGE
	op_statx,           // RP_OP_STATX
	op_ftruncate,       // RP_OP_FTRUNCATE
	op_fallocate,       // RP_OP_FALLOCATE
	op_fadvise,         // RP_OP_FADVISE
	op_madvise,         // RP_OP_MADVISE
	op_path,            // RP_OP_RENAMEAT
	op_path,            // RP_OP_UNLINKAT
	op_path,            // RP_OP_MKDIRAT
	op_path,            // RP_OP_SYMLINKAT
	op_path,            // RP_OP_LINKAT
	op_xattr,           // RP_OP_GETXATTR
	op_xattr,           // RP_OP_SETXATTR
	op_xattr,           // RP_OP_FGETXATTR
	op_xattr,           // RP_OP_FSETXATTR
	op_poll,            // RP_OP_POLL
	op_register_events, // RP_OP_REGISTER_EVENTS
	op_socket,          // RP_OP_SOCKET
	op_bind,            // RP_OP_BIND
	op_listen,          // RP_OP_LISTEN
	op_accept,          // RP_OP_ACCEPT
	op_connect,         // RP_OP_CONNECT
	op_sendrecv,        // RP_OP_SEND
	op_sendrecv,        // RP_OP_RECV
	op_sendrecv,        // RP_OP_SENDMSG
	op_sendrecv,        // RP_OP_RECVMSG
	op_shutdown,        // RP_OP_SHUTDOWN
	op_splice,          // RP_OP_SPLICE
	op_splice,          // RP_OP_TEE
	op_timeout,         // RP_OP_TIMEOUT
	op_cancel,          // RP_OP_CANCEL
	op_waitpid,         // RP_OP_WAITPID
	op_futex,           // RP_OP_FUTEX
	op_file_info,       // RP_OP_FILE_INFO
};
static_assert(sizeof(opcode_table) / sizeof(opcode_table[0]) == RP_OP_STANDARD_COUNT, "one handler per opcode");

} // namespace ringport::hosted
