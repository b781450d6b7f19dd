// Cancel family: ASYNC_CANCEL (by user_data, fd, opcode, any, all); REGISTER_SYNC_CANCEL shares the matching;
// cancel_task, Linux's io_uring_task_cancel (a task's own requests, at exec). Timeouts are cancelled in the
// shim; everything else through a native Cancel of its operation.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {
constexpr uint32_t kCancelFlags = lx::ASYNC_CANCEL_ALL | lx::ASYNC_CANCEL_FD | lx::ASYNC_CANCEL_ANY |
                                  lx::ASYNC_CANCEL_FD_FIXED | lx::ASYNC_CANCEL_USERDATA | lx::ASYNC_CANCEL_OP;
} // namespace

bool cancel_matches(Ring& r, const CancelSpec& c, const Req* q)
{
	if (c.flags & lx::ASYNC_CANCEL_ANY)
		return true;
	if (c.flags & lx::ASYNC_CANCEL_FD) {
		int32_t fd = c.fd;
		if (c.fd_fixed) {
			if (fd < 0 || uint32_t(fd) >= r.nr_files)
				return false;
			fd = r.files[fd];
		}
		if (q->fd != fd || !kOps[q->opcode].needs_file)
			return false;
	}
	if ((c.flags & lx::ASYNC_CANCEL_OP) && q->opcode != c.opcode)
		return false;
	bool by_user_data = (c.flags & lx::ASYNC_CANCEL_USERDATA) || !(c.flags & (lx::ASYNC_CANCEL_FD | lx::ASYNC_CANCEL_OP));
	return !by_user_data || q->sqe.user_data == c.user_data;
}

Status cancel_prep_spec(CancelSpec* c, uint64_t addr, int32_t fd, uint32_t flags, uint32_t opcode, bool fixed_ok)
{
	(void)fixed_ok;
	if (flags & ~kCancelFlags)
		return Status::fail(-lx::EINVAL);
	*c = CancelSpec{addr, -1, flags, 0, false};
	if (flags & lx::ASYNC_CANCEL_FD) {
		if (flags & lx::ASYNC_CANCEL_ANY)
			return Status::fail(-lx::EINVAL);
		c->fd = fd;
		c->fd_fixed = flags & lx::ASYNC_CANCEL_FD_FIXED;
	}
	if (flags & lx::ASYNC_CANCEL_OP) {
		if (flags & lx::ASYNC_CANCEL_ANY)
			return Status::fail(-lx::EINVAL);
		if (opcode >= lx::OP_LAST)
			return Status::fail(-lx::EINVAL);
		c->opcode = uint8_t(opcode);
	}
	return kOk;
}

int64_t cancel_start(Ring& r, const CancelSpec& c, Req* owner)
{
	bool all = c.flags & (lx::ASYNC_CANCEL_ALL | lx::ASYNC_CANCEL_ANY);
	int64_t found = 0;
	for (Req* q = r.inflight.head; q;) {
		Req* next = q->next;
		if (q != owner && !(q->state & (REQ_DONE | REQ_CANCELING)) && cancel_matches(r, c, q)) {
			++found;
			const OpDef& d = kOps[q->opcode];
			if (d.cancel_counts)
				owner->u.cancel.counts = true;
			if (d.cancel && d.cancel(r, q)) {
				++owner->u.cancel.canceled;
			} else if (q->state & REQ_MULTISHOT) {
				// A multishot read/receive/accept ends at its next native completion once marked, whichever of
				// its native operations is current: found is cancelled, as on Linux.
				(void)cancel_native(r, q, q, TAG_CANCEL_QUIET);
				++owner->u.cancel.canceled;
			} else if (cancel_native(r, q, owner, TAG_CANCEL_RESULT).ok()) {
				++owner->u.cancel.outstanding;
			}
			if (!all)
				break;
		}
		q = next;
	}
	return found ? found : -lx::ENOENT;
}

void cancel_quietly(Ring& r, Req* q)
{
	const OpDef& d = kOps[q->opcode];
	if (!(d.cancel && d.cancel(r, q)))
		(void)cancel_native(r, q, q, TAG_CANCEL_QUIET);
}

Status prep_async_cancel(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.off || s.splice_fd_in)
		return Status::fail(-lx::EINVAL);
	CancelSpec c;
	RP_TRY(cancel_prep_spec(&c, s.addr, s.fd, s.cancel_flags, s.len, true));
	q.u.cancel.addr = c.user_data;
	q.u.cancel.fd = c.fd;
	q.u.cancel.flags = c.flags;
	q.u.cancel.opcode = c.opcode;
	q.u.cancel.all = (c.flags & (lx::ASYNC_CANCEL_ALL | lx::ASYNC_CANCEL_ANY)) != 0;
	return kOk;
}

namespace {
int64_t cancel_result(const Req& q)
{
	if (q.u.cancel.all)
		return q.u.cancel.canceled;
	if (q.u.cancel.canceled)
		return q.u.cancel.counts ? 1 : 0;
	return q.u.cancel.first_error ? q.u.cancel.first_error : -lx::ENOENT;
}
} // namespace

