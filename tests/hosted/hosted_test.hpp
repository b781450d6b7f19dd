// Helpers for hosted OS tests: a ring owned by the test, SQE builders, and completion reaping.
// Include rp_test.h first.
#pragma once
#include <ringport/hosted_os.h>
#include <ringport/native_ring.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <cstdlib>
#include <unistd.h>

namespace hosted_test {

struct Completion {
	uint64_t user_data;
	int64_t result;
	uint32_t flags;
};

class TestRing {
public:
	explicit TestRing(uint32_t sq = 64, uint32_t cq = 128, uint32_t flags = 0)
	{
		rp_os_ring_params p{sq, cq, flags, 0};
		int r = rp_os_ring_create(&p, &ring, &view);
		assert_int_equal(r, 0);
		sqp = ringport::native::SqProducer(view.sq, view.sqes, view.sq_indirect);
		cqc = ringport::native::CqConsumer(view.cq, view.cqes);
	}
	~TestRing() { destroy(); }
	TestRing(const TestRing&) = delete;
	TestRing& operator=(const TestRing&) = delete;

	void destroy()
	{
		if (ring)
			rp_os_ring_destroy(ring);
		ring = nullptr;
	}

	// Stages an SQE; publishes it at the next enter().
	void push(const rp_sqe& s)
	{
		assert_int_equal(sqp.push(s), RP_RING_OK);
		(void)sqp.publish();
	}
	int enter(uint32_t min_complete = 0, const timespec* timeout = nullptr)
	{
		return rp_os_ring_enter(ring, min_complete, 0, timeout);
	}
	// Pops one completion if there is one.
	bool pop(Completion* c)
	{
		rp_cqe cqe;
		int64_t wide;
		if (ringport::native::pop_completion(cqc, &cqe, &wide) != RP_RING_OK)
			return false;
		(void)cqc.release();
		*c = Completion{cqe.user_data, wide, cqe.flags};
		return true;
	}
	// Waits (entering) until a completion arrives, failing the test after `seconds`.
	Completion wait(int seconds = 5)
	{
		Completion c;
		timespec deadline{};
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += seconds;
		for (;;) {
			if (pop(&c))
				return c;
			timespec slice{0, 100000000};
			int r = enter(1, &slice);
			assert_true(r >= 0 || r == -ETIME || r == -EINTR);
			timespec now{};
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > deadline.tv_sec || (now.tv_sec == deadline.tv_sec && now.tv_nsec > deadline.tv_nsec))
				fail_msg("no completion within %d s", seconds);
		}
	}
	// Submits one SQE and waits for its completion (which must be the next one).
	Completion run(const rp_sqe& s)
	{
		push(s);
		int r = enter(1);
		assert_int_equal(r, 1);
		Completion c = wait();
		assert_int_equal(c.user_data, s.user_data);
		return c;
	}
	int64_t result(const rp_sqe& s) { return run(s).result; }
	// True when nothing is waiting in the CQ right now.
	bool cq_empty()
	{
		return __atomic_load_n(&view.cq->tail, __ATOMIC_ACQUIRE) == __atomic_load_n(&view.cq->head, __ATOMIC_ACQUIRE);
	}

	rp_os_ring* ring = nullptr;
	rp_os_ring_view view{};
	ringport::native::SqProducer sqp;
	ringport::native::CqConsumer cqc;
};

inline rp_sqe sqe(uint8_t opcode, uint64_t user_data)
{
	rp_sqe s{};
	s.opcode = opcode;
	s.user_data = user_data;
	return s;
}

inline rp_sqe rw(uint8_t opcode, int fd, const void* buf, uint64_t len, uint64_t offset, uint64_t user_data)
{
	rp_sqe s = sqe(opcode, user_data);
	s.fd = uint64_t(int64_t(fd));
	s.addr = uint64_t(uintptr_t(buf));
	s.len = len;
	s.offset = offset;
	return s;
}

// A temporary regular file, removed at scope exit.
struct TempFile {
	char path[64];
	int fd = -1;
	TempFile()
	{
		std::strcpy(path, "/tmp/rp-hosted-XXXXXX");
		fd = mkstemp(path);
		assert_true(fd >= 0);
	}
	~TempFile()
	{
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
};

// Threads in this process now: how tests show that pending work does not pin a thread each.
inline int thread_count()
{
	FILE* f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

} // namespace hosted_test
