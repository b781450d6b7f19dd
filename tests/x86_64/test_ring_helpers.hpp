// Shared by the ring executor's host tests: a process with a fresh ramfs and fd table, and a user ring
// driven the way a program drives it (RP_SYS_RING_SETUP through the hook, Producer/Consumer on the view).
#pragma once

#include "rp_test.h"

#include <ringport/kernel_calls.h>
#include <ringport/native_ring.hpp>

#include <string.h>
#include <time.h>

#include "FileSystem/fd_table.hpp"
#include "FileSystem/vfs.hpp"
#include "Syscalls/hooks.hpp"
#include "host_platform.hpp"

namespace ring_test {

using namespace kernel;
namespace native = ringport::native;

inline uint64_t addr(const void *p) { return reinterpret_cast<uint64_t>(p); }

inline uint64_t monotonic_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

// User rings mapped by this test: at process exit the address space goes, and with it these mappings.
inline rp_kernel_ring_view mapped_rings[16];
inline int mapped_ring_count;

// A fresh ramfs and fd table as the current process's, before each test; everything released after.
inline int setup_process(void **)
{
	host::reset();
	mapped_ring_count = 0;
	if (!vfs_init(nullptr, 0).ok())
		return -1;
	FdTable *table = FdTable::create();
	if (!table)
		return -1;
	host::set_fd_table(table);
	return 0;
}

inline int teardown_process(void **)
{
	shim_process_exit();
	ring_process_exit();
	run_deferred();
	for (int i = 0; i < mapped_ring_count; i++)
		(void)unmap_user(mapped_rings[i].base, mapped_rings[i].size); // gone already if the test destroyed it
	FdTable *table = current_fd_table();
	host::set_fd_table(nullptr);
	FdTable::destroy(table);
	vfs_shutdown();
	// Every page run (ring memory) is gone once the rings and their mappings are.
	if (host::live_page_runs() != 0)
		return -1;
	return 0;
}

// A user ring: what libc's glue would hold.
struct UserRing {
	int64_t handle = -1;
	rp_kernel_ring_view view{};
	native::SqProducer sq;
	native::CqConsumer cq;

	rp_ring_header *sq_header() const { return reinterpret_cast<rp_ring_header *>(view.sq); }
	rp_ring_header *cq_header() const { return reinterpret_cast<rp_ring_header *>(view.cq); }

	static UserRing make(uint32_t sq_entries = 8, uint32_t cq_entries = 16)
	{
		UserRing r;
		rp_kernel_ring_params params{sq_entries, cq_entries, 0, 0};
		r.handle = ring_setup(addr(&params), addr(&r.view));
		assert_true(r.handle >= 0);
		if (mapped_ring_count < 16)
			mapped_rings[mapped_ring_count++] = r.view;
		r.sq = native::SqProducer(r.sq_header(), reinterpret_cast<rp_sqe *>(r.view.sqes));
		r.cq = native::CqConsumer(r.cq_header(), reinterpret_cast<rp_cqe *>(r.view.cqes));
		return r;
	}

	void push(const rp_sqe &sqe) { assert_int_equal(sq.push(sqe), RP_RING_OK); }
	long enter(uint32_t min_complete = 0, uint64_t timeout_ns = UINT64_MAX)
	{
		(void)sq.publish();
		return ring_enter(uint64_t(handle), min_complete, 0, timeout_ns);
	}
	// Submits one SQE, enters, and returns its completion's full result (asserting its user_data).
	int64_t run(rp_sqe sqe, uint32_t *flags = nullptr)
	{
		sqe.user_data = 0x5eed;
		push(sqe);
		assert_int_equal(enter(1), 1);
		rp_cqe cqe;
		int64_t result = 0;
		assert_int_equal(native::pop_completion(cq, &cqe, &result), RP_RING_OK);
		(void)cq.release();
		assert_int_equal(cqe.user_data, 0x5eed);
		if (flags)
			*flags = cqe.flags;
		return result;
	}
	// The next completion, or false when the CQ is empty.
	bool pop(rp_cqe *cqe, int64_t *result)
	{
		if (native::pop_completion(cq, cqe, result) != RP_RING_OK)
			return false;
		(void)cq.release();
		return true;
	}
};

inline rp_sqe sqe_of(uint8_t opcode)
{
	rp_sqe s{};
	s.opcode = opcode;
	return s;
}

constexpr uint64_t at_fdcwd = uint64_t(int64_t(-100));

} // namespace ring_test
