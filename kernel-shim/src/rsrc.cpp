// Lifetimes of registered files and buffers: a replaced or unregistered resource is released, and its tag posted
// (FEAT_RSRC_TAGS), only once every request that could still be using it has finished.
//
// Requests are counted per epoch: each holds the epoch current when it was allocated. Retiring a resource files it
// under the current epoch and opens a new one, so the resource is let go when that epoch and all older ones have
// no requests left, in order. (Linux up to 6.6 worked this way, with one node per ring; later kernels count per
// resource, which can post a tag sooner while unrelated requests are still running.)
#include "optable.hpp"

namespace ringport::shim {

struct Retired {
	Retired* next;
	int32_t file_ref; // host file reference to put, -1 for a buffer
	uint64_t tag;     // 0: no CQE
};

struct RsrcEpoch {
	RsrcEpoch* next; // the newer epoch
	uint64_t refs;   // live requests allocated in it
	Retired* retired;
	Retired* retired_tail;
};

namespace {

RsrcEpoch* current_epoch(Ring& r)
{
	if (!r.rsrc_current) {
		r.rsrc_current = alloc_zeroed<RsrcEpoch>();
		r.rsrc_oldest = r.rsrc_current;
	}
	return r.rsrc_current;
}

void let_go(Ring& r, RsrcEpoch* e, bool post)
{
	while (Retired* x = e->retired) {
		e->retired = x->next;
		if (x->file_ref >= 0)
			rp_host_file_put(x->file_ref);
		if (x->tag && post) {
			post_cqe(r, x->tag, 0, 0);
			++r.cq_extra; // not one per SQE (drain accounting)
		}
		rp_host_free(x, sizeof(*x));
	}
	e->retired_tail = nullptr;
}

// Lets go of what the oldest epochs hold, in order, while they have no requests left.
void reap_epochs(Ring& r)
{
	while (RsrcEpoch* e = r.rsrc_oldest) {
		if (e->refs)
			return;
		let_go(r, e, true);
		if (e == r.rsrc_current)
			return; // the current epoch stays, empty
		r.rsrc_oldest = e->next;
		rp_host_free(e, sizeof(*e));
	}
}

} // namespace

void rsrc_hold(Ring& r, Req* q)
{
	RsrcEpoch* e = current_epoch(r);
	if (e) {
		++e->refs;
		q->rsrc = e;
	}
}

void rsrc_release(Ring& r, Req* q)
{
	RsrcEpoch* e = q->rsrc;
	if (!e)
		return;
	q->rsrc = nullptr;
	if (--e->refs == 0 && e == r.rsrc_oldest)
		reap_epochs(r);
}

Status rsrc_retire(Ring& r, int32_t file_ref, uint64_t tag)
{
	if (file_ref < 0 && !tag)
		return kOk;
	RsrcEpoch* e = current_epoch(r);
	auto* x = alloc_zeroed<Retired>();
	if (!e || !x) {
		// No memory to wait with: release now (a request still using the file fails with EBADF).
		if (x)
			rp_host_free(x, sizeof(*x));
		if (file_ref >= 0)
			rp_host_file_put(file_ref);
		return Status::fail(-lx::ENOMEM);
	}
	x->file_ref = file_ref;
	x->tag = tag;
	if (e->retired_tail)
		e->retired_tail->next = x;
	else
		e->retired = x;
	e->retired_tail = x;
	if (e->refs == 0 && e == r.rsrc_oldest) {
		let_go(r, e, true);
		return kOk;
	}
	// Requests from now on belong to a new epoch; this one ends with the requests it has.
	if (auto* fresh = alloc_zeroed<RsrcEpoch>()) {
		e->next = fresh;
		r.rsrc_current = fresh;
	}
	return kOk;
}

void rsrc_teardown(Ring& r)
{
	while (RsrcEpoch* e = r.rsrc_oldest) {
		r.rsrc_oldest = e->next;
		let_go(r, e, false); // nobody reads the CQ of a ring being destroyed
		rp_host_free(e, sizeof(*e));
	}
	r.rsrc_current = nullptr;
}

} // namespace ringport::shim
