// mmap, mprotect, munmap, brk, madvise: Linux's checks and errnos over the address space (Memory/).
// A file mapping (the io_uring fd at IORING_OFF_*) goes to the file's own mmap hook through FileSystem/.
#include "Library/errno.hpp"
#include "Memory/address_space.hpp"
#include "Syscalls/calls.hpp"
#include "Syscalls/hooks.hpp"

namespace kernel {
namespace {

constexpr uint64_t map_shared = 0x01, map_private = 0x02, map_shared_validate = 0x03, map_type = 0x0F,
                   map_anonymous = 0x20, map_norserve = 0x4000, map_growsdown = 0x100, map_denywrite = 0x800,
                   map_executable = 0x1000, map_locked = 0x2000, map_nonblock = 0x10000, map_stack = 0x20000,
                   map_hugetlb = 0x40000, map_sync = 0x80000, map_uninitialized = 0x4000000;
constexpr uint64_t known_prot = protect_read | protect_write | protect_exec;

AddressSpace *space() { return current_address_space(); }

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
	if (flags & map_hugetlb)
		return -EINVAL; // no huge pages here (Linux: EINVAL without a hugetlbfs pool... or ENOMEM)
	uint32_t placement = static_cast<uint32_t>(flags & (map_fixed | map_fixed_noreplace | map_populate));
	if (!(flags & map_anonymous))
		return filesystem_mmap(fd, address, length, static_cast<uint32_t>(protections), static_cast<uint32_t>(flags),
		                       offset);
	// MAP_SHARED|MAP_ANONYMOUS is private memory while a process has no children (part 1 has no fork).
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
