// Platform's user copies over the fault-safe loops (user_copy.hpp). A range must lie entirely in the user half
// and not wrap; then the loop's own faults decide (unmapped, PROT_NONE, read-only for writes: CR0.WP is set).
#include "Memory/user_copy.hpp"
#include "Library/errno.hpp"
#include "Memory/address_space.hpp"
#include "Platform/platform.hpp"

extern "C" {
uint64_t user_copy_raw(void *dst, const void *src, uint64_t size);
uint64_t user_fill_raw(void *dst, uint64_t size);
extern const uint64_t exception_table_start[], exception_table_end[];
}

namespace kernel {
namespace {

bool user_range(uint64_t address, size_t size)
{
	return address < user_space_end && size <= user_space_end - address;
}

} // namespace

uint64_t user_copy_fixup(uint64_t rip)
{
	for (const uint64_t *e = exception_table_start; e < exception_table_end; e += 2)
		if (e[0] == rip)
			return e[1];
	return 0;
}

int copy_from_user(void *dst, uint64_t user_src, size_t size)
{
	if (size == 0)
		return 0;
	if (!user_range(user_src, size))
		return -EFAULT;
	return user_copy_raw(dst, reinterpret_cast<const void *>(user_src), size) ? -EFAULT : 0;
}

int copy_to_user(uint64_t user_dst, const void *src, size_t size)
{
	if (size == 0)
		return 0;
	if (!user_range(user_dst, size))
		return -EFAULT;
	return user_copy_raw(reinterpret_cast<void *>(user_dst), src, size) ? -EFAULT : 0;
}

int clear_user(uint64_t user_dst, size_t size)
{
	if (size == 0)
		return 0;
	if (!user_range(user_dst, size))
		return -EFAULT;
	return user_fill_raw(reinterpret_cast<void *>(user_dst), size) ? -EFAULT : 0;
}

int check_user_range(uint64_t user_address, uint64_t length)
{
	if (length == 0)
		return 0;
	AddressSpace *space = current_address_space();
	if (!space || !user_range(user_address, length))
		return -EFAULT;
	uint64_t end = user_address + length;
	for (uint64_t at = user_address; at < end;) {
		Vma *v = vm_find(space, at);
		if (!v || !(v->protections & (protect_read | protect_write | protect_exec)))
			return -EFAULT;
		at = v->end;
	}
	return 0;
}

long strncpy_from_user(char *dst, uint64_t user_src, size_t size)
{
	// Page by page: a string may end just before an unmapped page, which must not count as a fault.
	size_t copied = 0;
	while (copied < size) {
		uint64_t address = user_src + copied;
		if (address < user_src || address >= user_space_end)
			return -EFAULT;
		size_t chunk = page_size - (address % page_size);
		if (chunk > size - copied)
			chunk = size - copied;
		if (user_copy_raw(dst + copied, reinterpret_cast<const void *>(address), chunk))
			return -EFAULT;
		for (size_t i = 0; i < chunk; i++)
			if (dst[copied + i] == '\0')
				return static_cast<long>(copied + i);
		copied += chunk;
	}
	if (size)
		dst[size - 1] = '\0';
	return -ENAMETOOLONG;
}

} // namespace kernel
