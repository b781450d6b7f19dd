// Linux io_uring_setup (425), io_uring_enter (426) and io_uring_register (427): the unmodified kernel-shim
// does the work (the same calls libc-glue/src/glue.cpp makes in the hosted build); this file turns fds into
// shim rings and back. Ring fds are IoUringFiles in the process's fd table, so close, dup and fork's copies
// are the table's business; mmap reaches IoUringFile::do_mmap through filesystem_mmap.
#include <ringport/linux/io_uring.hpp>

#include "FileSystem/fd_table.hpp"
#include "Ring/ring.hpp"
#include "Shim/shim_internal.hpp"
#include "Syscalls/hooks.hpp"

namespace kernel {

namespace lx = ::ringport::lx;

ShimProcess *shim_process(bool create_if_missing)
{
	void *&slot = process_slot(ProcessSlot::shim);
	if (!slot && create_if_missing)
		slot = create<ShimProcess>();
	return static_cast<ShimProcess *>(slot);
}

namespace {

// SETUP_ATTACH_WQ: the shim asks for the ring behind params.wq_fd (Linux: -ENXIO for a bad fd, -EINVAL for a
// file that is not a ring).
int resolve_wq(int32_t fd, shim::Ring **out)
{
	FdTable *table = current_fd_table();
	if (!table || !table->peek(fd))
		return -ENXIO;
	IoUringFile *file = io_uring_file(fd);
	if (!file || !file->ring())
		return -EINVAL;
	*out = file->ring();
	return 0;
}

// The ring an enter/register call names: a registered index or an fd. -EBADF for neither, -EOPNOTSUPP for an
// fd that is not a ring (Linux's answer).
long resolve_ring(uint64_t fd, bool registered, shim::Ring **out)
{
	if (registered) {
		ShimProcess *process = shim_process(false);
		if (fd >= uint64_t(ShimProcess::registered_max))
			return -EINVAL;
		IoUringFile *file = process ? process->registered[fd] : nullptr;
		if (!file || !file->ring())
			return -EBADF;
		*out = file->ring();
		return 0;
	}
	FdTable *table = current_fd_table();
	if (fd > uint64_t(INT32_MAX) || !table || !table->peek(int(fd)))
		return -EBADF;
	IoUringFile *file = io_uring_file(int(fd));
	if (!file)
		return -EOPNOTSUPP;
	if (!file->ring())
		return -EBADF;
	*out = file->ring();
	return 0;
}

// SETUP_NO_MMAP puts the rings in the program's own memory, and the shim then reads and writes it directly
// (it is the hosted build's model: one address space). A kernel-mode fault outside the user-copy routines
// panics, so the pages are faulted in here first, through the fault-safe copy, as Linux pins them: the
// demand-zero pages of a fresh mmap (liburing maps this memory itself, without MAP_POPULATE). The sizes are
// Linux's io_rings layout for the requested entries; an unmapped page stops the walk and is left for the
// shim's own probe to refuse.
void fault_in(uint64_t address, uint64_t length)
{
	uint8_t byte;
	for (uint64_t page = address & ~uint64_t(page_size - 1); page < address + length; page += page_size)
		if (copy_from_user(&byte, page < address ? address : page, 1))
			return;
}

void fault_in_program_rings(uint64_t entries, uint64_t user_params)
{
	lx::io_uring_params p;
	if (copy_from_user(&p, user_params, sizeof(p)) || !(p.flags & lx::SETUP_NO_MMAP) || entries == 0)
		return;
	auto pow2 = [](uint64_t n) {
		uint64_t v = 1;
		while (v < n)
			v <<= 1;
		return v;
	};
	uint64_t sq = pow2(entries > 32768 ? 32768 : entries);
	uint64_t cq = (p.flags & lx::SETUP_CQSIZE) ? pow2(p.cq_entries > 65536 ? 65536 : p.cq_entries) : 2 * sq;
	uint64_t cqe = (p.flags & lx::SETUP_CQE32) ? 32 : 16, sqe = (p.flags & lx::SETUP_SQE128) ? 128 : 64;
	uint64_t rings = ((64 + cq * cqe + 63) & ~uint64_t(63)) + ((p.flags & lx::SETUP_NO_SQARRAY) ? 0 : 4 * sq);
	fault_in(p.cq_off.user_addr, rings);
	fault_in(p.sq_off.user_addr, sq * sqe);
}

long register_ring_fds(uint64_t arg, uint32_t count)
{
	if (!count || count > uint32_t(ShimProcess::registered_max))
		return -EINVAL;
	ShimProcess *process = shim_process(true);
	if (!process)
		return -ENOMEM;
	uint32_t i = 0;
	long error = 0;
	for (; i < count; ++i) {
		lx::io_uring_rsrc_update update;
		if (copy_from_user(&update, arg + sizeof(update) * i, sizeof(update))) {
			error = -EFAULT;
			break;
		}
		if (update.resv) {
			error = -EINVAL;
			break;
		}
		int first = 0, end = ShimProcess::registered_max;
		if (update.offset != ~0u) {
			if (update.offset >= uint32_t(ShimProcess::registered_max)) {
				error = -EINVAL;
				break;
			}
			first = int(update.offset);
			end = first + 1;
		}
		FdTable *table = current_fd_table();
		int fd = int(update.data);
		if (!table || !table->peek(fd)) {
			error = -EBADF;
			break;
		}
		IoUringFile *file = io_uring_file(fd);
		if (!file) {
			error = -EOPNOTSUPP;
			break;
		}
		int slot = -1;
		for (int s = first; s < end; ++s)
			if (!process->registered[s]) {
				slot = s;
				break;
			}
		if (slot < 0) {
			error = -EBUSY;
			break;
		}
		update.offset = uint32_t(slot);
		if (copy_to_user(arg + sizeof(update) * i, &update, sizeof(update))) {
			error = -EFAULT;
			break;
		}
		file->ref();
		process->registered[slot] = file;
	}
	return i ? long(i) : error;
}

long unregister_ring_fds(uint64_t arg, uint32_t count)
{
	if (!count || count > uint32_t(ShimProcess::registered_max))
		return -EINVAL;
	ShimProcess *process = shim_process(false);
	uint32_t i = 0;
	long error = 0;
	for (; i < count; ++i) {
		lx::io_uring_rsrc_update update;
		if (copy_from_user(&update, arg + sizeof(update) * i, sizeof(update))) {
			error = -EFAULT;
			break;
		}
		if (update.resv || update.data || update.offset >= uint32_t(ShimProcess::registered_max)) {
			error = -EINVAL;
			break;
		}
		if (process && process->registered[update.offset]) {
			process->registered[update.offset]->unref();
			process->registered[update.offset] = nullptr;
		}
	}
	return i ? long(i) : error;
}

} // namespace

long io_uring_setup(uint64_t entries, uint64_t user_params)
{
	FdTable *table = current_fd_table();
	ShimProcess *process = shim_process(true);
	if (!table || !process)
		return -ENOMEM;
	if (entries > UINT32_MAX)
		return -EINVAL;
	fault_in_program_rings(entries, user_params);
	shim::Ring *ring = nullptr;
	int64_t made = shim::setup(uint32_t(entries), user_params, resolve_wq, &ring);
	if (made < 0)
		return long(made);
	auto *file = create<IoUringFile>(ring);
	if (!file) {
		shim::ring_unref(ring);
		return -ENOMEM;
	}
	process->files.push_back(file);
	if (shim::setup_flags(ring) & lx::SETUP_REGISTERED_FD_ONLY) {
		// No fd at all: the ring lives only in the registered-ring table, and the index is the answer.
		for (int slot = 0; slot < ShimProcess::registered_max; ++slot)
			if (!process->registered[slot]) {
				process->registered[slot] = file; // takes over the creator's reference
				return slot;
			}
		file->unref();
		return -EBUSY;
	}
	// Linux's ring fds are O_RDWR | O_CLOEXEC anonymous inodes.
	Result<int> fd = table->install(file, true);
	file->unref(); // the table holds its own reference
	return fd.to_return();
}

long io_uring_enter(uint64_t fd, uint64_t to_submit, uint64_t min_complete, uint64_t flags, uint64_t user_arg,
                    uint64_t arg_size)
{
	constexpr uint64_t valid = lx::ENTER_GETEVENTS | lx::ENTER_SQ_WAKEUP | lx::ENTER_SQ_WAIT | lx::ENTER_EXT_ARG |
	                           lx::ENTER_REGISTERED_RING | lx::ENTER_ABS_TIMER | lx::ENTER_EXT_ARG_REG |
	                           lx::ENTER_NO_IOWAIT;
	if (flags & ~valid)
		return -EINVAL;
	shim::Ring *ring = nullptr;
	if (long e = resolve_ring(fd, flags & lx::ENTER_REGISTERED_RING, &ring); e)
		return e;
	// The ring may lose its last fd during the call (an op closing it): keep it alive until the call ends.
	shim::ring_ref(ring);
	long result = long(shim::enter(ring, uint32_t(to_submit), uint32_t(min_complete), uint32_t(flags), user_arg,
	                               size_t(arg_size)));
	shim::ring_unref(ring);
	// Polls parked on ring fds that this call's completions made readable finish before it returns, as
	// Linux's wakeups run inside the poster.
	run_ready_ops();
	return result;
}

long io_uring_register(uint64_t fd, uint64_t opcode, uint64_t user_arg, uint64_t nr_args)
{
	bool registered = opcode & lx::REGISTER_USE_REGISTERED_RING;
	uint32_t op = uint32_t(opcode) & ~uint32_t(lx::REGISTER_USE_REGISTERED_RING);
	// As Linux: the opcode is checked first, and fd -1 names no ring (the shim serves the ring-less opcodes).
	if (op >= lx::REGISTER_LAST)
		return -EINVAL;
	if (uint32_t(fd) == ~0u)
		return long(shim::register_blind(op, user_arg, uint32_t(nr_args)));
	shim::Ring *ring = nullptr;
	if (long e = resolve_ring(fd, registered, &ring); e)
		return e;
	if (nr_args > UINT32_MAX)
		return -EINVAL;
	if (op == lx::REGISTER_RING_FDS)
		return register_ring_fds(user_arg, uint32_t(nr_args));
	if (op == lx::UNREGISTER_RING_FDS)
		return unregister_ring_fds(user_arg, uint32_t(nr_args));
	shim::ring_ref(ring);
	long result = long(shim::register_op(ring, op, user_arg, uint32_t(nr_args)));
	shim::ring_unref(ring);
	run_ready_ops();
	return result;
}

namespace {
// Linux's io_uring_unreg_ringfd: the registered ring fds go at exit and at exec.
void drop_registered_rings(ShimProcess *process)
{
	for (int slot = 0; slot < ShimProcess::registered_max; ++slot)
		if (IoUringFile *file = process->registered[slot]) {
			process->registered[slot] = nullptr;
			file->unref();
		}
}
} // namespace

// exec: Linux's io_uring_task_cancel. Every request this process submitted, on any ring (its own or one shared
// with a parent across fork), completes with -ECANCELED before the old image goes; requests other processes
// submitted on the same rings go on. The registered ring fds go too; the ring fds themselves are O_CLOEXEC
// unless the program changed that, and the fd table closes them next.
void shim_process_exec()
{
	ShimProcess *process = shim_process(false);
	if (process)
		drop_registered_rings(process);
	shim::cancel_task(rp_host_task_id());
	// Polls on ring fds that the cancellations made readable complete now, inside this call.
	run_ready_ops();
}

void shim_process_exit()
{
	ShimProcess *process = shim_process(false);
	if (!process)
		return;
	drop_registered_rings(process);
	// Every ring goes now, while the fd table its registered files live in still exists; the files stay in
	// the table as empty shells until the table closes them.
	while (IoUringFile *file = process->files.pop_front())
		file->release_ring();
	run_deferred();
	destroy(process);
	process_slot(ProcessSlot::shim) = nullptr;
}

} // namespace kernel

