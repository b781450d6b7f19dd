// The per-process file descriptor table: fd numbers to File references plus the close-on-exec flag.
// Linux's rules: a new fd is the lowest free number (at or above a minimum for F_DUPFD); numbers stop below
// RLIMIT_NOFILE (1024, the soft limit a Linux shell gets; poll-many adapts to it) and EMFILE says the table is
// full; an fd out of range or not open is EBADF.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "FileSystem/file.hpp"

namespace kernel {

class FdTable {
public:
	// The table's size: fd numbers are always below it. New fds must also stay below the process's
	// RLIMIT_NOFILE soft limit (Platform's open_files_limit(), 1024 unless the program lowered it).
	static constexpr int limit = RLIMIT_NOFILE_;
	static int soft_limit();

	// An empty table on the heap; nullptr when memory is exhausted. destroy() closes every fd first.
	static FdTable *create();
	static void destroy(FdTable *table);
	// A copy sharing every open file description (fork); nullptr when memory is exhausted.
	FdTable *clone() const;

	// Installs a reference to file at the lowest free fd >= min_fd: the fd, EMFILE when none is free below the
	// soft limit, EINVAL when min_fd is out of [0, soft limit). The table takes its own reference.
	Result<int> install(File *file, bool cloexec, int min_fd = 0);
	// The file behind fd, with a reference the caller owns: EBADF when fd is not open.
	Result<FileRef> get(int fd) const;
	// The file without a new reference: valid until the fd is closed (system calls that finish before
	// returning may use it). nullptr when fd is not open.
	File *peek(int fd) const;

	// close(2): EBADF when fd is not open.
	Result<void> close(int fd);
	// dup(2): the lowest free fd; EBADF, EMFILE.
	Result<int> dup(int fd) { return dup_from(fd, 0, false); }
	// fcntl(F_DUPFD / F_DUPFD_CLOEXEC): the lowest free fd >= min_fd; EINVAL when min_fd is outside [0, limit).
	Result<int> dup_from(int fd, int min_fd, bool cloexec);
	// dup2(2): newfd (closing what it held); oldfd == newfd returns newfd when oldfd is open. EBADF for a bad
	// oldfd or a newfd outside [0, soft limit).
	Result<int> dup2(int oldfd, int newfd);
	// dup3(2): as dup2 with O_CLOEXEC allowed in flags; EINVAL when oldfd == newfd or other flags are set.
	Result<int> dup3(int oldfd, int newfd, uint32_t flags);
	// close_range(2): closes (or with CLOSE_RANGE_CLOEXEC marks) the open fds in [first, last]; EINVAL when
	// first > last or flags has unknown bits. CLOSE_RANGE_UNSHARE is accepted (one process, nothing shared).
	Result<void> close_range(uint32_t first, uint32_t last, uint32_t flags);

	// F_GETFD / F_SETFD: FD_CLOEXEC or 0; EBADF.
	Result<int> fd_flags(int fd) const;
	Result<void> set_fd_flags(int fd, int flags);
	// execve: closes every close-on-exec fd.
	void close_on_exec();

	// How many fds are open.
	int open_count() const { return open_; }

	// The process's working directory, which the table carries as Linux's fs_struct would (part 1 has one
	// process per table). Held with a reference; nullptr means the root.
	Inode *cwd() const { return cwd_; }
	void set_cwd(Inode *dir);

private:
	struct Slot {
		File *file;
		bool cloexec;
	};
	FdTable() = default;
	~FdTable() = default;
	Result<int> lowest_free(int min_fd) const;
	// Puts file (whose reference the slot takes over) in slot fd, closing what was there.
	void replace(int fd, File *file, bool cloexec);

	Slot slots_[limit] = {};
	int open_ = 0;
	int low_hint_ = 0; // no free slot below it
	Inode *cwd_ = nullptr;
};

} // namespace kernel
