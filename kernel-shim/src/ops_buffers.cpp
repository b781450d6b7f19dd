// Provided buffers: the classic kind (PROVIDE_BUFFERS, REMOVE_BUFFERS; FIFO lists, as Linux's), provided-buffer
// rings (REGISTER_PBUF_RING, UNREGISTER_PBUF_RING, PBUF_STATUS), and buffer selection for reads and receives
// (IOSQE_BUFFER_SELECT) from either kind.
#include "ops_common.hpp"

namespace ringport::shim {

namespace {
constexpr uint32_t kMaxBids = 1u << 16;

BufGroup* find_group(Ring& r, uint16_t bgid)
{
	for (BufGroup* g = r.groups; g; g = g->next)
		if (g->bgid == bgid)
			return g;
	return nullptr;
}

constexpr uint64_t kPageSize = 4096;
constexpr uint32_t kBufEntry = sizeof(lx::io_uring_buf);
constexpr uint32_t kTailOffset = 14; // the tail shares the first entry's resv field

// Ring memory accessors: the program's memory (user copies) or the shim's view of a mapped region.
bool ring_read(const BufGroup& g, uint64_t off, void* dst, uint32_t size)
{
	if (g.ring_view) {
		__builtin_memcpy(dst, g.ring_view + off, size);
		return true;
	}
	return rp_host_copy_from_user(dst, g.ring_user + off, size) == 0;
}
bool ring_write(const BufGroup& g, uint64_t off, const void* src, uint32_t size)
{
	if (g.ring_view) {
		__builtin_memcpy(g.ring_view + off, src, size);
		return true;
	}
	return rp_host_copy_to_user(g.ring_user + off, src, size) == 0;
}
bool ring_tail(const BufGroup& g, uint16_t* tail)
{
	if (g.ring_view) {
		*tail = __atomic_load_n(reinterpret_cast<const uint16_t*>(g.ring_view + kTailOffset), __ATOMIC_ACQUIRE);
		return true;
	}
	bool ok = ring_read(g, kTailOffset, tail, 2);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return ok;
}
uint64_t entry_offset(const BufGroup& g, uint16_t pos) { return uint64_t(pos & (g.ring_entries - 1)) * kBufEntry; }

void destroy_group(BufGroup* g)
{
	while (ProvidedBuf* b = g->head) {
		g->head = b->next;
		rp_host_free(b, sizeof(*b));
	}
	if (g->ring_region)
		rp_host_region_destroy(g->ring_region);
	unpin_buffer_ring(*g);
	rp_host_free(g, sizeof(*g));
}

void unlink_group(Ring& r, BufGroup* g)
{
	for (BufGroup** p = &r.groups; *p; p = &(*p)->next) {
		if (*p == g) {
			*p = g->next;
			return;
		}
	}
}

bool is_net(uint8_t op) { return op == lx::OP_RECV || op == lx::OP_RECVMSG; }

// Takes the buffer at the ring's head. Plain rings advance the head now, so requests in flight together never
// share a buffer; incremental rings advance it only once a buffer is used up (at completion).
bool select_ring_buffer(BufGroup& g, Req& q)
{
	uint16_t tail;
	if (!ring_tail(g, &tail) || tail == g.ring_head)
		return false;
	lx::io_uring_buf e;
	if (!ring_read(g, entry_offset(g, g.ring_head), &e, sizeof(e)))
		return false;
	auto* b = alloc_zeroed<ProvidedBuf>();
	if (!b)
		return false;
	b->addr = e.addr;
	b->len = e.len;
	b->bid = e.bid;
	b->from_ring = true;
	b->ring_pos = g.ring_head;
	if (!g.inc)
		++g.ring_head;
	q.selected = b;
	return true;
}

// Incremental consumption: res bytes from the buffer at the head on were used (a bundle's may span several). True
// when the last buffer touched is used up; false when it has room left and will serve later requests too (the
// CQE then says CQE_F_BUF_MORE). A transfer of nothing consumed nothing, so the buffer stays, and is reported as
// still in use (Linux 6.18, and stable kernels since the fix for liburing issue 1553); an entry whose length is 0
// is never advanced past, as on Linux.
bool consume_incremental(BufGroup& g, uint64_t res)
{
	do {
		lx::io_uring_buf e;
		uint64_t off = entry_offset(g, g.ring_head);
		if (!ring_read(g, off, &e, sizeof(e)))
			return true;
		uint32_t used = res < e.len ? uint32_t(res) : e.len;
		uint32_t left = e.len - used;
		if (left || !used) {
			e.addr += used;
			e.len = left;
			(void)ring_write(g, off, &e, 12);
			return false;
		}
		e.len = 0;
		(void)ring_write(g, off, &e, 12);
		++g.ring_head;
		res -= used;
	} while (res);
	return true;
}

void free_selected(ProvidedBuf* b)
{
	if (b->iov)
		rp_host_free(b->iov, uint32_t(b->iov_cap) * 16);
	rp_host_free(b, sizeof(*b));
}

// How many of a bundle's buffers res bytes touched (Linux's io_bundle_nbufs: a partly filled one counts).
uint16_t bundle_used(const ProvidedBuf& b, int64_t res)
{
	uint16_t n = 0;
	for (uint64_t left = res > 0 ? uint64_t(res) : 0; left && n < b.nbufs; ++n)
		left -= left < b.iov[2 * n + 1] ? left : b.iov[2 * n + 1];
	return n;
}

// Linux maps at most this many buffers per bundle attempt (PEEK_MAX_IMPORT), and never more than UIO_MAXIOV.
constexpr uint32_t kBundleMax = 256;
} // namespace

int64_t register_pbuf_ring(Ring& r, uint64_t arg, uint32_t nr)
{
	lx::io_uring_buf_reg reg;
	if (nr != 1)
		return -lx::EINVAL;
	if (rp_host_copy_from_user(&reg, arg, sizeof(reg)))
		return -lx::EFAULT;
	if (reg.resv[0] || reg.resv[1] || reg.resv[2])
		return -lx::EINVAL;
	if (reg.flags & ~(lx::PBUF_RING_MMAP | lx::PBUF_RING_INC))
		return -lx::EINVAL;
	bool mmapped = reg.flags & lx::PBUF_RING_MMAP;
	if (!mmapped) {
		if (!reg.ring_addr)
			return -lx::EFAULT;
		if (reg.ring_addr & (kPageSize - 1))
			return -lx::EINVAL;
	} else if (reg.ring_addr) {
		return -lx::EINVAL;
	}
	uint32_t n = reg.ring_entries;
	if (!n || (n & (n - 1)) || n >= 65536)
		return -lx::EINVAL;
	BufGroup* old = find_group(r, reg.bgid);
	if (old) {
		// An empty classic group gives way; a ring or a group holding buffers does not.
		if (old->is_ring || old->head)
			return -lx::EEXIST;
		unlink_group(r, old);
		destroy_group(old);
	}
	auto* g = alloc_zeroed<BufGroup>();
	if (!g)
		return -lx::ENOMEM;
	g->bgid = reg.bgid;
	g->is_ring = true;
	g->inc = reg.flags & lx::PBUF_RING_INC;
	g->ring_entries = n;
	uint64_t bytes = uint64_t(n) * kBufEntry;
	if (mmapped) {
		g->ring_region_size = align_up(bytes, kPageSize);
		void* view = nullptr;
		if (int e = rp_host_region_create(g->ring_region_size, &g->ring_region, &view); e) {
			rp_host_free(g, sizeof(*g));
			return e;
		}
		g->ring_view = static_cast<uint8_t*>(view);
	} else {
		// The whole ring must be program memory the shim can read and write, and stays the ring's even if the
		// program unmaps it: Linux pins it (user_pages.cpp). From here on the shim reads and writes the ring
		// only through its pinned view, so the ring is always the pages that were registered.
		g->ring_user = reg.ring_addr;
		if (int e = pin_buffer_ring(*g, reg.ring_addr, bytes); e) {
			rp_host_free(g, sizeof(*g));
			return e;
		}
	}
	g->next = r.groups;
	r.groups = g;
	return 0;
}

int64_t unregister_pbuf_ring(Ring& r, uint64_t arg, uint32_t nr)
{
	lx::io_uring_buf_reg reg;
	if (nr != 1)
		return -lx::EINVAL;
	if (rp_host_copy_from_user(&reg, arg, sizeof(reg)))
		return -lx::EFAULT;
	if (reg.resv[0] || reg.resv[1] || reg.resv[2] || reg.flags)
		return -lx::EINVAL;
	BufGroup* g = find_group(r, reg.bgid);
	if (!g)
		return -lx::ENOENT;
	if (!g->is_ring)
		return -lx::EINVAL;
	unlink_group(r, g);
	destroy_group(g);
	return 0;
}

int64_t pbuf_status(Ring& r, uint64_t arg, uint32_t nr)
{
	lx::io_uring_buf_status st;
	if (nr != 1)
		return -lx::EINVAL;
	if (rp_host_copy_from_user(&st, arg, sizeof(st)))
		return -lx::EFAULT;
	for (uint32_t v : st.resv)
		if (v)
			return -lx::EINVAL;
	if (st.buf_group > 0xffff)
		return -lx::ENOENT;
	BufGroup* g = find_group(r, uint16_t(st.buf_group));
	if (!g)
		return -lx::ENOENT;
	if (!g->is_ring)
		return -lx::EINVAL;
	st.head = g->ring_head;
	if (rp_host_copy_to_user(arg, &st, sizeof(st)))
		return -lx::EFAULT;
	return 0;
}

int64_t pbuf_map_target(Ring& r, uint16_t bgid, uint64_t length, rp_host_region** region)
{
	BufGroup* g = find_group(r, bgid);
	if (!g || !g->ring_region)
		return -lx::EINVAL;
	if (length > g->ring_region_size)
		return -lx::EINVAL;
	*region = g->ring_region;
	return 0;
}

Status prep_provide_buffers(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.rw_flags || s.splice_fd_in)
		return Status::fail(-lx::EINVAL);
	uint32_t n = uint32_t(s.fd);
	if (!n || n > kMaxBids)
		return Status::fail(-lx::E2BIG);
	if (!s.len)
		return Status::fail(-lx::EINVAL);
	uint64_t bytes = uint64_t(s.len) * n;
	if (s.addr + bytes < s.addr)
		return Status::fail(-lx::EOVERFLOW);
	if (s.off > 0xffff)
		return Status::fail(-lx::E2BIG);
	if (s.off + n > kMaxBids)
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_provide_buffers(Ring& r, Req& q)
{
	const auto& s = q.sqe;
	BufGroup* g = find_group(r, s.buf_group);
	if (g && g->is_ring)
		return Issued::now(-lx::EINVAL);
	if (!g) {
		g = alloc_zeroed<BufGroup>();
		if (!g)
			return Issued::now(-lx::ENOMEM);
		g->bgid = s.buf_group;
		g->next = r.groups;
		r.groups = g;
	}
	uint32_t n = uint32_t(s.fd);
	for (uint32_t i = 0; i < n; ++i) {
		auto* b = alloc_zeroed<ProvidedBuf>();
		if (!b)
			return Issued::now(i ? 0 : -lx::ENOMEM);
		b->addr = s.addr + uint64_t(s.len) * i;
		b->len = s.len;
		b->bid = uint16_t(s.off + i);
		if (g->tail)
			g->tail->next = b;
		else
			g->head = b;
		g->tail = b;
		++g->count;
	}
	return Issued::now(0);
}

Status prep_remove_buffers(Ring&, Req& q)
{
	const auto& s = q.sqe;
	if (s.rw_flags || s.addr || s.len || s.off || s.splice_fd_in)
		return Status::fail(-lx::EINVAL);
	uint32_t n = uint32_t(s.fd);
	if (!n || n > kMaxBids)
		return Status::fail(-lx::EINVAL);
	return kOk;
}

Issued issue_remove_buffers(Ring& r, Req& q)
{
	BufGroup* g = find_group(r, q.sqe.buf_group);
	if (!g)
		return Issued::now(-lx::ENOENT);
	if (g->is_ring)
		return Issued::now(-lx::EINVAL);
	uint32_t n = uint32_t(q.sqe.fd), removed = 0;
	while (removed < n && g->head) {
		ProvidedBuf* b = g->head;
		g->head = b->next;
		if (!g->head)
			g->tail = nullptr;
		--g->count;
		rp_host_free(b, sizeof(*b));
		++removed;
	}
	return Issued::now(removed);
}

// A bundle from a provided-buffer ring, mapped as Linux's io_ring_buffers_peek maps one: from the head on, up to
// max_len bytes (0: no limit) in at most kBundleMax buffers; with a limit, the count is what the first buffer's
// length says is needed; a buffer longer than what is left is cut short (written back into a plain ring's entry
// when it is the first, else the bundle stops before it; an incremental ring's entry is only used in part). A
// classic group gives one buffer, as Linux's does.
bool select_bundle(Ring& r, Req& q, uint64_t max_len, bool send)
{
	BufGroup* g = find_group(r, q.sqe.buf_group);
	if (!g || !g->is_ring) {
		uint64_t addr;
		uint32_t len;
		if (!select_buffer(r, q, &addr, &len))
			return false;
		auto* iov = static_cast<uint64_t*>(rp_host_alloc(16));
		if (!iov) {
			recycle_buffer(r, q);
			return false;
		}
		iov[0] = addr;
		iov[1] = max_len && max_len < len ? max_len : len;
		q.selected->iov = iov;
		q.selected->iov_cap = 1;
		q.selected->nbufs = 1;
		q.selected->bundle = true;
		q.selected->to_tail = !g->head;
		return true;
	}
	uint16_t tail;
	if (!ring_tail(*g, &tail))
		return false;
	uint32_t avail = uint16_t(tail - g->ring_head);
	if (!avail)
		return false;
	if (avail > kBundleMax)
		avail = kBundleMax;
	lx::io_uring_buf e;
	if (!ring_read(*g, entry_offset(*g, g->ring_head), &e, sizeof(e)))
		return false;
	if (max_len) {
		if (!e.len)
			return false; // Linux: -ENOBUFS
		uint64_t needed = (max_len + e.len - 1) / e.len;
		if (avail > needed)
			avail = uint32_t(needed);
	} else {
		max_len = 0x7fffffff;
	}
	auto* b = alloc_zeroed<ProvidedBuf>();
	auto* iov = static_cast<uint64_t*>(rp_host_alloc(avail * 16));
	if (!b || !iov) {
		if (b)
			rp_host_free(b, sizeof(*b));
		if (iov)
			rp_host_free(iov, avail * 16);
		return false;
	}
	uint16_t pos = g->ring_head;
	uint32_t n = 0;
	for (; n < avail; ++n, ++pos) {
		if (!ring_read(*g, entry_offset(*g, pos), &e, sizeof(e)))
			break;
		if (!n)
			b->bid = e.bid;
		uint32_t len = e.len;
		if (len > max_len) {
			len = uint32_t(max_len);
			if (!g->inc) {
				if (n)
					break;
				(void)ring_write(*g, entry_offset(*g, pos) + 8, &len, 4);
			}
		}
		iov[2 * n] = e.addr;
		iov[2 * n + 1] = len;
		max_len -= len;
		if (!max_len) {
			++n; // Linux stops its head on this last buffer: a bundle cut by its length never reaches the tail
			break;
		}
	}
	if (!n) {
		rp_host_free(b, sizeof(*b));
		rp_host_free(iov, avail * 16);
		return false;
	}
	b->addr = iov[0];
	b->len = uint32_t(iov[1]);
	b->from_ring = true;
	b->bundle = true;
	b->ring_pos = g->ring_head;
	b->to_tail = pos == tail;
	b->iov = iov;
	b->iov_cap = uint16_t(avail);
	b->nbufs = uint16_t(n);
	q.selected = b;
	if (send) {
		// Linux commits a send's buffers as it maps them: they are the request's, whatever it sends.
		if (g->inc) {
			uint64_t total = 0;
			for (uint32_t i = 0; i < n; ++i)
				total += iov[2 * i + 1];
			(void)consume_incremental(*g, total);
		} else {
			g->ring_head = uint16_t(g->ring_head + n);
		}
	} else if (!g->inc) {
		// A receive's buffers are reserved now, so a request in flight beside it cannot take them too; the ones
		// it does not fill go back at completion (while nobody took buffers after them).
		g->ring_head = uint16_t(g->ring_head + n);
	}
	return true;
}

bool bundle_used_to_tail(const Req& q, int64_t res)
{
	const ProvidedBuf* b = q.selected;
	return b && b->bundle && b->to_tail && res > 0 && bundle_used(*b, res) == b->nbufs;
}

bool select_buffer(Ring& r, Req& q, uint64_t* addr, uint32_t* len)
{
	BufGroup* g = find_group(r, q.sqe.buf_group);
	if (g && g->is_ring) {
		if (!select_ring_buffer(*g, q))
			return false;
		*addr = q.selected->addr;
		*len = q.selected->len;
		return true;
	}
	if (!g || !g->head)
		return false;
	ProvidedBuf* b = g->head;
	g->head = b->next;
	if (!g->head)
		g->tail = nullptr;
	--g->count;
	q.selected = b;
	*addr = b->addr;
	*len = b->len;
	return true;
}

namespace {
// A classic buffer taken as a one-buffer bundle is a plain one again once its transfer is over (it may go back to
// its group's list).
void unbundle_classic(ProvidedBuf* b)
{
	if (b && b->bundle && !b->from_ring) {
		rp_host_free(b->iov, uint32_t(b->iov_cap) * 16);
		b->iov = nullptr;
		b->bundle = false;
		b->nbufs = b->iov_cap = 0;
	}
}

// A bundle's completion. A send consumed its buffers when it took them: the CQE names the first whatever the
// result. A receive consumes what res filled: a plain ring's head moves past the buffers used (the reserved rest
// go back while nobody took buffers after them), an incremental ring's entries are consumed byte-wise (BUF_MORE
// when the last one has room left); a receive of nothing or an error consumed nothing and names no buffer.
uint32_t finish_bundle(Ring& r, Req& q, ProvidedBuf* b, int64_t res)
{
	uint32_t flags = lx::CQE_F_BUFFER | (uint32_t(b->bid) << lx::CQE_BUFFER_SHIFT);
	BufGroup* g = find_group(r, q.sqe.buf_group);
	const bool send = q.opcode == lx::OP_SEND;
	if (!send && g && g->is_ring) {
		const uint16_t used = bundle_used(*b, res);
		if (g->inc) {
			if (!used)
				flags = 0;
			else if (g->ring_head == b->ring_pos && !consume_incremental(*g, uint64_t(res)))
				flags |= lx::CQE_F_BUF_MORE;
		} else {
			if (g->ring_head == uint16_t(b->ring_pos + b->nbufs))
				g->ring_head = uint16_t(b->ring_pos + used);
			if (!used)
				flags = 0;
		}
	}
	free_selected(b);
	return flags;
}
} // namespace

uint32_t finish_buffer(Ring& r, Req& q, int64_t res)
{
	ProvidedBuf* b = q.selected;
	if (!b)
		return 0;
	q.selected = nullptr;
	unbundle_classic(b);
	if (b->from_ring && b->bundle)
		return finish_bundle(r, q, b, res);
	if (b->from_ring) {
		uint32_t flags = lx::CQE_F_BUFFER | (uint32_t(b->bid) << lx::CQE_BUFFER_SHIFT);
		BufGroup* g = find_group(r, q.sqe.buf_group);
		bool nothing = res < 0 || (res == 0 && is_net(q.opcode));
		if (g && g->is_ring) {
			if (g->inc) {
				if (nothing) {
					flags = 0;
				} else if (g->ring_head == b->ring_pos && !consume_incremental(*g, uint64_t(res))) {
					flags |= lx::CQE_F_BUF_MORE;
				}
			} else if (nothing && uint16_t(g->ring_head - 1) == b->ring_pos) {
				// Nothing was consumed and nobody took a later buffer: the head goes back (Linux recycles).
				--g->ring_head;
				flags = 0;
			}
		}
		rp_host_free(b, sizeof(*b));
		return flags;
	}
	if (res < 0) {
		// Nothing was consumed: the buffer goes back to the front of its group.
		BufGroup* g = find_group(r, q.sqe.buf_group);
		if (g) {
			b->next = g->head;
			g->head = b;
			if (!g->tail)
				g->tail = b;
			++g->count;
			return 0;
		}
	}
	uint32_t flags = lx::CQE_F_BUFFER | (uint32_t(b->bid) << lx::CQE_BUFFER_SHIFT);
	rp_host_free(b, sizeof(*b));
	return flags;
}

void drop_selected_buffer(Req& q)
{
	if (q.selected)
		free_selected(q.selected);
	q.selected = nullptr;
}

void recycle_buffer(Ring& r, Req& q)
{
	ProvidedBuf* b = q.selected;
	if (!b)
		return;
	unbundle_classic(b);
	BufGroup* g = find_group(r, q.sqe.buf_group);
	if (b->from_ring && b->bundle) {
		// A receive's reserved buffers go back; a send's were consumed when taken.
		if (q.opcode != lx::OP_SEND && g && g->is_ring && !g->inc &&
		    g->ring_head == uint16_t(b->ring_pos + b->nbufs))
			g->ring_head = b->ring_pos;
		q.selected = nullptr;
		free_selected(b);
		return;
	}
	if (b->from_ring) {
		if (g && g->is_ring && !g->inc) {
			if (uint16_t(g->ring_head - 1) != b->ring_pos)
				return; // a later buffer was taken meanwhile: this one stays with the request
			--g->ring_head;
		}
		q.selected = nullptr;
		rp_host_free(b, sizeof(*b));
		return;
	}
	q.selected = nullptr;
	if (!g) {
		rp_host_free(b, sizeof(*b));
		return;
	}
	b->next = g->head;
	g->head = b;
	if (!g->tail)
		g->tail = b;
	++g->count;
}

bool selected_would_block(Ring& r, Req& q, int64_t res, bool nowait)
{
	q.sel_nowait = false;
	if (res != -lx::EAGAIN || nowait || (q.state & REQ_CANCELING))
		return false;
	// No data for the buffer: Linux takes a buffer only once data is there, so it goes back.
	recycle_buffer(r, q);
	q.sel_waited = true;
	return await_readiness(r, q);
}

void select_again_when_ready(Ring& r, Req& q)
{
	// Ready, or the wait failed: either way the op itself runs again and reports what it finds.
	q.waiting_ready = false;
	Issued again = kOps[q.opcode].issue(r, q);
	if (!again.pending)
		complete(r, &q, again.res, again.cflags);
}

void free_buffer_groups(Ring& r)
{
	while (BufGroup* g = r.groups) {
		r.groups = g->next;
		destroy_group(g);
	}
}

} // namespace ringport::shim
