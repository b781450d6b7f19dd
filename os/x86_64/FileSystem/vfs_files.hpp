// The open file descriptions of ramfs nodes: regular files, directories (getdents), device nodes (/dev/null,
// /dev/zero, /dev/console) and O_PATH handles. Each holds a reference to its inode.
#pragma once

#include "FileSystem/file.hpp"
#include "FileSystem/inode.hpp"

namespace kernel {

// Creates the open file description for node with the given status flags (already reduced to what F_GETFL
// shows). ENOMEM.
Result<File *> open_inode(Inode *node, uint32_t status_flags);

class InodeFile : public File {
public:
	Inode *inode() const override { return node_; }

protected:
	InodeFile(FileKind kind, uint32_t flags, Inode *node) : File(kind, flags), node_(node) { node_->ref(); }
	~InodeFile() override { node_->unref(); }
	Result<void> do_statx(Statx &out) override
	{
		node_->fill_statx(out);
		return {};
	}
	uint64_t size() const override { return node_->size(); }

	Inode *node_;
};

class RegularFile final : public InodeFile {
public:
	RegularFile(uint32_t flags, RegularInode *node) : InodeFile(FileKind::regular, flags, node) {}

protected:
	RegularInode *regular() const { return static_cast<RegularInode *>(node_); }
	Result<size_t> do_pread(const IoBuffer &buf, uint64_t offset) override { return regular()->read(buf, offset); }
	Result<size_t> do_pwrite(const IoBuffer &buf, uint64_t offset) override { return regular()->write(buf, offset); }
	Result<void> do_truncate(uint64_t length) override { return regular()->truncate(length); }
	Result<uint64_t> do_seek_data(uint64_t offset, bool hole) override { return regular()->seek_data(offset, hole); }
	Result<long> do_ioctl(uint32_t request, uint64_t argument) override;
};

class DirectoryFile final : public InodeFile {
public:
	DirectoryFile(uint32_t flags, DirectoryInode *node) : InodeFile(FileKind::directory, flags, node) {}

protected:
	// The position is a getdents cookie: 0 ".", 1 "..", then the entries' cookies (see DirEntry).
	Result<size_t> do_getdents(const IoBuffer &buf) override;
};

class DeviceFile final : public InodeFile {
public:
	DeviceFile(uint32_t flags, DeviceInode *node) : InodeFile(FileKind::char_device, flags, node) {}

protected:
	Device device() const { return static_cast<DeviceInode *>(node_)->device(); }
	// The console is a tty: no positions (ESPIPE), as on Linux; /dev/null and /dev/zero accept any offset.
	bool seekable() const override { return device() != Device::console; }
	Result<size_t> do_read(const IoBuffer &buf, bool) override { return do_pread(buf, 0); }
	Result<size_t> do_write(const IoBuffer &buf, bool) override { return do_pwrite(buf, 0); }
	Result<size_t> do_pread(const IoBuffer &buf, uint64_t offset) override;
	Result<size_t> do_pwrite(const IoBuffer &buf, uint64_t offset) override;
	Result<uint64_t> do_seek_data(uint64_t, bool) override { return Error(ENXIO); }
};

// O_PATH: a handle on a node for *at() dirfds, fstat, fchdir, linkat(AT_EMPTY_PATH); every I/O call refuses it.
class PathFile final : public InodeFile {
public:
	PathFile(FileKind kind, uint32_t flags, Inode *node) : InodeFile(kind, flags, node) {}
};

} // namespace kernel
