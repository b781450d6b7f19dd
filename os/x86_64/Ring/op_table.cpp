// The one table of native opcodes: each entry sits at the index of its RP_OP_* value (the table is built by
// assigning to that index, and a compile-time check proves every slot is filled by the entry of that
// opcode). Adding an opcode: its line here, its handler in the family file, a test.
#include "Ring/ring_internal.hpp"
#include "Ring/ops_process.hpp"

namespace kernel {

namespace {

struct OpTable {
	OpDef entries[RP_OP_STANDARD_COUNT];
};

constexpr OpTable build_table()
{
	OpTable t{};
#define OP(code, handler) t.entries[code] = OpDef{code, #code, handler}
	OP(RP_OP_NOP, op_nop);
	OP(RP_OP_OPEN, op_open);
	OP(RP_OP_OPENAT, op_open);
	OP(RP_OP_CLOSE, op_close);
	OP(RP_OP_CLOSE_RANGE, op_close_range);
	OP(RP_OP_READ, op_transfer);
	OP(RP_OP_READV, op_transfer);
	OP(RP_OP_PREAD, op_transfer);
	OP(RP_OP_PREADV, op_transfer);
	OP(RP_OP_WRITE, op_transfer);
	OP(RP_OP_WRITEV, op_transfer);
	OP(RP_OP_PWRITE, op_transfer);
	OP(RP_OP_PWRITEV, op_transfer);
	OP(RP_OP_DUP, op_dup);
	OP(RP_OP_MMAP, op_mmap);
	OP(RP_OP_MUNMAP, op_munmap);
	OP(RP_OP_LSEEK, op_lseek);
	OP(RP_OP_FSYNC, op_fsync);
	OP(RP_OP_FDATASYNC, op_fsync);
	OP(RP_OP_SYNC_RANGE, op_sync_range);
	OP(RP_OP_STATX, op_statx);
	OP(RP_OP_FTRUNCATE, op_ftruncate);
	OP(RP_OP_FALLOCATE, op_fallocate);
	OP(RP_OP_FADVISE, op_fadvise);
	OP(RP_OP_MADVISE, op_madvise);
	OP(RP_OP_RENAMEAT, op_path);
	OP(RP_OP_UNLINKAT, op_path);
	OP(RP_OP_MKDIRAT, op_path);
	OP(RP_OP_SYMLINKAT, op_path);
	OP(RP_OP_LINKAT, op_path);
	OP(RP_OP_GETXATTR, op_not_yet);
	OP(RP_OP_SETXATTR, op_not_yet);
	OP(RP_OP_FGETXATTR, op_not_yet);
	OP(RP_OP_FSETXATTR, op_not_yet);
	OP(RP_OP_POLL, op_poll);
	OP(RP_OP_REGISTER_EVENTS, op_register_events);
	OP(RP_OP_SOCKET, op_not_yet);
	OP(RP_OP_BIND, op_not_yet);
	OP(RP_OP_LISTEN, op_not_yet);
	OP(RP_OP_ACCEPT, op_not_yet);
	OP(RP_OP_CONNECT, op_not_yet);
	OP(RP_OP_SEND, op_not_yet);
	OP(RP_OP_RECV, op_not_yet);
	OP(RP_OP_SENDMSG, op_not_yet);
	OP(RP_OP_RECVMSG, op_not_yet);
	OP(RP_OP_SHUTDOWN, op_not_yet);
	OP(RP_OP_SPLICE, op_not_yet);
	OP(RP_OP_TEE, op_not_yet);
	OP(RP_OP_TIMEOUT, op_timeout);
	OP(RP_OP_CANCEL, op_cancel);
	OP(RP_OP_WAITPID, op_waitpid);
	OP(RP_OP_FUTEX, op_futex_native);
	OP(RP_OP_FILE_INFO, op_file_info);
	OP(RP_OP_PIPE, op_not_yet);
	OP(RP_OP_EPOLL_WAIT, op_not_yet);
#undef OP
	return t;
}

constexpr OpTable table = build_table();

// An entry left unassigned is all zero: its name is null (and past index 0 its opcode is wrong too). Function
// pointers are not compared here, as sanitizer builds do not treat that as a constant expression.
constexpr bool table_complete()
{
	for (unsigned i = 0; i < RP_OP_STANDARD_COUNT; i++)
		if (table.entries[i].name == nullptr || table.entries[i].opcode != i)
			return false;
	return true;
}
static_assert(table_complete(), "every standard opcode has its own entry, at its own index");

} // namespace

const OpDef *find_op(uint8_t opcode)
{
	// Scheme-private opcodes (128..255) need a scheme, and the kernel has none yet: like 55..127, -EINVAL.
	if (opcode >= RP_OP_STANDARD_COUNT)
		return nullptr;
	return &table.entries[opcode];
}

} // namespace kernel
