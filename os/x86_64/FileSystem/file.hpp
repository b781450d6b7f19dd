// The open file description (Linux's struct file) and what every kind of file offers the system calls and the
// native ring's opcodes: read/write at the file position or at an offset, lseek, statx, ftruncate, fsync,
// readiness (poll bits now, plus waiters called when readiness may have changed), an mmap hook, the status flags
// F_GETFL/F_SETFL see, and a kind. Files are reference counted: every fd, every in-flight ring request and every
// O_PATH lookup holds one; the last unref destroys the file (a pipe end's destructor is "the writer closed").
//
// The public entry points are non-virtual: they apply Linux's rules that do not depend on the file kind (O_PATH
// files refuse I/O with EBADF, the access mode gates reads and writes, offsets must be non-negative, ...) and
// then call the protected do_* hooks a kind overrides. Errors are positive errnos in Result (Library/result.hpp),
// flattened to -errno once at the system-call/SQE boundary.
//
// Data moves through IoBuffer: user memory of the current process (copies may fault: a transfer that faults
// after moving some bytes returns that count, one that moves none fails with EFAULT, as Linux) or kernel memory.
// Callers build readv/writev/preadv2 on top by calling per iovec.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "FileSystem/linux_abi.hpp"
#include "Library/errno.hpp"
#include "Library/list.hpp"
#include "Library/result.hpp"
#include "Platform/platform.hpp"

namespace kernel {

class Inode;
class File;

// ---- data buffers -------------------------------------------------------------------------------------------

class IoBuffer {
public:
	static IoBuffer user(uint64_t address, size_t length) { return IoBuffer(address, length, true); }
	static IoBuffer kernel(void *address, size_t length) { return IoBuffer(uint64_t(address), length, false); }
	static IoBuffer kernel(const void *address, size_t length) { return IoBuffer(uint64_t(address), length, false); }

	size_t length() const { return length_; }
	bool is_user() const { return user_; }
	// How many of the max bytes from offset lie on one page of user memory (all of them for kernel memory):
	// copying in such pieces makes a fault stop a transfer exactly at the faulting page, as Linux's.
	size_t contiguous(size_t offset, size_t max) const
	{
		if (!user_)
			return max;
		size_t to_page_end = 4096 - size_t((address_ + offset) & 4095);
		return max < to_page_end ? max : to_page_end;
	}
	// Copies [offset, offset + size) of this buffer to dst / from src / fills it with zeros. 0 or -EFAULT.
	// offset + size must lie within length().
	int copy_out(size_t offset, void *dst, size_t size) const;
	int copy_in(size_t offset, const void *src, size_t size) const;
	int zero(size_t offset, size_t size) const;

private:
	IoBuffer(uint64_t address, size_t length, bool user) : address_(address), length_(length), user_(user) {}
	uint64_t address_;
	size_t length_;
	bool user_;
};

// ---- readiness ----------------------------------------------------------------------------------------------

// A registration for "this file's readiness may have changed". The file calls wake(waiter, events) with its
// current poll bits from inside the call that changed them (a pipe write wakes the reader's waiters before the
// write returns), as Linux's wait-queue callbacks run inside the waker. wake may unregister this waiter or any
// other, and register new ones (those are not called in the same round); it must not destroy the file.
struct ReadinessWaiter {
	void (*wake)(ReadinessWaiter *waiter, uint32_t events) = nullptr;
	void *context = nullptr; // the owner's data
	// Private to File:
	ListNode node;
	File *file = nullptr;    // the file it is registered on, nullptr when not registered
	uint64_t round = 0;      // the last notification round that called it
};

// Flags of File::read/write/pwrite: rw_nowait (never block), rw_append (RWF_APPEND: write at the end of file
// whatever the position or offset, as O_APPEND does for every write).
inline constexpr uint32_t rw_nowait = 1, rw_append = 2;

// ---- the kind of a file -------------------------------------------------------------------------------------

enum class FileKind : uint8_t {
	regular,     // a ramfs regular file
	directory,   // a ramfs directory (getdents, a dirfd)
	symlink,     // only through O_PATH|O_NOFOLLOW
	char_device, // /dev/null, /dev/zero, /dev/console
	pipe,
	eventfd,
	io_uring,    // Shim/: a Linux io_uring fd
	native_ring, // Ring/: a native ring, if it ever gets an fd
	other,
};

// ---- the file description -----------------------------------------------------------------------------------

class File {
public:
	File(const File &) = delete;
	File &operator=(const File &) = delete;
	// Files live on the kernel heap (create<T>); unref() deletes through the virtual destructor, and this
	// class-specific delete returns the memory (the kernel has no global operator delete).
	static void operator delete(void *memory) { deallocate(memory); }

