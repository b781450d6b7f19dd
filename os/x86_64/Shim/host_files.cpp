// host.h, the handles the shim holds for the program: file references (registered files, the registered
// eventfd) are fds of their own in the current process's table, as in the hosted build, because the shim names
// files in native SQEs by fd; ring fds are IoUringFiles. Everything else about a file reaches the shim through
// native ops (FILE_INFO, WAIT_READY), answered by the executor.
#include "FileSystem/eventfd.hpp"
#include "FileSystem/fd_table.hpp"
#include "Shim/shim_internal.hpp"

using namespace kernel;

namespace {

File *peek(int fd)
{
	FdTable *table = current_fd_table();
	return table ? table->peek(fd) : nullptr;
}

// References live above the numbers programs expect open() to return, as the hosted glue keeps them.
constexpr int reference_fd_base = 512;

} // namespace

extern "C" {

int rp_host_file_get(int fd)
{
	FdTable *table = current_fd_table();
	if (!table)
		return -EBADF;
	Result<int> high = table->dup_from(fd, reference_fd_base, true);
	if (high.ok() || high.error() != EMFILE)
		return int(high.to_return());
	return int(table->dup_from(fd, 0, true).to_return());
}

void rp_host_file_put(int ref)
{
	// At process exit the table may already be gone, and with it the reference.
	if (FdTable *table = current_fd_table())
		(void)table->close(ref);
}

void *rp_host_ring_of_fd(int fd)
{
	IoUringFile *file = io_uring_file(fd);
	return file ? file->ring() : nullptr;
}

// Pinnable when every page of the range is user memory (the kernel has no file-backed mappings Linux would
// refuse to pin long term).
int rp_host_check_pinnable(uint64_t addr, uint64_t len) { return check_user_range(addr, len); }

int rp_host_eventfd_signal(int ref)
{
	File *file = peek(ref);
	if (!file)
		return -EBADF;
	// The kernel's eventfd_signal: never blocks, saturates at the maximum, wakes the eventfd's pollers.
	return int(eventfd_signal(file, 1).to_return());
}

void rp_host_ring_posted(void *cookie) { static_cast<IoUringFile *>(cookie)->cq_posted(); }

// This kernel has no epoll, and a poll on a ring fd here is not woken through it: no posting counts.
uint64_t rp_host_uring_wakes(int) { return 0; }

} // extern "C"
