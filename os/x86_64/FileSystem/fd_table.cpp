// The fd table: a fixed array of RLIMIT_NOFILE slots (16 KiB), searched from a low-water mark so the usual
// "lowest free fd" costs little even with thousands of pipes open (poll-many).
#include "FileSystem/fd_table.hpp"

#include "FileSystem/inode.hpp"
#include "Library/string.hpp"
#include "Platform/platform.hpp"

namespace kernel {

FdTable *FdTable::create()
{
	void *memory = allocate(sizeof(FdTable), alignof(FdTable) < 16 ? 16 : alignof(FdTable));
	if (!memory)
		return nullptr;
	return new (memory) FdTable();
}

void FdTable::destroy(FdTable *table)
{
	if (!table)
		return;
	(void)table->close_range(0, limit - 1, 0);
	table->set_cwd(nullptr);
	table->~FdTable();
	deallocate(table);
}

FdTable *FdTable::clone() const
{
	FdTable *copy = create();
	if (!copy)
		return nullptr;
	for (int fd = 0; fd < limit; ++fd) {
		if (slots_[fd].file) {
			slots_[fd].file->ref();
			copy->slots_[fd] = slots_[fd];
		}
	}
	copy->set_cwd(cwd_);
	copy->open_ = open_;
	copy->low_hint_ = low_hint_;
	return copy;
}

void FdTable::set_cwd(Inode *dir)
{
	if (dir)
		dir->ref();
	if (cwd_)
		cwd_->unref();
	cwd_ = dir;
}

int FdTable::soft_limit()
{
	uint64_t soft = open_files_limit();
	return soft < uint64_t(limit) ? int(soft) : limit;
}

Result<int> FdTable::lowest_free(int min_fd) const
{
	int end = soft_limit();
	if (min_fd < 0 || min_fd >= end)
		return Error(EINVAL);
	int start = min_fd > low_hint_ ? min_fd : low_hint_;
	for (int fd = start; fd < end; ++fd)
		if (!slots_[fd].file)
			return fd;
	return Error(EMFILE);
}

void FdTable::replace(int fd, File *file, bool cloexec)
{
	File *old = slots_[fd].file;
	slots_[fd].file = file;
	slots_[fd].cloexec = file ? cloexec : false;
	if (file && !old)
		++open_;
	if (!file && old)
		--open_;
	if (!file && fd < low_hint_)
		low_hint_ = fd;
	if (file && fd == low_hint_) {
		while (low_hint_ < limit && slots_[low_hint_].file)
			++low_hint_;
	}
	// Drop the old reference last: a file's destructor may run arbitrary code (a pipe end's wakes waiters),
	// and the table is consistent by now.
	if (old)
		old->unref();
}

Result<int> FdTable::install(File *file, bool cloexec, int min_fd)
{
	int fd = TRY(lowest_free(min_fd));
	file->ref();
	replace(fd, file, cloexec);
	return fd;
}

File *FdTable::peek(int fd) const
{
	if (fd < 0 || fd >= limit)
		return nullptr;
	return slots_[fd].file;
}

Result<FileRef> FdTable::get(int fd) const
{
	File *f = peek(fd);
	if (!f)
		return Error(EBADF);
	return FileRef::retain(f);
}

Result<void> FdTable::close(int fd)
{
	if (!peek(fd))
		return Error(EBADF);
	replace(fd, nullptr, false);
	return {};
}

Result<int> FdTable::dup_from(int fd, int min_fd, bool cloexec)
{
	File *f = peek(fd);
	if (!f)
		return Error(EBADF);
	return install(f, cloexec, min_fd);
}

Result<int> FdTable::dup2(int oldfd, int newfd)
{
	File *f = peek(oldfd);
	if (!f)
		return Error(EBADF);
	if (newfd < 0 || newfd >= soft_limit())
		return Error(EBADF);
	if (oldfd == newfd)
		return newfd;
	f->ref();
	replace(newfd, f, false);
	return newfd;
}

Result<int> FdTable::dup3(int oldfd, int newfd, uint32_t flags)
{
	if (flags & ~O_CLOEXEC_)
		return Error(EINVAL);
	if (oldfd == newfd)
		return Error(EINVAL);
	File *f = peek(oldfd);
	if (!f)
		return Error(EBADF);
	if (newfd < 0 || newfd >= soft_limit())
		return Error(EBADF);
	f->ref();
	replace(newfd, f, flags & O_CLOEXEC_);
	return newfd;
}

Result<void> FdTable::close_range(uint32_t first, uint32_t last, uint32_t flags)
{
	if (flags & ~(CLOSE_RANGE_UNSHARE_ | CLOSE_RANGE_CLOEXEC_))
		return Error(EINVAL);
	if (first > last)
		return Error(EINVAL);
	if (first >= uint32_t(limit))
		return {};
	if (last >= uint32_t(limit))
		last = limit - 1;
	for (uint32_t fd = first; fd <= last; ++fd) {
		if (!slots_[fd].file)
			continue;
		if (flags & CLOSE_RANGE_CLOEXEC_)
			slots_[fd].cloexec = true;
		else
			replace(int(fd), nullptr, false);
	}
	return {};
}

Result<int> FdTable::fd_flags(int fd) const
{
	if (!peek(fd))
		return Error(EBADF);
	return slots_[fd].cloexec ? FD_CLOEXEC_ : 0;
}

Result<void> FdTable::set_fd_flags(int fd, int flags)
{
	if (!peek(fd))
		return Error(EBADF);
	slots_[fd].cloexec = flags & FD_CLOEXEC_;
	return {};
}

void FdTable::close_on_exec()
{
	for (int fd = 0; fd < limit; ++fd)
		if (slots_[fd].file && slots_[fd].cloexec)
			replace(fd, nullptr, false);
}

} // namespace kernel
