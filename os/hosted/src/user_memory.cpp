// Reading caller memory without trusting it. The hosted OS shares the caller's address space, so a bad pointer
// in an SQE would crash it if dereferenced; process_vm_readv on ourselves turns a bad address into -EFAULT.
//
// And refusing the embedding's private memory (rp_os_add_private_range): libringport keeps the shim's state in
// a heap of its own that the program must not reach, as a Linux program cannot reach kernel memory. The OS does
// the program's I/O with system calls that would happily read or write there (a READ whose buffer is the
// shim's rings, a RECVMSG whose iovec points at its requests), so every program buffer is checked against it
// before the call. Structures the submitter builds for an entry (the shim's copies of an iovec array or a
// msghdr, made through the glue's checked copies) may live there; the buffers they name may not.
#include "internal.hpp"

#include <cerrno>
#include <climits>
#include <cstring>

#include <sys/uio.h>
#include <unistd.h>

namespace ringport::hosted {

PrivateRanges g_private;

namespace {
std::mutex g_private_add; // writers only; readers go lock-free (entry first, then count)
} // namespace

bool private_overlaps_slow(uint64_t addr, uint64_t end)
{
	uint32_t n = g_private.count.load(std::memory_order_acquire);
	for (uint32_t i = 0; i < n; ++i)
		if (addr < g_private.r_hi[i].load(std::memory_order_relaxed) &&
		    g_private.r_lo[i].load(std::memory_order_relaxed) < end)
			return true;
	// More ranges than the table holds: the bounding box stands for the rest (overlap is then possible
	// with program memory between them: refused, never let through).
	return n >= PrivateRanges::kMax;
}

int user_iovecs(const iovec* iov, size_t count)
{
	for (size_t i = 0; i < count; ++i)
		if (int e = user_range(uint64_t(uintptr_t(iov[i].iov_base)), iov[i].iov_len))
			return e;
	return 0;
}

int copy_iovecs(uint64_t addr, size_t count, iovec* stack, size_t small, std::vector<iovec>& heap, iovec** out)
{
	if (count > IOV_MAX)
		return -EINVAL;
	iovec* v = stack;
	if (count > small) {
		heap.resize(count);
		v = heap.data();
	}
	if (int e = copy_in(v, addr, count * sizeof(iovec)))
		return e;
	*out = v;
	return user_iovecs(v, count);
}

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
		if (private_overlaps(addr + have, chunk))
			return -EFAULT;
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

using namespace ringport::hosted;

extern "C" void rp_os_add_private_range(uint64_t lo, uint64_t hi)
{
	if (lo >= hi)
		return;
	std::lock_guard<std::mutex> g(g_private_add);
	uint32_t n = g_private.count.load(std::memory_order_relaxed);
	bool merged = false;
	for (uint32_t i = 0; i < n && !merged; ++i) {
		// Adjacent to an entry: that entry grows (a reader meanwhile sees the old bounds or the new ones; the
		// new part is not the embedding's yet until this returns).
		if (g_private.r_hi[i].load(std::memory_order_relaxed) == lo) {
			g_private.r_hi[i].store(hi, std::memory_order_release);
			merged = true;
		} else if (g_private.r_lo[i].load(std::memory_order_relaxed) == hi) {
			g_private.r_lo[i].store(lo, std::memory_order_release);
			merged = true;
		}
	}
	if (!merged && n < PrivateRanges::kMax) {
		g_private.r_lo[n].store(lo, std::memory_order_relaxed);
		g_private.r_hi[n].store(hi, std::memory_order_relaxed);
		g_private.count.store(n + 1, std::memory_order_release);
	} else if (!merged) {
		g_private.count.store(PrivateRanges::kMax, std::memory_order_release); // the box covers it
	}
	if (hi > g_private.hi.load(std::memory_order_relaxed))
		g_private.hi.store(hi, std::memory_order_release);
	if (lo < g_private.lo.load(std::memory_order_relaxed))
		g_private.lo.store(lo, std::memory_order_release);
}

extern "C" int rp_os_private_overlaps(uint64_t addr, uint64_t len) { return private_overlaps(addr, len); }
