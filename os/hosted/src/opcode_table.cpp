// The hosted OS's opcode table: one handler per standard opcode, put at its index by name and checked at build
// time (each index filled once; none missing). What each opcode's fields are is native::kOpArgs (os/abi).
#include "internal.hpp"

namespace ringport::hosted {

// Never defined, not constexpr: reaching it while the table is built (an opcode filled twice) is a compile error.
void duplicate_handler_entry();

namespace {
constexpr void put(OpcodeTable& t, uint32_t op, Handler h)
{
	if (t.filled[op])
		duplicate_handler_entry();
	t.run[op] = h;
	t.filled[op] = true;
}

constexpr OpcodeTable build()
{
	OpcodeTable t{};
#define RP_RUN(NAME, handler) put(t, RP_OP_##NAME, handler)
	RP_RUN(NOP, op_nop);
	RP_RUN(OPEN, op_open);
	RP_RUN(OPENAT, op_open);
	RP_RUN(CLOSE, op_close);
	RP_RUN(CLOSE_RANGE, op_close_range);
	RP_RUN(READ, op_rw);
	RP_RUN(READV, op_rw);
	RP_RUN(PREAD, op_rw);
	RP_RUN(PREADV, op_rw);
	RP_RUN(WRITE, op_rw);
	RP_RUN(WRITEV, op_rw);
	RP_RUN(PWRITE, op_rw);
	RP_RUN(PWRITEV, op_rw);
	RP_RUN(DUP, op_dup);
	RP_RUN(MMAP, op_mmap);
	RP_RUN(MUNMAP, op_munmap);
	RP_RUN(LSEEK, op_lseek);
	RP_RUN(FSYNC, op_fsync);
	RP_RUN(FDATASYNC, op_fsync);
	RP_RUN(SYNC_RANGE, op_sync_range);
	RP_RUN(STATX, op_statx);
	RP_RUN(FTRUNCATE, op_ftruncate);
	RP_RUN(FALLOCATE, op_fallocate);
	RP_RUN(FADVISE, op_fadvise);
	RP_RUN(MADVISE, op_madvise);
	RP_RUN(RENAMEAT, op_renameat);
	RP_RUN(UNLINKAT, op_unlinkat);
	RP_RUN(MKDIRAT, op_mkdirat);
	RP_RUN(SYMLINKAT, op_symlinkat);
	RP_RUN(LINKAT, op_linkat);
	RP_RUN(GETXATTR, op_xattr);
	RP_RUN(SETXATTR, op_xattr);
	RP_RUN(FGETXATTR, op_xattr);
	RP_RUN(FSETXATTR, op_xattr);
	RP_RUN(POLL, op_poll);
	RP_RUN(REGISTER_EVENTS, op_register_events);
	RP_RUN(SOCKET, op_socket);
	RP_RUN(BIND, op_bind);
	RP_RUN(LISTEN, op_listen);
	RP_RUN(ACCEPT, op_accept);
	RP_RUN(CONNECT, op_connect);
	RP_RUN(SEND, op_sendrecv);
	RP_RUN(RECV, op_sendrecv);
	RP_RUN(SENDMSG, op_sendrecv);
	RP_RUN(RECVMSG, op_sendrecv);
	RP_RUN(SHUTDOWN, op_shutdown);
	RP_RUN(SPLICE, op_splice);
	RP_RUN(TEE, op_splice);
	RP_RUN(TIMEOUT, op_timeout);
	RP_RUN(CANCEL, op_cancel);
	RP_RUN(WAITPID, op_waitpid);
	RP_RUN(FUTEX, op_futex);
	RP_RUN(FILE_INFO, op_file_info);
	RP_RUN(PIPE, op_pipe);
	RP_RUN(EPOLL_WAIT, op_epoll_wait);
#undef RP_RUN
	return t;
}

constexpr bool every_opcode_handled(const OpcodeTable& t)
{
	for (uint32_t i = 0; i < RP_OP_STANDARD_COUNT; ++i)
		if (!t.filled[i])
			return false;
	return true;
}
} // namespace

constexpr OpcodeTable opcode_table = build();
static_assert(every_opcode_handled(opcode_table), "one handler per standard opcode, each at its own index");

} // namespace ringport::hosted
