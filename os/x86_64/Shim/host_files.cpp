// host.h, files: the shim's questions about fds are answered from the current process's fd table; a file
// reference the shim keeps (registered files) is an fd of its own, as in the hosted build, because the shim
// names files in native SQEs by fd.
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

int rp_host_fd_kind(int fd)
{
	File *file = peek(fd);
	if (!file)
		return -EBADF;
	return file->kind() == FileKind::io_uring ? 1 : 0;
}

int rp_host_fd_flags(int fd)
{
	File *file = peek(fd);
	return file ? int(file->status_flags()) : -EBADF;
}

int rp_host_fd_is_stream(int) { return 0; } // no sockets yet

int rp_host_fd_pollable(int fd)
{
	File *file = peek(fd);
	if (!file)
		return -EBADF;
	switch (file->kind()) {
	case FileKind::regular:
	case FileKind::directory:
	case FileKind::symlink:
		return 0;
	default:
		return 1;
	}
}

int rp_host_same_file(int fd1, int fd2)
{
	File *a = peek(fd1), *b = peek(fd2);
	if (!a || !b)
		return -EBADF;
	return a == b ? 1 : 0;
}

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

void rp_host_fd_watch(int fd)
{
	if (IoUringFile *file = io_uring_file(fd); file && file->ring())
		shim::set_poll_cookie(file->ring(), file);
}

// Pinnable when every page of the range is readable user memory (the kernel has no file-backed mappings that
// Linux would refuse to pin).
int rp_host_check_pinnable(uint64_t addr, uint64_t len)
{
	if (len == 0)
		return 0;
	if (addr + len < addr)
		return -EFAULT;
	uint64_t page = addr & ~uint64_t(page_size - 1);
	for (; page < addr + len; page += page_size) {
		uint8_t byte;
		uint64_t at = page < addr ? addr : page;
		if (copy_from_user(&byte, at, 1))
			return -EFAULT;
	}
	return 0;
}

int rp_host_eventfd_signal(int ref)
{
	File *file = peek(ref);
	if (!file)
		return -EBADF;
	uint64_t one = 1;
	Result<size_t> written = file->write(IoBuffer::kernel(&one, sizeof(one)));
	return written.ok() ? 0 : -written.error();
}

void rp_host_ring_posted(void *cookie) { static_cast<IoUringFile *>(cookie)->cq_posted(); }

} // extern "C"