	void ref() { ++refs_; }
	// Drops a reference; the last one destroys the file (virtual destructor, then the heap).
	void unref();
	uint32_t ref_count() const { return refs_; }
	// Open file descriptions alive now (leak checks in tests; a diagnostic in the kernel).
	static uint64_t live_count();

	FileKind kind() const { return kind_; }
	// The open(2) flags that F_GETFL reports: access mode, O_APPEND, O_NONBLOCK, O_DIRECT, O_PATH, ... (never
	// O_CREAT/O_EXCL/O_TRUNC/O_NOCTTY/O_CLOEXEC, which are not kept, as on Linux).
	uint32_t status_flags() const { return flags_; }
	// F_SETFL: replaces only the SETFL_MASK bits (O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME).
	void set_status_flags(uint32_t flags);
	bool nonblocking() const { return flags_ & O_NONBLOCK_; }
	bool readable() const { return !(flags_ & O_PATH_) && (flags_ & O_ACCMODE_) != O_WRONLY_; }
	bool writable() const { return !(flags_ & O_PATH_) && ((flags_ & O_ACCMODE_) == O_WRONLY_ || (flags_ & O_ACCMODE_) == O_RDWR_); }
	bool is_path() const { return flags_ & O_PATH_; }

	// The VFS node behind the file (regular files, directories, O_PATH files, device nodes); nullptr for
	// pipes, eventfds and rings. dirfds resolve through it.
	virtual Inode *inode() const { return nullptr; }

	// read(2)/write(2): at the file position, which advances by the count moved. write on an O_APPEND file
	// first moves the position to the end. A count of 0 from read is end-of-file.
	// Errors: EBADF (O_PATH, or not open for reading/writing), EISDIR (directory), EAGAIN (O_NONBLOCK and
	// nothing to move), EPIPE (a pipe without readers), EFAULT, EINVAL (not readable/writable kind).
	// rw_nowait: never block, answer EAGAIN instead, whatever O_NONBLOCK says (io_uring's IOCB_NOWAIT first
	// attempt; the ring then waits for readiness with a ReadinessWaiter). Without it a file that is not
	// O_NONBLOCK blocks in Platform's wait_for_event until it can proceed (EINTR when the process is killed).
	Result<size_t> read(const IoBuffer &buf, uint32_t rw_flags = 0);
	Result<size_t> write(const IoBuffer &buf, uint32_t rw_flags = 0);
	// pread(2)/pwrite(2): at offset; the file position is neither used nor changed. ESPIPE on files without
	// positions (pipes, eventfd), EINVAL for a negative offset. pwrite on an O_APPEND file appends, as Linux.
	Result<size_t> pread(const IoBuffer &buf, int64_t offset);
	Result<size_t> pwrite(const IoBuffer &buf, int64_t offset, uint32_t rw_flags = 0);
	// lseek(2): the new position. EINVAL (bad whence, negative result), ESPIPE (pipes), ENXIO (SEEK_DATA/HOLE
	// past the end), EBADF (O_PATH).
	Result<uint64_t> lseek(int64_t offset, int whence);
	uint64_t position() const { return position_; }

	// statx(2) of the file: fills every field we know and sets stx_mask to them (Linux may return more than
	// asked for). Works on O_PATH files.
	Result<void> statx(Statx &out);
	// ftruncate(2): EINVAL when not open for writing or not a regular file, EBADF for O_PATH.
	Result<void> truncate(int64_t length);
	// fsync(2)/fdatasync(2): nothing to flush in a ramfs; EINVAL for pipes/eventfd (as Linux), EBADF for O_PATH.
	Result<void> fsync(bool datasync);
	// getdents64(2) into buf: bytes filled (0 at the end); ENOTDIR for non-directories, EINVAL when buf cannot
	// hold the next record.
	Result<size_t> getdents(const IoBuffer &buf);
	// ioctl(2); ENOTTY by default. FIONREAD on pipes.
	Result<long> ioctl(uint32_t request, uint64_t argument);

