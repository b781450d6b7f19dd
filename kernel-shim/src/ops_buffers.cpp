// Provided buffers (the classic kind): PROVIDE_BUFFERS, REMOVE_BUFFERS, and buffer selection for reads and
// receives (IOSQE_BUFFER_SELECT). Groups keep their buffers in FIFO order, as Linux's lists do.
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
} // namespace

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

bool select_buffer(Ring& r, Req& q, uint64_t* addr, uint32_t* len)
{
	BufGroup* g = find_group(r, q.sqe.buf_group);
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

uint32_t finish_buffer(Ring& r, Req& q, int64_t res)
{
	ProvidedBuf* b = q.selected;
	if (!b)
		return 0;
	q.selected = nullptr;
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

void free_buffer_groups(Ring& r)
{
	while (BufGroup* g = r.groups) {
		r.groups = g->next;
		while (ProvidedBuf* b = g->head) {
			g->head = b->next;
			rp_host_free(b, sizeof(*b));
		}
		rp_host_free(g, sizeof(*g));
	}
}

} // namespace ringport::shim
