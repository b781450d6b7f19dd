// POSIX ustar reading (pax/ustar interchange format, IEEE Std 1003.1 "ustar Interchange Format"). Header block
// layout: name[100] mode[8] uid[8] gid[8] size[12] mtime[12] chksum[8] typeflag[1] linkname[100] magic[6]
// version[2] uname[32] gname[32] devmajor[8] devminor[8] prefix[155], padded to 512 bytes.
#include "FileSystem/ustar.hpp"

#include "Library/errno.hpp"

namespace kernel {

namespace {

constexpr size_t kName = 0, kNameLen = 100;
constexpr size_t kMode = 100, kUid = 108, kGid = 116, kNumLen = 8;
constexpr size_t kSize = 124, kMtime = 136, kBigNumLen = 12;
constexpr size_t kChksum = 148, kChksumLen = 8;
constexpr size_t kType = 156;
constexpr size_t kLink = 157, kLinkLen = 100;
constexpr size_t kMagic = 257;
constexpr size_t kPrefix = 345, kPrefixLen = 155;

// Parses an octal numeric field: optional leading spaces, octal digits, then the rest of the field must be
// NUL or space terminators (tar writers end fields with NUL, space, or both). An all-blank field is 0.
// Base-256 fields (high bit set, a GNU extension for values beyond octal's range) are refused: our archives
// are small, and a refusal is better than a misread.
bool parse_octal(const uint8_t* field, size_t len, uint64_t& out)
{
	size_t i = 0;
	while (i < len && field[i] == ' ')
		++i;
	uint64_t v = 0;
	size_t digits = 0;
	for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i, ++digits) {
		if (v >> 61)
			return false; // would overflow 64 bits
		v = (v << 3) | uint64_t(field[i] - '0');
	}
	for (; i < len; ++i)
		if (field[i] != ' ' && field[i] != 0)
			return false;
	(void)digits;
	out = v;
	return true;
}

// The checksum is the sum of all 512 header bytes with the checksum field read as eight spaces. Historic
// writers summed signed chars; accept either sum, as GNU tar does.
bool checksum_ok(const uint8_t* h)
{
	uint64_t stored;
	if (!parse_octal(h + kChksum, kChksumLen, stored))
		return false;
	uint64_t usum = 0;
	int64_t ssum = 0;
	for (size_t i = 0; i < UstarArchive::kBlock; ++i) {
		uint8_t b = (i >= kChksum && i < kChksum + kChksumLen) ? uint8_t(' ') : h[i];
		usum += b;
		ssum += int8_t(b);
	}
	return stored == usum || int64_t(stored) == ssum;
}

bool all_zero(const uint8_t* h)
{
	for (size_t i = 0; i < UstarArchive::kBlock; ++i)
		if (h[i])
			return false;
	return true;
}

// Copies a possibly unterminated fixed-size field into dst (which has room for len + 1) and returns its length.
size_t copy_field(char* dst, const uint8_t* src, size_t len)
{
	size_t n = 0;
	while (n < len && src[n]) {
		dst[n] = char(src[n]);
		++n;
	}
	dst[n] = 0;
	return n;
}

UstarType type_of(uint8_t flag)
{
	switch (flag) {
	case 0:
	case '0':
	case '7':
		return UstarType::File;
	case '1':
		return UstarType::HardLink;
	case '2':
		return UstarType::Symlink;
	case '3':
		return UstarType::CharDev;
	case '4':
		return UstarType::BlockDev;
	case '5':
		return UstarType::Dir;
	case '6':
		return UstarType::Fifo;
	default:
		return UstarType::Other;
	}
}

bool str_eq(const char* a, const char* b)
{
	while (*a && *a == *b)
		++a, ++b;
	return *a == *b;
}

} // namespace

void ustar_normalize_path(char* path)
{
	// Skip leading "/" and "./" components (and "." alone).
	const char* s = path;
	for (;;) {
		if (s[0] == '/')
			++s;
		else if (s[0] == '.' && s[1] == '/')
			s += 2;
		else if (s[0] == '.' && s[1] == 0)
			++s;
		else
			break;
	}
	size_t n = 0;
	while (s[n]) {
		path[n] = s[n];
		++n;
	}
	while (n > 0 && path[n - 1] == '/')
		--n;
	path[n] = 0;
}