	// poll(2): the readiness bits now (POLLIN/POLLOUT/POLLHUP/POLLERR/POLLRDNORM/POLLWRNORM...). Regular
	// files and devices are always readable and writable. O_PATH files answer POLLNVAL.
	uint32_t poll();
	// Readiness waiters (see ReadinessWaiter). Registering an already registered waiter is a caller bug.
	void add_waiter(ReadinessWaiter *waiter);
	void remove_waiter(ReadinessWaiter *waiter);
	bool has_waiters() const { return !waiters_.empty(); }

	// mmap(2) of the file, for the io_uring fd's rings: maps into the current process and returns the user
	// address. ENODEV for files that cannot be mapped (the default), EACCES for O_PATH files.
	Result<uint64_t> mmap(uint64_t user_address, size_t length, uint32_t protections, uint32_t flags,
	                      uint64_t offset);

protected:
	File(FileKind kind, uint32_t status_flags);
	virtual ~File();

	// Calls every registered waiter with the current poll bits; kinds call it whenever readiness may have
	// changed (data arrived, space freed, the other end closed, the counter moved).
	void notify_readiness();

	// Whether the file has a position (lseek, pread/pwrite). Default: yes.
	virtual bool seekable() const { return true; }
	// The size lseek's SEEK_END uses.
	virtual uint64_t size() const { return 0; }

	// The kind's operations, called after the generic checks. Defaults: read/write go through
	// do_pread/do_pwrite at the position (seekable files) or fail with EINVAL; pread/pwrite fail with EINVAL.
	// nowait: O_NONBLOCK or rw_nowait.
	virtual Result<size_t> do_read(const IoBuffer &buf, bool nowait);
	virtual Result<size_t> do_write(const IoBuffer &buf, bool nowait);
	virtual Result<size_t> do_pread(const IoBuffer &buf, uint64_t offset);
	virtual Result<size_t> do_pwrite(const IoBuffer &buf, uint64_t offset);
	virtual Result<uint64_t> do_seek_data(uint64_t offset, bool hole);
	virtual Result<void> do_statx(Statx &out);
	virtual Result<void> do_truncate(uint64_t length);
	virtual Result<void> do_fsync(bool datasync);
	virtual Result<size_t> do_getdents(const IoBuffer &buf);
	virtual Result<long> do_ioctl(uint32_t request, uint64_t argument);
	virtual uint32_t do_poll() { return POLLIN_ | POLLOUT_ | POLLRDNORM_ | POLLWRNORM_; }
	virtual Result<uint64_t> do_mmap(uint64_t user_address, size_t length, uint32_t protections, uint32_t flags,
	                                 uint64_t offset);

	uint64_t position_ = 0;

private:
	FileKind kind_;
	uint32_t flags_;
	uint32_t refs_ = 1; // the creator's reference
	uint64_t round_ = 0;
	List<ReadinessWaiter, &ReadinessWaiter::node> waiters_;
};

// A counted reference to a File: copying refs, destruction unrefs. adopt() takes over a reference the caller
// already holds (a freshly created file's).
class FileRef {
public:
	FileRef() = default;
	static FileRef adopt(File *file)
	{
		FileRef r;
		r.file_ = file;
		return r;
	}
	static FileRef retain(File *file)
	{
		if (file)
			file->ref();
		return adopt(file);
	}
	FileRef(const FileRef &other) : file_(other.file_)
	{
		if (file_)
			file_->ref();
	}
	FileRef(FileRef &&other) : file_(other.file_) { other.file_ = nullptr; }
	FileRef &operator=(FileRef other)
	{
		File *old = file_;
		file_ = other.file_;
		other.file_ = old;
		return *this;
	}
	~FileRef()
	{
		if (file_)
			file_->unref();
	}
	File *get() const { return file_; }
	File *operator->() const { return file_; }
	File &operator*() const { return *file_; }
	explicit operator bool() const { return file_ != nullptr; }
	// Gives the reference to the caller.
	File *leak()
	{
		File *f = file_;
		file_ = nullptr;
		return f;
	}

private:
	File *file_ = nullptr;
};

// Fills a struct stat (fstat/newfstatat) from a statx result, as Linux's cp_new_stat does.
void stat_from_statx(const Statx &in, Stat &out);

} // namespace kernel
