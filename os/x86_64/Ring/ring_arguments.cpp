// Decoding SQE fields that name fds, paths and iovec arrays, the same way for every opcode family.
#include "FileSystem/fd_table.hpp"
#include "FileSystem/vfs.hpp"
#include "Library/string.hpp"
#include "Ring/chains.hpp"
#include "Ring/ring_internal.hpp"

namespace kernel {

Result<int> fd_argument(uint64_t field)
{
	auto value = int64_t(field);
	if (value < INT32_MIN || value > INT32_MAX)
		return Error(EBADF);
	return int(value);
}

Result<FileRef> file_argument(NativeRing &, uint64_t field)
{
	int fd = TRY(fd_argument(field));
	// Ops run while their ring's owner is the current process (enter is its system call), so the current
	// table is the submitter's.
	FdTable *table = current_fd_table();
	if (!table)
		return Error(EBADF);
	return table->get(fd);
}

Result<void> read_iovecs(NativeRing &ring, uint64_t address, uint64_t count, IoVec *out)
{
	if (count > max_iovecs)
		return Error(EINVAL);
	size_t bytes = size_t(count) * sizeof(IoVec);
	if (ring.internal)
		memcpy(out, reinterpret_cast<const void *>(address), bytes);
	else if (copy_from_user(out, address, bytes))
		return Error(EFAULT);
	uint64_t total = 0;
	for (uint64_t i = 0; i < count; i++) {
		if (int64_t(out[i].length) < 0)
			return Error(EINVAL);
		total += out[i].length;
		if (int64_t(total) < 0)
			return Error(EINVAL); // the sum must fit ssize_t, as readv(2) checks
	}
	return {};
}

Result<char *> path_argument(uint64_t user_path)
{
	auto *buffer = static_cast<char *>(allocate(PATH_MAX_));
	if (!buffer)
		return Error(ENOMEM);
	// A chain step's path was copied when its entry was consumed (chains.cpp): that copy, not user memory now.
	if (const char *kept = chain_path(user_path)) {
		size_t n = strlen(kept);
		memcpy(buffer, kept, n + 1);
		return buffer;
	}
	Result<size_t> copied = copy_path_from_user(buffer, user_path);
	if (!copied.ok()) {
		deallocate(buffer);
		return Error(copied.error());
	}
	return buffer;
}

} // namespace kernel
