// REGISTER_RESIZE_RINGS (Linux 6.13+): new SQ and CQ sizes for a live ring, with Linux 6.18's rules
// (io_uring/register.c): DEFER_TASKRUN rings only, CQSIZE and CLAMP the only flags a resize takes, the ring's
// layout flags kept, the sizes checked and rounded as io_uring_setup does, the params written back with the
// new offsets; then the pending SQEs and CQEs move into the new memory at the same indices, or, if either
// does not fit, nothing changes and the answer is -EOVERFLOW. The program then maps the new rings (liburing's
// io_uring_resize_rings does).
//
// The replaced memory is not let go at once: mmap of the ring fd and poll readiness read the ring's memory
// without its lock, and a reader that took the old pointers just before the swap must still find the pages.
// The last two generations are kept (a reader would have to sleep across two whole resizes), the rest freed.
//
// A ring shared across fork (shared_ring.cpp) is resized in this process only: the others keep their view of
// the old memory. That is sound because a resizable ring is SINGLE_ISSUER (DEFER_TASKRUN requires it), so no
// other process can have requests on it or enter it (-EEXIST); what they may still do, map the ring fd, gives
// them the memory their copy knows. Only when the processes' lock word had to live in the ring memory itself
// (no page of its own could be had) is a shared ring not resized (-EINVAL).
#include "optable.hpp"

