// The initial user stack (user_stack.hpp).
#include "Tasks/user_stack.hpp"
#include "Arch/cpu.hpp"
#include "Library/string.hpp"
#include "Memory/address_space.hpp"

namespace kernel {
namespace {

// Linux's auxv keys (include/uapi/linux/auxvec.h).
enum : uint64_t {
	at_null = 0, at_phdr = 3, at_phent = 4, at_phnum = 5, at_pagesz = 6, at_base = 7, at_flags = 8, at_entry = 9,
	at_uid = 11, at_euid = 12, at_gid = 13, at_egid = 14, at_platform = 15, at_hwcap = 16, at_clktck = 17,
	at_secure = 23, at_random = 25, at_hwcap2 = 26, at_execfn = 31,
};

constexpr unsigned max_strings = 64;

// Pushes a string below *top; returns its user address.
Result<uint64_t> push_string(uint64_t *top, const char *s)
{
	uint64_t length = strlen(s) + 1;
	*top -= length;
	TRY(check(copy_to_user(*top, s, length)));
	return *top;
}

uint64_t random_word(uint64_t &state)
{
	// xorshift64*, seeded from the TSC: AT_RANDOM only needs to differ between runs (stack canaries).
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545F4914F6CDD1Dull;
}

} // namespace

Result<uint64_t> build_user_stack(AddressSpace *space, const LoadedImage &image, const char *const *argv,
                                  const char *const *envp)
{
	TRY(vm_map(space, user_stack_top - user_stack_size, user_stack_size, protect_read | protect_write,
	           map_fixed_noreplace, nullptr, 0));
	unsigned argc = 0, envc = 0;
	while (argv[argc])
		if (++argc > max_strings)
			return Error(E2BIG);
	while (envp[envc])
		if (++envc > max_strings)
			return Error(E2BIG);

	uint64_t top = user_stack_top;
	uint64_t execfn = TRY(push_string(&top, argv[0] ? argv[0] : ""));
	uint64_t argv_addresses[max_strings], envp_addresses[max_strings];
	for (unsigned i = argc; i-- > 0;)
		argv_addresses[i] = TRY(push_string(&top, argv[i]));
	for (unsigned i = envc; i-- > 0;)
		envp_addresses[i] = TRY(push_string(&top, envp[i]));
	uint64_t platform = TRY(push_string(&top, "x86_64"));
	top &= ~15ull;
	uint64_t seed = cpu::rdtsc() | 1;
	uint64_t random[2] = {random_word(seed), random_word(seed)};
	top -= sizeof random;
	TRY(check(copy_to_user(top, random, sizeof random)));
	uint64_t random_address = top;

	const uint64_t auxv[] = {
		at_phdr, image.program_headers, at_phent, image.program_header_size, at_phnum, image.program_header_count,
		at_pagesz, page_size, at_base, 0, at_flags, 0, at_entry, image.entry, at_uid, 1000, at_euid, 1000,
		at_gid, 1000, at_egid, 1000, at_secure, 0, at_random, random_address, at_hwcap, 0, at_hwcap2, 0,
		at_clktck, 100, at_platform, platform, at_execfn, execfn, at_null, 0,
	};
	constexpr uint64_t auxv_words = sizeof auxv / sizeof auxv[0];
	uint64_t words = 1 + (argc + 1) + (envc + 1) + auxv_words;
	top -= words * 8;
	top &= ~15ull; // RSP at argc is 16-byte aligned (the x86_64 psABI's process entry)

	uint64_t at = top;
	uint64_t value = argc;
	TRY(check(copy_to_user(at, &value, 8)));
	at += 8;
	for (unsigned i = 0; i < argc; i++, at += 8)
		TRY(check(copy_to_user(at, &argv_addresses[i], 8)));
	value = 0;
	TRY(check(copy_to_user(at, &value, 8)));
	at += 8;
	for (unsigned i = 0; i < envc; i++, at += 8)
		TRY(check(copy_to_user(at, &envp_addresses[i], 8)));
	TRY(check(copy_to_user(at, &value, 8)));
	at += 8;
	TRY(check(copy_to_user(at, auxv, sizeof auxv)));
	return top;
}

} // namespace kernel
