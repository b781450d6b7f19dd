// The registry of userspace schemes and the forwarding of one request: push it on the scheme's request ring,
// wake the server, sleep until its reply CQE comes back (scheme.hpp). The server's memory is never trusted:
// the kernel's producer and consumer captured the ring sizes at creation, a reply whose tag the kernel did
// not send is dropped, and a header the server corrupted makes the scheme dead (EPIPE), never a kernel fault.
#include "Schemes/scheme.hpp"

#include "Library/errno.hpp"
#include "Library/string.hpp"

namespace kernel::schemes {

using namespace ringport;

namespace {

constinit Scheme *registry[max_schemes] = {};
constinit size_t live = 0;

bool valid_name(const char *s, size_t n)
{
	if (n == 0 || n > max_name)
		return false;
	for (size_t i = 0; i < n; ++i) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-' || c == '.'))
			return false;
	}
	return true;
}

Scheme::Pending *find_pending(Scheme *s, uint64_t tag)
{
	for (auto &p : s->pending)
		if (p.used && p.tag == tag)
			return &p;
	return nullptr;
}

void release_pending(Scheme *s, Scheme::Pending *p)
{
	if (p->slot >= 0)
		scheme_free_slot(s, p->slot);
	*p = Scheme::Pending{};
}

// Takes every reply the server has published. A reply for an orphan frees it; one for a tag the kernel does
// not know (a confused or hostile server) is dropped. A corrupted CQ header kills the scheme.
void drain_replies(Scheme *s)
{
	if (s->dead)
		return;
	for (;;) {
		rp_cqe cqe;
		int64_t result = 0;
		rp_ring_error e = native::pop_completion(s->replies, &cqe, &result);
		if (e == RP_RING_EMPTY)
			break;
		if (e != RP_RING_OK) {
			scheme_kill(s);
			return;
		}
		Scheme::Pending *p = find_pending(s, cqe.user_data);
		if (!p || p->done)
			continue;
		if (p->orphan) {
			release_pending(s, p);
			continue;
		}
		p->result = result;
		p->done = true;
	}
	s->replies.release(); // nobody sleeps on the CQ head: the server never waits for room (replies always fit)
}

void free_scheme(Scheme *s)
{
	release_page_run(s->ring_run);
	release_page_run(s->data_run);
	destroy(s);
	--live;
}

} // namespace

size_t scheme_prefix(const char *path)
{
	for (size_t i = 0; path[i] && i <= max_name; ++i) {
		if (path[i] == '/')
			return 0;
		if (path[i] == ':')
			return valid_name(path, i) ? i : 0;
	}
	return 0;
}

Scheme *scheme_find(const char *name, size_t length)
{
	for (Scheme *s : registry)
		if (s && s->name_length == length && memcmp(s->name, name, length) == 0)
			return s;
	return nullptr;
}

void scheme_ref(Scheme *s) { ++s->refs; }

void scheme_unref(Scheme *s)
{
	KERNEL_ASSERT(s->refs > 0);
	if (--s->refs == 0)
		free_scheme(s);
}

void scheme_kill(Scheme *s)
{
	if (s->dead)
		return;
	s->dead = true;
	for (Scheme *&r : registry)
		if (r == s)
			r = nullptr;
	native::mark_dropped(s->sq); // a forked copy of the server still mapping the ring sees the end
}

size_t live_schemes() { return live; }

Result<Scheme *> scheme_register(const char *name, size_t length, rp_kernel_scheme_view *view)
{
	if (!valid_name(name, length))
		return Error(EINVAL);
	if (scheme_find(name, length))
		return Error(EADDRINUSE);
	Scheme **free_entry = nullptr;
	for (Scheme *&r : registry)
		if (!r) {
			free_entry = &r;
			break;
		}
	if (!free_entry)
		return Error(ENOMEM);
	Scheme *s = create<Scheme>();
	if (!s)
		return Error(ENOMEM);
	void *ring_memory = nullptr, *data = nullptr;
	s->ring_run = allocate_page_run(ring_bytes, &ring_memory);
	s->data_run = s->ring_run ? allocate_page_run(size_t(slot_count) * slot_size, &data) : nullptr;
	if (!s->data_run) {
		if (s->ring_run)
			release_page_run(s->ring_run);
		destroy(s);
		return Error(ENOMEM);
	}
	++live;
	memcpy(s->name, name, length);
	s->name_length = length;
	s->refs = 1;
	s->ring_memory = static_cast<char *>(ring_memory);
	s->data = static_cast<char *>(data);
	s->sq = reinterpret_cast<rp_ring_header *>(s->ring_memory + sq_header_offset);
	s->cq = reinterpret_cast<rp_ring_header *>(s->ring_memory + cq_header_offset);
	s->sqes = reinterpret_cast<rp_sqe *>(s->ring_memory + sqes_offset);
	s->cqes = reinterpret_cast<rp_cqe *>(s->ring_memory + cqes_offset);
	(void)native::init_header(s->sq, request_entries, sizeof(rp_sqe), 0);
	(void)native::init_header(s->cq, reply_entries, sizeof(rp_cqe), 0);
	s->requests = native::SqProducer(s->sq, s->sqes);
	s->replies = native::CqConsumer(s->cq, s->cqes);
	s->next_tag = 1;

	// Into the server: the ring page and the data area, read-write (it consumes requests, writes replies).
	Result<uint64_t> ring_at = map_page_run(s->ring_run, 0, ring_bytes, 0, protect_read | protect_write, 0);
	Result<uint64_t> data_at = ring_at.ok() ? map_page_run(s->data_run, 0, size_t(slot_count) * slot_size, 0,
	                                                       protect_read | protect_write, 0)
	                                        : Result<uint64_t>(Error(ENOMEM));
	if (!data_at.ok()) {
		if (ring_at.ok())
			unmap_user(ring_at.value(), ring_bytes);
		free_scheme(s);
		return Error(ENOMEM);
	}
	*view = rp_kernel_scheme_view{};
	view->sq = ring_at.value() + sq_header_offset;
	view->cq = ring_at.value() + cq_header_offset;
	view->sqes = ring_at.value() + sqes_offset;
	view->cqes = ring_at.value() + cqes_offset;
	view->data = data_at.value();
	view->slot_size = slot_size;
	view->slot_count = slot_count;
	*free_entry = s;
	return s;
}

