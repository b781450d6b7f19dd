// The path-based system calls over the ramfs. Each follows the order of Linux's checks where the order decides
// which errno a program sees (fs/namei.c, fs/open.c, fs/stat.c).
#include "FileSystem/vfs.hpp"

#include "FileSystem/path_walk.hpp"
#include "FileSystem/vfs_files.hpp"
#include "Library/string.hpp"
#include "Platform/platform.hpp"

namespace kernel {

namespace vfs_state {
// Set by vfs_init (vfs_tree.cpp); the root is never freed while the system runs.
constinit DirectoryInode *root = nullptr;
constinit uint32_t umask = 022;
} // namespace vfs_state

DirectoryInode *vfs_root() { return vfs_state::root; }

uint32_t vfs_umask(uint32_t mask)
{
	uint32_t old = vfs_state::umask;
	vfs_state::umask = mask & 0777;
	return old;
}

Result<size_t> copy_path_from_user(char *buf, uint64_t user_path)
{
	long n = strncpy_from_user(buf, user_path, PATH_MAX_);
	if (n < 0)
		return Error(int(-n));
	return size_t(n);
}

namespace {

Inode *cwd_or_root()
{
	FdTable *table = current_fd_table();
	Inode *cwd = table ? table->cwd() : nullptr;
	return cwd ? cwd : vfs_state::root;
}

// The inode an fd refers to, for AT_EMPTY_PATH (any kind of file with a node; AT_FDCWD is the cwd).
Result<Inode *> fd_inode(int fd)
{
	if (fd == AT_FDCWD_)
		return cwd_or_root();
	FdTable *table = current_fd_table();
	File *f = table ? table->peek(fd) : nullptr;
	if (!f)
		return Error(EBADF);
	Inode *node = f->inode();
	if (!node)
		return Error(EBADF);
	return node;
}

// Where a relative path starts: the cwd for AT_FDCWD, else the directory behind dirfd (EBADF when not open,
// ENOTDIR when not a directory). Absolute paths ignore dirfd entirely, as Linux.
Result<Inode *> start_dir(int dirfd, const char *path)
{
	if (!vfs_state::root)
		return Error(ENOENT);
	if (path[0] == '/')
		return static_cast<Inode *>(vfs_state::root);
	if (dirfd == AT_FDCWD_)
		return cwd_or_root();
	FdTable *table = current_fd_table();
	File *f = table ? table->peek(dirfd) : nullptr;
	if (!f)
		return Error(EBADF);
	Inode *node = f->inode();
	if (!node || !node->is_dir())
		return Error(ENOTDIR);
	return node;
}

Result<void> lookup(int dirfd, const char *path, bool follow, Walk &w, bool entry_op = false)
{
	if (!*path)
		return Error(ENOENT); // before looking at dirfd, as Linux's getname() refuses "" first
	Inode *start = TRY(start_dir(dirfd, path));
	return walk_path(vfs_state::root, start, path, follow, w, entry_op);
}

bool would_loop(Inode *moved_dir, DirectoryInode *new_parent)
{
	// Moving a directory under itself: new_parent is moved_dir or one of its descendants.
	for (DirectoryInode *d = new_parent; d; d = d->parent()) {
		if (d == moved_dir)
			return true;
		if (d == vfs_state::root)
			break;
	}
	return false;
}

// The checks for creating a new name at w (mkdir, symlink, link targets).
Result<void> check_new_entry(const Walk &w)
{
	if (w.dots || w.node)
		return Error(EEXIST);
	if (w.parent->dead())
		return Error(ENOENT);
	return {};
}

} // namespace

// ---- open ---------------------------------------------------------------------------------------------------

constinit SchemeOpenHook vfs_scheme_open_hook = nullptr;

Result<FileRef> vfs_open(int dirfd, const char *path, uint32_t flags, uint32_t mode)
{
	if ((flags & O_TMPFILE_) == O_TMPFILE_)
		return Error(EOPNOTSUPP);
	bool path_only = flags & O_PATH_;
	bool creat = !path_only && (flags & O_CREAT_);
	// O_CREAT|O_EXCL never follows a final symlink: an existing symlink is EEXIST even when dangling.
	bool follow = !(flags & O_NOFOLLOW_) && !(creat && (flags & O_EXCL_));
	Walk w;
	Result<void> found = lookup(dirfd, path, follow, w);
	if (vfs_scheme_open_hook && (found.ok() ? !w.node : found.error() == ENOENT)) {
		bool claimed = false; // "name:rest" of a registered scheme, where no such file exists
		Result<FileRef> forwarded = vfs_scheme_open_hook(path, flags, mode, &claimed);
		if (claimed)
			return forwarded;
	}
	if (!found.ok())
		return Error(found.error());
	Inode *node = w.node;

	if (creat) {
		if (w.trailing_slash)
			return Error(EISDIR);
		if (!node) {
			if (w.parent->dead())
				return Error(ENOENT);
			RegularInode *created = RegularInode::create(mode & 07777 & ~vfs_state::umask);
			if (!created)
				return Error(ENOMEM);
			auto added = w.parent->add(w.name, w.name_length, created);
			if (!added.ok()) {
				created->destroy_now();
				return Error(added.error());
			}
			node = created;
		} else if (flags & O_EXCL_) {
			return Error(EEXIST);
		}
	} else {
		if (!node)
			return Error(ENOENT);
		TRY(check_trailing_slash(w));
	}

	if (node->type() == InodeType::symlink && !(path_only && (flags & O_NOFOLLOW_)))
		return Error(ELOOP);
	if ((flags & O_DIRECTORY_) && !node->is_dir())
		return Error(ENOTDIR);
	if (node->is_dir() && !path_only && ((flags & O_ACCMODE_) != O_RDONLY_ || (flags & O_TRUNC_) || creat))
		return Error(EISDIR);

	uint32_t status;
	if (path_only) {
		status = O_PATH_ | (flags & (O_DIRECTORY_ | O_NOFOLLOW_));
	} else {
		// What Linux keeps in f_flags: not the open-time-only flags, and O_LARGEFILE forced on 64-bit.
		status = (flags & ~(O_CREAT_ | O_EXCL_ | O_NOCTTY_ | O_TRUNC_ | O_CLOEXEC_)) | O_LARGEFILE_;
		if ((flags & O_TRUNC_) && node->type() == InodeType::regular)
			TRY(static_cast<RegularInode *>(node)->truncate(0));
	}
	File *f = TRY(open_inode(node, status));
	return FileRef::adopt(f);
}

Result<int> vfs_openat(int dirfd, const char *path, uint32_t flags, uint32_t mode)
{
	FdTable *table = current_fd_table();
	if (!table)
		return Error(EBADF);
	FileRef f = TRY(vfs_open(dirfd, path, flags, mode));
	return table->install(f.get(), flags & O_CLOEXEC_);
}

// ---- directories and names ----------------------------------------------------------------------------------

Result<void> vfs_mkdirat(int dirfd, const char *path, uint32_t mode)
{
	Walk w;
	TRY(lookup(dirfd, path, false, w, true));
	TRY(check_new_entry(w));
	DirectoryInode *dir = DirectoryInode::create(mode & 01777 & ~vfs_state::umask, w.parent);
	if (!dir)
		return Error(ENOMEM);
	auto added = w.parent->add(w.name, w.name_length, dir);
	if (!added.ok())
		dir->destroy_now();
	return added;
}

Result<void> vfs_unlinkat(int dirfd, const char *path, uint32_t flags)
{
	if (flags & ~AT_REMOVEDIR_)
		return Error(EINVAL);
	Walk w;
	TRY(lookup(dirfd, path, false, w, true));
	if (flags & AT_REMOVEDIR_) {
		if (w.dots == 1)
			return Error(EINVAL);
		if (w.dots == 2)
			return Error(ENOTEMPTY);
		if (w.dots == 3)
			return Error(EBUSY);
		if (!w.node)
			return Error(ENOENT);
		if (!w.node->is_dir())
			return Error(ENOTDIR);
		DirectoryInode *dir = static_cast<DirectoryInode *>(w.node);
		if (!dir->empty())
			return Error(ENOTEMPTY);
		dir->kill();
		w.parent->remove(w.parent->find(w.name, w.name_length));
		return {};
	}
	if (w.dots)
		return Error(EISDIR);
	if (!w.node)
		return Error(ENOENT);
	if (w.trailing_slash)
		return Error(w.node->is_dir() ? EISDIR : ENOTDIR);
	if (w.node->is_dir())
		return Error(EISDIR);
	w.parent->remove(w.parent->find(w.name, w.name_length));
	return {};
}

Result<void> vfs_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, uint32_t flags)
{
	if (flags & ~(RENAME_NOREPLACE_ | RENAME_EXCHANGE_ | RENAME_WHITEOUT_))
		return Error(EINVAL);
	if ((flags & RENAME_NOREPLACE_) && (flags & RENAME_EXCHANGE_))
		return Error(EINVAL);
	if (flags & RENAME_WHITEOUT_)
		return Error(EINVAL); // whiteouts are for overlay filesystems; none here
	Walk from, to;
	TRY(lookup(olddirfd, oldpath, false, from, true));
	TRY(lookup(newdirfd, newpath, false, to, true));
	if (from.dots)
		return Error(EBUSY);
	if (to.dots)
		return Error((flags & RENAME_NOREPLACE_) ? EEXIST : EBUSY);
	if (!from.node)
		return Error(ENOENT);
	bool exchange = flags & RENAME_EXCHANGE_;
	if (exchange && !to.node)
		return Error(ENOENT);
	if ((flags & RENAME_NOREPLACE_) && to.node)
		return Error(EEXIST);
	// A trailing slash on either name requires the moved node to be a directory (and, exchanging, the other).
	if ((from.trailing_slash || to.trailing_slash) && !from.node->is_dir())
		return Error(ENOTDIR);
	if (exchange && to.trailing_slash && !to.node->is_dir())
		return Error(ENOTDIR);
	if (from.node == to.node)
		return {}; // the same file (also two hard links of it): nothing to do, as POSIX says
	if (to.parent->dead())
		return Error(ENOENT);

	DirEntry *old_entry = from.parent->find(from.name, from.name_length);
	if (exchange) {
		if (from.node->is_dir() && would_loop(from.node, to.parent))
			return Error(EINVAL);
		if (to.node->is_dir() && would_loop(to.node, from.parent))
			return Error(EINVAL);
		DirEntry *new_entry = to.parent->find(to.name, to.name_length);
		Inode *a = from.node, *b = to.node;
		// Each entry gains its new inode before losing the old, so neither inode's link count touches zero.
		a->ref();
		b->ref();
		from.parent->retarget(old_entry, b);
		to.parent->retarget(new_entry, a);
		a->unref();
		b->unref();
		return {};
	}

	if (from.node->is_dir()) {
		if (to.node && !to.node->is_dir())
			return Error(ENOTDIR);
		if (to.node && !static_cast<DirectoryInode *>(to.node)->empty())
			return Error(ENOTEMPTY);
		if (would_loop(from.node, to.parent))
			return Error(EINVAL);
	} else if (to.node && to.node->is_dir()) {
		return Error(EISDIR);
	}

	Inode *moved = from.node;
	moved->ref(); // keep it alive between losing the old name and gaining the new one
	if (to.node) {
		if (to.node->is_dir())
			static_cast<DirectoryInode *>(to.node)->kill();
		to.parent->retarget(to.parent->find(to.name, to.name_length), moved);
	} else {
		auto added = to.parent->add(to.name, to.name_length, moved);
		if (!added.ok()) {
			moved->unref();
			return added;
		}
	}
	from.parent->remove(old_entry);
	if (moved->is_dir())
		static_cast<DirectoryInode *>(moved)->set_parent(to.parent);
	moved->unref();
	return {};
}

