// A raw io_uring for tests that run one case through the shim and on this machine's own io_uring, to compare:
// setup, the two mappings, SQEs, CQEs of every size (CQE32 and CQE_MIXED big ones with their extra words).
#pragma once

#include <ringport/glue.h>
#include <ringport/linux/io_uring.hpp>
#include <ringport/linux_syscall.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace dualtest {

namespace lx = ringport::lx;
using ringport::linux_syscall;

// A raw ring, through the shim (libringport's system calls) or straight to this machine's kernel.
struct TRing {
	bool native;
	int fd = -1;
	lx::io_uring_params p{};
	uint8_t* sq = nullptr;
	lx::io_uring_sqe* sqes = nullptr;
	size_t sq_len = 0, sqes_len = 0, cqe = 16;
	uint32_t tail = 0;

	explicit TRing(bool n) : native(n) {}
	~TRing()
	{
		unmap(sqes, sqes_len);
		unmap(sq, sq_len);
		if (fd >= 0)
			native ? (void)linux_syscall(SYS_close, fd) : (void)rp_sys_close(fd);
	}
	void* map(size_t len, uint64_t off)
	{
		if (native)
			return reinterpret_cast<void*>(
			    linux_syscall(SYS_mmap, 0, long(len), PROT_READ | PROT_WRITE, MAP_SHARED, fd, long(off)));
		return rp_sys_mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	}
	void unmap(void* at, size_t len)
	{
		if (at)
			native ? (void)linux_syscall(SYS_munmap, long(at), long(len)) : (void)rp_sys_munmap(at, len);
	}
	int init(unsigned entries, uint32_t flags)
	{
		p = {};
		p.flags = flags;
		fd = native ? int(linux_syscall(__NR_io_uring_setup, entries, long(&p)))
		            : rp_sys_io_uring_setup(entries, reinterpret_cast<io_uring_params*>(&p));
		if (fd < 0)
			return native ? fd : -errno;
		cqe = (p.flags & lx::SETUP_CQE32) ? 32 : 16;
		size_t a = p.sq_off.array + p.sq_entries * 4u, c = p.cq_off.cqes + p.cq_entries * cqe;
		sq_len = a > c ? a : c;
		void* m = map(sq_len, lx::OFF_SQ_RING);
		if (long(m) < 0 && long(m) > -4096)
			return int(long(m));
		sq = static_cast<uint8_t*>(m);
		sqes_len = p.sq_entries * sizeof(lx::io_uring_sqe);
		m = map(sqes_len, lx::OFF_SQES);
		if (long(m) < 0 && long(m) > -4096)
			return int(long(m));
		sqes = static_cast<lx::io_uring_sqe*>(m);
		auto* array = u32(p.sq_off.array);
		for (uint32_t i = 0; i < p.sq_entries; ++i)
			array[i] = i;
		tail = *u32(p.sq_off.tail);
		return 0;
	}
	uint32_t* u32(uint32_t off) { return reinterpret_cast<uint32_t*>(sq + off); }
	lx::io_uring_sqe* get()
	{
		lx::io_uring_sqe* s = &sqes[tail++ & (p.sq_entries - 1)];
		std::memset(s, 0, sizeof(*s));
		return s;
	}
	int enter(unsigned submit, unsigned flags)
	{
		if (native)
			return int(linux_syscall(__NR_io_uring_enter, fd, submit, 0, flags, 0, 0));
		int r = rp_sys_io_uring_enter(fd, submit, 0, flags, nullptr);
		return r < 0 ? -errno : r;
	}
	int submit()
	{
		uint32_t head = __atomic_load_n(u32(p.sq_off.head), __ATOMIC_ACQUIRE);
		__atomic_store_n(u32(p.sq_off.tail), tail, __ATOMIC_RELEASE);
		return enter(tail - head, 0);
	}
	// Pops one CQE (a big one's extra words in big); false when the CQ is empty.
	bool pop(lx::io_uring_cqe* out, uint64_t big[2])
	{
		uint32_t* head = u32(p.cq_off.head);
		if (__atomic_load_n(u32(p.cq_off.tail), __ATOMIC_ACQUIRE) == *head)
			return false;
		const uint8_t* at = sq + p.cq_off.cqes + (*head & (p.cq_entries - 1)) * cqe;
		std::memcpy(out, at, sizeof(*out));
		bool mixed_big = cqe == 16 && (out->flags & lx::CQE_F_32);
		big[0] = big[1] = 0;
		if (cqe == 32 || mixed_big)
			std::memcpy(big, at + 16, 16);
		__atomic_store_n(head, *head + (mixed_big ? 2 : 1), __ATOMIC_RELEASE);
		return true;
	}
	bool overflowed() { return __atomic_load_n(u32(p.sq_off.flags), __ATOMIC_ACQUIRE) & lx::SQ_CQ_OVERFLOW; }
};

struct Cqe {
	uint64_t ud;
	int32_t res;
	uint32_t flags;
	uint64_t sec, nsec;
};

// Every CQE that arrives within ms (entering to run completions), or until want have come.
inline std::vector<Cqe> collect(TRing& r, int ms, size_t want = SIZE_MAX)
{
	std::vector<Cqe> got;
	timespec start{};
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		(void)r.enter(0, lx::ENTER_GETEVENTS);
		lx::io_uring_cqe c;
		uint64_t big[2];
		while (r.pop(&c, big))
			if (!(c.flags & lx::CQE_F_SKIP))
				got.push_back({c.user_data, c.res, c.flags, big[0], big[1]});
		if (got.size() >= want)
			return got;
		timespec now{};
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >= ms)
			return got;
		usleep(1000);
	}
}

// A TCP listener on a free loopback port: its fd, with its address in *a; -1 when the machine refuses.
inline int loopback_listener(sockaddr_in* a)
{
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	*a = sockaddr_in{};
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof *a;
	if (ls < 0 || bind(ls, reinterpret_cast<sockaddr*>(a), sizeof *a) != 0 || listen(ls, 1) != 0 ||
	    getsockname(ls, reinterpret_cast<sockaddr*>(a), &len) != 0) {
		if (ls >= 0)
			close(ls);
		return -1;
	}
	return ls;
}

} // namespace dualtest
