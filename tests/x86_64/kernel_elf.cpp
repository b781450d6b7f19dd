// Host unit tests of the kernel's ELF64 checks (os/x86_64/Tasks/elf_inspect.cpp): what a good static image
// yields (entry, AT_PHDR address, brk start, PIE bias) and that every malformed header is -ENOEXEC before
// anything would be mapped.
#include "rp_test.h"

#include <string.h>

#include "Tasks/elf_format.hpp"
#include "Tasks/elf_loader.hpp"

using namespace kernel;
using namespace kernel::elf;

namespace {

struct Image {
	alignas(8) uint8_t bytes[8192] = {};
	FileHeader &header() { return *reinterpret_cast<FileHeader *>(bytes); }
	ProgramHeader *phdrs() { return reinterpret_cast<ProgramHeader *>(bytes + 64); }
};

// A static executable like ld.lld makes: headers and text in one R+X segment at 0x400000 (offset 0), data
// R+W at 0x401000 (offset 0x1000) with 0x2000 bytes of bss after its 0x100 file bytes.
void make_static(Image &image)
{
	FileHeader &h = image.header();
	memcpy(h.ident, "\x7f" "ELF\x02\x01\x01", 7);
	h.type = et_exec;
	h.machine = em_x86_64;
	h.version = 1;
	h.entry = 0x400100;
	h.program_header_offset = 64;
	h.header_size = 64;
	h.program_header_size = sizeof(ProgramHeader);
	h.program_header_count = 2;
	ProgramHeader *p = image.phdrs();
	p[0] = {pt_load, pf_r | pf_x, 0, 0x400000, 0x400000, 0x200, 0x200, 0x1000};
	p[1] = {pt_load, pf_r | pf_w, 0x1000, 0x401000, 0x401000, 0x100, 0x2100, 0x1000};
}

int inspect_error(Image &image, uint64_t size = sizeof(Image::bytes))
{
	Result<LoadedImage> r = inspect_elf(image.bytes, size);
	return r.ok() ? 0 : r.error();
}

} // namespace

static void test_static_executable(void **)
{
	Image image;
	make_static(image);
	Result<LoadedImage> r = inspect_elf(image.bytes, sizeof image.bytes);
	assert_true(r.ok());
	assert_int_equal(r.value().entry, 0x400100);
	assert_int_equal(r.value().program_headers, 0x400040); // the headers lie in the first segment's bytes
	assert_int_equal(r.value().program_header_count, 2);
	assert_int_equal(r.value().program_header_size, 56);
	assert_int_equal(r.value().end, 0x403100);
	assert_int_equal(r.value().bias, 0);
}

static void test_phdr_segment_wins(void **)
{
	Image image;
	make_static(image);
	image.header().program_header_count = 3;
	image.phdrs()[2] = {pt_phdr, pf_r, 64, 0x400040, 0x400040, 3 * 56, 3 * 56, 8};
	Result<LoadedImage> r = inspect_elf(image.bytes, sizeof image.bytes);
	assert_true(r.ok());
	assert_int_equal(r.value().program_headers, 0x400040);
	assert_int_equal(r.value().program_header_count, 3);
}

static void test_static_pie_gets_a_bias(void **)
{
	Image image;
	make_static(image);
	image.header().type = et_dyn;
	image.header().entry = 0x100;
	image.phdrs()[0].vaddr = 0;
	image.phdrs()[1].vaddr = 0x1000;
	Result<LoadedImage> r = inspect_elf(image.bytes, sizeof image.bytes);
	assert_true(r.ok());
	assert_int_equal(r.value().bias, pie_load_bias);
	assert_int_equal(r.value().entry, pie_load_bias + 0x100);
	assert_int_equal(r.value().end, pie_load_bias + 0x3100);
}

static void test_malformed_headers_are_enoexec(void **)
{
	Image image;
	make_static(image);
	assert_int_equal(inspect_error(image, 63), ENOEXEC); // shorter than the file header

	make_static(image);
	image.bytes[1] = 'X';
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.header().ident[4] = 1; // ELFCLASS32
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.header().machine = 3; // i386
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.header().type = 1; // ET_REL
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.header().program_header_size = 32;
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.header().program_header_offset = sizeof image.bytes - 56; // the table runs past the end
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.header().program_header_count = 0;
	assert_int_equal(inspect_error(image), ENOEXEC);
}

static void test_malformed_segments_are_enoexec(void **)
{
	Image image;
	make_static(image);
	image.phdrs()[1].type = pt_interp; // dynamically linked
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.phdrs()[1].file_size = 0x3000; // more file bytes than memory
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.phdrs()[1].offset = sizeof image.bytes - 0x10; // file bytes past the end
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.phdrs()[1].vaddr = 0x401010; // vaddr and offset disagree modulo the page size
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.phdrs()[1].vaddr = 0xFFFFFFFF80000000ull; // the kernel's half
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.phdrs()[1].memory_size = ~0ull - 0x400000; // wraps
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.phdrs()[0].vaddr = 0x1000; // below mmap_min_addr, in an ET_EXEC (no bias)
	image.phdrs()[0].offset = 0;
	assert_int_equal(inspect_error(image), ENOEXEC);
	make_static(image);
	image.phdrs()[0].type = image.phdrs()[1].type = 4; // PT_NOTE only: nothing to load
	assert_int_equal(inspect_error(image), ENOEXEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_executable),
		cmocka_unit_test(test_phdr_segment_wins),
		cmocka_unit_test(test_static_pie_gets_a_bias),
		cmocka_unit_test(test_malformed_headers_are_enoexec),
		cmocka_unit_test(test_malformed_segments_are_enoexec),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
