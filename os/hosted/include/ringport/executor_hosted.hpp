// The executor's backend on the hosted OS: one native ring created with rp_os_ring_create, entered with
// rp_os_ring_enter (see executor.hpp for what a backend provides).
#pragma once

#include <ringport/executor.hpp>
#include <ringport/hosted_os.h>

#include <ctime>

namespace ringport::exec {

class HostedBackend {
public:
	HostedBackend() = default;
	HostedBackend(const HostedBackend&) = delete;
	HostedBackend& operator=(const HostedBackend&) = delete;
	~HostedBackend()
	{
		if (ring_)
			rp_os_ring_destroy(ring_);
	}

	// 0, or -EINVAL / -ENOMEM from rp_os_ring_create.
	int init(uint32_t sq_entries = 256, uint32_t cq_entries = 512)
	{
		rp_os_ring_params p{sq_entries, cq_entries, 0, 0};
		int err = rp_os_ring_create(&p, &ring_, &view_);
		if (err < 0)
			return err;
		sq_ = native::SqProducer(view_.sq, view_.sqes, view_.sq_indirect);
		cq_ = native::CqConsumer(view_.cq, view_.cqes);
		return 0;
	}

	native::SqProducer& sq() { return sq_; }
	native::CqConsumer& cq() { return cq_; }

	int enter(uint32_t min_complete, int64_t timeout_ns)
	{
		sq_.publish();
		timespec ts{};
		const timespec* t = nullptr;
		if (min_complete && timeout_ns >= 0) {
			ts.tv_sec = timeout_ns / 1000000000;
			ts.tv_nsec = timeout_ns % 1000000000;
			t = &ts;
		}
		int r = rp_os_ring_enter(ring_, min_complete, 0, t);
		return r < 0 ? r : 0;
	}

	int64_t now_ns()
	{
		timespec ts{};
		clock_gettime(CLOCK_MONOTONIC, &ts);
		return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
	}

	rp_os_ring* ring() { return ring_; }

private:
	rp_os_ring* ring_ = nullptr;
	rp_os_ring_view view_{};
	native::SqProducer sq_;
	native::CqConsumer cq_;
};

} // namespace ringport::exec
