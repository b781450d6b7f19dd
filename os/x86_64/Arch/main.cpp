// kernel_main: the boot sequence after boot.S, then the test runner.
#include "Arch/boot_info.hpp"
#include "Arch/clock.hpp"
#include "Arch/cpu.hpp"
#include "Arch/descriptors.hpp"
#include "Arch/pic.hpp"
#include "Arch/serial.hpp"
#include "Library/print.hpp"
#include "Library/string.hpp"
#include "Memory/paging.hpp"
#include "Memory/physical.hpp"
#include "Syscalls/hooks.hpp"
#include "Tasks/test_runner.hpp"

extern "C" void syscall_entry();

namespace kernel {
namespace {

constinit BootInfo boot{};

void init_system_calls()
{
	cpu::write_msr(cpu::msr_efer, cpu::read_msr(cpu::msr_efer) | 1); // SCE (boot.S sets it too)
	// syscall: CS = 0x08, SS = 0x10. sysret (unused: we return with iretq) would take CS 0x23, SS 0x1B.
	cpu::write_msr(cpu::msr_star, (static_cast<uint64_t>(0x10) << 48) | (static_cast<uint64_t>(0x08) << 32));
	cpu::write_msr(cpu::msr_lstar, reinterpret_cast<uint64_t>(&syscall_entry));
	// Cleared on entry: TF, IF, DF, IOPL, NT, AC (the kernel enables interrupts itself once on its stack).
	cpu::write_msr(cpu::msr_fmask, 0x47700);
}

bool has_word(const char *line, const char *word)
{
	size_t length = strlen(word);
	for (const char *p = line; *p;) {
		while (*p == ' ')
			p++;
		if (strncmp(p, word, length) == 0 && (p[length] == ' ' || p[length] == '\0'))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

} // namespace

extern "C" [[noreturn]] void kernel_main(uint64_t start_info_physical)
{
	serial::init(serial::com1);
	serial::init(serial::com2);
	print("rpk: ringport reference kernel\n");
	read_boot_info(start_info_physical, boot);
	descriptors::init();
	paging::init();
	physical::init(boot);
	pic::init();
	clock::init();
	init_system_calls();
	cpu::enable_interrupts();
	print("rpk: command line \"%s\", initrd %lu bytes\n", boot.command_line, boot.initrd_size);

	// "selftest=panic" on the command line: fault in the kernel on purpose, to prove the panic path (register
	// dump on COM1, "@@RP PANIC" on COM2, QEMU status 35). tests/x86_64/run-kernel-smoke.sh boots it once.
	if (has_word(boot.command_line, "selftest=panic"))
		*reinterpret_cast<volatile uint64_t *>(0xFFFF900000000000ull) = 1;

	const uint8_t *initrd =
		boot.initrd_size ? static_cast<const uint8_t *>(physical_to_virtual(boot.initrd_physical)) : nullptr;
	filesystem_init(initrd, boot.initrd_size);
	run_tests(boot.command_line, initrd, boot.initrd_size);
}

} // namespace kernel
