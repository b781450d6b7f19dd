// Userspace-to-userspace rings: a ring in a memfd that two processes map, with no OS in the data path. Each
// side uses the native Producer/Consumer on its half and sleeps with shared futexes on the indices
// (native_ring_linux.hpp), which work across processes because the memfd mapping is MAP_SHARED.
#include "internal.hpp"
#include "layout.hpp"

#include <ringport/hosted_os.h>
#include <ringport/native_ring.hpp>

#include <cerrno>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace ringport;
using ringport::hosted::RingLayout;
using ringport::hosted::close_owned;
using ringport::hosted::os_mmap;
using ringport::hosted::os_munmap;
using ringport::hosted::sys;

namespace {

void fill_view(rp_shared_ring* r, const RingLayout& l, uint32_t flags)
{
	auto* base = static_cast<char*>(r->base);
	r->view.sq = reinterpret_cast<rp_ring_header*>(base + l.sq_header);
	r->view.cq = reinterpret_cast<rp_ring_header*>(base + l.cq_header);
	r->view.sqes = reinterpret_cast<rp_sqe*>(base + l.sqes);
	r->view.sq_indirect = (flags & RP_RING_INDIRECT) ? reinterpret_cast<uint32_t*>(base + l.indirect) : nullptr;
	r->view.cqes = reinterpret_cast<rp_cqe*>(base + l.cqes);
}

} // namespace

extern "C" int rp_shared_ring_create(const struct rp_os_ring_params* p, struct rp_shared_ring* out)
{
	if (!p || !out)
		return -EINVAL;
	if (int e = hosted::check_params(p->sq_entries, p->cq_entries, p->flags, p->reserved); e < 0)
		return e;
	const RingLayout l(p->sq_entries, p->cq_entries, p->flags, size_t(sysconf(_SC_PAGESIZE)));
	int fd = int(sys(SYS_memfd_create, "ringport-shared-ring", MFD_CLOEXEC));
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, off_t(l.total)) < 0) {
		int e = errno;
		close_owned(fd);
		return -e;
	}
	void* base = os_mmap(nullptr, l.total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		int e = errno;
		close_owned(fd);
		return -e;
	}
	*out = rp_shared_ring{};
	out->memfd = fd;
	out->base = base;
	out->size = l.total;
	fill_view(out, l, p->flags);
	(void)native::init_header(out->view.sq, p->sq_entries, sizeof(rp_sqe), p->flags);
	(void)native::init_header(out->view.cq, p->cq_entries, sizeof(rp_cqe), p->flags & RP_RING_POLLED);
	return 0;
}

extern "C" int rp_shared_ring_attach(int memfd, struct rp_shared_ring* out)
{
	if (!out)
		return -EINVAL;
	struct stat st;
	if (fstat(memfd, &st) < 0)
		return -errno;
	const size_t page = size_t(sysconf(_SC_PAGESIZE));
	if (size_t(st.st_size) < 2 * sizeof(rp_ring_header) || size_t(st.st_size) % page)
		return -EINVAL;
	void* base = os_mmap(nullptr, size_t(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (base == MAP_FAILED)
		return -errno;
	// The creator may be hostile or broken: the headers must describe a ring that fits in the memfd.
	auto* sq = static_cast<rp_ring_header*>(base);
	auto* cq = sq + 1;
	const uint32_t sqn = sq->entry_count, cqn = cq->entry_count, flags = sq->flags;
	bool ok = native::check_header(sq, sizeof(rp_sqe)) == RP_RING_OK &&
	          native::check_header(cq, sizeof(rp_cqe)) == RP_RING_OK &&
	          hosted::check_params(sqn, cqn, flags, 0) == 0;
	if (ok) {
		const RingLayout l(sqn, cqn, flags, page);
		ok = l.total == size_t(st.st_size);
		if (ok) {
			*out = rp_shared_ring{};
			out->memfd = memfd;
			out->base = base;
			out->size = l.total;
			fill_view(out, l, flags);
			return 0;
		}
	}
	os_munmap(base, size_t(st.st_size));
	return -EINVAL;
}

extern "C" void rp_shared_ring_detach(struct rp_shared_ring* r)
{
	if (!r || !r->base)
		return;
	os_munmap(r->base, r->size);
	if (r->memfd >= 0)
		close_owned(r->memfd);
	*r = rp_shared_ring{};
	r->memfd = -1;
}
