// A reader of POSIX ustar archives held in memory (the initrd): walk the entries in order or look one up by
// path. It never copies file data (an entry points into the archive) and never reads past the archive's end:
// a truncated archive, a bad checksum, a malformed number or a size that runs past the end gives -EINVAL.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel {

enum class UstarType : uint8_t {
	File,     // '0', NUL (pre-POSIX regular file) and '7' (contiguous file, a regular file for us)
	HardLink, // '1': link names another entry of the archive
	Symlink,  // '2': link holds the target, verbatim
	CharDev,  // '3'
	BlockDev, // '4'
	Dir,      // '5'
	Fifo,     // '6'
	Other,    // anything else (pax 'x'/'g' headers, GNU extensions): callers skip it
};

struct UstarEntry {
	// The member's path: prefix "/" name, with leading "./" and "/" components and a trailing "/" removed.
	// The archive's root directory (".", "./") has the empty path.
	char path[256 + 1];
	// A hard link's target is normalized the same way (it names an archive member); a symlink's is verbatim.
	char link[100 + 1];
	UstarType type;
	uint32_t mode; // permission bits only (07777)
	uint32_t uid, gid;
	int64_t mtime;
	const uint8_t* data; // inside the archive; size bytes (0 for everything but File)
	uint64_t size;
};

class UstarArchive {
public:
	static constexpr size_t kBlock = 512;

	constexpr UstarArchive(const void* base, size_t size) : base_(static_cast<const uint8_t*>(base)), size_(size) {}

	// Position of the next header; start at begin().
	struct Cursor {
		size_t offset = 0;
	};
	static constexpr Cursor begin() { return Cursor{}; }

	// Reads the entry at the cursor into out and advances the cursor past its data. Returns 1 for an entry,
	// 0 at the end of the archive (a zero block, or the archive's end exactly at a block boundary), or -EINVAL.
	int next(Cursor& cursor, UstarEntry& out) const;

	// Finds the last entry whose normalized path equals path (leading "./" and "/" ignored, as in the archive;
	// a later member replaces an earlier one, as tar extraction does). Returns 1 found, 0 absent, or -EINVAL
	// when the archive is malformed before the lookup could finish.
	int find(const char* path, UstarEntry& out) const;

	// Walks the whole archive; 0 when every header is well formed, -EINVAL otherwise.
	int validate() const;

private:
	const uint8_t* base_;
	size_t size_;
};

// Normalizes an archive path in place: strips leading "./" and "/" components and trailing "/"; "." alone
// becomes "". Exposed for the initrd seeding and the tests.
void ustar_normalize_path(char* path);

} // namespace kernel
