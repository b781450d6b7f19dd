// mmap, mprotect, munmap, brk, madvise: Linux's checks and errnos over the address space (Memory/).
// A file mapping (the io_uring fd at IORING_OFF_*) goes to the file's own mmap hook through FileSystem/.
#include "Library/errno.hpp"
#include "Memory/address_space.hpp"
#include "Syscalls/calls.hpp"
#include "Syscalls/hooks.hpp"
#include "Arch/boot_info.hpp"
#include "FileSystem/fd_table.hpp"
#include "FileSystem/inode.hpp"
#include "Memory/paging.hpp"
#include "Platform/platform.hpp"

namespace kernel {
namespace {

constexpr uint64_t map_shared = 0x01, map_private = 0x02, map_shared_validate = 0x03, map_type = 0x0F,
                   map_anonymous = 0x20, map_norserve = 0x4000, map_growsdown = 0x100, map_denywrite = 0x800,
                   map_executable = 0x1000, map_locked = 0x2000, map_nonblock = 0x10000, map_stack = 0x20000,
                   map_hugetlb = 0x40000, map_sync = 0x80000, map_uninitialized = 0x4000000;
constexpr uint64_t known_prot = protect_read | protect_write | protect_exec;

AddressSpace *space() { return current_address_space(); }
uint64_t page_up(uint64_t v) { return (v + page_size - 1) & ~(page_size - 1); }

// mmap(MAP_PRIVATE) of a regular file (or /dev/zero): a private copy of the file's pages, read in now into
// anonymous memory (no page cache to share: a later write to the file does not show through, which Linux
// leaves unspecified for MAP_PRIVATE pages anyway once touched). Bytes past the end of the file read as
// zero (Linux would raise SIGBUS for whole pages past it). Needs a file open for reading.
long map_private_file(uint64_t fd, uint64_t address, uint64_t length, uint32_t protections, uint32_t placement,
                      uint64_t offset)
{
	FdTable *table = current_fd_table();
	if (!table || fd >= uint64_t(FdTable::limit))
		return -EBADF;
	auto file = table->get(int(fd));
	if (!file.ok())
		return -EBADF;
	Inode *inode = file.value()->inode();
	if (!inode || !file.value()->readable())
		return inode ? -EACCES : -ENODEV;
	if (inode->type() != InodeType::regular && inode->type() != InodeType::char_device)
		return -ENODEV;
	// Writable while we fill it, then the caller's protections.
	Result<uint64_t> mapped = vm_map(space(), address, length, protect_read | protect_write,
	                                 placement | map_populate, nullptr, 0);
	if (!mapped.ok())
		return -mapped.error();
	uint64_t start = mapped.value();
	for (uint64_t page = 0; page < page_up(length); page += page_size) {
		uint64_t entry = paging::lookup(space()->root, start + page);
		void *kernel_page = physical_to_virtual(entry & paging::address_mask);
		auto n = file.value()->pread(IoBuffer::kernel(kernel_page, page_size), int64_t(offset + page));
		if (!n.ok() && n.error() != EINVAL) { // EINVAL: past what the device serves; the page stays zero
			vm_unmap(space(), start, length);
			return -n.error();
		}
		if (n.ok() && n.value() < page_size)
			break; // end of file: the rest stays zero
	}
	if (protections != (protect_read | protect_write))
		vm_protect(space(), start, length, protections);
	return long(start);
}

} // namespace

long sys_mmap(uint64_t address, uint64_t length, uint64_t protections, uint64_t flags, uint64_t fd, uint64_t offset)
{
	if (protections & ~known_prot)
		return -EINVAL;
	uint64_t type = flags & map_type;
	if (type != map_shared && type != map_private && type != map_shared_validate)
		return -EINVAL;
	if (length == 0 || offset % page_size)
		return -EINVAL;
	if (type == map_shared_validate) {
		constexpr uint64_t known = map_type | map_fixed | map_anonymous | map_norserve | map_growsdown |
		                           map_denywrite | map_executable | map_locked | map_populate | map_nonblock |
		                           map_stack | map_hugetlb | map_sync | map_fixed_noreplace | map_uninitialized;
		if (flags & ~known)
			return -EOPNOTSUPP;
	}
	// No huge-page pool here: Linux answers an anonymous MAP_HUGETLB with ENOMEM when none is reserved
	// (vm.nr_hugepages 0), and callers such as liburing's ring allocation treat ENOMEM as "try smaller".
	if (flags & map_hugetlb)
		return -ENOMEM;
	uint32_t placement = static_cast<uint32_t>(flags & (map_fixed | map_fixed_noreplace | map_populate));
	if (!(flags & map_anonymous)) {
		long r = filesystem_mmap(fd, address, length, static_cast<uint32_t>(protections),
		                         static_cast<uint32_t>(flags), offset);
		// The file has no mmap of its own (a ramfs file): a private mapping is a copy of its pages.
		if (r == -ENODEV && type == map_private)
			return map_private_file(fd, address, length, static_cast<uint32_t>(protections), placement, offset);
		return r;
	}
	// MAP_SHARED|MAP_ANONYMOUS: a PageRun (zeroed, reference counted, shared by fork like ring memory), so
	// parent and child see the same frames and a shared futex in it keys by physical address. Runs are
	// physically contiguous and at most 2 MiB; a larger shared mapping stays private memory (fork then copies
	// it: a known limit, no test maps more).
	if ((type == map_shared || type == map_shared_validate) && page_up(length) <= (2u << 20)) {
		void *kernel_view;
		PageRun *run = allocate_page_run(page_up(length), &kernel_view);
		if (!run)
			return -ENOMEM;
		Result<uint64_t> shared = vm_map(space(), address, page_up(length), static_cast<uint32_t>(protections),
		                                 placement, run, 0);
		release_page_run(run); // the mapping holds its own reference
		return shared.ok() ? static_cast<long>(shared.value()) : -shared.error();
	}
	Result<uint64_t> mapped = vm_map(space(), address, length, static_cast<uint32_t>(protections), placement,
	                                 nullptr, 0);
	return mapped.ok() ? static_cast<long>(mapped.value()) : -mapped.error();
}

long sys_mprotect(uint64_t address, uint64_t length, uint64_t protections)
{
	// PROT_GROWSUP/GROWSDOWN (0x02000000/0x01000000) are not supported: EINVAL, as for a non-stack VMA.
	if (protections & ~known_prot)
		return -EINVAL;
	return vm_protect(space(), address, length, static_cast<uint32_t>(protections));
}

long sys_munmap(uint64_t address, uint64_t length) { return vm_unmap(space(), address, length); }

long sys_brk(uint64_t address) { return static_cast<long>(vm_brk(space(), address)); }

long sys_madvise(uint64_t address, uint64_t length, uint64_t advice)
{
	switch (advice) {
	case 4: // MADV_DONTNEED: anonymous pages read back as zeroes afterwards
	case 8: // MADV_FREE: may behave as DONTNEED
		return vm_discard(space(), address, length);
	case 0: case 1: case 2: case 3: // NORMAL, RANDOM, SEQUENTIAL, WILLNEED
	case 9: case 10: case 11: case 12: case 13: case 14: case 15: case 16: case 17: case 18: case 19: case 20:
	case 21: case 22: case 23: // REMOVE .. POPULATE_WRITE: nothing to do here, but the range must be mapped
		if (address % page_size)
			return -EINVAL;
		if (length == 0)
			return 0;
		{
			uint64_t end = address + ((length + page_size - 1) & ~(page_size - 1));
			if (end < address || end > user_space_end)
				return -EINVAL;
			for (uint64_t a = address; a < end;) {
				Vma *v = vm_find(space(), a);
				if (!v)
					return -ENOMEM;
				a = v->end;
			}
		}
		return 0;
	default:
		return -EINVAL;
	}
}

} // namespace kernel
