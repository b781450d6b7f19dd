// A minimal raw io_uring for the shim's tests: setup, mmap of the three Linux regions, SQE/CQE access, all
// through libringport's system-call surface (glue.h) exactly as a program would see it.
#pragma once

#include <ringport/glue.h>
#include <ringport/linux/io_uring.hpp>

#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace shimtest {

namespace lx = ringport::lx;

struct Ring {
	int fd = -1;
	lx::io_uring_params p{};
	uint8_t* sq = nullptr;
	uint8_t* cq = nullptr;
	lx::io_uring_sqe* sqes = nullptr;
	size_t sq_len = 0, sqes_len = 0;
	uint32_t sq_tail = 0;

	int init(unsigned entries, uint32_t flags = 0, uint32_t cq_entries = 0)
	{
		std::memset(&p, 0, sizeof(p));
		p.flags = flags;
		p.cq_entries = cq_entries;
		fd = rp_sys_io_uring_setup(entries, reinterpret_cast<io_uring_params*>(&p));
		if (fd < 0)
			return fd;
		size_t cqe = (p.flags & lx::SETUP_CQE32) ? 32 : 16;
		size_t sq_sz = p.sq_off.array + p.sq_entries * 4u;
		size_t cq_sz = p.cq_off.cqes + p.cq_entries * cqe;
		sq_len = sq_sz > cq_sz ? sq_sz : cq_sz;
		void* m = rp_sys_mmap(nullptr, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, lx::OFF_SQ_RING);
		if (long(m) < 0 && long(m) > -4096)
			return int(long(m));
		sq = cq = static_cast<uint8_t*>(m);
		sqes_len = p.sq_entries * sizeof(lx::io_uring_sqe);
		m = rp_sys_mmap(nullptr, sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, lx::OFF_SQES);
		if (long(m) < 0 && long(m) > -4096)
			return int(long(m));
		sqes = static_cast<lx::io_uring_sqe*>(m);
		auto* array = reinterpret_cast<uint32_t*>(sq + p.sq_off.array);
		for (uint32_t i = 0; i < p.sq_entries; ++i)
			array[i] = i;
		sq_tail = *u32(sq, p.sq_off.tail);
		return 0;
	}
	~Ring()
	{
		if (sqes)
			rp_sys_munmap(sqes, sqes_len);
		if (sq)
			rp_sys_munmap(sq, sq_len);
		if (fd >= 0)
			rp_sys_close(fd);
	}

	static uint32_t* u32(uint8_t* base, uint32_t off) { return reinterpret_cast<uint32_t*>(base + off); }
	uint32_t sq_flags() { return __atomic_load_n(u32(sq, p.sq_off.flags), __ATOMIC_ACQUIRE); }

	lx::io_uring_sqe* get_sqe()
	{
		uint32_t head = __atomic_load_n(u32(sq, p.sq_off.head), __ATOMIC_ACQUIRE);
		if (sq_tail - head >= p.sq_entries)
			return nullptr;
		lx::io_uring_sqe* s = &sqes[sq_tail & (p.sq_entries - 1)];
		++sq_tail;
		std::memset(s, 0, sizeof(*s));
		return s;
	}
	void publish() { __atomic_store_n(u32(sq, p.sq_off.tail), sq_tail, __ATOMIC_RELEASE); }
	int submit(unsigned wait = 0)
	{
		uint32_t head = __atomic_load_n(u32(sq, p.sq_off.head), __ATOMIC_ACQUIRE);
		publish();
		return rp_sys_io_uring_enter(fd, sq_tail - head, wait, wait ? lx::ENTER_GETEVENTS : 0, nullptr);
	}
	int wait(unsigned n) { return rp_sys_io_uring_enter(fd, 0, n, lx::ENTER_GETEVENTS, nullptr); }

	uint32_t ready()
	{
		return __atomic_load_n(u32(cq, p.cq_off.tail), __ATOMIC_ACQUIRE) - *u32(cq, p.cq_off.head);
	}
	// Copies out the next CQE; false when the CQ is empty.
	bool pop(lx::io_uring_cqe* out)
	{
		uint32_t head = *u32(cq, p.cq_off.head);
		if (__atomic_load_n(u32(cq, p.cq_off.tail), __ATOMIC_ACQUIRE) == head)
			return false;
		size_t cqe = (p.flags & lx::SETUP_CQE32) ? 32 : 16;
		std::memcpy(out, cq + p.cq_off.cqes + (head & (p.cq_entries - 1)) * cqe, sizeof(*out));
		__atomic_store_n(u32(cq, p.cq_off.head), head + 1, __ATOMIC_RELEASE);
		return true;
	}
	// Waits for and pops one CQE.
	bool next(lx::io_uring_cqe* out)
	{
		for (int i = 0; i < 100000; ++i) {
			if (pop(out))
				return true;
			if (wait(1) < 0 && errno != EINTR && ready() == 0 && !(sq_flags() & lx::SQ_CQ_OVERFLOW))
				return false;
		}
		return false;
	}
};

inline void prep(lx::io_uring_sqe* s, uint8_t op, int fd, uint64_t addr, uint32_t len, uint64_t off, uint64_t ud)
{
	s->opcode = op;
	s->fd = fd;
	s->addr = addr;
	s->len = len;
	s->off = off;
	s->user_data = ud;
}

} // namespace shimtest
