// A Linux io_uring as a program maps it, through libringport's system-call surface (glue.h): set up, mapped,
// SQEs written and submitted, CQEs reaped. The fuzz harnesses of the Linux side share it.
#pragma once

#include <ringport/glue.h>
#include <ringport/linux/io_uring.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>

namespace fuzzenv {

namespace lx = ringport::lx;

// RP_FUZZ_VERBOSE=1: print every set-up, SQE, enter and CQE (to read what an input does).
inline bool g_verbose = getenv("RP_FUZZ_VERBOSE") != nullptr;

struct LinuxRing {
	int fd = -1;
	lx::io_uring_params p{};
	uint8_t* sq = nullptr;
	uint8_t* cq = nullptr;
	uint8_t* sqes = nullptr;
	size_t sq_len = 0, cq_len = 0, sqes_len = 0;
	size_t sqe_size = 64, cqe_size = 16;
	uint32_t tail = 0, pending = 0;

	uint32_t* u32(uint8_t* base, uint32_t off) { return reinterpret_cast<uint32_t*>(base + off); }

	bool map()
	{
		sqe_size = (p.flags & lx::SETUP_SQE128) ? 128 : 64;
		cqe_size = (p.flags & lx::SETUP_CQE32) ? 32 : 16;
		size_t sq_sz = (p.flags & lx::SETUP_NO_SQARRAY) ? p.sq_off.dropped + 4 : p.sq_off.array + p.sq_entries * 4u;
		size_t cq_sz = p.cq_off.cqes + p.cq_entries * cqe_size;
		bool single = p.features & lx::FEAT_SINGLE_MMAP;
		sq_len = single && cq_sz > sq_sz ? cq_sz : sq_sz;
		void* m = rp_sys_mmap(nullptr, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, lx::OFF_SQ_RING);
		if (long(m) < 0 && long(m) > -4096)
			return false;
		sq = static_cast<uint8_t*>(m);
		if (single) {
			cq = sq;
		} else {
			cq_len = cq_sz;
			m = rp_sys_mmap(nullptr, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, lx::OFF_CQ_RING);
			if (long(m) < 0 && long(m) > -4096)
				return false;
			cq = static_cast<uint8_t*>(m);
		}
		sqes_len = p.sq_entries * sqe_size;
		m = rp_sys_mmap(nullptr, sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, lx::OFF_SQES);
		if (long(m) < 0 && long(m) > -4096)
			return false;
		sqes = static_cast<uint8_t*>(m);
		if (!(p.flags & lx::SETUP_NO_SQARRAY))
			for (uint32_t i = 0; i < p.sq_entries; ++i)
				*u32(sq, p.sq_off.array + 4 * i) = i;
		tail = *u32(sq, p.sq_off.tail);
		return true;
	}
	void unmap_and_close()
	{
		if (sqes)
			rp_sys_munmap(sqes, sqes_len);
		if (cq && cq != sq)
			rp_sys_munmap(cq, cq_len);
		if (sq)
			rp_sys_munmap(sq, sq_len);
		if (fd >= 0)
			rp_sys_close(fd);
		fd = -1;
	}
	lx::io_uring_sqe* next_sqe()
	{
		uint32_t head = __atomic_load_n(u32(sq, p.sq_off.head), __ATOMIC_ACQUIRE);
		if (tail - head >= p.sq_entries)
			return nullptr;
		auto* s = reinterpret_cast<lx::io_uring_sqe*>(sqes + (tail & (p.sq_entries - 1)) * sqe_size);
		std::memset(s, 0, sqe_size);
		++tail;
		++pending;
		return s;
	}
	int submit(uint32_t flags, uint32_t min_complete = 0, void* arg = nullptr, size_t argsz = 0)
	{
		__atomic_store_n(u32(sq, p.sq_off.tail), tail, __ATOMIC_RELEASE);
		uint32_t n = pending;
		pending = 0;
		if (g_verbose)
			for (uint32_t i = tail - n; i != tail; ++i) {
				auto* s = reinterpret_cast<lx::io_uring_sqe*>(sqes + (i & (p.sq_entries - 1)) * sqe_size);
				fprintf(stderr, "sqe: op %u flags %#x ioprio %#x fd %d off %#llx addr %#llx len %#x opflags %#x ud %llu "
				        "buf %u pers %u fi %#x addr3 %#llx\n", s->opcode, s->flags, s->ioprio, s->fd,
				        (unsigned long long)s->off, (unsigned long long)s->addr, s->len, s->op_flags,
				        (unsigned long long)s->user_data, s->buf_index, s->personality, s->file_index,
				        (unsigned long long)s->addr3);
			}
		int r = rp_sys_io_uring_enter2(unsigned(fd), n, min_complete, flags, arg, argsz);
		if (g_verbose)
			fprintf(stderr, "enter(to_submit %u, min %u, flags %#x) -> %d\n", n, min_complete, flags, r);
		return r;
	}
	void reap()
	{
		uint32_t t = __atomic_load_n(u32(cq, p.cq_off.tail), __ATOMIC_ACQUIRE);
		if (g_verbose)
			for (uint32_t h = *u32(cq, p.cq_off.head); h != t && t - h <= p.cq_entries; ++h) {
				auto* c = reinterpret_cast<lx::io_uring_cqe*>(cq + p.cq_off.cqes + (h & (p.cq_entries - 1)) * cqe_size);
				fprintf(stderr, "cqe: ud %llu res %d flags %#x\n", (unsigned long long)c->user_data, c->res, c->flags);
			}
		__atomic_store_n(u32(cq, p.cq_off.head), t, __ATOMIC_RELEASE);
	}
};

} // namespace fuzzenv
