// Personalities (REGISTER_PERSONALITY, UNREGISTER_PERSONALITY, sqe->personality): a registration snapshots the
// calling task's credentials under an id; an SQE naming the id runs with them.
//
// How they are honoured: while the personality equals the current credentials, the SQE simply runs (exactly
// Linux's behaviour, at no cost). When the program changed uid, gid or groups since it registered, the OS runs
// the request's native ops with the personality's credentials: registration also snapshots them in the native
// ring under the same id (rp_host_ring_creds), and each native SQE of such a request carries RP_SQE_CREDS with
// the id (native_queue.cpp). The hosted OS switches the credentials of the one thread that executes the op, for
// that op only (os/hosted/src/creds.cpp). An OS without credential registration (the reference kernel, whose
// single identity never changes), a native ring made anew after fork, or a host that will not let the process
// take those credentials back (it dropped root for good) completes the request -EPERM instead: it never runs
// with credentials it was not given (docs/compat-matrix.md). Capabilities and security labels are not
// compared: they follow uid changes on Linux, and on the host they follow the switched uids the same way.
#include "optable.hpp"

namespace ringport::shim {

namespace {

constexpr uint32_t kMaxId = 0xffff; // Linux: XA_LIMIT(0, USHRT_MAX) with ids from 1

bool same_creds(const rp_host_creds& a, const rp_host_creds& b)
{
	return a.uid == b.uid && a.euid == b.euid && a.suid == b.suid && a.fsuid == b.fsuid && a.gid == b.gid &&
	       a.egid == b.egid && a.sgid == b.sgid && a.fsgid == b.fsgid && a.ngroups == b.ngroups &&
	       a.groups_hash == b.groups_hash;
}

// The first id not in use at or after from (the list is sorted), 0 when every one up to kMaxId is.
uint32_t free_id_from(const Ring& r, uint32_t from)
{
	uint32_t id = from;
	for (const Personality* p = r.personalities; p && id <= kMaxId; p = p->next) {
		if (p->id < id)
			continue;
		if (p->id > id)
			break;
		++id;
	}
	return id <= kMaxId ? id : 0;
}

} // namespace

const Personality* find_personality(const Ring& r, uint32_t id)
{
	for (const Personality* p = r.personalities; p && p->id <= id; p = p->next)
		if (p->id == id)
			return p;
	return nullptr;
}

int64_t register_personality(Ring& r)
{
	auto* p = static_cast<Personality*>(rp_host_alloc(sizeof(Personality)));
	if (!p)
		return -lx::ENOMEM;
	if (int e = rp_host_current_creds(&p->creds); e) {
		rp_host_free(p, sizeof(*p));
		return e;
	}
	// Cyclic, as xa_alloc_cyclic: after the last id handed out, wrapping to 1; -EBUSY when all are taken.
	uint32_t from = r.pers_next ? r.pers_next : 1;
	uint32_t id = free_id_from(r, from);
	if (!id && from > 1)
		id = free_id_from(r, 1);
	if (!id) {
		rp_host_free(p, sizeof(*p));
		return -lx::EBUSY;
	}
	p->id = id;
	// Same snapshot, same id, in the native ring: what lets the OS run an SQE with it later.
	p->native_creds = rp_host_ring_creds(r.native, uint16_t(id)) == 0 ? r.native : nullptr;
	Personality** at = &r.personalities;
	while (*at && (*at)->id < id)
		at = &(*at)->next;
	p->next = *at;
	*at = p;
	r.pers_next = id == kMaxId ? 1 : id + 1;
	return id;
}

int64_t unregister_personality(Ring& r, uint32_t id)
{
	for (Personality** at = &r.personalities; *at; at = &(*at)->next)
		if ((*at)->id == id) {
			Personality* p = *at;
			*at = p->next;
			rp_host_free(p, sizeof(*p));
			return 0;
		}
	return -lx::EINVAL; // Linux: xa_erase found nothing
}

void free_personalities(Ring& r)
{
	while (Personality* p = r.personalities) {
		r.personalities = p->next;
		rp_host_free(p, sizeof(*p));
	}
}

int personality_check(Ring& r, Req& q)
{
	const Personality* p = find_personality(r, q.sqe.personality);
	if (!p)
		return -lx::EINVAL;
	q.state |= REQ_CREDS;
	rp_host_creds now;
	if (int e = rp_host_current_creds(&now); e)
		return e;
	if (same_creds(p->creds, now))
		return 0;
	if (!p->native_creds || p->native_creds != r.native)
		return -lx::EPERM;
	q.state |= REQ_BORROW_CREDS;
	return 0;
}

} // namespace ringport::shim