Result<int> scheme_wait_slot(Scheme *s)
{
	for (;;) {
		if (s->dead)
			return Error(EPIPE);
		int slot = scheme_take_slot(s);
		if (slot >= 0)
			return slot;
		if (stop_requested())
			return Error(EINTR);
		wait_for_event(no_deadline);
		drain_replies(s); // a late reply to an interrupted request frees its slot
	}
}

int scheme_take_slot(Scheme *s)
{
	for (uint32_t i = 0; i < slot_count; ++i)
		if (!s->slot_busy[i]) {
			s->slot_busy[i] = true;
			return int(i);
		}
	return -1;
}

void scheme_free_slot(Scheme *s, int slot)
{
	if (slot >= 0 && uint32_t(slot) < slot_count)
		s->slot_busy[slot] = false;
}

namespace {

Result<int64_t> forward(Scheme *s, rp_sqe request, int slot, bool fire_and_forget)
{
	if (s->dead) {
		scheme_free_slot(s, slot);
		return Error(EPIPE);
	}
	// A free entry of the in-flight table; when all are taken (many threads, or closes the server has not
	// answered yet), wait for replies as a caller waits for its own: the request ring never overflows.
	Scheme::Pending *p = nullptr;
	for (;;) {
		drain_replies(s); // replies to orphans free their entries
		if (s->dead) {
			scheme_free_slot(s, slot);
			return Error(EPIPE);
		}
		for (auto &candidate : s->pending)
			if (!candidate.used) {
				p = &candidate;
				break;
			}
		if (p)
			break;
		if (stop_requested()) {
			scheme_free_slot(s, slot);
			return Error(EINTR);
		}
		if (fire_and_forget) {
			scheme_free_slot(s, slot);
			return Error(EAGAIN); // a close from a destructor does not wait: the server keeps a stale handle
		}
		wait_for_event(no_deadline);
	}
	request.user_data = s->next_tag++;
	request.flags = 0;
	rp_ring_error e = s->requests.push(request);
	if (e != RP_RING_OK) {
		// At most request_entries are pending, so a full ring means the server scribbled on its head.
		scheme_kill(s);
		scheme_free_slot(s, slot);
		return Error(EPIPE);
	}
	*p = Scheme::Pending{request.user_data, 0, slot, true, false, fire_and_forget};
	if (s->requests.publish())
		futex_wake_page_run(s->ring_run, sq_header_offset + offsetof(rp_ring_header, tail), UINT32_MAX);
	if (s->requests_published)
		s->requests_published(s->requests_context);
	if (fire_and_forget)
		return int64_t(0);

	// Sleep until the reply is there. Counting ourselves in the CQ's tail_waiters makes the server's publish
	// ask for a wake-up (a FUTEX_WAKE system call), and the end of any system call ends wait_for_event.
	__atomic_fetch_add(&s->cq->tail_waiters, 1, __ATOMIC_SEQ_CST);
	int64_t result = 0;
	int error = EPIPE; // 0: result is the reply
	for (;;) {
		drain_replies(s);
		if (p->done) {
			result = p->result;
			error = 0;
			*p = Scheme::Pending{}; // the slot stays the caller's: it copies a Read's bytes out, then frees it
			break;
		}
		if (s->dead) {
			release_pending(s, p);
			break;
		}
		if (stop_requested()) {
			p->orphan = true; // the reply (if any) frees the slot
			error = EINTR;
			break;
		}
		wait_for_event(no_deadline);
	}
	__atomic_fetch_sub(&s->cq->tail_waiters, 1, __ATOMIC_SEQ_CST);
	if (error)
		return Error(error);
	return result;
}

} // namespace

Result<int64_t> scheme_forward(Scheme *s, rp_sqe request, int slot, bool fire_and_forget)
{
	scheme_ref(s); // a server that dies while we wait must leave the object valid until we look
	Result<int64_t> r = forward(s, request, slot, fire_and_forget);
	scheme_unref(s);
	return r;
}

} // namespace kernel::schemes
