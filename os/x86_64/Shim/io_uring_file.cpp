// The io_uring fd as a File: readiness and mmap come from the shim ring it holds.
#include "FileSystem/fd_table.hpp"
#include "Shim/shim_internal.hpp"

#include <ringport/linux/io_uring.hpp>

namespace kernel {

namespace {

void unref_ring_later(void *ring) { shim::ring_unref(static_cast<shim::Ring *>(ring)); }

// Drops a file's shim ring reference. The last reference tears the ring down, which closes the fds the ring
// registered (rp_host_file_put): never from inside the fd table's own close of this file, so it runs as
// deferred work, before the system call that closed the fd returns.
void drop_ring(shim::Ring *ring)
{
	if (!defer(unref_ring_later, ring))
		shim::ring_unref(ring);
}

} // namespace

// The poll cookie is set for the file's whole life: every CQ publish then reaches cq_posted(), which wakes
// whoever waits for this fd's readiness (a native Poll from another ring, poll(2)).
IoUringFile::IoUringFile(shim::Ring *ring) : File(FileKind::io_uring, O_RDWR_), ring_(ring)
{
	shim::set_poll_cookie(ring_, this);
}

IoUringFile::~IoUringFile()
{
	if (ShimProcess *process = shim_process(false); process && process_node_.linked())
		process->files.remove(this);
	release_ring();
}

void IoUringFile::release_ring()
{
	if (!ring_)
		return;
	shim::set_poll_cookie(ring_, nullptr);
	drop_ring(ring_);
	ring_ = nullptr;
}

uint32_t IoUringFile::do_poll() { return ring_ ? shim::poll_mask(ring_) : 0; }

Result<uint64_t> IoUringFile::do_mmap(uint64_t user_address, size_t length, uint32_t protections, uint32_t flags,
                                      uint64_t offset)
{
	constexpr uint32_t linux_map_fixed = 0x10;
	if (!ring_)
		return Error(EINVAL);
	if (length == 0)
		return Error(EINVAL);
	shim::MapTarget target{};
	if (int64_t e = shim::mmap_target(ring_, offset, length, &target); e < 0)
		return Error(int(-e));
	size_t pages = (length + page_size - 1) & ~(page_size - 1);
	if (target.region_offset + pages > target.region->size)
		return Error(EINVAL);
	return map_page_run(target.region->run, target.region_offset, pages, user_address,
	                    protections & (protect_read | protect_write), (flags & linux_map_fixed) ? map_fixed : 0);
}

IoUringFile *io_uring_file(int fd)
{
	FdTable *table = current_fd_table();
	File *file = table ? table->peek(fd) : nullptr;
	if (!file || file->kind() != FileKind::io_uring)
		return nullptr;
	return static_cast<IoUringFile *>(file);
}

} // namespace kernel
