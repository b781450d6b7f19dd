// fork and clone: a new process copying the current one, or a new thread inside it. Both start from a copy of
// the caller's system-call frame with rax = 0, so the child returns 0 from the same call.
#include "Arch/cpu.hpp"
#include "Library/errno.hpp"
#include "Library/string.hpp"
#include "Memory/address_space.hpp"
#include "FileSystem/fd_table.hpp"
#include "Tasks/process.hpp"

namespace kernel {

Process *new_process(Process *parent); // process.cpp
void reap_zombie(Process *p);

namespace {

constexpr uint64_t clone_vm = 0x100, clone_fs = 0x200, clone_files = 0x400, clone_sighand = 0x800,
                   clone_vfork = 0x4000, clone_parent = 0x8000, clone_thread_flag = 0x10000, clone_sysvsem = 0x40000,
                   clone_settls = 0x80000, clone_parent_settid = 0x100000, clone_child_cleartid = 0x200000,
                   clone_child_settid = 0x01000000;

} // namespace

long fork_current(const Frame &frame, int exit_signal)
{
	Process *parent = current();
	Process *child = new_process(parent);
	if (!child)
		return -ENOMEM;
	child->exit_signal = exit_signal;
	child->space = address_space_fork(parent->space);
	child->files = parent->files ? parent->files->clone() : nullptr;
	Frame child_frame = frame;
	child_frame.rax = 0;
	alignas(16) uint8_t fpu[512];
	asm volatile("fxsave %0" : "=m"(fpu));
	Thread *t = child->space && child->files ? create_user_thread(child, child_frame, fpu) : nullptr;
	if (!t) {
		if (child->space)
			address_space_destroy(child->space);
		if (child->files)
			FdTable::destroy(child->files);
		child->state = ProcessState::zombie;
		reap_zombie(child);
		return -ENOMEM;
	}
	Thread *self = current_thread();
	t->tid = child->pid;
	t->fs_base = self->fs_base;
	t->gs_base = self->gs_base;
	t->signal_mask = self->signal_mask;
	start_thread(t);
	return child->pid;
}

long clone_thread(const Frame &frame, uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
                  uint64_t tls)
{
	// Threads share everything a pthread shares; other combinations are not threads Linux would make either.
	constexpr uint64_t needed = clone_vm | clone_thread_flag | clone_sighand;
	if ((flags & needed) != needed)
		return -EINVAL;
	(void)clone_fs, (void)clone_files, (void)clone_sysvsem, (void)clone_vfork, (void)clone_parent;
	Process *p = current();
	Frame child_frame = frame;
	child_frame.rax = 0;
	if (stack)
		child_frame.rsp = stack;
	alignas(16) uint8_t fpu[512];
	asm volatile("fxsave %0" : "=m"(fpu));
	Thread *t = create_user_thread(p, child_frame, fpu);
	if (!t)
		return -ENOMEM;
	Thread *self = current_thread();
	t->tid = allocate_tid();
	t->fs_base = (flags & clone_settls) ? tls : self->fs_base;
	t->gs_base = self->gs_base;
	t->signal_mask = self->signal_mask;
	if (flags & clone_child_cleartid)
		t->clear_child_tid = child_tid;
	int tid = t->tid;
	if (flags & clone_parent_settid)
		(void)copy_to_user(parent_tid, &tid, sizeof tid);
	if (flags & clone_child_settid)
		(void)copy_to_user(child_tid, &tid, sizeof tid); // same address space: the child sees it too
	start_thread(t);
	return tid;
}

long sys_clone(const Frame &frame, uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
               uint64_t tls)
{
	if (flags & clone_thread_flag)
		return clone_thread(frame, flags, stack, parent_tid, child_tid, tls);
	if (flags & clone_vm) {
		// vfork-style sharing without CLONE_THREAD (posix_spawn): not supported; a plain fork is not the same.
		return -EINVAL;
	}
	long pid = fork_current(frame, int(flags & 0xFF));
	if (pid > 0) {
		Process *child = find_process(int(pid));
		int tid = int(pid);
		if (flags & clone_parent_settid)
			(void)copy_to_user(parent_tid, &tid, sizeof tid);
		if (child && (flags & clone_child_cleartid))
			for (Thread *t : child->threads)
				t->clear_child_tid = child_tid;
		if (stack && child)
			for (Thread *t : child->threads)
				t->user_frame()->rsp = stack;
		if (child && (flags & clone_settls))
			for (Thread *t : child->threads)
				t->fs_base = tls;
	}
	return pid;
}

} // namespace kernel
