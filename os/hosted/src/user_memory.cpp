// Reading caller memory without trusting it. The hosted OS shares the caller's address space, so a bad pointer
// in an SQE would crash it if dereferenced; process_vm_readv on ourselves turns a bad address into -EFAULT.
#include "internal.hpp"

#include <cerrno>
#include <climits>
#include <cstring>

#include <sys/uio.h>
#include <unistd.h>

namespace ringport::hosted {

namespace {
// Bytes copied (possibly short at an unmapped page), or -errno.
ssize_t copy_some(void* dst, uint64_t addr, size_t bytes)
{
	iovec local{dst, bytes};
	iovec remote{reinterpret_cast<void*>(addr), bytes};
	// Not cached: after fork a cached pid would name the parent.
	ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	return n < 0 ? -errno : n;
}
} // namespace

int copy_in(void* dst, uint64_t addr, size_t bytes)
{
	if (bytes == 0)
		return 0;
	if (addr == 0)
		return -EFAULT;
	size_t done = 0;
	while (done < bytes) {
		ssize_t n = copy_some(static_cast<char*>(dst) + done, addr + done, bytes - done);
		if (n <= 0)
			return -EFAULT;
		done += size_t(n);
	}
	return 0;
}

int copy_path(uint64_t addr, std::vector<char>& out)
{
	if (addr == 0)
		return -EFAULT;
	out.resize(PATH_MAX);
	size_t have = 0;
	while (have < PATH_MAX) {
		// Read up to the end of the current page so a string near an unmapped page still copies.
		size_t page = size_t(sysconf(_SC_PAGESIZE));
		size_t chunk = page - ((addr + have) & (page - 1));
		if (chunk > PATH_MAX - have)
			chunk = PATH_MAX - have;
		ssize_t n = copy_some(out.data() + have, addr + have, chunk);
		if (n <= 0)
			return -EFAULT;
		if (void* nul = memchr(out.data() + have, 0, size_t(n))) {
			out.resize(size_t(static_cast<char*>(nul) - out.data()) + 1);
			return 0;
		}
		have += size_t(n);
	}
	return -ENAMETOOLONG;
}

} // namespace ringport::hosted

namespace ringport::hosted {

int copy_out(uint64_t addr, const void* src, size_t bytes)
{
	if (bytes == 0)
		return 0;
	if (addr == 0)
		return -EFAULT;
	iovec local{const_cast<void*>(src), bytes};
	iovec remote{reinterpret_cast<void*>(addr), bytes};
	ssize_t n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	return n == ssize_t(bytes) ? 0 : -EFAULT;
}

} // namespace ringport::hosted
