// io_uring_setup(2): validates params as Linux does, lays the rings out exactly like Linux's struct io_rings,
// creates the native ring and fills every params field.
#include "optable.hpp"

namespace ringport::shim {

namespace {

constexpr uint32_t kMaxEntries = 32768;
constexpr uint32_t kMaxCqEntries = 2 * kMaxEntries;
constexpr uint64_t kPage = 4096;

// Flags Linux knows; of these the shim honours kHonoured and refuses the rest with -EINVAL, as a kernel
// built without them would.
constexpr uint32_t kKnown = lx::SETUP_IOPOLL | lx::SETUP_SQPOLL | lx::SETUP_SQ_AFF | lx::SETUP_CQSIZE |
                            lx::SETUP_CLAMP | lx::SETUP_ATTACH_WQ | lx::SETUP_R_DISABLED | lx::SETUP_SUBMIT_ALL |
                            lx::SETUP_COOP_TASKRUN | lx::SETUP_TASKRUN_FLAG | lx::SETUP_SQE128 | lx::SETUP_CQE32 |
                            lx::SETUP_SINGLE_ISSUER | lx::SETUP_DEFER_TASKRUN | lx::SETUP_NO_MMAP |
                            lx::SETUP_REGISTERED_FD_ONLY | lx::SETUP_NO_SQARRAY | lx::SETUP_HYBRID_IOPOLL |
                            lx::SETUP_CQE_MIXED | lx::SETUP_SQE_MIXED;
constexpr uint32_t kHonoured = lx::SETUP_SQPOLL | lx::SETUP_SQ_AFF | lx::SETUP_IOPOLL | lx::SETUP_CQSIZE | lx::SETUP_CLAMP | lx::SETUP_R_DISABLED | lx::SETUP_SUBMIT_ALL |
                               lx::SETUP_COOP_TASKRUN | lx::SETUP_TASKRUN_FLAG | lx::SETUP_SQE128 |
                               lx::SETUP_CQE32 | lx::SETUP_SINGLE_ISSUER | lx::SETUP_DEFER_TASKRUN |
                               lx::SETUP_NO_MMAP | lx::SETUP_REGISTERED_FD_ONLY | lx::SETUP_NO_SQARRAY |
                               lx::SETUP_ATTACH_WQ | lx::SETUP_CQE_MIXED | lx::SETUP_SQE_MIXED;

// Feature bits the shim actually delivers (see docs/compat-matrix.md).
// CUR_PERSONALITY: the OS runs every op with the credentials of the submitting process.
constexpr uint32_t kFeatures = lx::FEAT_SINGLE_MMAP | lx::FEAT_NODROP | lx::FEAT_SUBMIT_STABLE | lx::FEAT_CUR_PERSONALITY |
                               lx::FEAT_RSRC_TAGS | lx::FEAT_RW_CUR_POS | lx::FEAT_FAST_POLL | lx::FEAT_POLL_32BITS | lx::FEAT_EXT_ARG |
                               lx::FEAT_CQE_SKIP | lx::FEAT_LINKED_FILE | lx::FEAT_REG_REG_RING | lx::FEAT_SQPOLL_NONFIXED |
                               lx::FEAT_MIN_TIMEOUT | lx::FEAT_NO_IOWAIT | lx::FEAT_RECVSEND_BUNDLE;

} // namespace

Status fill_ring_params(uint32_t entries, lx::io_uring_params& p)
{
	if (!entries)
		return Status::fail(-lx::EINVAL);
	if (entries > kMaxEntries) {
		if (!(p.flags & lx::SETUP_CLAMP))
			return Status::fail(-lx::EINVAL);
		entries = kMaxEntries;
	}
	if ((p.flags & lx::SETUP_REGISTERED_FD_ONLY) && !(p.flags & lx::SETUP_NO_MMAP))
		return Status::fail(-lx::EINVAL);
	p.sq_entries = round_up_pow2(entries);
	if (p.flags & lx::SETUP_CQSIZE) {
		if (!p.cq_entries)
			return Status::fail(-lx::EINVAL);
		if (p.cq_entries > kMaxCqEntries) {
			if (!(p.flags & lx::SETUP_CLAMP))
				return Status::fail(-lx::EINVAL);
			p.cq_entries = kMaxCqEntries;
		}
		p.cq_entries = round_up_pow2(p.cq_entries);
		if (p.cq_entries < p.sq_entries)
			return Status::fail(-lx::EINVAL);
	} else {
		p.cq_entries = 2 * p.sq_entries;
	}
	p.sq_off.head = layout::sq_head;
	p.sq_off.tail = layout::sq_tail;
	p.sq_off.ring_mask = layout::sq_ring_mask;
	p.sq_off.ring_entries = layout::sq_ring_entries;
	p.sq_off.flags = layout::sq_flags;
	p.sq_off.dropped = layout::sq_dropped;
	p.sq_off.resv1 = 0;
	if (!(p.flags & lx::SETUP_NO_MMAP))
		p.sq_off.user_addr = 0;
	p.cq_off.head = layout::cq_head;
	p.cq_off.tail = layout::cq_tail;
	p.cq_off.ring_mask = layout::cq_ring_mask;
	p.cq_off.ring_entries = layout::cq_ring_entries;
	p.cq_off.overflow = layout::cq_overflow;
	p.cq_off.cqes = layout::cqes;
	p.cq_off.flags = layout::cq_flags;
	p.cq_off.resv1 = 0;
	if (!(p.flags & lx::SETUP_NO_MMAP))
		p.cq_off.user_addr = 0;
	return kOk;
}

RingLayout ring_layout(uint32_t flags, uint32_t sq_entries, uint32_t cq_entries)
{
	// Linux's io_rings: the fixed header, the CQEs at 64, then (cache-line aligned) the SQ index array; the
	// SQE array on a page of its own after the rings.
	RingLayout l{};
	uint64_t cqe_size = (flags & lx::SETUP_CQE32) ? 32 : 16;
	uint64_t sqe_size = (flags & lx::SETUP_SQE128) ? 128 : 64;
	uint64_t cqes_end = layout::cqes + uint64_t(cq_entries) * cqe_size;
	l.array_off = align_up(cqes_end, 64);
	l.has_array = !(flags & lx::SETUP_NO_SQARRAY);
	l.rings_size = l.has_array ? l.array_off + 4ull * sq_entries : l.array_off;
	l.sqes_bytes = uint64_t(sq_entries) * sqe_size;
	l.sqes_offset = align_up(l.rings_size, kPage);
	l.region_size = l.sqes_offset + align_up(l.sqes_bytes, kPage);
	return l;
}

void point_into_rings(Ring& r, uint8_t* rings, uint8_t* sqes, const RingLayout& l)
{
	r.rings = rings;
	r.sqes = sqes;
	auto word = [rings](uint64_t off) { return reinterpret_cast<uint32_t*>(rings + off); };
	r.k_sq_head = word(layout::sq_head);
	r.k_sq_tail = word(layout::sq_tail);
	r.k_sq_flags = word(layout::sq_flags);
	r.k_sq_dropped = word(layout::sq_dropped);
	r.k_cq_head = word(layout::cq_head);
	r.k_cq_tail = word(layout::cq_tail);
	r.k_cq_flags = word(layout::cq_flags);
	r.k_cq_overflow = word(layout::cq_overflow);
	r.cqes = rings + layout::cqes;
	r.sq_array = l.has_array ? word(l.array_off) : nullptr;
}

void write_ring_sizes(uint8_t* rings, uint32_t sq_entries, uint32_t cq_entries)
{
	auto word = [rings](uint32_t off) { return reinterpret_cast<uint32_t*>(rings + off); };
	*word(layout::sq_ring_mask) = sq_entries - 1;
	*word(layout::cq_ring_mask) = cq_entries - 1;
	*word(layout::sq_ring_entries) = sq_entries;
	*word(layout::cq_ring_entries) = cq_entries;
}

namespace {

void destroy(Ring* r)
{
	// No reference may be taken for deferred work from here on (the count is already zero).
	__atomic_store_n(&r->kick_pending, 1, __ATOMIC_RELEASE);
	sqpoll_stop(*r); // before anything it uses goes
	live_remove(r);
	if (r->shared)
		shared_release(*r);
	if (r->native)
		rp_host_ring_destroy(r->native); // cancels and waits for the OS; no callback after this
	if (r->shared)
		shared_free(*r); // the cross-process words' page, used up to here
	while (r->overflow_head) {
		OverflowCqe* o = r->overflow_head;
		r->overflow_head = o->next;
		rp_host_free(o, sizeof(*o));
	}
	rsrc_teardown(*r);
	free_personalities(*r);
	if (r->files) {
		for (uint32_t i = 0; i < r->nr_files; ++i)
			if (r->files[i] >= 0)
				rp_host_file_put(r->files[i]);
		rp_host_free(r->files, sizeof(int32_t) * r->nr_files);
	}
	if (r->file_tags)
		rp_host_free(r->file_tags, sizeof(uint64_t) * r->nr_files);
	if (r->buf_tags)
		rp_host_free(r->buf_tags, sizeof(uint64_t) * r->nr_bufs);
	free_buffer_groups(*r);
	free_mem_region(*r);
	for (OverflowCqe* m = r->inbox; m;) {
		OverflowCqe* next = m->next;
		rp_host_free(m, sizeof(*m));
		m = next;
	}
	if (r->poll_hash)
		rp_host_free(r->poll_hash, sizeof(Req*) * (r->poll_hash_mask + 1));
	if (r->bufs)
		rp_host_free(r->bufs, sizeof(RegisteredBuffer) * r->nr_bufs);
	if (r->eventfd >= 0)
		rp_host_file_put(r->eventfd);
	free_req_chunks(*r);
	if (r->region)
		rp_host_region_destroy(r->region);
	unpin_ring_memory(*r);
	free_retired_rings(*r);
	rp_host_free(r, sizeof(Ring));
}

} // namespace

int64_t setup(uint32_t entries, uint64_t user_params, ResolveRingFn resolve_wq, Ring** out)
{
	lx::io_uring_params p;
	if (Status s = copy_in(&p, user_params); !s.ok())
		return s.err;
	for (uint32_t v : p.resv)
		if (v)
			return -lx::EINVAL;
	if (p.flags & ~kKnown)
		return -lx::EINVAL;
	if (Status s = fill_ring_params(entries, p); !s.ok())
		return s.err;
	// Linux's cross-flag rules, then the flags this shim does not implement.
	if ((p.flags & lx::SETUP_TASKRUN_FLAG) && !(p.flags & (lx::SETUP_COOP_TASKRUN | lx::SETUP_DEFER_TASKRUN)))
		return -lx::EINVAL;
	if ((p.flags & lx::SETUP_DEFER_TASKRUN) && !(p.flags & lx::SETUP_SINGLE_ISSUER))
		return -lx::EINVAL;
	if ((p.flags & lx::SETUP_SQPOLL) &&
	    (p.flags & (lx::SETUP_COOP_TASKRUN | lx::SETUP_TASKRUN_FLAG | lx::SETUP_DEFER_TASKRUN)))
		return -lx::EINVAL;
	if ((p.flags & lx::SETUP_SQ_AFF) && !(p.flags & lx::SETUP_SQPOLL))
		return -lx::EINVAL;
	if ((p.flags & lx::SETUP_SQ_AFF) && p.sq_thread_cpu >= rp_host_cpu_count())
		return -lx::EINVAL;
	if ((p.flags & (lx::SETUP_IOPOLL | lx::SETUP_HYBRID_IOPOLL)) == lx::SETUP_HYBRID_IOPOLL)
		return -lx::EINVAL;
	// A mixed ring keeps the small entry size and places big entries in two slots; with every entry already big
	// there is nothing to mix, and Linux refuses the pair.
	if ((p.flags & lx::SETUP_CQE_MIXED) && (p.flags & lx::SETUP_CQE32))
		return -lx::EINVAL;
	if ((p.flags & lx::SETUP_SQE_MIXED) && (p.flags & lx::SETUP_SQE128))
		return -lx::EINVAL;
	if (p.flags & ~kHonoured)
		return -lx::EINVAL;
	if (p.flags & lx::SETUP_ATTACH_WQ) {
		// The work queue is the OS's; attaching only needs a valid ring to attach to.
		Ring* attach = nullptr;
		if (!resolve_wq)
			return -lx::EINVAL;
		if (int e = resolve_wq(int32_t(p.wq_fd), &attach); e)
			return e;
	}

	Ring* r = alloc_zeroed<Ring>();
	if (!r)
		return -lx::ENOMEM;
	r->refs = 1;
	r->flags = p.flags;
	r->sq_entries = p.sq_entries;
	r->cq_entries = p.cq_entries;
	r->sqe_size = (p.flags & lx::SETUP_SQE128) ? 128 : 64;
	r->cqe_size = (p.flags & lx::SETUP_CQE32) ? 32 : 16;
	r->disabled = p.flags & lx::SETUP_R_DISABLED;
	r->eventfd = -1;
	r->wake_word = &r->wake_seq;
	if ((p.flags & lx::SETUP_SINGLE_ISSUER) && !r->disabled)
		r->submitter_task = rp_host_task_id();

	RingLayout l = ring_layout(p.flags, r->sq_entries, r->cq_entries);
	r->rings_size = l.rings_size;
	p.sq_off.array = l.has_array ? uint32_t(l.array_off) : 0;

	if (p.flags & lx::SETUP_NO_MMAP) {
		// The program's memory: rings at cq_off.user_addr, SQEs at sq_off.user_addr, both page aligned.
		uint64_t ru = p.cq_off.user_addr, su = p.sq_off.user_addr;
		if (!ru || !su || (ru & (kPage - 1)) || (su & (kPage - 1))) {
			destroy(r);
			return -lx::EFAULT;
		}
		// Pinned, as Linux pins them: every page checked, and the shim's views outlive the program's mappings.
		if (int e = pin_ring_memory(*r, ru, su, l.sqes_bytes); e) {
			destroy(r);
			return e;
		}
		__builtin_memset(r->rings, 0, r->rings_size);
	} else {
		r->sqes_offset = l.sqes_offset;
		r->region_size = l.region_size;
		void* base = nullptr;
		int e = rp_host_region_create(r->region_size, &r->region, &base);
		if (e) {
			destroy(r);
			return e;
		}
		r->rings = static_cast<uint8_t*>(base);
		r->sqes = r->rings + r->sqes_offset;
	}
	point_into_rings(*r, r->rings, r->sqes, l);
	write_ring_sizes(r->rings, r->sq_entries, r->cq_entries);

	// The native ring: room for every SQE plus its timer/cancel companions, and a CQ that is drained often.
	rp_host_ring_params np{};
	np.sq_entries = r->sq_entries < 256 ? 256 : (r->sq_entries > 16384 ? 32768 : r->sq_entries * 2);
	np.cq_entries = r->cq_entries * 2 < 512 ? 512 : (r->cq_entries * 2 > 65536 ? 65536 : r->cq_entries * 2);
	r->native_params = np;
	rp_host_ring_view view{};
	if (int e = rp_host_ring_create(&np, &r->native, &view); e) {
		destroy(r);
		return e;
	}
	r->nsq = native::SqProducer(view.sq, view.sqes);
	r->ncq = native::CqConsumer(view.cq, view.cqes);
	rp_host_ring_set_notify(r->native, on_native_notify, r);
	if (p.flags & lx::SETUP_SQPOLL) {
		if (int e = sqpoll_start(*r, p.sq_thread_idle, (p.flags & lx::SETUP_SQ_AFF) ? int32_t(p.sq_thread_cpu) : -1); e) {
			destroy(r);
			return e;
		}
	}

	p.features = kFeatures;
	if (Status s = copy_out(user_params, p); !s.ok()) {
		destroy(r);
		return s.err;
	}
	live_add(r);
	*out = r;
	return 0;
}

void ring_ref(Ring* r) { __atomic_fetch_add(&r->refs, 1, __ATOMIC_RELAXED); }

void ring_unref(Ring* r)
{
	if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0)
		destroy(r);
}

