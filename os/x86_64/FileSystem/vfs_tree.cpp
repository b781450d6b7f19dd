// Building the tree at boot: the root, /dev with its three devices, /tmp, and the initrd extracted into it.
// Regular files from the initrd are not copied: their inodes read the archive's bytes (which the kernel keeps
// for ever) until a write gives a page its own copy.
#include "FileSystem/path_walk.hpp"
#include "FileSystem/ustar.hpp"
#include "FileSystem/vfs.hpp"
#include "Library/string.hpp"
#include "Platform/platform.hpp"

namespace kernel {

namespace vfs_state {
extern DirectoryInode *root; // vfs.cpp
}

namespace {

// Finds or makes the directory dir/name (mkdir -p for one component). ENOTDIR when name exists as another kind.
Result<DirectoryInode *> subdir(DirectoryInode *dir, const char *name, size_t length, uint32_t perm)
{
	if (DirEntry *e = dir->find(name, length)) {
		if (!e->inode->is_dir())
			return Error(ENOTDIR);
		return static_cast<DirectoryInode *>(e->inode);
	}
	DirectoryInode *d = DirectoryInode::create(perm, dir);
	if (!d)
		return Error(ENOMEM);
	auto added = dir->add(name, length, d);
	if (!added.ok()) {
		d->destroy_now();
		return Error(added.error());
	}
	return d;
}

Result<void> add_device(DirectoryInode *dev, const char *name, Device device, uint32_t perm)
{
	DeviceInode *node = DeviceInode::create(device, perm);
	if (!node)
		return Error(ENOMEM);
	auto added = dev->add(name, strlen(name), node);
	if (!added.ok())
		node->destroy_now();
	return added;
}

// Splits an archive path into its directory (created as needed, 0755) and last name. EINVAL for "." or ".."
// components (a hostile archive must not climb out of the root or alias a directory).
Result<DirectoryInode *> parent_of(const char *path, const char **name, size_t *length)
{
	DirectoryInode *dir = vfs_state::root;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			++p;
		const char *start = p;
		while (*p && *p != '/')
			++p;
		size_t n = size_t(p - start);
		if (n > NAME_MAX_)
			return Error(ENAMETOOLONG);
		if ((n == 1 && start[0] == '.') || (n == 2 && start[0] == '.' && start[1] == '.'))
			return Error(EINVAL);
		const char *rest = p;
		while (*rest == '/')
			++rest;
		if (!*rest) {
			*name = start;
			*length = n;
			return dir;
		}
		dir = TRY(subdir(dir, start, n, 0755));
		p = rest;
	}
}

// Replaces whatever dir/name is with node (a later archive member wins, as tar extraction).
Result<void> place(DirectoryInode *dir, const char *name, size_t length, Inode *node)
{
	if (DirEntry *old = dir->find(name, length)) {
		if (old->inode->is_dir())
			return Error(EISDIR); // a file over a directory: refuse the member
		dir->retarget(old, node);
		return {};
	}
	return dir->add(name, length, node);
}

Result<void> extract(const UstarEntry &e)
{
	if (!e.path[0])
		return {}; // the archive's root: ours exists
	const char *name;
	size_t length;
	DirectoryInode *dir = TRY(parent_of(e.path, &name, &length));
	switch (e.type) {
	case UstarType::Dir:
		TRY(subdir(dir, name, length, e.mode));
		return {};
	case UstarType::File: {
		RegularInode *file = RegularInode::create(e.mode, e.data, e.size);
		if (!file)
			return Error(ENOMEM);
		auto placed = place(dir, name, length, file);
		if (!placed.ok())
			file->destroy_now();
		return placed;
	}
	case UstarType::Symlink: {
		if (!e.link[0])
			return Error(EINVAL);
		SymlinkInode *link = SymlinkInode::create(e.link, strlen(e.link));
		if (!link)
			return Error(ENOMEM);
		auto placed = place(dir, name, length, link);
		if (!placed.ok())
			link->destroy_now();
		return placed;
	}
	case UstarType::HardLink: {
		Walk w;
		TRY(walk_path(vfs_state::root, vfs_state::root, e.link, false, w));
		if (!w.node)
			return Error(ENOENT);
		if (w.node->is_dir())
			return Error(EPERM);
		return place(dir, name, length, w.node);
	}
	default:
		return {}; // devices, fifos and extension headers are not part of our initrd
	}
}

} // namespace

Result<void> vfs_init(const void *initrd, size_t size)
{
	if (vfs_state::root)
		vfs_shutdown();
	DirectoryInode *root = DirectoryInode::create(0755, nullptr);
	if (!root)
		return Error(ENOMEM);
	root->link(); // the mount holds the root: it is never unlinked
	vfs_state::root = root;

	DirectoryInode *dev = TRY(subdir(root, "dev", 3, 0755));
	TRY(add_device(dev, "null", Device::null, 0666));
	TRY(add_device(dev, "zero", Device::zero, 0666));
	TRY(add_device(dev, "console", Device::console, 0620));
	TRY(subdir(root, "tmp", 3, 01777));

	if (!initrd || size == 0)
		return {};
	UstarArchive archive(initrd, size);
	auto cursor = UstarArchive::begin();
	UstarEntry entry;
	for (;;) {
		int r = archive.next(cursor, entry);
		if (r < 0)
			return Error(-r);
		if (r == 0)
			return {};
		TRY(extract(entry));
	}
}

void vfs_shutdown()
{
	DirectoryInode *root = vfs_state::root;
	if (!root)
		return;
	vfs_state::root = nullptr;
	root->destroy_tree();
	root->unlink(); // freed now, or with the last cwd/O_PATH reference to it
}

} // namespace kernel
