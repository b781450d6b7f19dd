// Inside Shim/: the kernel's side of the in-kernel kernel-shim (kernel-shim/include/ringport/shim/host.h) and
// the Linux io_uring fd. The shim object itself is the unmodified kernel-shim, linked in.
#pragma once

#include <ringport/shim/host.h>
#include <ringport/shim/shim.hpp>

#include "FileSystem/file.hpp"
#include "Platform/platform.hpp"

// Ring memory the program maps (rp_host_region_create): a page run, so mmap on the ring fd maps the very pages
// the shim writes, and the pages outlive the shim's region while any mapping holds them.
struct rp_host_region {
	kernel::PageRun *run;
	void *address;
	size_t size;
};

namespace kernel {

namespace shim = ::ringport::shim;

// The io_uring fd (FileKind::io_uring): poll reports the shim ring's readiness (POLLIN while the CQ has
// entries), mmap maps its regions at IORING_OFF_SQ_RING / CQ_RING / SQES, close and dup are the fd table's.
// The file holds one reference on the shim ring; the last close drops it.
class IoUringFile final : public File {
public:
	explicit IoUringFile(shim::Ring *ring);
	shim::Ring *ring() const { return ring_; }
	// The shim published CQEs (rp_host_ring_posted): wake whoever waits for this fd's readiness.
	void cq_posted()
	{
		if (has_waiters())
			notify_readiness();
	}
	// The process is exiting: let go of the shim ring now, while its fd table still exists (the ring's
	// registered files are fds in it). The file stays an empty shell until its last fd goes.
	void release_ring();

protected:
	~IoUringFile() override;
	bool seekable() const override { return false; }
	uint32_t do_poll() override;
	Result<uint64_t> do_mmap(uint64_t user_address, size_t length, uint32_t protections, uint32_t flags,
	                         uint64_t offset) override;

private:
	shim::Ring *ring_;
	ListNode process_node_; // on the process's list of io_uring files (io_uring_calls.cpp)
	friend struct ShimProcess;
};

// The io_uring file behind fd in the current process, without a new reference; nullptr when fd is not open
// or is another kind of file.
IoUringFile *io_uring_file(int fd);

// Per process: registered ring fds (REGISTER_RING_FDS) and the io_uring files it created.
struct ShimProcess {
	static constexpr int registered_max = 16; // Linux's IO_RINGFD_REG_MAX
	IoUringFile *registered[registered_max] = {};
	List<IoUringFile, &IoUringFile::process_node_> files;
};
ShimProcess *shim_process(bool create_if_missing);

} // namespace kernel