int UstarArchive::next(Cursor& cursor, UstarEntry& out) const
{
	size_t off = cursor.offset;
	if (off > size_)
		return -EINVAL;
	// The end: an archive that stops at a block boundary (some writers omit the trailer), or a zero block
	// (POSIX writes two; one is enough to stop).
	if (off == size_)
		return 0;
	if (size_ - off < kBlock)
		return -EINVAL;
	const uint8_t* h = base_ + off;
	if (all_zero(h))
		return 0;
	// "ustar\0" + "00" is POSIX; "ustar " + " \0" is the old GNU format, the same layout for what we read.
	const uint8_t* m = h + kMagic;
	bool posix = m[0] == 'u' && m[1] == 's' && m[2] == 't' && m[3] == 'a' && m[4] == 'r' && m[5] == 0;
	bool gnu = m[0] == 'u' && m[1] == 's' && m[2] == 't' && m[3] == 'a' && m[4] == 'r' && m[5] == ' ';
	if (!posix && !gnu)
		return -EINVAL;
	if (!checksum_ok(h))
		return -EINVAL;

	uint64_t mode, uid, gid, size, mtime;
	if (!parse_octal(h + kMode, kNumLen, mode) || !parse_octal(h + kUid, kNumLen, uid) ||
	    !parse_octal(h + kGid, kNumLen, gid) || !parse_octal(h + kSize, kBigNumLen, size) ||
	    !parse_octal(h + kMtime, kBigNumLen, mtime))
		return -EINVAL;

	out.type = type_of(h[kType]);
	out.mode = uint32_t(mode & 07777);
	out.uid = uint32_t(uid);
	out.gid = uint32_t(gid);
	out.mtime = int64_t(mtime);

	// Path: prefix (POSIX only; GNU used those bytes for other fields) and name joined by '/'.
	size_t n = 0;
	if (posix && h[kPrefix]) {
		n = copy_field(out.path, h + kPrefix, kPrefixLen);
		out.path[n++] = '/';
	}
	copy_field(out.path + n, h + kName, kNameLen);
	ustar_normalize_path(out.path);
	copy_field(out.link, h + kLink, kLinkLen);
	if (out.type == UstarType::HardLink)
		ustar_normalize_path(out.link);

	// Only regular files (and unknown types, whose size we must skip over) carry data; links, directories
	// and devices have none whatever the size field says (POSIX: hard links' size is ignored).
	uint64_t data_len = (out.type == UstarType::File || out.type == UstarType::Other) ? size : 0;
	size_t data_off = off + kBlock;
	if (data_len > size_ - data_off)
		return -EINVAL;
	uint64_t padded = (data_len + kBlock - 1) / kBlock * kBlock;
	out.data = base_ + data_off;
	out.size = out.type == UstarType::File ? data_len : 0;
	// The padding of the last member may be missing at the very end of an archive without trailer.
	cursor.offset = padded > size_ - data_off ? size_ : data_off + size_t(padded);
	return 1;
}

int UstarArchive::find(const char* path, UstarEntry& out) const
{
	// Normalize the query the same way members are normalized.
	char want[sizeof(out.path)];
	size_t n = 0;
	while (path[n]) {
		if (n + 1 >= sizeof(want))
			return 0; // longer than any member path can be
		want[n] = path[n];
		++n;
	}
	want[n] = 0;
	ustar_normalize_path(want);

	Cursor c = begin();
	UstarEntry e;
	bool found = false;
	for (;;) {
		int r = next(c, e);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		if (str_eq(e.path, want)) {
			out = e;
			found = true;
		}
	}
	return found ? 1 : 0;
}

int UstarArchive::validate() const
{
	Cursor c = begin();
	UstarEntry e;
	for (;;) {
		int r = next(c, e);
		if (r <= 0)
			return r;
	}
}

} // namespace kernel
