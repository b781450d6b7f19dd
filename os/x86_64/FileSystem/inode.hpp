// ramfs nodes: regular files (sparse pages, optionally backed by initrd bytes until first written), directories
// (named entries, a parent for ".."), symlinks and character devices. An inode lives while a directory entry
// names it (links) or anything holds it (refs: open files, O_PATH files, a cwd); an unlinked file stays
// readable through its open descriptions and is freed with the last one, as on Linux.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "FileSystem/linux_abi.hpp"
#include "FileSystem/page_tree.hpp"
#include "Library/list.hpp"
#include "Library/result.hpp"
#include "Platform/platform.hpp"

namespace kernel {

class IoBuffer;

enum class InodeType : uint8_t { regular, directory, symlink, char_device };

class Inode {
public:
	Inode(const Inode &) = delete;
	Inode &operator=(const Inode &) = delete;
	// Heap objects freed through the virtual destructor (see File::operator delete).
	static void operator delete(void *memory) { deallocate(memory); }

	InodeType type() const { return type_; }
	bool is_dir() const { return type_ == InodeType::directory; }
	uint32_t mode() const { return mode_; } // S_IF* | permission bits
	uint64_t ino() const { return ino_; }
	uint32_t links() const { return links_; }

	void ref() { ++refs_; }
	void unref();
	// A directory entry now names it / no longer does (the last of both frees it).
	void link() { ++links_; }
	void unlink();

	// Time stamps from CLOCK_REALTIME.
	void touch_modified(); // mtime and ctime
	void touch_changed();  // ctime

	// statx of the node (every basic field plus btime).
	void fill_statx(Statx &out) const;
	virtual uint64_t size() const { return 0; }

	// Frees the node regardless of links and refs (a node that never got a name).
	void destroy_now();

	// Inodes alive now (leak checks in tests; a diagnostic in the kernel).
	static uint64_t live_count();

protected:
	Inode(InodeType type, uint32_t mode);
	virtual ~Inode();
	virtual uint64_t blocks() const { return 0; }
	virtual uint32_t statx_nlink() const { return links_; }
	void maybe_free();

	uint32_t rdev_major_ = 0, rdev_minor_ = 0;

private:
	InodeType type_;
	uint32_t mode_;
	uint64_t ino_;
	uint32_t links_ = 0;
	uint32_t refs_ = 0;
	StatxTimestamp atime_{}, mtime_{}, ctime_{}, btime_{};
};

// ---- regular files ------------------------------------------------------------------------------------------

class RegularInode final : public Inode {
public:
	// A new file with permission bits perm; its contents start as backing[0, backing_size) (initrd bytes that
	// stay valid for ever and are never written) and become private pages as they are written.
	static RegularInode *create(uint32_t perm, const uint8_t *backing = nullptr, uint64_t backing_size = 0);

	uint64_t size() const override { return size_; }
	// Reads/writes at offset; short counts at end of file / on a fault after some bytes (EFAULT when none).
	Result<size_t> read(const IoBuffer &buf, uint64_t offset);
	Result<size_t> write(const IoBuffer &buf, uint64_t offset);
	// Sets the size: shrinking frees the pages past the end and zeros the tail of the last page (so growing
	// again reads zeros); growing leaves a hole.
	Result<void> truncate(uint64_t length);
	// The byte range that holds data at or after offset (SEEK_DATA/SEEK_HOLE at page granularity).
	Result<uint64_t> seek_data(uint64_t offset, bool hole) const;

	static constexpr uint64_t max_size = PageTree::max_pages * PageTree::page_bytes;

	// Use create(); public for the heap's placement construction.
	RegularInode(uint32_t perm, const uint8_t *backing, uint64_t backing_size);

private:
	uint64_t blocks() const override;
	bool page_has_data(uint64_t index) const;

	PageTree pages_;
	uint64_t size_ = 0;
	const uint8_t *backing_ = nullptr; // read-only bytes behind pages not yet materialized
	uint64_t backing_size_ = 0;        // never more than size_
};

// ---- directories --------------------------------------------------------------------------------------------

struct DirEntry {
	ListNode node;
	class Inode *inode;
	uint64_t cookie; // getdents position: increases along the list, never reused in this directory
	uint16_t length;
	char name[NAME_MAX_ + 1];
};

class DirectoryInode final : public Inode {
public:
	static DirectoryInode *create(uint32_t perm, DirectoryInode *parent);

	DirectoryInode *parent() const { return parent_; }
	void set_parent(DirectoryInode *parent) { parent_ = parent; }
	// Removed from its parent (rmdir, or replaced by rename): nothing can be created in it any more.
	bool dead() const { return dead_; }
	bool empty() const { return entries_.empty(); }

	DirEntry *find(const char *name, size_t length) const;
	// The entry naming inode (getcwd's upward walk), or nullptr.
	DirEntry *find_inode(const Inode *inode) const;
	// Adds name -> inode (the caller checked that name is free): ENOMEM, ENOENT when this directory is dead.
	Result<void> add(const char *name, size_t length, Inode *inode);
	// Removes entry (and its link to the inode, which may free the inode).
	void remove(DirEntry *entry);
	// Points entry at another inode: the new one gains a link, the old one loses it.
	void retarget(DirEntry *entry, Inode *inode);
	// Marks a removed directory dead (the caller has unlinked it).
	void kill() { dead_ = true; }
	// The first entry with cookie >= cookie (getdents), or nullptr.
	DirEntry *at_or_after(uint64_t cookie) const;
	// Empties the directory recursively, freeing everything (filesystem teardown).
	void destroy_tree();

	DirectoryInode(uint32_t perm, DirectoryInode *parent); // use create()

private:
	uint32_t statx_nlink() const override;
	// Linux's directory link count: "." and the parent's entry, plus each subdirectory's "..".
	List<DirEntry, &DirEntry::node> entries_;
	DirectoryInode *parent_;
	uint64_t next_cookie_ = 3; // 1 and 2 are "." and ".."
	uint32_t subdirs_ = 0;
	bool dead_ = false;
};

// ---- symlinks and devices -----------------------------------------------------------------------------------

class SymlinkInode final : public Inode {
public:
	// ENOMEM; the target is copied.
	static SymlinkInode *create(const char *target, size_t length);
	const char *target() const { return target_; }
	uint64_t size() const override { return length_; }

	SymlinkInode() : Inode(InodeType::symlink, S_IFLNK_ | 0777) {} // use create()

private:
	~SymlinkInode() override;
	char *target_ = nullptr;
	size_t length_ = 0;
};

enum class Device : uint8_t { null, zero, console };

class DeviceInode final : public Inode {
public:
	static DeviceInode *create(Device device, uint32_t perm);
	Device device() const { return device_; }

	DeviceInode(Device device, uint32_t perm); // use create()

private:
	Device device_;
};

} // namespace kernel
