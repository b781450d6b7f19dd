// Page tables (paging.hpp).
#include "Memory/paging.hpp"
#include "Arch/boot_info.hpp"
#include "Arch/cpu.hpp"
#include "Library/string.hpp"
#include "Memory/physical.hpp"
#include "Platform/platform.hpp"

extern "C" uint64_t kernel_pml4[512];

namespace kernel::paging {
namespace {

uint64_t *table(uint64_t phys) { return static_cast<uint64_t *>(physical_to_virtual(phys & address_mask)); }

unsigned index(uint64_t virt, unsigned level) { return (virt >> (12 + 9 * level)) & 511; }

// The level-0 (4 KiB) entry of virt, creating intermediate tables when asked; nullptr if absent/failed.
uint64_t *entry(uint64_t root, uint64_t virt, bool create)
{
	uint64_t *t = table(root);
	for (unsigned level = 3; level > 0; level--) {
		uint64_t &e = t[index(virt, level)];
		if (!(e & present)) {
			if (!create)
				return nullptr;
			uint64_t page = physical::allocate_zeroed_page();
			if (!page)
				return nullptr;
			// Intermediate entries allow everything; the leaf decides (user, writable, no-execute).
			e = page | present | writable | user;
		}
		KERNEL_ASSERT(!(e & huge));
		t = table(e);
	}
	return &t[index(virt, 0)];
}

void free_tables(uint64_t phys, unsigned level)
{
	if (level > 0) {
		uint64_t *t = table(phys);
		for (unsigned i = 0; i < 512; i++)
			if (t[i] & present)
				free_tables(t[i] & address_mask, level - 1);
	}
	physical::free(phys & address_mask, 1);
}

} // namespace

void init()
{
	kernel_pml4[0] = 0; // the boot stub's identity map
	cpu::write_cr3(kernel_root());
}

uint64_t kernel_root() { return virtual_to_physical(kernel_pml4); }

uint64_t create_root()
{
	uint64_t root = physical::allocate_zeroed_page();
	if (!root)
		return 0;
	uint64_t *t = table(root);
	for (unsigned i = 256; i < 512; i++)
		t[i] = kernel_pml4[i];
	return root;
}

void destroy_root(uint64_t root)
{
	uint64_t *t = table(root);
	for (unsigned i = 0; i < 256; i++)
		if (t[i] & present)
			free_tables(t[i] & address_mask, 2);
	physical::free(root, 1);
}

bool map(uint64_t root, uint64_t virt, uint64_t phys, uint64_t flags)
{
	uint64_t *e = entry(root, virt, true);
	if (!e)
		return false;
	*e = (phys & address_mask) | flags | present;
	flush(root, virt);
	return true;
}

uint64_t lookup(uint64_t root, uint64_t virt)
{
	uint64_t *e = entry(root, virt, false);
	return e ? *e : 0;
}

uint64_t unmap(uint64_t root, uint64_t virt)
{
	uint64_t *e = entry(root, virt, false);
	if (!e)
		return 0;
	uint64_t old = *e;
	*e = 0;
	if (old & present)
		flush(root, virt);
	return old;
}

bool protect(uint64_t root, uint64_t virt, uint64_t flags)
{
	uint64_t *e = entry(root, virt, false);
	if (!e || !(*e & present))
		return false;
	*e = (*e & address_mask) | flags | present;
	flush(root, virt);
	return true;
}

void flush(uint64_t root, uint64_t virt)
{
	if ((cpu::read_cr3() & address_mask) == root)
		cpu::invalidate_page(virt);
}

} // namespace kernel::paging