// host.h's REGISTER_CLONE_BUFFERS source: the same lookup an io_uring_register call makes, with a reference
// the shim drops.
extern "C" void *rp_host_ring_get(uint32_t fd, int registered, int *err)
{
	kernel::shim::Ring *ring = nullptr;
	if (long e = kernel::resolve_ring(fd, registered != 0, &ring); e) {
		*err = int(e);
		return nullptr;
	}
	kernel::shim::ring_ref(ring);
	return ring;
}

// The kernel has one identity (Syscalls/identity_calls.cpp: uid and gid 1000, no supplementary groups) and no
// call that changes it, so a registered personality always equals the current credentials.
// With one identity there are no other credentials to run with: the kernel has no RP_SQE_CREDS (it refuses
// the flag with -EINVAL as any unknown one) and nothing to register.
extern "C" int rp_host_ring_creds(struct rp_host_ring *, uint16_t) { return -EOPNOTSUPP; }

// Every entry runs inside the enter that consumed it (no worker threads): there is nothing to place on CPUs.
extern "C" int rp_host_ring_wq_affinity(struct rp_host_ring *, const void *, size_t) { return -EOPNOTSUPP; }

extern "C" int rp_host_current_creds(struct rp_host_creds *out)
{
	*out = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0, 0};
	return 0;
}
