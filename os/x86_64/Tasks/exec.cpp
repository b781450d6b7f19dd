// execve(2): replaces the current process's program with an ELF file from the filesystem (the initrd's /t
// programs, or any regular file of the ramfs). Everything that can fail is done first - the path, argv and
// envp copied in, the file read, the new address space loaded and its stack built - so a failed exec returns
// an error to a process that is unchanged. Then, as Linux: the other threads end, native rings go (their
// memory was the old address space's), the io_uring requests of the process are cancelled (Shim's hook), fds
// marked close-on-exec close, caught signals return to their default action (ignored ones stay ignored), and
// the thread starts at the new entry with a clean register, FPU and TLS state.
#include "Arch/cpu.hpp"
#include "FileSystem/fd_table.hpp"
#include "FileSystem/file.hpp"
#include "FileSystem/linux_abi.hpp"
#include "FileSystem/vfs.hpp"
#include "Library/errno.hpp"
#include "Library/string.hpp"
#include "Memory/address_space.hpp"
#include "Syscalls/hooks.hpp"
#include "Tasks/elf_loader.hpp"
#include "Tasks/process.hpp"
#include "Tasks/user_stack.hpp"

namespace kernel {

extern const uint8_t clean_fpu_image[512]; // thread.cpp

namespace {

constexpr size_t max_strings = 4096;        // per vector
constexpr size_t max_string_bytes = 256 * 1024; // argv + envp text, as a conservative ARG_MAX

// argv or envp copied in: pointers into one heap block of strings.
struct Vector {
	const char **items = nullptr;
	char *text = nullptr;
	~Vector()
	{
		deallocate(items);
		deallocate(text);
	}
};

long copy_vector(uint64_t user_vector, Vector &out, size_t *budget)
{
	out.items = static_cast<const char **>(allocate((max_strings + 1) * sizeof(char *)));
	out.text = static_cast<char *>(allocate(max_string_bytes));
	if (!out.items || !out.text)
		return -ENOMEM;
	size_t count = 0, used = 0;
	if (user_vector) {
		for (;; count++) {
			uint64_t pointer;
			if (copy_from_user(&pointer, user_vector + count * 8, 8))
				return -EFAULT;
			if (!pointer)
				break;
			if (count == max_strings)
				return -E2BIG;
			long length = strncpy_from_user(out.text + used, pointer, max_string_bytes - used);
			if (length == -ENAMETOOLONG || size_t(length) + 1 > *budget)
				return -E2BIG;
			if (length < 0)
				return length;
			out.items[count] = out.text + used;
			used += size_t(length) + 1;
			*budget -= size_t(length) + 1;
		}
	}
	out.items[count] = nullptr;
	return 0;
}

// The whole file at path (relative to the cwd) in kernel memory: a regular file with an execute bit.
long read_program(const char *path, uint8_t **image, uint64_t *size)
{
	Statx st;
	auto stat = vfs_statx(AT_FDCWD_, path, 0, STATX_TYPE_ | STATX_MODE_ | STATX_SIZE_, st);
	if (!stat.ok())
		return -long(stat.error());
	if ((st.stx_mode & 0170000) != 0100000 || !(st.stx_mode & 0111))
		return -EACCES;
	if (st.stx_size == 0 || st.stx_size > (64ull << 20))
		return st.stx_size == 0 ? -ENOEXEC : -ENOMEM;
	auto file = vfs_open(AT_FDCWD_, path, O_RDONLY_, 0);
	if (!file.ok())
		return -long(file.error());
	uint8_t *buffer = static_cast<uint8_t *>(allocate(st.stx_size, page_size));
	if (!buffer)
		return -ENOMEM;
	uint64_t done = 0;
	while (done < st.stx_size) {
		auto n = file.value()->pread(IoBuffer::kernel(buffer + done, st.stx_size - done), int64_t(done));
		if (!n.ok() || n.value() == 0) {
			deallocate(buffer);
			return n.ok() ? -EIO : -long(n.error());
		}
		done += n.value();
	}
	*image = buffer;
	*size = done;
	return 0;
}

// Ends every other thread of the process and waits until they are gone (Linux's de_thread).
void end_other_threads(Process *p)
{
	Thread *self = current_thread();
	for (Thread *t : p->threads)
		if (t != self)
			t->exit_requested = true;
	for (Thread *t : p->threads)
		if (t != self)
			wake(t);
	while (p->live_threads > 1)
		block(nullptr, now_ns(1) + 1000000, false);
}

} // namespace

long sys_execve(Frame *frame, uint64_t user_path, uint64_t user_argv, uint64_t user_envp)
{
	Process *p = current();
	char *path = static_cast<char *>(allocate(4096));
	if (!path)
		return -ENOMEM;
	long r = strncpy_from_user(path, user_path, 4096);
	if (r == 0)
		r = -ENOENT; // an empty path
	Vector argv, envp;
	size_t budget = max_string_bytes;
	if (r >= 0)
		r = copy_vector(user_argv, argv, &budget);
	if (r >= 0)
		r = copy_vector(user_envp, envp, &budget);
	uint8_t *image = nullptr;
	uint64_t image_size = 0;
	if (r >= 0)
		r = read_program(path, &image, &image_size);
	if (r < 0) {
		deallocate(path);
		return r;
	}

	AddressSpace *old_space = p->space;
	AddressSpace *space = address_space_create();
	if (!space) {
		deallocate(image);
		deallocate(path);
		return -ENOMEM;
	}
	cpu::disable_interrupts();
	address_space_activate(space);
	cpu::enable_interrupts();
	uint64_t stack = 0;
	Result<LoadedImage> loaded = load_elf(space, image, image_size);
	if (loaded.ok()) {
		space->brk_start = space->brk_end = (loaded.value().end + page_size - 1) & ~(page_size - 1);
		Result<uint64_t> built = build_user_stack(space, loaded.value(), argv.items, envp.items);
		r = built.ok() ? 0 : -long(built.error());
		if (built.ok())
			stack = built.value();
	} else {
		r = -long(loaded.error());
	}
	deallocate(image);
	if (r < 0) {
		cpu::disable_interrupts();
		address_space_activate(old_space);
		cpu::enable_interrupts();
		address_space_destroy(space);
		deallocate(path);
		return r;
	}

	// The point of no return. The old program's rings and requests go while its memory still exists.
	cpu::disable_interrupts();
	address_space_activate(old_space);
	cpu::enable_interrupts();
	end_other_threads(p);
	ring_process_exit();
	shim_process_exec();
	run_deferred();
	if (p->files)
		p->files->close_on_exec();
	cpu::disable_interrupts();
	address_space_activate(space);
	p->space = space;
	cpu::enable_interrupts();
	address_space_destroy(old_space);

	const char *name = path;
	for (const char *c = path; *c; c++)
		if (*c == '/' && c[1])
			name = c + 1;
	copy_string(p->name, name, sizeof p->name);
	deallocate(path);
	for (SignalAction &action : p->actions)
		if (action.handler > 1)
			action = {};
	// Pending signals, the mask and an alarm survive exec, as on Linux.
	Thread *self = current_thread();
	self->tid = p->pid; // the thread that execs becomes the leader, as Linux's de_thread
	self->fs_base = self->gs_base = 0;
	self->clear_child_tid = 0;
	cpu::write_msr(cpu::msr_fs_base, 0);
	cpu::write_msr(cpu::msr_gs_base, 0);
	asm volatile("fxrstor %0" : : "m"(*clean_fpu_image));
	memset(frame, 0, sizeof *frame);
	frame->rip = loaded.value().entry;
	frame->cs = user_code_selector;
	frame->rflags = 0x202;
	frame->rsp = stack;
	frame->ss = user_data_selector;
	frame->vector = syscall_vector;
	return 0;
}

} // namespace kernel
