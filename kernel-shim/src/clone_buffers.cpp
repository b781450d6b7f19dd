// REGISTER_CLONE_BUFFERS: a ring takes registered buffers from another ring (or from itself), named by ring
// fd or by registered-ring index, with Linux 6.18's argument rules and errnos (io_uring/rsrc.c).
//
// The source's table is copied while only the source's lock is held, then installed while only this ring's
// is: holding both at once would need an order between rings' locks that the enter paths do not follow. The
// copy is a snapshot of the source at one moment, which is all Linux promises too (the buffers are shared,
// the tables are not). Clones carry no tags, as Linux's new nodes do not.
#include "optable.hpp"

namespace ringport::shim {

namespace {

constexpr uint32_t kMaxRegBuffers = 1u << 14; // IORING_MAX_REG_BUFFERS

struct Snapshot {
	RegisteredBuffer* bufs;
	uint32_t nr;
};

// Copies the source's table under its lock: 0, -EEXIST (a SINGLE_ISSUER source owned by another task) or
// -ENOMEM.
int snapshot(Ring& src, Ring& dst, Snapshot* out)
{
	bool other = &src != &dst;
	if (other)
		src.lock.lock();
	int err = 0;
	if (other && src.submitter_task && src.submitter_task != rp_host_task_id()) {
		err = -lx::EEXIST;
	} else if ((out->nr = src.nr_bufs)) {
		out->bufs = static_cast<RegisteredBuffer*>(rp_host_alloc(sizeof(RegisteredBuffer) * out->nr));
		if (out->bufs)
			__builtin_memcpy(out->bufs, src.bufs, sizeof(RegisteredBuffer) * out->nr);
		else
			err = -lx::ENOMEM;
	}
	if (other)
		unlock_ring(src);
	return err;
}

// Linux's io_clone_buffers with the source table in hand. This ring's lock held.
int64_t install(Ring& r, const Snapshot& src, lx::io_uring_clone_buffers& a)
{
	// Offsets mean nothing without a count.
	if (!a.nr && (a.dst_off || a.src_off))
		return -lx::EINVAL;
	if (r.nr_bufs && !(a.flags & lx::REGISTER_DST_REPLACE))
		return -lx::EBUSY;
	if (!src.nr)
		return -lx::ENXIO;
	if (!a.nr)
		a.nr = src.nr;
	else if (a.nr > src.nr || a.nr > kMaxRegBuffers)
		return -lx::EINVAL;
	if (uint64_t(a.nr) + a.src_off > src.nr)
		return -lx::EOVERFLOW;
	uint64_t end = uint64_t(a.nr) + a.dst_off;
	if (end > 0xffffffffull)
		return -lx::EOVERFLOW;
	if (end > kMaxRegBuffers)
		return -lx::EINVAL;
	uint32_t old_nr = r.nr_bufs;
	uint32_t nr = uint32_t(end) > old_nr ? uint32_t(end) : old_nr;
	auto* bufs = static_cast<RegisteredBuffer*>(rp_host_alloc(sizeof(RegisteredBuffer) * nr));
	auto* tags = static_cast<uint64_t*>(rp_host_alloc(sizeof(uint64_t) * nr));
	if (!bufs || !tags) {
		rp_host_free(bufs, sizeof(RegisteredBuffer) * nr);
		rp_host_free(tags, sizeof(uint64_t) * nr);
		return -lx::ENOMEM;
	}
	// This ring's slots outside the cloned range stay as they were, tags included (zeroed memory: empty
	// slots elsewhere).
	for (uint32_t i = 0; i < old_nr; ++i)
		if (i < a.dst_off || i >= end) {
			bufs[i] = r.bufs[i];
			tags[i] = r.buf_tags ? r.buf_tags[i] : 0;
		}
	for (uint32_t k = 0; k < a.nr; ++k)
		bufs[a.dst_off + k] = src.bufs[a.src_off + k];
	replace_buffer_table(r, bufs, tags, nr, a.dst_off, uint32_t(end));
	return 0;
}

} // namespace

int64_t clone_buffers(Ring& r, uint64_t arg, uint32_t nr)
{
	if (!arg || nr != 1)
		return -lx::EINVAL;
	lx::io_uring_clone_buffers a;
	if (Status s = copy_in(&a, arg); !s.ok())
		return s.err;
	if (a.flags & ~(lx::REGISTER_SRC_REGISTERED | lx::REGISTER_DST_REPLACE))
		return -lx::EINVAL;
	r.lock.lock();
	bool busy = r.nr_bufs != 0;
	unlock_ring(r);
	if (busy && !(a.flags & lx::REGISTER_DST_REPLACE))
		return -lx::EBUSY;
	if (!all_zero(a.pad, sizeof(a.pad)))
		return -lx::EINVAL;
	int err = 0;
	auto* src = static_cast<Ring*>(rp_host_ring_get(a.src_fd, (a.flags & lx::REGISTER_SRC_REGISTERED) != 0, &err));
	if (!src)
		return err;
	Snapshot snap{nullptr, 0};
	int64_t ret = snapshot(*src, r, &snap);
	if (!ret) {
		// As every registration runs (register_op): this process's native ring exists, and the ring is run
		// from this thread.
		r.lock.lock();
		ret = own_native(r);
		if (!ret) {
			bool was = r.in_submit;
			r.in_submit = true;
			ret = install(r, snap, a);
			if (!ret)
				commit(r); // tags of replaced buffers that no request holds any more
			r.in_submit = was;
		}
		unlock_ring(r);
	}
	if (snap.bufs)
		rp_host_free(snap.bufs, sizeof(RegisteredBuffer) * snap.nr);
	ring_unref(src);
	return ret;
}

} // namespace ringport::shim
