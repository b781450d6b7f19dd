// Ring-to-ring messages: MSG_RING (DATA posts a CQE on another ring; SEND_FD moves a fixed file there).
// The target may be driven by another thread: the message goes to its inbox (a lock-free stack) and the
// target posts it in its own context (its next enter, its waiter, or the host helper), as Linux uses task work.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {

constexpr uint32_t kMsgRingMask = lx::MSG_RING_CQE_SKIP | lx::MSG_RING_FLAGS_PASS;

void send_to(Ring& target, uint64_t user_data, int32_t res, uint32_t cflags)
{
	auto* m = alloc_zeroed<OverflowCqe>();
	if (!m)
		return;
	m->cqe = {user_data, res, cflags};
	OverflowCqe* head = __atomic_load_n(&target.inbox, __ATOMIC_RELAXED);
	do
		m->next = head;
	while (!__atomic_compare_exchange_n(&target.inbox, &head, m, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	// Make the target look: its waiter, a poller of its fd, or a host thread on its behalf.
	__atomic_fetch_add(target.wake_word, 1, __ATOMIC_SEQ_CST);
	if (has_waiters(target))
		wake_now(target);
	if (!__atomic_load_n(&target.waiters, __ATOMIC_SEQ_CST) && !(target.flags & lx::SETUP_DEFER_TASKRUN) && !__atomic_exchange_n(&target.kick_pending, 1, __ATOMIC_ACQ_REL)) {
		ring_ref(&target);
		rp_host_defer(run_deferred_work, &target);
	}
	if (target.flags & lx::SETUP_DEFER_TASKRUN) {
		if (target.flags & lx::SETUP_TASKRUN_FLAG)
			__atomic_fetch_or(target.k_sq_flags, lx::SQ_TASKRUN, __ATOMIC_RELEASE);
		if (void* cookie = __atomic_load_n(&target.poll_cookie, __ATOMIC_ACQUIRE))
			rp_host_ring_posted(cookie);
	}
}

} // namespace

void drain_inbox(Ring& r)
{
	OverflowCqe* m = __atomic_exchange_n(&r.inbox, nullptr, __ATOMIC_ACQUIRE);
	// The stack is newest first: reverse it so messages post in the order they were sent.
	OverflowCqe* ordered = nullptr;
	while (m) {
		OverflowCqe* next = m->next;
		m->next = ordered;
		ordered = m;
		m = next;
	}
	while (ordered) {
		OverflowCqe* next = ordered->next;
		post_cqe(r, ordered->cqe.user_data, ordered->cqe.res, ordered->cqe.flags);
		++r.cq_extra; // not one of this ring's SQEs (drain accounting)
		rp_host_free(ordered, sizeof(*ordered));
		ordered = next;
	}
}

Status prep_msg_ring(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.buf_index || s.personality)
		return Status::fail(-lx::EINVAL);
	if (s.msg_ring_flags & ~kMsgRingMask)
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_msg_ring(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	auto* target = static_cast<Ring*>(rp_host_ring_of_fd(q.fd));
	if (!target || (s.flags & lx::SQE_FIXED_FILE))
		return Issued::now(-lx::EBADFD); // only a ring can receive messages
	if (__atomic_load_n(&target->disabled, __ATOMIC_ACQUIRE))
		return Issued::now(-lx::EBADFD);
	uint32_t flags = s.msg_ring_flags;
	uint32_t dst = s.file_index;
	switch (s.addr) {
	case lx::MSG_DATA:
		if (s.addr3 || (flags & ~lx::MSG_RING_FLAGS_PASS))
			return Issued::now(-lx::EINVAL);
		if (!(flags & lx::MSG_RING_FLAGS_PASS) && dst)
			return Issued::now(-lx::EINVAL);
		send_to(*target, s.off, int32_t(s.len), (flags & lx::MSG_RING_FLAGS_PASS) ? dst : 0);
		return Issued::now(0);
	case lx::MSG_SEND_FD: {
		if (s.len)
			return Issued::now(-lx::EINVAL);
		if (target == &r)
			return Issued::now(-lx::EINVAL);
		uint32_t src = uint32_t(s.addr3);
		if (!r.nr_files || src >= r.nr_files || r.files[src] < 0)
			return Issued::now(-lx::EBADF);
		// The target's table gets its own reference to the file.
		int ref = rp_host_file_get(r.files[src]);
		if (ref < 0)
			return Issued::now(ref);
		// The target's own threads hold its lock only briefly, so spin a while for it. Waiting unconditionally
		// could deadlock two rings sending to each other at once; that case still ends in -EAGAIN.
		bool locked = target->lock.try_lock();
		for (int spin = 0; !locked && spin < (1 << 16); ++spin) {
			__builtin_ia32_pause();
			locked = target->lock.try_lock();
		}
		if (!locked) {
			rp_host_file_put(ref);
			return Issued::now(-lx::EAGAIN);
		}
		int64_t slot = install_direct(*target, ref, dst);
		target->lock.unlock();
		if (slot < 0)
			return Issued::now(slot);
		if (!(flags & lx::MSG_RING_CQE_SKIP))
			send_to(*target, s.off, int32_t(slot), 0);
		return Issued::now(0);
	}
	default:
		return Issued::now(-lx::EINVAL);
	}
}

// REGISTER_SEND_MSG_RING with no ring (fd -1): a DATA message from nowhere, checked in the order Linux's
// io_uring_sync_msg_ring checks it (the SQE's own prep rules, then the command, the target, the DATA rules).
// SEND_FD has no source table to take a file from, so it is -EINVAL.
int64_t sync_msg_ring(const lx::io_uring_sqe& s)
{
	if (s.buf_index || s.personality || (s.msg_ring_flags & ~kMsgRingMask))
		return -lx::EINVAL;
	if (s.addr != lx::MSG_DATA)
		return -lx::EINVAL;
	int ref = rp_host_file_get(s.fd); // only to tell a closed fd (-EBADF) from an open non-ring (-EBADFD)
	if (ref < 0)
		return -lx::EBADF;
	rp_host_file_put(ref);
	auto* target = static_cast<Ring*>(rp_host_ring_of_fd(s.fd));
	if (!target)
		return -lx::EBADFD;
	uint32_t flags = s.msg_ring_flags;
	if (s.addr3 || (flags & ~lx::MSG_RING_FLAGS_PASS))
		return -lx::EINVAL;
	if (!(flags & lx::MSG_RING_FLAGS_PASS) && s.file_index)
		return -lx::EINVAL;
	if (__atomic_load_n(&target->disabled, __ATOMIC_ACQUIRE))
		return -lx::EBADFD;
	send_to(*target, s.off, int32_t(s.len), (flags & lx::MSG_RING_FLAGS_PASS) ? s.file_index : 0);
	return 0;
}

} // namespace ringport::shim