Result<void> vfs_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, uint32_t flags)
{
	if (flags & ~(AT_SYMLINK_FOLLOW_ | AT_EMPTY_PATH_))
		return Error(EINVAL);
	Inode *node;
	if ((flags & AT_EMPTY_PATH_) && !*oldpath) {
		node = TRY(fd_inode(olddirfd));
	} else {
		Walk from;
		TRY(lookup(olddirfd, oldpath, flags & AT_SYMLINK_FOLLOW_, from));
		if (!from.node)
			return Error(ENOENT);
		TRY(check_trailing_slash(from));
		node = from.node;
	}
	if (node->is_dir())
		return Error(EPERM);
	if (node->links() == 0)
		return Error(ENOENT); // an unlinked file cannot get a name back (no O_TMPFILE here)
	Walk to;
	TRY(lookup(newdirfd, newpath, false, to, true));
	if (to.trailing_slash && !to.node && !to.dots)
		return Error(ENOENT);
	TRY(check_new_entry(to));
	return to.parent->add(to.name, to.name_length, node);
}

Result<void> vfs_symlinkat(const char *target, int newdirfd, const char *linkpath)
{
	if (!*target)
		return Error(ENOENT);
	size_t length = strnlen(target, PATH_MAX_);
	if (length >= PATH_MAX_)
		return Error(ENAMETOOLONG);
	Walk w;
	TRY(lookup(newdirfd, linkpath, false, w, true));
	if (w.trailing_slash && !w.node && !w.dots)
		return Error(ENOENT);
	TRY(check_new_entry(w));
	SymlinkInode *link = SymlinkInode::create(target, length);
	if (!link)
		return Error(ENOMEM);
	auto added = w.parent->add(w.name, w.name_length, link);
	if (!added.ok())
		link->destroy_now();
	return added;
}

