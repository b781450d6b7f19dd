// Requests: the pool they come from (chunks from the host, recycled through a free list, no allocation per
// request), the in-flight list cancellation looks through, and the file a request works on.
#include "optable.hpp"

namespace ringport::shim {

struct ReqChunk {
	ReqChunk* next;
	uint8_t pad[56];
	Req reqs[63];
};

Req* alloc_req(Ring& r)
{
	if (!r.free_reqs) {
		auto* c = alloc_zeroed<ReqChunk>();
		if (!c)
			return nullptr;
		c->next = r.req_chunks;
		r.req_chunks = c;
		for (Req& q : c->reqs) {
			q.next = r.free_reqs;
			r.free_reqs = &q;
		}
	}
	Req* q = r.free_reqs;
	r.free_reqs = q->next;
	uint16_t gen = uint16_t(q->gen + 1);
	__builtin_memset(q, 0, sizeof(Req));
	q->gen = gen;
	q->ring = &r;
	q->fd = -1;
	rsrc_hold(r, q);
	return q;
}

void free_req_chunks(Ring& r)
{
	while (ReqChunk* c = r.req_chunks) {
		r.req_chunks = c->next;
		// Requests that never finished (held back by IO_DRAIN, waiting in a chain or for readiness) still own
		// their copies (a SEND's destination address, an iovec array) and the record of a provided buffer they
		// took: the ring is going, so nothing else will free them.
		for (Req& q : c->reqs) {
			if (q.heap) {
				rp_host_free(q.heap, q.heap_size);
				q.heap = nullptr;
			}
			drop_selected_buffer(q);
		}
		rp_host_free(c, sizeof(ReqChunk));
	}
}

void forget_requests(Ring& r)
{
	r.free_reqs = nullptr;
	for (ReqChunk* c = r.req_chunks; c; c = c->next)
		for (Req& q : c->reqs) {
			if (q.heap && !(q.state & REQ_DONE))
				rp_host_free(q.heap, q.heap_size);
			q.heap = nullptr;
			q.rsrc = nullptr;
			q.state = REQ_DONE;
			q.next = r.free_reqs;
			r.free_reqs = &q;
		}
}

void free_req_if_unused(Ring& r, Req* q)
{
	if (!(q->state & REQ_DONE) || q->native_refs || (q->state & REQ_INFLIGHT))
		return;
	if (q->heap) {
		rp_host_free(q->heap, q->heap_size);
		q->heap = nullptr;
	}
	rsrc_release(r, q);
	q->next = r.free_reqs;
	r.free_reqs = q;
}

void mark_inflight(Ring& r, Req* q)
{
	if (!(q->state & REQ_INFLIGHT)) {
		q->state |= REQ_INFLIGHT;
		r.inflight.push_back(q);
	}
}

void clear_inflight(Ring& r, Req* q)
{
	if (q->state & REQ_INFLIGHT) {
		q->state &= ~REQ_INFLIGHT;
		r.inflight.remove(q);
	}
}

Result<int32_t> resolve_fd(Ring& r, const Req& q, int32_t fd, bool fixed)
{
	(void)q;
	if (!fixed)
		return fd;
	if (fd < 0 || uint32_t(fd) >= r.nr_files || r.files[fd] < 0)
		return Result<int32_t>::error(-lx::EBADF);
	return r.files[fd];
}

} // namespace ringport::shim
