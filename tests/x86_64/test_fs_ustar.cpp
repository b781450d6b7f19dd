// The initrd's USTAR reader against archives Python's tarfile wrote (tests/x86_64/ustar_fixtures.h), and
// against those archives damaged: a bad checksum, bad magic, a truncated header or data, a size field that
// points past the end, garbage in a numeric field. Malformed input must give -EINVAL and never a read past
// the archive (the archive is copied into a buffer that ends at a guard page for the damaged cases).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rp_test.h"

#include "FileSystem/ustar.hpp"
#include "ustar_fixtures.h"

using namespace kernel;

namespace {

// A copy of len bytes that ends exactly at an inaccessible page, so any read past the end faults.
struct Guarded {
	uint8_t* map = nullptr;
	size_t map_len = 0;
	uint8_t* data = nullptr;
	Guarded(const void* src, size_t len)
	{
		size_t page = size_t(sysconf(_SC_PAGESIZE));
		size_t body = (len + page - 1) / page * page;
		map_len = body + page;
		map = static_cast<uint8_t*>(mmap(nullptr, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		assert_true(map != MAP_FAILED);
		assert_int_equal(mprotect(map + body, page, PROT_NONE), 0);
		data = map + body - len;
		memcpy(data, src, len);
	}
	~Guarded() { munmap(map, map_len); }
};

// Offset of the header of the member named path in the fixture (its first occurrence).
size_t header_of(const uint8_t* a, size_t len, const char* path)
{
	UstarArchive ar(a, len);
	auto c = UstarArchive::begin();
	UstarEntry e;
	for (;;) {
		size_t at = c.offset;
		int r = ar.next(c, e);
		assert_int_equal(r, 1);
		if (strcmp(e.path, path) == 0)
			return at;
	}
}

// Rewrites a header's checksum after a deliberate edit, so only the edit is wrong.
void fix_checksum(uint8_t* h)
{
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; ++i)
		sum += h[i];
	snprintf(reinterpret_cast<char*>(h + 148), 8, "%06o", sum);
	h[155] = ' ';
}

// End offset of the members (where the zero trailer starts).
size_t members_end(const uint8_t* a, size_t len)
{
	UstarArchive ar(a, len);
	auto c = UstarArchive::begin();
	UstarEntry e;
	while (ar.next(c, e) == 1) {
	}
	return c.offset;
}

void test_iterates_all_members(void**)
{
	UstarArchive ar(fixture_basic, sizeof fixture_basic);
	const char* want[] = {"", "t", "t/hello.txt", "t/run.t", "t/block", "t/empty", "t/link", "t/abs", "t/hard",
	                      "etc/tests", "tmp", "fifo", nullptr, "t/hello.txt"};
	auto c = UstarArchive::begin();
	UstarEntry e;
	size_t n = 0;
	int r;
	while ((r = ar.next(c, e)) == 1) {
		assert_true(n < sizeof want / sizeof want[0]);
		if (want[n])
			assert_string_equal(e.path, want[n]);
		++n;
	}
	assert_int_equal(r, 0);
	assert_int_equal(n, sizeof want / sizeof want[0]);
	// Iteration after the end stays at the end.
	assert_int_equal(ar.next(c, e), 0);
	assert_int_equal(ar.validate(), 0);
}

void test_types_modes_and_data(void**)
{
	UstarArchive ar(fixture_basic, sizeof fixture_basic);
	UstarEntry e;

	assert_int_equal(ar.find("", e), 1);
	assert_int_equal(int(e.type), int(UstarType::Dir));
	assert_int_equal(e.mode, 0755);
	assert_int_equal(e.size, 0);

	assert_int_equal(ar.find("t/run.t", e), 1);
	assert_int_equal(int(e.type), int(UstarType::File));
	assert_int_equal(e.mode, 0755);
	assert_int_equal(e.size, 513);
	assert_int_equal(e.uid, 1000);
	assert_int_equal(e.gid, 1000);
	assert_int_equal(e.mtime, 1700000000);
	for (int i = 0; i < 512; ++i)
		assert_int_equal(e.data[i], i & 0xff);
	assert_int_equal(e.data[512], 'x');

	assert_int_equal(ar.find("t/block", e), 1);
	assert_int_equal(e.size, 512);
	assert_int_equal(e.data[0], 'B');
	assert_int_equal(e.data[511], 'B');

	assert_int_equal(ar.find("t/empty", e), 1);
	assert_int_equal(int(e.type), int(UstarType::File));
	assert_int_equal(e.size, 0);

	assert_int_equal(ar.find("t/link", e), 1);
	assert_int_equal(int(e.type), int(UstarType::Symlink));
	assert_string_equal(e.link, "hello.txt");
	assert_int_equal(e.size, 0);
	assert_int_equal(ar.find("t/abs", e), 1);
	assert_string_equal(e.link, "/etc/tests"); // symlink targets stay verbatim

	assert_int_equal(ar.find("t/hard", e), 1);
	assert_int_equal(int(e.type), int(UstarType::HardLink));
	assert_string_equal(e.link, "t/hello.txt"); // hard link targets are archive paths, normalized

	assert_int_equal(ar.find("tmp", e), 1);
	assert_int_equal(int(e.type), int(UstarType::Dir));
	assert_int_equal(e.mode, 01777);

	assert_int_equal(ar.find("fifo", e), 1);
	assert_int_equal(int(e.type), int(UstarType::Fifo));

	assert_int_equal(ar.find("etc/tests", e), 1);
	assert_int_equal(e.size, 7);
	assert_memory_equal(e.data, "nop 10\n", 7);
}

void test_lookup_paths(void**)
{
	UstarArchive ar(fixture_basic, sizeof fixture_basic);
	UstarEntry e;
	// The later member of the same name wins, as with tar extraction.
	assert_int_equal(ar.find("t/hello.txt", e), 1);
	assert_int_equal(e.size, 9);
	assert_memory_equal(e.data, "replaced\n", 9);
	// Queries are normalized like member names.
	assert_int_equal(ar.find("./t/hello.txt", e), 1);
	assert_int_equal(ar.find("/t/hello.txt", e), 1);
	assert_int_equal(ar.find("t/", e), 1);
	assert_int_equal(int(e.type), int(UstarType::Dir));
	assert_int_equal(ar.find(".", e), 1);
	assert_int_equal(ar.find("/", e), 1);
	// Absent or partial names.
	assert_int_equal(ar.find("t/hello", e), 0);
	assert_int_equal(ar.find("t/hello.txt/x", e), 0);
	assert_int_equal(ar.find("nope", e), 0);
	// A query longer than any member path cannot match (and must not overflow).
	char longq[600];
	memset(longq, 'a', sizeof longq - 1);
	longq[sizeof longq - 1] = 0;
	assert_int_equal(ar.find(longq, e), 0);
}

void test_prefix_field_long_path(void**)
{
	UstarArchive ar(fixture_basic, sizeof fixture_basic);
	char path[300];
	snprintf(path, sizeof path, "deep/%s/%s", "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
	         "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	assert_true(strlen(path) > 100);
	UstarEntry e;
	assert_int_equal(ar.find(path, e), 1);
	assert_int_equal(e.size, 5);
	assert_memory_equal(e.data, "deep\n", 5);
	// The prefix really was used: the name field alone holds only the last component.
	size_t h = header_of(fixture_basic, sizeof fixture_basic, path);
	assert_true(fixture_basic[h + 345] != 0);
}

void test_bare_paths(void**)
{
	UstarArchive ar(fixture_bare, sizeof fixture_bare);
	UstarEntry e;
	assert_int_equal(ar.find("t/a.t", e), 1);
	assert_int_equal(e.size, 1000);
	assert_int_equal(e.data[999], 'A');
	assert_int_equal(ar.find("./t", e), 1);
	assert_int_equal(int(e.type), int(UstarType::Dir));
}

void test_no_trailer_and_empty(void**)
{
	// Members that end exactly where the archive ends (no zero blocks) are a complete archive.
	size_t end = members_end(fixture_basic, sizeof fixture_basic);
	Guarded g(fixture_basic, end);
	UstarArchive ar(g.data, end);
	assert_int_equal(ar.validate(), 0);
	UstarEntry e;
	assert_int_equal(ar.find("t/hello.txt", e), 1);
	assert_memory_equal(e.data, "replaced\n", 9);

	UstarArchive empty(g.data, 0);
	auto c = UstarArchive::begin();
	assert_int_equal(empty.next(c, e), 0);
	assert_int_equal(empty.find("t", e), 0);
}

void test_bad_checksum(void**)
{
	Guarded g(fixture_basic, sizeof fixture_basic);
	size_t h = header_of(g.data, sizeof fixture_basic, "t/run.t");
	g.data[h + 10] ^= 1; // a byte of the name changes; the stored checksum no longer matches
	UstarArchive ar(g.data, sizeof fixture_basic);
	assert_int_equal(ar.validate(), -EINVAL);
	UstarEntry e;
	// Entries before the damage are still found; a lookup that must pass it fails.
	auto c = UstarArchive::begin();
	assert_int_equal(ar.next(c, e), 1);
	assert_int_equal(ar.find("etc/tests", e), -EINVAL);
	// A checksum field that is not octal.
	Guarded g2(fixture_basic, sizeof fixture_basic);
	g2.data[148] = 'z';
	assert_int_equal(UstarArchive(g2.data, sizeof fixture_basic).validate(), -EINVAL);
}

void test_bad_magic(void**)
{
	Guarded g(fixture_basic, sizeof fixture_basic);
	size_t h = header_of(g.data, sizeof fixture_basic, "t");
	memcpy(g.data + h + 257, "tarus", 5);
	fix_checksum(g.data + h);
	assert_int_equal(UstarArchive(g.data, sizeof fixture_basic).validate(), -EINVAL);
}

void test_bad_number_field(void**)
{
	Guarded g(fixture_basic, sizeof fixture_basic);
	size_t h = header_of(g.data, sizeof fixture_basic, "t/empty");
	memcpy(g.data + h + 124, "00000000089", 11); // '8' is not octal
	fix_checksum(g.data + h);
	assert_int_equal(UstarArchive(g.data, sizeof fixture_basic).validate(), -EINVAL);
	// Base-256 (GNU) sizes are refused rather than misread.
	Guarded g2(fixture_basic, sizeof fixture_basic);
	h = header_of(g2.data, sizeof fixture_basic, "t/empty");
	memset(g2.data + h + 124, 0, 12);
	g2.data[h + 124] = 0x80;
	g2.data[h + 135] = 1;
	fix_checksum(g2.data + h);
	assert_int_equal(UstarArchive(g2.data, sizeof fixture_basic).validate(), -EINVAL);
}

void test_size_past_end(void**)
{
	// A file whose size field runs past the archive: -EINVAL, and no read of the (guarded) bytes beyond.
	Guarded g(fixture_basic, sizeof fixture_basic);
	size_t h = header_of(g.data, sizeof fixture_basic, "t/empty");
	snprintf(reinterpret_cast<char*>(g.data + h + 124), 12, "%011o", 0x7fffffff);
	fix_checksum(g.data + h);
	UstarArchive ar(g.data, sizeof fixture_basic);
	assert_int_equal(ar.validate(), -EINVAL);
	UstarEntry e;
	assert_int_equal(ar.find("t/empty", e), -EINVAL);
	// A directory's or link's size field carries no data and is ignored, as POSIX says for links.
	Guarded g2(fixture_basic, sizeof fixture_basic);
	h = header_of(g2.data, sizeof fixture_basic, "t/link");
	snprintf(reinterpret_cast<char*>(g2.data + h + 124), 12, "%011o", 0x7fffffff);
	fix_checksum(g2.data + h);
	UstarArchive ar2(g2.data, sizeof fixture_basic);
	assert_int_equal(ar2.validate(), 0);
	assert_int_equal(ar2.find("t/link", e), 1);
	assert_int_equal(e.size, 0);
}

void test_truncated(void**)
{
	// Every cut of the archive inside a header or inside member data is detected; cuts at a member
	// boundary are complete archives. Each run reads only what it was given (the copy ends at a guard page).
	size_t end = members_end(fixture_basic, sizeof fixture_basic);
	for (size_t cut = 1; cut < end; cut += 37) {
		Guarded g(fixture_basic, cut);
		UstarArchive ar(g.data, cut);
		int r = ar.validate();
		if (r == 0) {
			// Accepted only when the cut falls where a header would start, or in the padding of the last
			// member's data (the data itself is whole).
			auto c = UstarArchive::begin();
			UstarEntry e;
			while (ar.next(c, e) == 1) {
			}
			assert_true(c.offset == cut);
		} else {
			assert_int_equal(r, -EINVAL);
		}
	}
	// A header cut short.
	Guarded g(fixture_basic, 511);
	assert_int_equal(UstarArchive(g.data, 511).validate(), -EINVAL);
	// Data cut short: run.t's 513 bytes, of which only 100 remain.
	size_t h = header_of(fixture_basic, sizeof fixture_basic, "t/run.t");
	Guarded g2(fixture_basic, h + 512 + 100);
	assert_int_equal(UstarArchive(g2.data, h + 512 + 100).validate(), -EINVAL);
}

void test_unknown_type_skipped(void**)
{
	// A member of an unknown type (e.g. a pax header) is reported as Other and its data skipped.
	Guarded g(fixture_basic, sizeof fixture_basic);
	size_t h = header_of(g.data, sizeof fixture_basic, "t/run.t");
	g.data[h + 156] = 'x';
	fix_checksum(g.data + h);
	UstarArchive ar(g.data, sizeof fixture_basic);
	assert_int_equal(ar.validate(), 0);
	UstarEntry e;
	assert_int_equal(ar.find("t/run.t", e), 1);
	assert_int_equal(int(e.type), int(UstarType::Other));
	assert_int_equal(ar.find("t/block", e), 1); // the next member is still found after the skipped data
	assert_int_equal(e.size, 512);
}

void test_normalize(void**)
{
	struct {
		const char* in;
		const char* out;
	} cases[] = {{"./a/b", "a/b"}, {"/a/b/", "a/b"}, {"././a", "a"}, {".", ""}, {"./", ""}, {"//x//", "x"},
	             {"a/./b", "a/./b"}, {"..", ".."}, {".hidden", ".hidden"}, {"", ""}};
	for (auto& c : cases) {
		char buf[64];
		strcpy(buf, c.in);
		ustar_normalize_path(buf);
		assert_string_equal(buf, c.out);
	}
}

} // namespace

int main()
{
	const CMUnitTest tests[] = {
		cmocka_unit_test(test_iterates_all_members),
		cmocka_unit_test(test_types_modes_and_data),
		cmocka_unit_test(test_lookup_paths),
		cmocka_unit_test(test_prefix_field_long_path),
		cmocka_unit_test(test_bare_paths),
		cmocka_unit_test(test_no_trailer_and_empty),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_number_field),
		cmocka_unit_test(test_size_past_end),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_unknown_type_skipped),
		cmocka_unit_test(test_normalize),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
