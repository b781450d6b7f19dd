#include "FileSystem/vfs_files.hpp"

#include "Library/string.hpp"
#include "Platform/platform.hpp"

namespace kernel {

namespace {

constexpr uint32_t FIONREAD_ = 0x541B;

FileKind kind_of(const Inode *node)
{
	switch (node->type()) {
	case InodeType::regular:
		return FileKind::regular;
	case InodeType::directory:
		return FileKind::directory;
	case InodeType::symlink:
		return FileKind::symlink;
	case InodeType::char_device:
		return FileKind::char_device;
	}
	return FileKind::other;
}

template <typename T, typename... Args>
Result<File *> make_file(Args... args)
{
	T *f = create<T>(args...);
	if (!f)
		return Error(ENOMEM);
	return static_cast<File *>(f);
}

} // namespace

Result<File *> open_inode(Inode *node, uint32_t flags)
{
	if (flags & O_PATH_)
		return make_file<PathFile>(kind_of(node), flags, node);
	switch (node->type()) {
	case InodeType::regular:
		return make_file<RegularFile>(flags, static_cast<RegularInode *>(node));
	case InodeType::directory:
		return make_file<DirectoryFile>(flags, static_cast<DirectoryInode *>(node));
	case InodeType::char_device:
		return make_file<DeviceFile>(flags, static_cast<DeviceInode *>(node));
	case InodeType::symlink:
		break;
	}
	return Error(ELOOP); // a symlink opened without O_PATH (the walk refuses it before this)
}

// FIONREAD on a regular file: the bytes between the position and the end (Linux's ioctl_fionread for files).
Result<long> RegularFile::do_ioctl(uint32_t request, uint64_t argument)
{
	if (request != FIONREAD_)
		return Error(ENOTTY);
	uint64_t size = node_->size();
	int value = position_ < size ? int(size - position_ > 0x7fffffff ? 0x7fffffff : size - position_) : 0;
	if (copy_to_user(argument, &value, sizeof value) < 0)
		return Error(EFAULT);
	return 0L;
}

Result<size_t> DirectoryFile::do_getdents(const IoBuffer &buf)
{
	DirectoryInode *dir = static_cast<DirectoryInode *>(node_);
	if (dir->dead())
		return Error(ENOENT); // Linux: a removed directory reads as gone
	size_t filled = 0;
	for (;;) {
		const char *name;
		size_t length;
		uint64_t ino;
		uint8_t type;
		uint64_t next;
		DirEntry *e = nullptr;
		if (position_ == 0) {
			name = ".", length = 1, ino = dir->ino(), type = DT_DIR_, next = 1;
		} else if (position_ == 1) {
			DirectoryInode *up = dir->parent() ? dir->parent() : dir;
			name = "..", length = 2, ino = up->ino(), type = DT_DIR_, next = 2;
		} else {
			e = dir->at_or_after(position_);
			if (!e)
				break;
			name = e->name, length = e->length, ino = e->inode->ino(), next = e->cookie + 1;
			switch (e->inode->type()) {
			case InodeType::regular:
				type = DT_REG_;
				break;
			case InodeType::directory:
				type = DT_DIR_;
				break;
			case InodeType::symlink:
				type = DT_LNK_;
				break;
			default:
				type = DT_CHR_;
				break;
			}
		}
		size_t record = (offsetof(Dirent64, d_name) + length + 1 + 7) & ~size_t(7);
		if (filled + record > buf.length()) {
			if (filled == 0)
				return Error(EINVAL); // the buffer cannot hold even one record
			break;
		}
		// The record: header, name, NUL, zero padding.
		uint8_t rec[offsetof(Dirent64, d_name) + NAME_MAX_ + 1 + 8] = {};
		Dirent64 *d = reinterpret_cast<Dirent64 *>(rec);
		d->d_ino = ino;
		d->d_off = int64_t(next);
		d->d_reclen = uint16_t(record);
		d->d_type = type;
		memcpy(rec + offsetof(Dirent64, d_name), name, length);
		if (buf.copy_in(filled, rec, record) < 0)
			return filled ? Result<size_t>(filled) : Result<size_t>(Error(EFAULT));
		filled += record;
		position_ = next;
	}
	return filled;
}

Result<size_t> DeviceFile::do_pread(const IoBuffer &buf, uint64_t)
{
	switch (device()) {
	case Device::null:
	case Device::console: // fd 0 of a test reads end-of-file
		return size_t(0);
	case Device::zero:
		if (buf.zero(0, buf.length()) < 0)
			return Error(EFAULT);
		return buf.length();
	}
	return size_t(0);
}

Result<size_t> DeviceFile::do_pwrite(const IoBuffer &buf, uint64_t)
{
	if (device() != Device::console)
		return buf.length(); // /dev/null and /dev/zero swallow everything
	// Through a bounce buffer: console_write takes kernel memory.
	char chunk[256];
	size_t done = 0;
	while (done < buf.length()) {
		size_t n = buf.length() - done;
		if (n > sizeof chunk)
			n = sizeof chunk;
		if (buf.copy_out(done, chunk, n) < 0)
			return done ? Result<size_t>(done) : Result<size_t>(Error(EFAULT));
		console_write(chunk, n);
		done += n;
	}
	return done;
}

} // namespace kernel