Result<size_t> vfs_readlinkat(int dirfd, const char *path, char *buf, size_t size)
{
	if (size == 0 || size > 0x7fffffff)
		return Error(EINVAL);
	Inode *node;
	if (!*path) {
		node = TRY(fd_inode(dirfd));
		if (node->type() != InodeType::symlink)
			return Error(ENOENT);
	} else {
		Walk w;
		TRY(lookup(dirfd, path, false, w));
		if (!w.node)
			return Error(ENOENT);
		TRY(check_trailing_slash(w));
		node = w.node;
		if (node->type() != InodeType::symlink)
			return Error(EINVAL);
	}
	SymlinkInode *link = static_cast<SymlinkInode *>(node);
	size_t n = link->size() < size ? size_t(link->size()) : size;
	memcpy(buf, link->target(), n);
	return n;
}

// ---- metadata -----------------------------------------------------------------------------------------------

Result<void> vfs_statx(int dirfd, const char *path, uint32_t flags, uint32_t mask, Statx &out)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW_ | AT_EMPTY_PATH_ | AT_NO_AUTOMOUNT_ | AT_STATX_SYNC_TYPE_))
		return Error(EINVAL);
	if ((flags & AT_STATX_SYNC_TYPE_) == AT_STATX_SYNC_TYPE_)
		return Error(EINVAL);
	if (mask & STATX__RESERVED_)
		return Error(EINVAL);
	if (!*path) {
		if (!(flags & AT_EMPTY_PATH_))
			return Error(ENOENT);
		if (dirfd == AT_FDCWD_) {
			memset(&out, 0, sizeof out);
			cwd_or_root()->fill_statx(out);
			return {};
		}
		// Any file, also pipes and eventfds (fstat).
		FdTable *table = current_fd_table();
		File *f = table ? table->peek(dirfd) : nullptr;
		if (!f)
			return Error(EBADF);
		return f->statx(out);
	}
	Walk w;
	TRY(lookup(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW_), w));
	if (!w.node)
		return Error(ENOENT);
	TRY(check_trailing_slash(w));
	memset(&out, 0, sizeof out);
	w.node->fill_statx(out);
	return {};
}