Issued issue_async_cancel(Ring& r, Req& q)
{
	CancelSpec c{q.u.cancel.addr, q.u.cancel.fd, q.u.cancel.flags, q.u.cancel.opcode,
	             (q.u.cancel.flags & lx::ASYNC_CANCEL_FD_FIXED) != 0};
	int64_t found = cancel_start(r, c, &q);
	// A ring shared across fork: the other processes' requests are theirs to cancel.
	if (r.shared && (found < 0 || q.u.cancel.all) && ask_other_processes(r, &q, c))
		++q.u.cancel.outstanding;
	if (found < 0 && !q.u.cancel.outstanding)
		return Issued::now(q.u.cancel.all ? 0 : found);
	if (q.u.cancel.outstanding)
		return Issued::later();
	return Issued::now(cancel_result(q));
}

void done_async_cancel(Ring& r, Req& q, NativeTag tag, int64_t res, uint32_t)
{
	if (tag != TAG_CANCEL_RESULT)
		return;
	--q.u.cancel.outstanding;
	if (res == -lx::ENOENT && q.u.cancel.absorbed) {
		--q.u.cancel.absorbed;
		res = 0;
	}
	if (res == 0)
		++q.u.cancel.canceled;
	else if (res == -lx::EALREADY && !q.u.cancel.first_error)
		q.u.cancel.first_error = -lx::EALREADY;
	if (!q.u.cancel.outstanding && !(q.state & (REQ_DONE | REQ_NO_CQE)))
		complete(r, &q, cancel_result(q));
}

// The canceller is found by what it names rather than remembered by the target: a pointer in every request
// for this rare race would make each one a cache line bigger.
void cancel_absorbed(Ring& r, Req& target)
{
	for (Req* c = r.inflight.head; c; c = c->next) {
		if (!kOps[c->opcode].is_cancel || (c->state & REQ_DONE) || c->u.cancel.outstanding <= c->u.cancel.absorbed)
			continue;
		CancelSpec spec{c->u.cancel.addr, c->u.cancel.fd, c->u.cancel.flags, c->u.cancel.opcode,
		                (c->u.cancel.flags & lx::ASYNC_CANCEL_FD_FIXED) != 0};
		if (cancel_matches(r, spec, &target)) {
			++c->u.cancel.absorbed;
			return;
		}
	}
}

// ---- a task's requests (exec) ----

void cancel_requests_of(Ring& r, uint64_t task, bool keep_timeouts)
{
	auto of_task = [task](const Req* q) { return task == kEveryTask || q->task == task; };
	// Drained requests have not been issued: they complete at once, failing their chains. Completing one may
	// release other drained requests, so the walk starts over after each.
	for (Req* q = r.deferred.head; q;) {
		if (!of_task(q)) {
			q = q->next;
			continue;
		}
		r.deferred.remove(q);
		complete(r, q, -lx::ECANCELED);
		q = r.deferred.head;
	}
	for (Req* q = r.ready.head; q; q = q->next)
		if (of_task(q) && !(q->state & REQ_COMPLETE_ONLY)) {
			q->state |= REQ_COMPLETE_ONLY;
			q->res = -lx::ECANCELED;
		}
	for (Req* q = r.inflight.head; q;) {
		Req* next = q->next;
		if (of_task(q) && !(q->state & (REQ_DONE | REQ_CANCELING)) && !(keep_timeouts && plain_timeout(q)))
			cancel_quietly(r, q);
		q = next;
	}
}

bool has_requests_of(Ring& r, uint64_t task)
{
	if (task == kEveryTask)
		return !r.inflight.empty() || !r.ready.empty() || !r.deferred.empty();
	auto any_of_task = [task](const Req* q) {
		for (; q; q = q->next)
			if (q->task == task)
				return true;
		return false;
	};
	return any_of_task(r.inflight.head) || any_of_task(r.ready.head) || any_of_task(r.deferred.head);
}

namespace {

// How long exec waits for the native cancels to come back. The kernel's executor answers a cancel within the
// call, so this bounds only a misbehaving OS; what is still out then completes when its cancel does.
constexpr uint64_t kTaskCancelWait = 2000000000ull;

bool task_gone(Ring& r, void* task) { return !has_requests_of(r, *static_cast<uint64_t*>(task)); }

void cancel_task_on(Ring& r, void* task)
{
	uint64_t id = *static_cast<uint64_t*>(task);
	r.lock.lock();
	if (has_requests_of(r, id)) {
		bool was = r.in_submit;
		r.in_submit = true;
		cancel_requests_of(r, id, false);
		// Runs the ring: issues the native cancels, reaps their answers, completes the chains, commits.
		if (r.native)
			(void)run_until(r, task_gone, task, rp_host_now_ns(lx::CLOCK_MONOTONIC_) + kTaskCancelWait);
		else
			commit(r);
		r.in_submit = was;
	}
	unlock_ring(r);
}

} // namespace

void cancel_task(uint64_t task)
{
	if (task == kEveryTask)
		return; // not an id rp_host_task_id gives
	for_each_ring(cancel_task_on, &task);
}

} // namespace ringport::shim
