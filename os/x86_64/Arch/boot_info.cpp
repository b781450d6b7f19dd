// Reading struct hvm_start_info (boot_info.hpp).
#include "Arch/boot_info.hpp"
#include "Library/string.hpp"
#include "Platform/platform.hpp"

namespace kernel {
namespace {

struct StartInfo {
	uint32_t magic; // 0x336ec578
	uint32_t version;
	uint32_t flags;
	uint32_t module_count;
	uint64_t module_list_physical;
	uint64_t command_line_physical;
	uint64_t rsdp_physical;
	uint64_t memory_map_physical; // version >= 1
	uint32_t memory_map_entries;
	uint32_t reserved;
};

struct ModuleEntry {
	uint64_t physical, size, command_line_physical, reserved;
};

struct MemoryMapEntry {
	uint64_t address, size;
	uint32_t type, reserved;
};

} // namespace

void read_boot_info(uint64_t start_info_physical, BootInfo &out)
{
	const auto *info = static_cast<const StartInfo *>(physical_to_virtual(start_info_physical));
	if (info->magic != 0x336ec578)
		panic("not booted through PVH (start info magic %x)", info->magic);
	if (info->command_line_physical)
		copy_string(out.command_line, static_cast<const char *>(physical_to_virtual(info->command_line_physical)),
		            sizeof out.command_line);
	if (info->module_count > 0) {
		const auto *module = static_cast<const ModuleEntry *>(physical_to_virtual(info->module_list_physical));
		out.initrd_physical = module->physical;
		out.initrd_size = module->size;
	}
	if (info->version < 1 || !info->memory_map_physical)
		panic("the PVH start info has no memory map (version %u)", info->version);
	const auto *map = static_cast<const MemoryMapEntry *>(physical_to_virtual(info->memory_map_physical));
	for (uint32_t i = 0; i < info->memory_map_entries && out.range_count < 64; i++)
		out.ranges[out.range_count++] = {map[i].address, map[i].size, map[i].type};
}

} // namespace kernel