uint32_t setup_flags(Ring* r) { return r->flags; }
uint32_t honoured_setup_flags() { return kHonoured; }
uint32_t advertised_features() { return kFeatures; }

void set_poll_cookie(Ring* r, void* cookie) { __atomic_store_n(&r->poll_cookie, cookie, __ATOMIC_RELEASE); }

int64_t mmap_target(Ring* r, uint64_t pgoff, uint64_t length, MapTarget* out)
{
	uint64_t base, size;
	rp_host_region* region;
	switch (pgoff & lx::OFF_MMAP_MASK) {
	case lx::OFF_SQ_RING:
	case lx::OFF_CQ_RING:
	case lx::OFF_SQES:
		// Without the ring's lock (a forked child must not reap the ring here): a resize running meanwhile
		// (resize_rings.cpp) may hand out the region it just replaced, which it keeps alive for such readers.
		region = __atomic_load_n(&r->region, __ATOMIC_ACQUIRE);
		base = (pgoff & lx::OFF_MMAP_MASK) == lx::OFF_SQES ? __atomic_load_n(&r->sqes_offset, __ATOMIC_RELAXED) : 0;
		size = (pgoff & lx::OFF_MMAP_MASK) == lx::OFF_SQES
		           ? uint64_t(__atomic_load_n(&r->sq_entries, __ATOMIC_RELAXED)) * r->sqe_size
		           : __atomic_load_n(&r->rings_size, __ATOMIC_RELAXED);
		if (!region)
			return -lx::EINVAL; // NO_MMAP rings have no rings to map (buffer rings and regions are still mappable)
		break;
	case lx::OFF_PBUF_RING: {
		// A provided-buffer ring the shim allocated (IOU_PBUF_RING_MMAP); the group id sits above the shift.
		auto bgid = uint16_t((pgoff & ~lx::OFF_MMAP_MASK) >> lx::OFF_PBUF_SHIFT);
		r->lock.lock();
		int64_t e = pbuf_map_target(*r, bgid, length, &out->region);
		unlock_ring(*r);
		out->region_offset = 0;
		return e;
	}
	case lx::OFF_PARAM_REGION: {
		if (pgoff & ~lx::OFF_MMAP_MASK)
			return -lx::EINVAL;
		r->lock.lock();
		int64_t e = mem_region_map_target(*r, length, &out->region);
		unlock_ring(*r);
		out->region_offset = 0;
		return e;
	}
	default:
		return -lx::EINVAL;
	}
	if (pgoff & ~lx::OFF_MMAP_MASK)
		return -lx::EINVAL;
	if (length > align_up(size, kPage))
		return -lx::EINVAL;
	out->region = region;
	out->region_offset = base;
	return 0;
}

uint32_t poll_mask(Ring* r)
{
	uint32_t mask = 0;
	uint32_t sq_used = load_acquire(r->k_sq_tail) - __atomic_load_n(r->k_sq_head, __ATOMIC_RELAXED);
	if (sq_used < r->sq_entries)
		mask |= lx::POLLOUT_ | lx::POLLWRNORM_;
	uint32_t cq_ready = load_acquire(r->k_cq_tail) - load_acquire(r->k_cq_head);
	if (cq_ready || __atomic_load_n(&r->overflow_count, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&r->reap_request, __ATOMIC_RELAXED))
		mask |= lx::POLLIN_ | lx::POLLRDNORM_;
	return mask;
}

} // namespace ringport::shim
