// The FileSystem's entry points for the kernel (Syscalls/hooks.hpp): boot, process start and exit, close and
// mmap of an fd.
#include "Syscalls/hooks.hpp"

#include "FileSystem/fd_table.hpp"
#include "FileSystem/path_walk.hpp"
#include "FileSystem/vfs.hpp"
#include "FileSystem/vfs_files.hpp"
#include "Platform/platform.hpp"

namespace kernel {

void filesystem_init(const void *initrd, size_t size)
{
	auto r = vfs_init(initrd, size);
	if (!r.ok())
		panic("filesystem_init: the initrd could not be mounted as / (errno %d)", r.error());
}

FdTable *filesystem_process_start(const char *cwd)
{
	FdTable *table = FdTable::create();
	if (!table)
		return nullptr;
	DirectoryInode *root = vfs_root();
	if (root) {
		// fds 0, 1, 2 on the console, read-write as a login's terminal (reading gives end-of-file).
		Walk w;
		if (walk_path(root, root, "/dev/console", true, w).ok() && w.node) {
			auto console = open_inode(w.node, O_RDWR_ | O_LARGEFILE_);
			if (!console.ok()) {
				FdTable::destroy(table);
				return nullptr;
			}
			File *f = console.value();
			for (int fd = 0; fd < 3; ++fd)
				(void)table->install(f, false);
			f->unref(); // the table holds the three references
		}
		Walk c;
		if (cwd && walk_path(root, root, cwd, true, c).ok() && c.node && c.node->is_dir())
			table->set_cwd(c.node);
		else
			table->set_cwd(root);
	}
	return table;
}

void filesystem_process_exit(FdTable *table) { FdTable::destroy(table); }

long filesystem_close(uint64_t fd)
{
	FdTable *table = current_fd_table();
	if (!table || fd > uint64_t(FdTable::limit))
		return -EBADF;
	return table->close(int(fd)).to_return();
}

long filesystem_mmap(uint64_t fd, uint64_t user_address, uint64_t length, uint32_t protections, uint32_t flags,
                     uint64_t offset)
{
	FdTable *table = current_fd_table();
	if (!table || fd >= uint64_t(FdTable::limit))
		return -EBADF;
	auto file = table->get(int(fd));
	if (!file.ok())
		return -EBADF;
	auto r = file.value()->mmap(user_address, size_t(length), protections, flags, offset);
	if (!r.ok())
		return -long(r.error());
	return long(r.value());
}

} // namespace kernel