Result<void> vfs_truncate(const char *path, int64_t length)
{
	Walk w;
	TRY(lookup(AT_FDCWD_, path, true, w));
	if (!w.node)
		return Error(ENOENT);
	TRY(check_trailing_slash(w));
	if (w.node->is_dir())
		return Error(EISDIR);
	if (w.node->type() != InodeType::regular || length < 0)
		return Error(EINVAL);
	return static_cast<RegularInode *>(w.node)->truncate(uint64_t(length));
}

Result<void> vfs_faccessat(int dirfd, const char *path, uint32_t mode, uint32_t flags)
{
	if (mode & ~7u)
		return Error(EINVAL);
	if (flags & ~(AT_EACCESS_ | AT_SYMLINK_NOFOLLOW_ | AT_EMPTY_PATH_))
		return Error(EINVAL);
	if (!*path) {
		if (!(flags & AT_EMPTY_PATH_))
			return Error(ENOENT);
		TRY(fd_inode(dirfd));
		return {};
	}
	Walk w;
	TRY(lookup(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW_), w));
	if (!w.node)
		return Error(ENOENT);
	return check_trailing_slash(w);
}

// ---- the working directory ----------------------------------------------------------------------------------

Result<void> vfs_chdir(const char *path)
{
	FdTable *table = current_fd_table();
	if (!table)
		return Error(ESRCH);
	Walk w;
	TRY(lookup(AT_FDCWD_, path, true, w));
	if (!w.node)
		return Error(ENOENT);
	if (!w.node->is_dir())
		return Error(ENOTDIR);
	table->set_cwd(w.node);
	return {};
}

