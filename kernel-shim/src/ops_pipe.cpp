// PIPE (Linux 6.16): a new pipe, its two ends as ordinary fds written to sqe.addr (read end first), or as direct
// descriptors: sqe.file_index names the read end's slot (the write end takes the next one) or asks for two
// allocated slots (FILE_INDEX_ALLOC), and the slot numbers are written instead. One native PIPE.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {

// O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE (O_EXCL): what pipe2 takes.
constexpr uint32_t kPipeFlags = lx::O_CLOEXEC_ | 04000u | 040000u | 0200u;

// The ends the OS made for a direct-descriptor pipe land in the request, not in the program's memory.
int32_t* pipe_fds(Req& q) { return reinterpret_cast<int32_t*>(&q.u.vec.iov[0]); }

// Empties a slot this request filled, when the second end or the copy-out failed (Linux removes both).
void remove_direct(Ring& r, uint32_t slot)
{
	if (slot >= r.nr_files || r.files[slot] < 0)
		return;
	(void)rsrc_retire(r, r.files[slot], r.file_tags ? r.file_tags[slot] : 0);
	r.files[slot] = -1;
	if (r.file_tags)
		r.file_tags[slot] = 0;
}

} // namespace

Status prep_pipe(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.fd || s.off || s.addr3)
		return Status::fail(-lx::EINVAL);
	return einval_if(s.pipe_flags & ~kPipeFlags);
}

Issued issue_pipe(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	rp_sqe n = native_op(RP_OP_PIPE);
	n.syscall_flags = s.pipe_flags;
	if (!s.file_index) {
		// The OS writes the fds there (and makes no pipe if it cannot). It cannot tell the program's memory
		// from the shim's own (a fixed-table PIPE below hands it shim memory), so an array outside the
		// program's memory is refused here: -EFAULT and no pipe, as Linux's copy_to_user leaves it.
		int probe[2];
		if (rp_host_copy_from_user(probe, s.addr, sizeof probe))
			return Issued::now(-lx::EFAULT);
		n.addr = s.addr;
		return to_native(r, q, n);
	}
	if (s.pipe_flags & lx::O_CLOEXEC_)
		return Issued::now(-lx::EINVAL); // a fixed-table slot has no close-on-exec
	n.addr = reinterpret_cast<uint64_t>(pipe_fds(q));
	return to_native(r, q, n);
}

void done_pipe(Ring& r, Req& q, NativeTag, int64_t res, uint32_t)
{
	if (q.state & REQ_DONE)
		return;
	const auto& s = q.sqe;
	if (res < 0 || !s.file_index) {
		complete(r, &q, res);
		return;
	}
	int32_t fds[2] = {pipe_fds(q)[0], pipe_fds(q)[1]};
	bool alloc = s.file_index == lx::FILE_INDEX_ALLOC;
	// install_direct takes the fd in every case (into the table, or closed on failure).
	int64_t first = install_direct(r, fds[0], s.file_index);
	if (first < 0) {
		rp_host_file_put(fds[1]);
		complete(r, &q, first);
		return;
	}
	int32_t slots[2];
	slots[0] = alloc ? int32_t(first) : int32_t(s.file_index - 1);
	uint32_t second_index = alloc ? s.file_index : s.file_index + 1;
	int64_t second = install_direct(r, fds[1], second_index);
	if (second < 0) {
		remove_direct(r, uint32_t(slots[0]));
		complete(r, &q, second);
		return;
	}
	slots[1] = alloc ? int32_t(second) : int32_t(second_index - 1);
	if (rp_host_copy_to_user(s.addr, slots, sizeof(slots))) {
		remove_direct(r, uint32_t(slots[0]));
		remove_direct(r, uint32_t(slots[1]));
		complete(r, &q, -lx::EFAULT);
		return;
	}
	complete(r, &q, 0);
}

} // namespace ringport::shim
