// The executor's backend in the reference kernel (os/x86_64): one native ring made with RP_SYS_RING_SETUP and
// entered with RP_SYS_RING_ENTER (kernel_calls.h), for newlib programs in the guest. See executor.hpp for what a
// backend provides; executor_hosted.hpp is the hosted OS's.
#pragma once

#include <ringport/executor.hpp>
#include <ringport/kernel_calls.h>

#include <time.h>

namespace ringport::exec {

class ReferenceKernelBackend {
public:
	ReferenceKernelBackend() = default;
	ReferenceKernelBackend(const ReferenceKernelBackend&) = delete;
	ReferenceKernelBackend& operator=(const ReferenceKernelBackend&) = delete;
	~ReferenceKernelBackend()
	{
		if (handle_ >= 0)
			(void)call(RP_SYS_RING_DESTROY, handle_, 0, 0, 0);
	}

	// 0, or the kernel's -EINVAL / -ENOMEM / -EFAULT.
	int init(uint32_t sq_entries = 256, uint32_t cq_entries = 512)
	{
		rp_kernel_ring_params p{sq_entries, cq_entries, 0, 0};
		long h = call(RP_SYS_RING_SETUP, long(&p), long(&view_), 0, 0);
		if (h < 0)
			return int(h);
		handle_ = h;
		auto* sqh = reinterpret_cast<rp_ring_header*>(uintptr_t(view_.sq));
		auto* cqh = reinterpret_cast<rp_ring_header*>(uintptr_t(view_.cq));
		sq_ = native::SqProducer(sqh, reinterpret_cast<rp_sqe*>(uintptr_t(view_.sqes)));
		cq_ = native::CqConsumer(cqh, reinterpret_cast<rp_cqe*>(uintptr_t(view_.cqes)));
		return 0;
	}

	native::SqProducer& sq() { return sq_; }
	native::CqConsumer& cq() { return cq_; }

	int enter(uint32_t min_complete, int64_t timeout_ns)
	{
		sq_.publish();
		long timeout = min_complete && timeout_ns >= 0 ? long(timeout_ns) : long(UINT64_MAX);
		long r = call(RP_SYS_RING_ENTER, handle_, long(min_complete), 0, timeout);
		return r < 0 ? int(r) : 0;
	}

	int64_t now_ns()
	{
		timespec ts{};
		clock_gettime(CLOCK_MONOTONIC, &ts);
		return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
	}

	// The ring's SQ header (its registers, for chains).
	rp_ring_header* sq_header() { return reinterpret_cast<rp_ring_header*>(uintptr_t(view_.sq)); }

private:
	static long call(long number, long a0, long a1, long a2, long a3)
	{
		long ret;
		register long r10 __asm__("r10") = a3;
		__asm__ volatile("syscall" : "=a"(ret) : "a"(number), "D"(a0), "S"(a1), "d"(a2), "r"(r10) : "rcx", "r11", "memory");
		return ret;
	}

	long handle_ = -1;
	rp_kernel_ring_view view_{};
	native::SqProducer sq_;
	native::CqConsumer cq_;
};

} // namespace ringport::exec
