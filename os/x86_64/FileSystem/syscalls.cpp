// User-pointer wrappers: copy paths and structures across the user boundary (EFAULT), look fds up (EBADF),
// and call the VFS and File operations.
#include "FileSystem/syscalls.hpp"

#include "FileSystem/eventfd.hpp"
#include "FileSystem/fd_table.hpp"
#include "FileSystem/pipe.hpp"
#include "FileSystem/vfs.hpp"
#include "Library/string.hpp"
#include "Platform/platform.hpp"

namespace kernel {

namespace {

constexpr uint64_t MAX_RW_COUNT = 0x7ffff000; // Linux clamps one transfer to INT_MAX rounded down to a page
constexpr uint64_t IOV_MAX_ = 1024;
constexpr uint64_t RWF_HIPRI = 1, RWF_DSYNC = 2, RWF_SYNC = 4, RWF_NOWAIT = 8, RWF_APPEND = 0x10,
                   RWF_NOAPPEND = 0x20, RWF_ATOMIC = 0x40, RWF_DONTCACHE = 0x80;
constexpr uint64_t RWF_SUPPORTED = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND |
                                   RWF_ATOMIC | RWF_DONTCACHE;
constexpr uint32_t FIONCLEX_ = 0x5450, FIOCLEX_ = 0x5451, FIONBIO_ = 0x5421;

template <typename T>
long ret(const Result<T> &r)
{
	if (!r.ok())
		return -long(r.error());
	return long(r.value());
}
long ret(const Result<void> &r) { return r.ok() ? 0 : -long(r.error()); }

// A PATH_MAX buffer on the heap (two of them on a kernel stack would be 8 KiB) holding a user path.
class UserPath {
public:
	UserPath() : buf_(static_cast<char *>(allocate(PATH_MAX_))) {}
	~UserPath() { deallocate(buf_); }
	UserPath(const UserPath &) = delete;
	UserPath &operator=(const UserPath &) = delete;
	// 0, -ENOMEM, -EFAULT or -ENAMETOOLONG.
	long load(uint64_t user)
	{
		if (!buf_)
			return -ENOMEM;
		auto r = copy_path_from_user(buf_, user);
		return r.ok() ? 0 : -long(r.error());
	}
	const char *get() const { return buf_; }

private:
	char *buf_;
};

#define LOAD_PATH(var, user)                                                                                   \
	UserPath var;                                                                                                \
	do {                                                                                                         \
		long load_error_ = var.load(user);                                                                        \
		if (load_error_)                                                                                          \
			return load_error_;                                                                                   \
	} while (0)

FdTable *table() { return current_fd_table(); }

File *file_of(uint64_t fd)
{
	FdTable *t = table();
	return (t && fd < uint64_t(FdTable::limit)) ? t->peek(int(fd)) : nullptr;
}

#define GET_FILE(var, fd)                                                                                      \
	File *var = file_of(fd);                                                                                     \
	if (!var)                                                                                                    \
	return -EBADF

struct UserIovec {
	uint64_t base;
	uint64_t length;
};

// readv/writev/preadv2/pwritev2: one transfer per iovec; after the first has moved bytes the rest do not block,
// and a short transfer ends the call (what Linux's loop over an iov_iter amounts to for these files).
long transfer_vector(File *f, uint64_t iov, uint64_t count, int64_t offset, bool writing, uint32_t rw)
{
	if (count > IOV_MAX_)
		return -EINVAL;
	long total = 0;
	UserIovec v[16];
	for (uint64_t i = 0; i < count; ++i) {
		if (i % 16 == 0) {
			uint64_t n = count - i < 16 ? count - i : 16;
			if (copy_from_user(v, iov + i * sizeof(UserIovec), n * sizeof(UserIovec)) < 0)
				return total ? total : -EFAULT;
			for (uint64_t k = 0; k < n; ++k)
				if (int64_t(v[k].length) < 0)
					return total ? total : -EINVAL;
		}
		const UserIovec &e = v[i % 16];
		uint64_t length = e.length;
		if (length > MAX_RW_COUNT - uint64_t(total))
			length = MAX_RW_COUNT - uint64_t(total);
		if (length == 0 && i + 1 < count)
			continue;
		IoBuffer buf = IoBuffer::user(e.base, size_t(length));
		Result<size_t> r = offset < 0 ? (writing ? f->write(buf, rw) : f->read(buf, rw))
		                              : (writing ? f->pwrite(buf, offset + total, rw) : f->pread(buf, offset + total));
		if (!r.ok())
			return total ? total : -long(r.error());
		total += long(r.value());
		if (r.value() < length || uint64_t(total) >= MAX_RW_COUNT)
			break;
		rw = (rw | rw_nowait) & ~rw_append; // the first piece moved the position to the end already
	}
	return total;
}

long rwf_to_rw(uint64_t flags, uint32_t &rw)
{
	if (flags & ~RWF_SUPPORTED)
		return -EOPNOTSUPP;
	rw = ((flags & RWF_NOWAIT) ? rw_nowait : 0) | ((flags & RWF_APPEND) ? rw_append : 0);
	return 0;
}

} // namespace

// ---- open and close -----------------------------------------------------------------------------------------

long fs_openat(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mode)
{
	LOAD_PATH(p, path);
	return ret(vfs_openat(int(dirfd), p.get(), uint32_t(flags), uint32_t(mode)));
}

long fs_close(uint64_t fd)
{
	FdTable *t = table();
	if (!t || fd >= uint64_t(FdTable::limit))
		return -EBADF;
	return ret(t->close(int(fd)));
}

long fs_close_range(uint64_t first, uint64_t last, uint64_t flags)
{
	FdTable *t = table();
	if (!t)
		return -EBADF;
	if (first > 0xffffffffu || last > 0xffffffffu)
		return -EINVAL;
	return ret(t->close_range(uint32_t(first), uint32_t(last), uint32_t(flags)));
}

// ---- data ---------------------------------------------------------------------------------------------------

long fs_read(uint64_t fd, uint64_t buf, uint64_t count)
{
	GET_FILE(f, fd);
	return ret(f->read(IoBuffer::user(buf, size_t(count > MAX_RW_COUNT ? MAX_RW_COUNT : count))));
}

long fs_write(uint64_t fd, uint64_t buf, uint64_t count)
{
	GET_FILE(f, fd);
	return ret(f->write(IoBuffer::user(buf, size_t(count > MAX_RW_COUNT ? MAX_RW_COUNT : count))));
}

long fs_pread64(uint64_t fd, uint64_t buf, uint64_t count, uint64_t offset)
{
	GET_FILE(f, fd);
	return ret(f->pread(IoBuffer::user(buf, size_t(count > MAX_RW_COUNT ? MAX_RW_COUNT : count)), int64_t(offset)));
}

long fs_pwrite64(uint64_t fd, uint64_t buf, uint64_t count, uint64_t offset)
{
	GET_FILE(f, fd);
	return ret(f->pwrite(IoBuffer::user(buf, size_t(count > MAX_RW_COUNT ? MAX_RW_COUNT : count)), int64_t(offset)));
}

long fs_readv(uint64_t fd, uint64_t iov, uint64_t iovcnt)
{
	GET_FILE(f, fd);
	return transfer_vector(f, iov, iovcnt, -1, false, 0);
}

long fs_writev(uint64_t fd, uint64_t iov, uint64_t iovcnt)
{
	GET_FILE(f, fd);
	return transfer_vector(f, iov, iovcnt, -1, true, 0);
}

long fs_preadv2(uint64_t fd, uint64_t iov, uint64_t iovcnt, int64_t offset, uint64_t flags)
{
	GET_FILE(f, fd);
	uint32_t rw;
	if (long e = rwf_to_rw(flags, rw))
		return e;
	if (offset < -1)
		return -EINVAL;
	return transfer_vector(f, iov, iovcnt, offset, false, rw);
}

long fs_pwritev2(uint64_t fd, uint64_t iov, uint64_t iovcnt, int64_t offset, uint64_t flags)
{
	GET_FILE(f, fd);
	uint32_t rw;
	if (long e = rwf_to_rw(flags, rw))
		return e;
	if (offset < -1)
		return -EINVAL;
	return transfer_vector(f, iov, iovcnt, offset, true, rw);
}

long fs_lseek(uint64_t fd, uint64_t offset, uint64_t whence)
{
	GET_FILE(f, fd);
	if (whence > 0xffffffffu)
		return -EINVAL;
	auto r = f->lseek(int64_t(offset), int(whence));
	if (!r.ok())
		return -long(r.error());
	return long(r.value());
}

long fs_ftruncate(uint64_t fd, uint64_t length)
{
	GET_FILE(f, fd);
	return ret(f->truncate(int64_t(length)));
}

long fs_truncate(uint64_t path, uint64_t length)
{
	LOAD_PATH(p, path);
	return ret(vfs_truncate(p.get(), int64_t(length)));
}

long fs_fsync(uint64_t fd)
{
	GET_FILE(f, fd);
	return ret(f->fsync(false));
}

long fs_fdatasync(uint64_t fd)
{
	GET_FILE(f, fd);
	return ret(f->fsync(true));
}

long fs_getdents64(uint64_t fd, uint64_t dirp, uint64_t count)
{
	GET_FILE(f, fd);
	return ret(f->getdents(IoBuffer::user(dirp, size_t(count > MAX_RW_COUNT ? MAX_RW_COUNT : count))));
}

// ---- metadata -----------------------------------------------------------------------------------------------

long fs_fstat(uint64_t fd, uint64_t statbuf)
{
	GET_FILE(f, fd);
	Statx sx;
	auto r = f->statx(sx);
	if (!r.ok())
		return -long(r.error());
	Stat st;
	stat_from_statx(sx, st);
	return copy_to_user(statbuf, &st, sizeof st) < 0 ? -EFAULT : 0;
}

long fs_newfstatat(uint64_t dirfd, uint64_t path, uint64_t statbuf, uint64_t flags)
{
	if (flags & ~uint64_t(AT_SYMLINK_NOFOLLOW_ | AT_NO_AUTOMOUNT_ | AT_EMPTY_PATH_))
		return -EINVAL;
	LOAD_PATH(p, path);
	Statx sx;
	auto r = vfs_statx(int(dirfd), p.get(), uint32_t(flags), STATX_BASIC_STATS_, sx);
	if (!r.ok())
		return -long(r.error());
	Stat st;
	stat_from_statx(sx, st);
	return copy_to_user(statbuf, &st, sizeof st) < 0 ? -EFAULT : 0;
}

long fs_statx(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mask, uint64_t statxbuf)
{
	LOAD_PATH(p, path);
	Statx sx;
	auto r = vfs_statx(int(dirfd), p.get(), uint32_t(flags), uint32_t(mask), sx);
	if (!r.ok())
		return -long(r.error());
	return copy_to_user(statxbuf, &sx, sizeof sx) < 0 ? -EFAULT : 0;
}

long fs_faccessat(uint64_t dirfd, uint64_t path, uint64_t mode, uint64_t flags)
{
	LOAD_PATH(p, path);
	return ret(vfs_faccessat(int(dirfd), p.get(), uint32_t(mode), uint32_t(flags)));
}

// ---- names --------------------------------------------------------------------------------------------------

long fs_mkdirat(uint64_t dirfd, uint64_t path, uint64_t mode)
{
	LOAD_PATH(p, path);
	return ret(vfs_mkdirat(int(dirfd), p.get(), uint32_t(mode)));
}

long fs_unlinkat(uint64_t dirfd, uint64_t path, uint64_t flags)
{
	LOAD_PATH(p, path);
	return ret(vfs_unlinkat(int(dirfd), p.get(), uint32_t(flags)));
}

long fs_renameat2(uint64_t olddirfd, uint64_t oldpath, uint64_t newdirfd, uint64_t newpath, uint64_t flags)
{
	LOAD_PATH(a, oldpath);
	LOAD_PATH(b, newpath);
	return ret(vfs_renameat2(int(olddirfd), a.get(), int(newdirfd), b.get(), uint32_t(flags)));
}

long fs_linkat(uint64_t olddirfd, uint64_t oldpath, uint64_t newdirfd, uint64_t newpath, uint64_t flags)
{
	LOAD_PATH(a, oldpath);
	LOAD_PATH(b, newpath);
	return ret(vfs_linkat(int(olddirfd), a.get(), int(newdirfd), b.get(), uint32_t(flags)));
}

long fs_symlinkat(uint64_t target, uint64_t newdirfd, uint64_t linkpath)
{
	LOAD_PATH(a, target);
	LOAD_PATH(b, linkpath);
	return ret(vfs_symlinkat(a.get(), int(newdirfd), b.get()));
}

long fs_readlinkat(uint64_t dirfd, uint64_t path, uint64_t buf, uint64_t size)
{
	if (int64_t(int32_t(size)) <= 0 || size > 0x7fffffff)
		return -EINVAL;
	LOAD_PATH(p, path);
	UserPath out; // the target is shorter than PATH_MAX
	if (!out.get())
		return -ENOMEM;
	size_t n = size < PATH_MAX_ ? size_t(size) : PATH_MAX_;
	auto r = vfs_readlinkat(int(dirfd), p.get(), const_cast<char *>(out.get()), n);
	if (!r.ok())
		return -long(r.error());
	return copy_to_user(buf, out.get(), r.value()) < 0 ? -EFAULT : long(r.value());
}

// ---- fds ----------------------------------------------------------------------------------------------------

long fs_dup(uint64_t fd)
{
	FdTable *t = table();
	if (!t || fd >= uint64_t(FdTable::limit))
		return -EBADF;
	return ret(t->dup(int(fd)));
}

long fs_dup2(uint64_t oldfd, uint64_t newfd)
{
	FdTable *t = table();
	if (!t || oldfd >= uint64_t(FdTable::limit))
		return -EBADF;
	if (newfd >= uint64_t(FdTable::soft_limit()))
		return -EBADF;
	return ret(t->dup2(int(oldfd), int(newfd)));
}

long fs_dup3(uint64_t oldfd, uint64_t newfd, uint64_t flags)
{
	FdTable *t = table();
	if (!t)
		return -EBADF;
	if (flags & ~uint64_t(O_CLOEXEC_))
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	if (oldfd >= uint64_t(FdTable::limit) || newfd >= uint64_t(FdTable::soft_limit()))
		return -EBADF;
	return ret(t->dup3(int(oldfd), int(newfd), uint32_t(flags)));
}

long fs_fcntl(uint64_t fd, uint64_t cmd, uint64_t arg)
{
	FdTable *t = table();
	GET_FILE(f, fd);
	switch (int(cmd)) {
	case F_DUPFD_:
	case F_DUPFD_CLOEXEC_:
		if (arg >= uint64_t(FdTable::soft_limit()))
			return -EINVAL;
		return ret(t->dup_from(int(fd), int(arg), int(cmd) == F_DUPFD_CLOEXEC_));
	case F_GETFD_:
		return ret(t->fd_flags(int(fd)));
	case F_SETFD_:
		return ret(t->set_fd_flags(int(fd), int(arg)));
	case F_GETFL_:
		return long(f->status_flags());
	case F_SETFL_:
		if (f->is_path())
			return -EBADF;
		f->set_status_flags(uint32_t(arg));
		return 0;
	case F_GETPIPE_SZ_:
		return ret(pipe_get_size(f));
	case F_SETPIPE_SZ_:
		return ret(pipe_set_size(f, arg));
	default:
		return -EINVAL;
	}
}

long fs_ioctl(uint64_t fd, uint64_t request, uint64_t arg)
{
	FdTable *t = table();
	GET_FILE(f, fd);
	switch (uint32_t(request)) {
	case FIOCLEX_:
		return ret(t->set_fd_flags(int(fd), FD_CLOEXEC_));
	case FIONCLEX_:
		return ret(t->set_fd_flags(int(fd), 0));
	case FIONBIO_: {
		if (f->is_path())
			return -EBADF;
		int on;
		if (copy_from_user(&on, arg, sizeof on) < 0)
			return -EFAULT;
		uint32_t flags = f->status_flags();
		f->set_status_flags(on ? flags | O_NONBLOCK_ : flags & ~O_NONBLOCK_);
		return 0;
	}
	default:
		return ret(f->ioctl(uint32_t(request), arg));
	}
}

long fs_pipe2(uint64_t fds, uint64_t flags)
{
	FdTable *t = table();
	if (!t)
		return -EBADF;
	if (flags > 0xffffffffu)
		return -EINVAL;
	File *r, *w;
	auto made = pipe_create(uint32_t(flags), &r, &w);
	if (!made.ok())
		return -long(made.error());
	FileRef rr = FileRef::adopt(r), wr = FileRef::adopt(w);
	bool cloexec = flags & O_CLOEXEC_;
	auto a = t->install(r, cloexec);
	if (!a.ok())
		return -long(a.error());
	auto b = t->install(w, cloexec);
	if (!b.ok()) {
		(void)t->close(a.value());
		return -long(b.error());
	}
	int pair[2] = {a.value(), b.value()};
	if (copy_to_user(fds, pair, sizeof pair) < 0) {
		(void)t->close(pair[0]);
		(void)t->close(pair[1]);
		return -EFAULT;
	}
	return 0;
}

long fs_eventfd2(uint64_t initval, uint64_t flags)
{
	FdTable *t = table();
	if (!t)
		return -EBADF;
	if (flags > 0xffffffffu || initval > 0xffffffffu)
		return -EINVAL;
	auto made = eventfd_create(uint32_t(initval), uint32_t(flags));
	if (!made.ok())
		return -long(made.error());
	FileRef e = FileRef::adopt(made.value());
	return ret(t->install(e.get(), flags & EFD_CLOEXEC_));
}

// ---- cwd and umask ------------------------------------------------------------------------------------------

long fs_chdir(uint64_t path)
{
	LOAD_PATH(p, path);
	return ret(vfs_chdir(p.get()));
}

long fs_fchdir(uint64_t fd) { return fd >= uint64_t(FdTable::limit) ? -EBADF : ret(vfs_fchdir(int(fd))); }

long fs_getcwd(uint64_t buf, uint64_t size)
{
	UserPath out;
	if (!out.get())
		return -ENOMEM;
	auto r = vfs_getcwd(const_cast<char *>(out.get()), size < PATH_MAX_ ? size_t(size) : PATH_MAX_);
	if (!r.ok())
		return -long(r.error());
	return copy_to_user(buf, out.get(), r.value()) < 0 ? -EFAULT : long(r.value());
}

long fs_umask(uint64_t mask) { return long(vfs_umask(uint32_t(mask) & 0777)); }

// ---- poll ---------------------------------------------------------------------------------------------------

long fs_poll(uint64_t fds, uint64_t nfds, uint64_t timeout_ns)
{
	struct PollFd {
		int32_t fd;
		int16_t events;
		int16_t revents;
	};
	if (nfds > uint64_t(FdTable::soft_limit()))
		return -EINVAL; // Linux: more entries than RLIMIT_NOFILE
	size_t bytes = size_t(nfds) * sizeof(PollFd);
	PollFd *set = nfds ? static_cast<PollFd *>(allocate(bytes)) : nullptr;
	if (nfds && !set)
		return -ENOMEM;
	long result;
	if (copy_from_user(set, fds, bytes) < 0) {
		result = -EFAULT;
	} else {
		uint64_t now = now_ns(1);
		uint64_t deadline = timeout_ns == no_deadline || timeout_ns > no_deadline - now ? no_deadline : now + timeout_ns;
		for (;;) {
			long ready = 0;
			for (uint64_t i = 0; i < nfds; ++i) {
				PollFd &p = set[i];
				p.revents = 0;
				if (p.fd < 0)
					continue;
				File *f = file_of(uint64_t(p.fd));
				uint32_t revents = f ? f->poll() & (uint32_t(uint16_t(p.events)) | POLLERR_ | POLLHUP_ | POLLNVAL_)
				                     : POLLNVAL_;
				p.revents = int16_t(revents);
				if (revents)
					++ready;
			}
			if (ready || timeout_ns == 0 || now_ns(1) >= deadline) {
				result = copy_to_user(fds, set, bytes) < 0 ? -EFAULT : ready;
				break;
			}
			if (stop_requested()) {
				result = -EINTR;
				break;
			}
			wait_for_event(deadline);
		}
	}
	deallocate(set);
	return result;
}

} // namespace kernel
