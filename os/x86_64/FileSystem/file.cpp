// The generic half of every file: Linux's checks that do not depend on the kind, the default position-based
// read/write, lseek arithmetic, and the readiness waiter rounds.
#include "FileSystem/file.hpp"

#include "Library/string.hpp"
#include "Platform/platform.hpp"

namespace kernel {

// ---- IoBuffer -----------------------------------------------------------------------------------------------

int IoBuffer::copy_out(size_t offset, void *dst, size_t size) const
{
	if (user_)
		return copy_from_user(dst, address_ + offset, size);
	memcpy(dst, reinterpret_cast<const uint8_t *>(address_) + offset, size);
	return 0;
}

int IoBuffer::copy_in(size_t offset, const void *src, size_t size) const
{
	if (user_)
		return copy_to_user(address_ + offset, src, size);
	memcpy(reinterpret_cast<uint8_t *>(address_) + offset, src, size);
	return 0;
}

int IoBuffer::zero(size_t offset, size_t size) const
{
	if (user_)
		return clear_user(address_ + offset, size);
	memset(reinterpret_cast<uint8_t *>(address_) + offset, 0, size);
	return 0;
}

// ---- lifetime and flags -------------------------------------------------------------------------------------

namespace {
constinit uint64_t live_files = 0;
}

uint64_t File::live_count() { return live_files; }

File::File(FileKind kind, uint32_t status_flags) : kind_(kind), flags_(status_flags) { ++live_files; }

File::~File()
{
	--live_files;
	// Waiters must be gone before the last reference (their owners hold a reference while registered); if one
	// is still linked the owner is about to touch freed memory, so unlink it rather than leave a dangling list.
	while (ReadinessWaiter *w = waiters_.pop_front())
		w->file = nullptr;
}

void File::unref()
{
	if (refs_ == 0)
		panic("File::unref: reference count already zero (kind %u)", unsigned(kind_));
	if (--refs_ == 0)
		delete this; // the kind's destructor, then File::operator delete
}

void File::set_status_flags(uint32_t flags)
{
	flags_ = (flags_ & ~SETFL_MASK_) | (flags & SETFL_MASK_);
}

// ---- I/O entry points ---------------------------------------------------------------------------------------

Result<size_t> File::read(const IoBuffer &buf, uint32_t rw_flags)
{
	if (!readable())
		return Error(EBADF);
	if (kind_ == FileKind::directory)
		return Error(EISDIR);
	return do_read(buf, nonblocking() || (rw_flags & rw_nowait));
}

Result<size_t> File::write(const IoBuffer &buf, uint32_t rw_flags)
{
	if (!writable())
		return Error(EBADF);
	if ((rw_flags & rw_append) && seekable())
		position_ = size();
	return do_write(buf, nonblocking() || (rw_flags & rw_nowait));
}

Result<size_t> File::pread(const IoBuffer &buf, int64_t offset)
{
	if (!readable())
		return Error(EBADF);
	if (kind_ == FileKind::directory)
		return Error(EISDIR);
	if (!seekable())
		return Error(ESPIPE);
	if (offset < 0)
		return Error(EINVAL);
	return do_pread(buf, uint64_t(offset));
}

Result<size_t> File::pwrite(const IoBuffer &buf, int64_t offset, uint32_t rw_flags)
{
	if (!writable())
		return Error(EBADF);
	if (!seekable())
		return Error(ESPIPE);
	if (offset < 0)
		return Error(EINVAL);
	// Linux (and POSIX's documented bug): pwrite on an O_APPEND file appends whatever the offset says.
	if ((flags_ & O_APPEND_) || (rw_flags & rw_append))
		offset = int64_t(size());
	return do_pwrite(buf, uint64_t(offset));
}

Result<size_t> File::do_read(const IoBuffer &buf, bool)
{
	if (!seekable())
		return Error(EINVAL);
	auto r = do_pread(buf, position_);
	if (r.ok())
		position_ += r.value();
	return r;
}

Result<size_t> File::do_write(const IoBuffer &buf, bool)
{
	if (!seekable())
		return Error(EINVAL);
	if (flags_ & O_APPEND_)
		position_ = size();
	auto r = do_pwrite(buf, position_);
	if (r.ok())
		position_ += r.value();
	return r;
}

Result<size_t> File::do_pread(const IoBuffer &, uint64_t) { return Error(EINVAL); }
Result<size_t> File::do_pwrite(const IoBuffer &, uint64_t) { return Error(EINVAL); }

Result<uint64_t> File::lseek(int64_t offset, int whence)
{
	if (is_path())
		return Error(EBADF);
	if (!seekable())
		return Error(ESPIPE);
	int64_t base;
	switch (whence) {
	case SEEK_SET_:
		base = 0;
		break;
	case SEEK_CUR_:
		base = int64_t(position_);
		break;
	case SEEK_END_:
		base = int64_t(size());
		break;
	case SEEK_DATA_:
	case SEEK_HOLE_: {
		if (offset < 0)
			return Error(ENXIO);
		uint64_t at = TRY(do_seek_data(uint64_t(offset), whence == SEEK_HOLE_));
		position_ = at;
		return at;
	}
	default:
		return Error(EINVAL);
	}
	int64_t target;
	if (__builtin_add_overflow(base, offset, &target))
		return Error(EINVAL); // Linux: the wrapped sum is negative, so EINVAL

	if (target < 0)
		return Error(EINVAL);
	position_ = uint64_t(target);
	return position_;
}

// Without hole tracking the whole file is data: data at offset, the one hole at the end.
Result<uint64_t> File::do_seek_data(uint64_t offset, bool hole)
{
	uint64_t end = size();
	if (offset >= end)
		return Error(ENXIO);
	return hole ? end : offset;
}

// ---- metadata and control -----------------------------------------------------------------------------------

Result<void> File::statx(Statx &out)
{
	memset(&out, 0, sizeof out);
	return do_statx(out);
}

// Anonymous files (pipes, eventfds, rings) describe themselves as Linux's anon inodes roughly do.
Result<void> File::do_statx(Statx &out)
{
	out.stx_mask = STATX_BASIC_STATS_;
	out.stx_blksize = 4096;
	out.stx_nlink = 1;
	out.stx_mode = uint16_t(0600);
	out.stx_ino = uint64_t(reinterpret_cast<uintptr_t>(this)) >> 4;
	return {};
}

Result<void> File::truncate(int64_t length)
{
	if (is_path())
		return Error(EBADF);
	if (length < 0)
		return Error(EINVAL);
	// Linux: a directory, a device or a read-only fd all give EINVAL here (truncate(2) by path says EISDIR).
	if (!writable() || kind_ != FileKind::regular)
		return Error(EINVAL);
	return do_truncate(uint64_t(length));
}

Result<void> File::do_truncate(uint64_t) { return Error(EINVAL); }

Result<void> File::fsync(bool datasync)
{
	if (is_path())
		return Error(EBADF);
	return do_fsync(datasync);
}

Result<void> File::do_fsync(bool)
{
	// Linux: files without an fsync method (pipes, eventfds, anon inodes) answer EINVAL.
	if (kind_ == FileKind::pipe || kind_ == FileKind::eventfd || kind_ == FileKind::io_uring ||
	    kind_ == FileKind::native_ring)
		return Error(EINVAL);
	return {};
}

Result<size_t> File::getdents(const IoBuffer &buf)
{
	if (is_path())
		return Error(EBADF);
	if (kind_ != FileKind::directory)
		return Error(ENOTDIR);
	return do_getdents(buf);
}

Result<size_t> File::do_getdents(const IoBuffer &) { return Error(ENOTDIR); }

Result<long> File::ioctl(uint32_t request, uint64_t argument)
{
	if (is_path())
		return Error(EBADF);
	return do_ioctl(request, argument);
}

Result<long> File::do_ioctl(uint32_t, uint64_t) { return Error(ENOTTY); }

Result<uint64_t> File::mmap(uint64_t user_address, size_t length, uint32_t protections, uint32_t flags,
                            uint64_t offset)
{
	if (is_path())
		return Error(EBADF);
	return do_mmap(user_address, length, protections, flags, offset);
}

Result<uint64_t> File::do_mmap(uint64_t, size_t, uint32_t, uint32_t, uint64_t) { return Error(ENODEV); }

// ---- readiness ----------------------------------------------------------------------------------------------

uint32_t File::poll()
{
	if (is_path())
		return POLLNVAL_;
	return do_poll();
}

void File::add_waiter(ReadinessWaiter *waiter)
{
	if (waiter->file)
		panic("File::add_waiter: waiter already registered");
	waiter->file = this;
	waiter->round = round_; // not called in a round already running
	waiters_.push_back(waiter);
}

void File::remove_waiter(ReadinessWaiter *waiter)
{
	if (waiter->file != this)
		return; // not registered here (already removed, or woken during this file's destruction)
	waiters_.remove(waiter);
	waiter->file = nullptr;
}

void File::notify_readiness()
{
	if (waiters_.empty())
		return;
	// One round: each waiter registered when the round starts is called once. Callbacks may remove any
	// waiter and add new ones, so after every call the scan restarts from the front and skips the waiters
	// this round already called (quadratic in the waiters of one file, which are few). The file is kept
	// alive across the round in case a callback drops the last other reference.
	uint64_t round = ++round_;
	ref();
	for (;;) {
		ReadinessWaiter *next = nullptr;
		for (ReadinessWaiter *w : waiters_) {
			if (w->round < round) {
				next = w;
				break;
			}
		}
		if (!next)
			break;
		next->round = round;
		next->wake(next, poll());
	}
	unref();
}

// ---- stat ---------------------------------------------------------------------------------------------------

void stat_from_statx(const Statx &in, Stat &out)
{
	memset(&out, 0, sizeof out);
	out.st_dev = (uint64_t(in.stx_dev_major) << 8) | in.stx_dev_minor;
	out.st_ino = in.stx_ino;
	out.st_nlink = in.stx_nlink;
	out.st_mode = in.stx_mode;
	out.st_uid = in.stx_uid;
	out.st_gid = in.stx_gid;
	out.st_rdev = (uint64_t(in.stx_rdev_major) << 8) | in.stx_rdev_minor;
	out.st_size = int64_t(in.stx_size);
	out.st_blksize = in.stx_blksize;
	out.st_blocks = int64_t(in.stx_blocks);
	out.st_atime_sec = in.stx_atime.tv_sec;
	out.st_atime_nsec = in.stx_atime.tv_nsec;
	out.st_mtime_sec = in.stx_mtime.tv_sec;
	out.st_mtime_nsec = in.stx_mtime.tv_nsec;
	out.st_ctime_sec = in.stx_ctime.tv_sec;
	out.st_ctime_nsec = in.stx_ctime.tv_nsec;
}

} // namespace kernel
