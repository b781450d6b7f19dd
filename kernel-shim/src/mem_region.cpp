// REGISTER_MEM_REGION (Linux 6.13+): the ring's one parameter region, either the program's own pages
// (MEM_REGION_TYPE_USER) or memory the shim allocates and the program maps at OFF_PARAM_REGION. With
// MEM_REGION_REG_WAIT_ARG it holds io_uring_reg_wait entries, and io_uring_enter with ENTER_EXT_ARG_REG names
// one by its byte offset instead of passing a pointer (upstream's reg-wait example).
#include "optable.hpp"

namespace ringport::shim {

namespace {

constexpr uint64_t kPage = 4096;

// Linux's io_create_region checks, in its order, for a descriptor the program passed.
int check_desc(const lx::io_uring_region_desc& rd)
{
	if (!all_zero(rd.resv, sizeof(rd.resv)))
		return -lx::EINVAL;
	if (rd.flags & ~lx::MEM_REGION_TYPE_USER)
		return -lx::EINVAL;
	// A user address is given exactly when the memory is the program's.
	if (bool(rd.flags & lx::MEM_REGION_TYPE_USER) != (rd.user_addr != 0))
		return -lx::EFAULT;
	if (!rd.size || rd.mmap_offset || rd.id)
		return -lx::EINVAL;
	if ((rd.size / kPage) > 0x7fffffffull)
		return -lx::E2BIG;
	if ((rd.user_addr | rd.size) & (kPage - 1))
		return -lx::EINVAL;
	if (rd.user_addr + rd.size < rd.user_addr)
		return -lx::EOVERFLOW;
	return 0;
}

} // namespace

int64_t register_mem_region(Ring& r, uint64_t arg, uint32_t nr)
{
	if (!arg || nr != 1)
		return -lx::EINVAL;
	if (r.param_size)
		return -lx::EBUSY; // one parameter region per ring
	lx::io_uring_mem_region_reg reg;
	if (Status s = copy_in(&reg, arg); !s.ok())
		return s.err;
	lx::io_uring_region_desc rd;
	if (Status s = copy_in(&rd, reg.region_uptr); !s.ok())
		return s.err;
	if (!all_zero(reg.resv, sizeof(reg.resv)) || (reg.flags & ~lx::MEM_REGION_REG_WAIT_ARG))
		return -lx::EINVAL;
	// Wait arguments may only appear while nobody can be waiting: the ring must still be disabled.
	if ((reg.flags & lx::MEM_REGION_REG_WAIT_ARG) && !__atomic_load_n(&r.disabled, __ATOMIC_ACQUIRE))
		return -lx::EINVAL;
	if (int e = check_desc(rd))
		return e;
	rp_host_region* region = nullptr;
	void* ptr = nullptr;
	if (rd.flags & lx::MEM_REGION_TYPE_USER) {
		// Linux pins the pages here, for writing: they must exist now, and be writable (a read-only mapping is
		// -EFAULT). Writability is proven by writing one byte of each page back unchanged.
		if (int e = rp_host_check_pinnable(rd.user_addr, rd.size))
			return e;
		for (uint64_t off = 0; off < rd.size; off += kPage) {
			uint8_t b;
			if (rp_host_copy_from_user(&b, rd.user_addr + off, 1) || rp_host_copy_to_user(rd.user_addr + off, &b, 1))
				return -lx::EFAULT;
		}
	} else {
		if (int e = rp_host_region_create(rd.size, &region, &ptr))
			return e;
		rd.mmap_offset = lx::OFF_PARAM_REGION; // where the program maps it
	}
	if (Status s = copy_out(reg.region_uptr, rd); !s.ok()) {
		if (region)
			rp_host_region_destroy(region);
		return s.err;
	}
	r.param_user = rd.user_addr;
	r.param_region = region;
	r.param_ptr = static_cast<uint8_t*>(ptr);
	r.param_size = rd.size;
	if (reg.flags & lx::MEM_REGION_REG_WAIT_ARG)
		r.cq_wait_size = rd.size;
	return 0;
}

void free_mem_region(Ring& r)
{
	if (r.param_region)
		rp_host_region_destroy(r.param_region);
	r.param_region = nullptr;
	r.param_ptr = nullptr;
	r.param_size = r.cq_wait_size = r.param_user = 0;
}

int64_t mem_region_map_target(Ring& r, uint64_t length, rp_host_region** region)
{
	// Only a region the shim allocated can be mapped; the program already has its own pages.
	if (!r.param_region || length > r.param_size)
		return -lx::EINVAL;
	*region = r.param_region;
	return 0;
}

int read_reg_wait(Ring& r, uint64_t offset, lx::io_uring_reg_wait* out)
{
	// Linux: the offset is long-aligned and the whole entry lies inside the region (no region: size 0).
	constexpr uint64_t size = sizeof(lx::io_uring_reg_wait);
	if (offset % sizeof(long) || offset + size < offset || offset + size > r.cq_wait_size)
		return -lx::EFAULT;
	if (r.param_ptr) {
		__builtin_memcpy(out, r.param_ptr + offset, size);
		return 0;
	}
	return rp_host_copy_from_user(out, r.param_user + offset, size) ? -lx::EFAULT : 0;
}

} // namespace ringport::shim