Result<void> vfs_fchdir(int fd)
{
	FdTable *table = current_fd_table();
	File *f = table ? table->peek(fd) : nullptr;
	if (!f)
		return Error(EBADF);
	Inode *node = f->inode();
	if (!node || !node->is_dir())
		return Error(ENOTDIR);
	table->set_cwd(node);
	return {};
}

Result<size_t> vfs_getcwd(char *buf, size_t size)
{
	Inode *cwd = cwd_or_root();
	if (!cwd)
		return Error(ENOENT);
	DirectoryInode *dir = static_cast<DirectoryInode *>(cwd);
	if (dir->dead())
		return Error(ENOENT);
	// Built backwards from the end of a scratch buffer: "/name" for each level up to the root.
	char *scratch = static_cast<char *>(allocate(PATH_MAX_));
	if (!scratch)
		return Error(ENOMEM);
	size_t at = PATH_MAX_ - 1;
	scratch[at] = 0;
	int error = 0;
	for (DirectoryInode *d = dir; d != vfs_state::root && d->parent();) {
		DirectoryInode *up = d->parent();
		DirEntry *e = up->find_inode(d);
		if (!e)
			break;
		if (size_t(e->length) + 1 > at) {
			error = ENAMETOOLONG;
			break;
		}
		at -= e->length;
		memcpy(scratch + at, e->name, e->length);
		scratch[--at] = '/';
		d = up;
	}
	if (at == PATH_MAX_ - 1)
		scratch[--at] = '/';
	size_t length = PATH_MAX_ - at; // with the NUL
	if (!error && length > size)
		error = ERANGE;
	if (!error)
		memcpy(buf, scratch + at, length);
	deallocate(scratch);
	if (error)
		return Error(error);
	return length;
}

} // namespace kernel
