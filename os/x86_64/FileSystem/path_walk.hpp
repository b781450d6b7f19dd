// Path resolution (Linux's namei): component by component from the root (absolute paths) or a start
// directory, "." and ".." (the root is its own parent), symlinks anywhere (at most 40 per walk: ELOOP), the
// last component followed when asked or when a trailing slash demands a directory, except for the calls that
// work on the directory entry itself (mkdir, unlink, rmdir, rename, link/symlink targets: entry_op), which
// then meet the symlink and refuse it (ENOTDIR, EEXIST), as Linux's parent-based lookups do.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "FileSystem/inode.hpp"
#include "Library/result.hpp"

namespace kernel {

struct Walk {
	// The directory that holds the last component; nullptr when the path has none ("/", "//").
	DirectoryInode *parent = nullptr;
	// The node the path names, or nullptr when the last component does not exist (parent is then where it
	// would be created).
	Inode *node = nullptr;
	// The last component (empty for "/").
	char name[NAME_MAX_ + 1] = {};
	size_t name_length = 0;
	// 1 when the last component is ".", 2 when "..", 0 otherwise (or "/" alone: 3).
	int dots = 0;
	// The path ended in '/': callers require a directory there (ENOTDIR otherwise, see check_trailing_slash),
	// except open(O_CREAT) which answers EISDIR first, as Linux.
	bool trailing_slash = false;
};

// ENOTDIR when a trailing slash follows an existing non-directory.
inline Result<void> check_trailing_slash(const Walk &w)
{
	if (w.trailing_slash && w.node && !w.node->is_dir())
		return Error(ENOTDIR);
	return {};
}

// Resolves path from start (a directory; ignored for absolute paths) under root. follow_last: follow a
// symlink in the last position. Errors: ENOENT (a missing intermediate component, an empty path or symlink
// target), ENOTDIR (a non-directory used as a directory before the last component), ENAMETOOLONG (a
// component over NAME_MAX, a path of PATH_MAX or more), ELOOP. A missing last component is not an error.
Result<void> walk_path(DirectoryInode *root, Inode *start, const char *path, bool follow_last, Walk &out,
                       bool entry_op = false);

} // namespace kernel
