#include "FileSystem/path_walk.hpp"

#include "Library/string.hpp"

namespace kernel {

namespace {

// One walk (or the walk of a symlink's target inside it); budget counts the symlinks still allowed.
Result<void> walk(DirectoryInode *root, Inode *start, const char *path, bool follow_last, bool entry_op, Walk &out,
                  int &budget)
{
	if (!*path)
		return Error(ENOENT);
	Inode *cur = path[0] == '/' ? root : start;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			++p;
		if (!*p) {
			// Only slashes left: the path named cur itself ("/" or "//"); a path like "a/" is handled as
			// a last component with a trailing slash below.
			out.parent = nullptr;
			out.node = cur;
			out.name[0] = 0;
			out.name_length = 0;
			out.dots = 3;
			out.trailing_slash = true;
			return {};
		}
		const char *name = p;
		while (*p && *p != '/')
			++p;
		size_t length = size_t(p - name);
		if (length > NAME_MAX_)
			return Error(ENAMETOOLONG);
		const char *rest = p;
		while (*rest == '/')
			++rest;
		bool last = *rest == 0;
		if (!cur->is_dir())
			return Error(ENOTDIR);
		DirectoryInode *dir = static_cast<DirectoryInode *>(cur);

		int dots = 0;
		Inode *next;
		if (length == 1 && name[0] == '.') {
			dots = 1;
			next = dir;
		} else if (length == 2 && name[0] == '.' && name[1] == '.') {
			dots = 2;
			next = (dir == root || !dir->parent()) ? dir : dir->parent();
		} else {
			// A removed directory has no entries left (Linux answers ENOENT inside it).
			DirEntry *e = dir->dead() ? nullptr : dir->find(name, length);
			next = e ? e->inode : nullptr;
		}

		bool slash = p != rest;
		if (next && next->type() == InodeType::symlink && (!last || follow_last || (slash && !entry_op))) {
			if (--budget < 0)
				return Error(ELOOP);
			const char *target = static_cast<SymlinkInode *>(next)->target();
			if (last) {
				// The target's resolution is the answer: its parent and name (so O_CREAT through a dangling
				// symlink creates the target, as Linux does), its trailing slash or ours.
				TRY(walk(root, dir, target, true, false, out, budget));
				if (slash)
					out.trailing_slash = true;
				return {};
			}
			// out serves as scratch (it is rewritten at the last component): no Walk per nesting level on
			// the kernel stack.
			TRY(walk(root, dir, target, true, false, out, budget));
			if (!out.node)
				return Error(ENOENT);
			next = out.node;
		}

		if (last) {
			out.parent = dir;
			memcpy(out.name, name, length);
			out.name[length] = 0;
			out.name_length = length;
			out.dots = dots;
			out.node = next;
			out.trailing_slash = slash;
			return {};
		}
		if (!next)
			return Error(ENOENT);
		if (!next->is_dir())
			return Error(ENOTDIR);
		cur = next;
		p = rest;
	}
}

} // namespace

Result<void> walk_path(DirectoryInode *root, Inode *start, const char *path, bool follow_last, Walk &out,
                       bool entry_op)
{
	if (strnlen(path, PATH_MAX_) >= PATH_MAX_)
		return Error(ENAMETOOLONG);
	out = Walk{};
	int budget = MAXSYMLINKS_;
	return walk(root, start, path, follow_last, entry_op, out, budget);
}

} // namespace kernel
