// The native argument conventions: for every standard opcode, what each rp_sqe field is (a file, a directory fd,
// a path, caller memory, a plain value, or unused). One table, built by index and checked at build time, read by
// the hosted OS (scheme forwarding: which fields name files it must route or refuse), by
// os/abi/tools/native_abi_doc (make check compares docs/native-abi.md's argument column with it) and by anyone
// who writes an OS for the ring. The prose per opcode is in native_ring.h and docs/native-abi.md.
#pragma once

#include <ringport/native_ring.h>

namespace ringport::native {

enum class Arg : uint8_t {
	unused, // must be zero
	file,   // an fd the op works on
	dirfd,  // a directory fd a path is relative to (AT_FDCWD allowed)
	path,   // a NUL-terminated path in caller memory
	string, // another NUL-terminated string in caller memory (an xattr name)
	in,     // caller memory the OS reads (a buffer, an iovec array whose buffers it reads, a struct)
	out,    // caller memory the OS writes (a buffer, an iovec array whose buffers it fills, a struct)
	inout,  // caller memory the OS reads and writes back (a msghdr, a socklen_t)
	value,  // a number (a length, an offset, a mode, an id, an address it does not dereference)
	varies, // per sub-operation (Futex: see rp_futex_op)
};

struct OpArgs {
	uint8_t opcode;   // the index it sits at (checked)
	const char* name; // RP_OP_<name>, spelled from the same token as the index
	Arg fd, addr, len, offset, a1, a2;
	bool flags; // syscall_flags carries flags
	// The field of each kind that names the op's file, if any (scheme forwarding routes on it).
	constexpr bool fd_is_file() const { return fd == Arg::file || fd == Arg::dirfd; }
};

struct OpArgsTable {
	OpArgs e[RP_OP_STANDARD_COUNT];
	constexpr const OpArgs& operator[](uint32_t op) const { return e[op]; }
};

namespace args_detail {
// Never defined, not constexpr: reaching it while the table is built (an opcode filled twice) is a compile error.
void duplicate_native_op_entry();

constexpr void put(OpArgsTable& t, uint32_t op, const char* name, Arg fd, Arg addr, Arg len, Arg offset, Arg a1,
                   Arg a2, bool flags)
{
	if (t.e[op].name)
		duplicate_native_op_entry();
	t.e[op] = OpArgs{uint8_t(op), name, fd, addr, len, offset, a1, a2, flags};
}

constexpr OpArgsTable build()
{
	OpArgsTable t{};
	using A = Arg;
	constexpr A _ = A::unused, F = A::file, D = A::dirfd, P = A::path, S = A::string, I = A::in, O = A::out,
	            IO = A::inout, V = A::value, X = A::varies;
#define RP_ARGS(NAME, fd, addr, len, offset, a1, a2, flags) put(t, RP_OP_##NAME, #NAME, fd, addr, len, offset, a1, a2, flags)
	//       opcode           fd addr len offset a1  a2  flags
	RP_ARGS(NOP,             _, _,   _,  _,     _,  _,  false);
	RP_ARGS(OPEN,            _, P,   _,  V,     _,  _,  true);
	RP_ARGS(OPENAT,          D, P,   _,  V,     V,  _,  true);
	RP_ARGS(CLOSE,           F, _,   _,  _,     _,  _,  false);
	RP_ARGS(CLOSE_RANGE,     V, _,   _,  V,     _,  _,  true);
	RP_ARGS(READ,            F, O,   V,  _,     _,  _,  false);
	RP_ARGS(READV,           F, O,   V,  _,     _,  _,  false);
	RP_ARGS(PREAD,           F, O,   V,  V,     _,  _,  false);
	RP_ARGS(PREADV,          F, O,   V,  V,     _,  _,  true);
	RP_ARGS(WRITE,           F, I,   V,  _,     _,  _,  false);
	RP_ARGS(WRITEV,          F, I,   V,  _,     _,  _,  false);
	RP_ARGS(PWRITE,          F, I,   V,  V,     _,  _,  false);
	RP_ARGS(PWRITEV,         F, I,   V,  V,     _,  _,  true);
	RP_ARGS(DUP,             F, _,   _,  V,     _,  _,  true);
	RP_ARGS(MMAP,            F, V,   V,  V,     V,  _,  true);
	RP_ARGS(MUNMAP,          _, V,   V,  _,     _,  _,  false);
	RP_ARGS(LSEEK,           F, _,   _,  V,     _,  _,  true);
	RP_ARGS(FSYNC,           F, _,   _,  _,     _,  _,  false);
	RP_ARGS(FDATASYNC,       F, _,   _,  _,     _,  _,  false);
	RP_ARGS(SYNC_RANGE,      F, _,   V,  V,     _,  _,  true);
	RP_ARGS(STATX,           D, P,   V,  _,     O,  _,  true);
	RP_ARGS(FTRUNCATE,       F, _,   _,  V,     _,  _,  false);
	RP_ARGS(FALLOCATE,       F, _,   V,  V,     _,  _,  true);
	RP_ARGS(FADVISE,         F, _,   V,  V,     _,  _,  true);
	RP_ARGS(MADVISE,         _, V,   V,  _,     _,  _,  true);
	RP_ARGS(RENAMEAT,        D, P,   _,  _,     D,  P,  true);
	RP_ARGS(UNLINKAT,        D, P,   _,  _,     _,  _,  true);
	RP_ARGS(MKDIRAT,         D, P,   _,  V,     _,  _,  false);
	RP_ARGS(SYMLINKAT,       D, P,   _,  _,     P,  _,  false);
	RP_ARGS(LINKAT,          D, P,   _,  _,     D,  P,  true);
	RP_ARGS(GETXATTR,        _, S,   V,  _,     O,  P,  false);
	RP_ARGS(SETXATTR,        _, S,   V,  _,     I,  P,  true);
	RP_ARGS(FGETXATTR,       F, S,   V,  _,     O,  _,  false);
	RP_ARGS(FSETXATTR,       F, S,   V,  _,     I,  _,  true);
	RP_ARGS(POLL,            F, _,   _,  _,     _,  _,  true);
	RP_ARGS(REGISTER_EVENTS, F, _,   _,  _,     _,  _,  true);
	RP_ARGS(SOCKET,          _, _,   V,  V,     _,  _,  true);
	RP_ARGS(BIND,            F, I,   V,  _,     _,  _,  false);
	RP_ARGS(LISTEN,          F, _,   V,  _,     _,  _,  false);
	RP_ARGS(ACCEPT,          F, O,   _,  _,     IO, _,  true);
	RP_ARGS(CONNECT,         F, I,   V,  _,     _,  _,  false);
	RP_ARGS(SEND,            F, I,   V,  _,     _,  _,  true);
	RP_ARGS(RECV,            F, O,   V,  _,     _,  _,  true);
	RP_ARGS(SENDMSG,         F, IO,  _,  _,     _,  _,  true);
	RP_ARGS(RECVMSG,         F, IO,  _,  _,     _,  _,  true);
	RP_ARGS(SHUTDOWN,        F, _,   V,  _,     _,  _,  false);
	RP_ARGS(SPLICE,          F, _,   V,  V,     F,  V,  true);
	RP_ARGS(TEE,             F, _,   V,  _,     F,  _,  true);
	RP_ARGS(TIMEOUT,         _, _,   _,  V,     _,  _,  true);
	RP_ARGS(CANCEL,          _, V,   _,  _,     _,  _,  false);
	RP_ARGS(WAITPID,         V, O,   V,  _,     _,  _,  true);
	RP_ARGS(FUTEX,           _, X,   X,  X,     X,  _,  true);
	RP_ARGS(FILE_INFO,       F, _,   _,  _,     F,  _,  false);
	RP_ARGS(PIPE,            _, O,   _,  _,     _,  _,  true);
	RP_ARGS(EPOLL_WAIT,      F, O,   V,  _,     _,  _,  false);
#undef RP_ARGS
	return t;
}

constexpr bool complete_and_in_place(const OpArgsTable& t)
{
	for (uint32_t i = 0; i < RP_OP_STANDARD_COUNT; ++i)
		if (!t.e[i].name || t.e[i].opcode != i)
			return false;
	return true;
}
} // namespace args_detail

inline constexpr OpArgsTable kOpArgs = args_detail::build();
static_assert(args_detail::complete_and_in_place(kOpArgs), "every standard RP_OP_* has one entry, at its own index");

} // namespace ringport::native