namespace ringport::shim {

struct RetiredRings {
	RetiredRings* next;
	rp_host_region* region;
	rp_host_pin* rings_pin;
	rp_host_pin* sqes_pin;
};

namespace {

constexpr uint32_t kResizeFlags = lx::SETUP_CQSIZE | lx::SETUP_CLAMP;
// What a resized ring keeps of its setup flags, whatever the call says.
constexpr uint32_t kCopyFlags = lx::SETUP_NO_SQARRAY | lx::SETUP_SQE128 | lx::SETUP_CQE32 | lx::SETUP_NO_MMAP;
constexpr unsigned kKeepRetired = 2;
constexpr uint64_t kPage = 4096;

void release(const RetiredRings& t)
{
	if (t.region)
		rp_host_region_destroy(t.region);
	if (t.sqes_pin)
		rp_host_unpin_user(t.sqes_pin);
	if (t.rings_pin)
		rp_host_unpin_user(t.rings_pin);
}

// The new memory, before it is the ring's.
struct NewRings {
	RetiredRings mem;
	uint8_t* rings;
	uint8_t* sqes;
};

int allocate(const lx::io_uring_params& p, const RingLayout& l, NewRings* n)
{
	if (p.flags & lx::SETUP_NO_MMAP) {
		uint64_t ru = p.cq_off.user_addr, su = p.sq_off.user_addr;
		if (!ru || !su || (ru & (kPage - 1)) || (su & (kPage - 1)))
			return -lx::EFAULT;
		void *rings = nullptr, *sqes = nullptr;
		if (int e = rp_host_pin_user(ru, l.rings_size, &n->mem.rings_pin, &rings); e) {
			n->mem.rings_pin = nullptr;
			return e;
		}
		if (int e = rp_host_pin_user(su, l.sqes_bytes, &n->mem.sqes_pin, &sqes); e) {
			n->mem.sqes_pin = nullptr;
			release(n->mem);
			return e;
		}
		n->rings = static_cast<uint8_t*>(rings);
		n->sqes = static_cast<uint8_t*>(sqes);
		__builtin_memset(n->rings, 0, l.rings_size);
		return 0;
	}
	void* base = nullptr;
	if (int e = rp_host_region_create(l.region_size, &n->mem.region, &base); e) {
		n->mem.region = nullptr;
		return e;
	}
	n->rings = static_cast<uint8_t*>(base);
	n->sqes = n->rings + l.sqes_offset;
	return 0;
}

uint32_t* word(uint8_t* rings, uint32_t off) { return reinterpret_cast<uint32_t*>(rings + off); }

// Keeps the ring's current memory among the retired generations, freeing what is older.
int retire_current(Ring& r)
{
	auto* t = static_cast<RetiredRings*>(rp_host_alloc(sizeof(RetiredRings)));
	if (!t)
		return -lx::ENOMEM;
	*t = {r.retired, r.region, r.rings_pin, r.sqes_pin};
	r.retired = t;
	RetiredRings* keep = t;
	for (unsigned i = 1; i < kKeepRetired && keep; ++i)
		keep = keep->next;
	if (keep) {
		RetiredRings* old = keep->next;
		keep->next = nullptr;
		while (old) {
			RetiredRings* next = old->next;
			release(*old);
			rp_host_free(old, sizeof(*old));
			old = next;
		}
	}
	return 0;
}

} // namespace

void free_retired_rings(Ring& r)
{
	while (RetiredRings* t = r.retired) {
		r.retired = t->next;
		release(*t);
		rp_host_free(t, sizeof(*t));
	}
}

int64_t resize_rings(Ring& r, uint64_t arg)
{
	if (!(r.flags & lx::SETUP_DEFER_TASKRUN))
		return -lx::EINVAL;
	lx::io_uring_params p;
	if (Status s = copy_in(&p, arg); !s.ok())
		return s.err;
	if (p.flags & ~kResizeFlags)
		return -lx::EINVAL;
	p.flags |= r.flags & kCopyFlags;
	if (Status s = fill_ring_params(p.sq_entries, p); !s.ok())
		return s.err;
	if (r.shared && !r.x_box)
		return -lx::EINVAL;
	RingLayout l = ring_layout(p.flags, p.sq_entries, p.cq_entries);
	p.sq_off.array = l.has_array ? uint32_t(l.array_off) : 0;
	NewRings n{};
	if (int e = allocate(p, l, &n); e)
		return e;
	write_ring_sizes(n.rings, p.sq_entries, p.cq_entries);
	if (Status s = copy_out(arg, p); !s.ok()) {
		release(n.mem);
		return s.err;
	}
	// What is pending moves at the same indices: the SQEs the program queued and the CQEs it has not seen.
	commit(r);
	if (r.shared)
		x_lock(r); // shared mode publishes through the ring memory directly (shared_ring.cpp)
	uint32_t sq_tail = load_acquire(r.k_sq_tail), sq_head = r.shared ? load_acquire(r.k_sq_head) : r.sq_head;
	uint32_t cq_tail = r.shared ? load_acquire(r.k_cq_tail) : r.cq_tail, cq_head = load_acquire(r.k_cq_head);
	int err = 0;
	if (sq_tail - sq_head > p.sq_entries || cq_tail - cq_head > p.cq_entries)
		err = -lx::EOVERFLOW;
	else
		err = retire_current(r);
	if (err) {
		if (r.shared)
			x_unlock(r);
		release(n.mem);
		return err;
	}
	for (uint32_t i = sq_head; i != sq_tail; ++i)
		__builtin_memcpy(n.sqes + uint64_t(i & (p.sq_entries - 1)) * r.sqe_size,
		                 r.sqes + uint64_t(i & (r.sq_entries - 1)) * r.sqe_size, r.sqe_size);
	// The SQ index array is not carried over, as on Linux: the program fills the new one (liburing does).
	for (uint32_t i = cq_head; i != cq_tail; ++i)
		__builtin_memcpy(n.rings + layout::cqes + uint64_t(i & (p.cq_entries - 1)) * r.cqe_size,
		                 r.cqes + uint64_t(i & (r.cq_entries - 1)) * r.cqe_size, r.cqe_size);
	*word(n.rings, layout::sq_head) = sq_head;
	*word(n.rings, layout::sq_tail) = sq_tail;
	*word(n.rings, layout::cq_head) = cq_head;
	*word(n.rings, layout::cq_tail) = cq_tail;
	*word(n.rings, layout::sq_dropped) = __atomic_load_n(r.k_sq_dropped, __ATOMIC_RELAXED);
	*word(n.rings, layout::sq_flags) = __atomic_load_n(r.k_sq_flags, __ATOMIC_RELAXED);
	*word(n.rings, layout::cq_flags) = __atomic_load_n(r.k_cq_flags, __ATOMIC_RELAXED);
	*word(n.rings, layout::cq_overflow) = __atomic_load_n(r.k_cq_overflow, __ATOMIC_RELAXED);
	r.region = n.mem.region;
	r.rings_pin = n.mem.rings_pin;
	r.sqes_pin = n.mem.sqes_pin;
	r.rings_size = l.rings_size;
	r.sqes_offset = (p.flags & lx::SETUP_NO_MMAP) ? 0 : l.sqes_offset;
	r.region_size = (p.flags & lx::SETUP_NO_MMAP) ? 0 : l.region_size;
	r.sq_entries = p.sq_entries;
	r.cq_entries = p.cq_entries;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	point_into_rings(r, n.rings, n.sqes, l);
	if (r.shared)
		x_unlock(r);
	return 0;
}

} // namespace ringport::shim
