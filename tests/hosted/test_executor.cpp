// The native executor (os/abi/include/ringport/executor.hpp): ordering, thousands of concurrent coroutines,
// cancellation by destroying a waiter, timeouts, extended results, and both completion-routing modes. Most
// tests run on the hosted OS; the forged/stale-tag tests play the OS themselves with a hand-driven ring so they
// can post any completion they like.
#include "rp_test.h"
#include "hosted_test.hpp"

#include <ringport/executor_hosted.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace ringport;
using exec::Completion;
using exec::Task;
using hosted_test::TempFile;

namespace {

using HostedExec = exec::Executor<exec::HostedBackend, 1024>;

// Executors are large (their request and root tables are inline): tests keep them on the heap.
struct Hosted {
	exec::HostedBackend backend;
	std::unique_ptr<HostedExec> ex;
	explicit Hosted(exec::Routing routing = exec::Routing::Tagged, uint32_t sq = 256, uint32_t cq = 512)
	{
		assert_int_equal(backend.init(sq, cq), 0);
		ex = std::make_unique<HostedExec>(backend, routing);
	}
};

Task<void> write_then_read(HostedExec& ex, int fd, int* steps)
{
	const char msg[] = "executor";
	Completion w = co_await ex.write(fd, msg, 8, 0);
	assert_int_equal(w.value, 8);
	*steps = 1;
	char back[8] = {};
	Completion r = co_await ex.read(fd, back, 8, 0);
	assert_int_equal(r.value, 8);
	assert_memory_equal(back, msg, 8);
	*steps = 2;
}

void test_ordering_within_a_coroutine(void**)
{
	for (auto routing : {exec::Routing::Tagged, exec::Routing::Pointer}) {
		Hosted h(routing);
		TempFile f;
		int steps = 0;
		assert_true(h.ex->spawn(write_then_read(*h.ex, f.fd, &steps)) != 0);
		assert_int_equal(h.ex->run(), 0);
		assert_int_equal(steps, 2);
		assert_int_equal(h.ex->in_flight(), 0);
		assert_int_equal(h.ex->stats().dropped, 0);
	}
}

Task<int64_t> nop_twice(HostedExec& ex)
{
	int64_t a = (co_await ex.nop()).value;
	int64_t b = (co_await ex.nop()).value;
	co_return a + b + 1;
}

Task<void> child_tasks(HostedExec& ex, int64_t* out)
{
	int64_t x = co_await nop_twice(ex);
	int64_t y = co_await nop_twice(ex);
	*out = x + y;
}

void test_nested_tasks_return_values(void**)
{
	Hosted h;
	int64_t out = -1;
	h.ex->spawn(child_tasks(*h.ex, &out));
	assert_int_equal(h.ex->run(), 0);
	assert_int_equal(out, 2);
}

// Each coroutine writes its own 8-byte record at its own offset, then reads it back: more coroutines than
// request slots and than SQ entries, so the backlog and batching are exercised.
Task<void> record(HostedExec& ex, int fd, uint64_t i, uint64_t* verified)
{
	uint64_t v = i * 2654435761u;
	Completion w = co_await ex.write(fd, &v, 8, i * 8);
	assert_int_equal(w.value, 8);
	co_await ex.nop();
	uint64_t back = 0;
	Completion r = co_await ex.read(fd, &back, 8, i * 8);
	assert_int_equal(r.value, 8);
	assert_true(back == v);
	++*verified;
}

void test_thousands_of_coroutines(void**)
{
	exec::HostedBackend backend;
	assert_int_equal(backend.init(64, 128), 0);
	auto ex = std::make_unique<exec::Executor<exec::HostedBackend, 256>>(backend);
	TempFile f;
	constexpr uint64_t kCount = 4000;
	uint64_t verified = 0;
	// The executor type differs from HostedExec (fewer slots): adapt by a lambda coroutine.
	auto one = [](exec::Executor<exec::HostedBackend, 256>& e, int fd, uint64_t i, uint64_t* ok) -> Task<void> {
		uint64_t v = i * 2654435761u;
		Completion w = co_await e.write(fd, &v, 8, i * 8);
		assert_int_equal(w.value, 8);
		uint64_t back = 0;
		Completion r = co_await e.read(fd, &back, 8, i * 8);
		assert_int_equal(r.value, 8);
		assert_true(back == v);
		++*ok;
	};
	for (uint64_t i = 0; i < kCount; ++i)
		assert_true(ex->spawn(one(*ex, f.fd, i, &verified)) != 0);
	assert_int_equal(ex->live(), kCount);
	assert_int_equal(ex->run(), 0);
	assert_int_equal(verified, kCount);
	assert_int_equal(ex->stats().completed, 2 * kCount);
	assert_int_equal(ex->in_flight(), 0);
	// Batching: far fewer enters than requests.
	assert_true(ex->stats().enters < kCount);
	struct stat st;
	assert_int_equal(fstat(f.fd, &st), 0);
	assert_int_equal(st.st_size, kCount * 8);
	(void)record;
}

Task<void> read_forever(HostedExec& ex, int fd, bool* resumed)
{
	char c;
	(void)co_await ex.read_stream(fd, &c, 1);
	*resumed = true; // never: the coroutine is destroyed while it waits
}

void test_destroying_a_waiter_cancels_its_request(void**)
{
	for (auto routing : {exec::Routing::Tagged, exec::Routing::Pointer}) {
		Hosted h(routing);
		int p[2];
		assert_int_equal(pipe(p), 0);
		bool resumed = false;
		uint32_t id = h.ex->spawn(read_forever(*h.ex, p[0], &resumed));
		assert_int_equal(h.ex->turn(false), 0); // started, and its read is now held by the OS
		assert_int_equal(h.ex->in_flight(), 1);
		assert_true(h.ex->cancel(id));
		assert_false(h.ex->cancel(id)); // gone
		assert_int_equal(h.ex->run(), 0); // returns: the Cancel went out and the read ended
		assert_false(resumed);
		assert_int_equal(h.ex->stats().cancels, 1);
		assert_int_equal(h.ex->stats().orphaned, 1);
		assert_int_equal(h.ex->in_flight(), 0);
		// The cancelled read took nothing: a byte written now is still there for a plain read.
		assert_int_equal(write(p[1], "z", 1), 1);
		char c = 0;
		assert_int_equal(read(p[0], &c, 1), 1);
		assert_int_equal(c, 'z');
		close(p[0]);
		close(p[1]);
	}
}

Task<void> bounded_read(HostedExec& ex, int fd, int64_t* result)
{
	char c;
	*result = (co_await ex.read_stream(fd, &c, 1).within(20 * 1000000)).value;
}

Task<void> sleeper(HostedExec& ex, int64_t ns, int64_t* result, int64_t* elapsed)
{
	int64_t start = ex.now_ns();
	*result = (co_await ex.sleep_for(ns)).value;
	*elapsed = ex.now_ns() - start;
}

void test_timeouts(void**)
{
	Hosted h;
	int p[2];
	assert_int_equal(pipe(p), 0);
	int64_t bounded = 0, slept = 0, elapsed = 0;
	h.ex->spawn(bounded_read(*h.ex, p[0], &bounded));
	h.ex->spawn(sleeper(*h.ex, 5 * 1000000, &slept, &elapsed));
	assert_int_equal(h.ex->run(), 0);
	assert_int_equal(bounded, -ETIME); // cancelled at its deadline; the executor says why
	assert_int_equal(slept, -ETIME);   // the native Timeout op's own result
	assert_true(elapsed >= 5 * 1000000);
	assert_int_equal(h.ex->stats().cancels, 1);
	// A bounded op that completes in time is untouched.
	assert_int_equal(write(p[1], "y", 1), 1);
	h.ex->spawn(bounded_read(*h.ex, p[0], &bounded));
	assert_int_equal(h.ex->run(), 0);
	assert_int_equal(bounded, 1);
	close(p[0]);
	close(p[1]);
}

Task<void> seek_far(HostedExec& ex, int fd, int64_t* where)
{
	*where = (co_await ex.lseek(fd, int64_t(5) << 32, SEEK_SET)).value;
}

void test_extended_results_arrive_whole(void**)
{
	Hosted h;
	TempFile f;
	int64_t where = 0;
	h.ex->spawn(seek_far(*h.ex, f.fd, &where));
	assert_int_equal(h.ex->run(), 0);
	assert_true(where == (int64_t(5) << 32)); // wider than the 32-bit status: an extended pair
}

Task<void> waits_for_nothing(HostedExec&, std::coroutine_handle<>* parked)
{
	struct Park {
		std::coroutine_handle<>* where;
		bool await_ready() { return false; }
		void await_suspend(std::coroutine_handle<> h) { *where = h; }
		void await_resume() {}
	};
	co_await Park{parked};
}

void test_a_root_that_can_never_wake_is_reported(void**)
{
	Hosted h;
	std::coroutine_handle<> parked;
	uint32_t id = h.ex->spawn(waits_for_nothing(*h.ex, &parked));
	assert_int_equal(h.ex->run(), -EDEADLK);
	assert_true(h.ex->cancel(id));
}

// --- a ring the test drives as the OS, to post completions no honest OS would ---

struct ManualBackend {
	static constexpr uint32_t kEntries = 16;
	alignas(128) rp_ring_header sqh{};
	alignas(128) rp_ring_header cqh{};
	rp_sqe sqes[kEntries]{};
	rp_cqe cqes[2 * kEntries]{};
	native::SqProducer sqp;
	native::CqConsumer cqc;
	native::SqConsumer os_sq;
	native::CqProducer os_cq;
	std::vector<rp_sqe> seen; // every SQE the "OS" consumed
	std::function<void(ManualBackend&)> on_enter;

	ManualBackend()
	{
		assert_int_equal(native::init_header(&sqh, kEntries, sizeof(rp_sqe), 0), RP_RING_OK);
		assert_int_equal(native::init_header(&cqh, 2 * kEntries, sizeof(rp_cqe), 0), RP_RING_OK);
		sqp = native::SqProducer(&sqh, sqes);
		cqc = native::CqConsumer(&cqh, cqes);
		os_sq = native::SqConsumer(&sqh, sqes);
		os_cq = native::CqProducer(&cqh, cqes);
	}
	native::SqProducer& sq() { return sqp; }
	native::CqConsumer& cq() { return cqc; }
	int enter(uint32_t, int64_t)
	{
		sqp.publish();
		rp_sqe s;
		while (os_sq.pop(&s) == RP_RING_OK)
			seen.push_back(s);
		os_sq.release();
		if (on_enter)
			on_enter(*this);
		return 0;
	}
	void post(uint64_t user_data, int64_t result, uint32_t flags = 0)
	{
		assert_int_equal(native::post_completion(os_cq, user_data, result, flags), RP_RING_OK);
		os_cq.publish();
	}
	int64_t now_ns() { return 0; }
};

using ManualExec = exec::Executor<ManualBackend, 8>;

Task<void> one_nop(ManualExec& ex, int64_t* out, int* resumes)
{
	*out = (co_await ex.nop()).value;
	++*resumes;
}

void test_forged_and_stale_tags_are_dropped(void**)
{
	ManualBackend b;
	auto ex = std::make_unique<ManualExec>(b, exec::Routing::Tagged);
	int64_t out = 0;
	int resumes = 0;
	ex->spawn(one_nop(*ex, &out, &resumes));
	assert_int_equal(ex->turn(false), 0);
	assert_int_equal(b.seen.size(), 1u);
	uint64_t tag = b.seen[0].user_data;
	// Forgeries: a slot index out of range, the right slot with the wrong generation, a free slot.
	b.post(uint64_t(1) << 32 | 9999, 7);
	b.post(tag + (uint64_t(1) << 32), 7);
	b.post((tag & 0xffffffff00000000ull) | ((tag + 1) & 7), 7);
	assert_int_equal(ex->turn(false), 0);
	assert_int_equal(ex->stats().dropped, 3);
	assert_int_equal(resumes, 0);
	// The real completion, a wide one, delivered whole.
	b.post(tag, int64_t(3) << 40);
	assert_int_equal(ex->turn(false), 0);
	assert_int_equal(resumes, 1);
	assert_true(out == (int64_t(3) << 40));
	// A replay of the same completion is stale now (the slot's generation moved on): dropped, not resumed.
	b.post(tag, 5);
	assert_int_equal(ex->turn(false), 0);
	assert_int_equal(resumes, 1);
	assert_int_equal(ex->stats().dropped, 4);
	assert_int_equal(ex->live(), 0);
}

// Chains awaited from coroutines (built with the variadic ex.chain(a, b, c): GCC 12 miscompiles a braced
// temporary array held across co_await, so chain({a, b, c}) does not build inside a coroutine): open -> read ->
// close with the fd passed through a register, four chains in flight at once from four coroutines, one register
// each (registers are the ring's: two chains in flight on one register would race), each getting its own three
// results; and a chain whose first step fails (the rest complete -ECANCELED, the coroutine resumes once).
Task<void> chained_read(HostedExec& ex, const char* path, uint64_t i, int* ok)
{
	namespace entry = exec::entry;
	char buf[16] = {};
	const uint32_t reg = uint32_t(i % 4);
	auto r = co_await ex.chain(entry::with_registers(entry::open(path, O_RDONLY), RP_REG_STORE(reg)),
	                           entry::with_registers(entry::read(-1, buf, 8, i % 8), RP_REG_LOAD(RP_REG_FIELD_FD, reg)),
	                           entry::with_registers(entry::close(-1), RP_REG_LOAD(RP_REG_FIELD_FD, reg)));
	assert_true(r.step[0].value >= 0);
	assert_int_equal(r.step[1].value, 8 - int64_t(i % 8));
	assert_memory_equal(buf, "01234567" + i % 8, 8 - i % 8);
	assert_int_equal(r.step[2].value, 0);
	++*ok;
}

Task<void> failing_chain(HostedExec& ex, int* ok)
{
	namespace entry = exec::entry;
	char buf[8];
	auto r = co_await ex.chain(entry::with_registers(entry::open("/nonexistent/rp", O_RDONLY), RP_REG_STORE(1)),
	                           entry::with_registers(entry::read(-1, buf, 8, 0), RP_REG_LOAD(RP_REG_FIELD_FD, 1)));
	assert_int_equal(r.step[0].value, -ENOENT);
	assert_int_equal(r.step[1].value, -ECANCELED);
	++*ok;
}

void test_chains_awaited_from_coroutines(void**)
{
	for (auto routing : {exec::Routing::Tagged, exec::Routing::Pointer}) {
		Hosted h(routing);
		TempFile f;
		assert_int_equal(write(f.fd, "01234567", 8), 8);
		int ok = 0;
		for (uint64_t i = 0; i < 64; i += 4) {
			for (uint64_t j = i; j < i + 4; ++j)
				h.ex->spawn(chained_read(*h.ex, f.path, j, &ok));
			assert_int_equal(h.ex->run(), 0);
		}
		h.ex->spawn(failing_chain(*h.ex, &ok));
		assert_int_equal(h.ex->run(), 0);
		assert_int_equal(ok, 65);
		assert_int_equal(h.ex->in_flight(), 0);
		assert_int_equal(h.ex->stats().completed, 64 * 3 + 2);
		assert_int_equal(h.ex->stats().dropped, 0);
	}
}

void test_more_requests_than_slots_wait_in_order(void**)
{
	ManualBackend b;
	auto ex = std::make_unique<ManualExec>(b, exec::Routing::Tagged);
	// The "OS" completes every SQE it sees, in order, as soon as it sees it.
	size_t answered = 0;
	b.on_enter = [&](ManualBackend& m) {
		for (; answered < m.seen.size(); ++answered)
			m.post(m.seen[answered].user_data, int64_t(answered));
	};
	constexpr int kRoots = 40; // 8 slots
	int64_t out[kRoots];
	int resumes = 0;
	for (int i = 0; i < kRoots; ++i)
		ex->spawn(one_nop(*ex, &out[i], &resumes));
	assert_int_equal(ex->run(), 0);
	assert_int_equal(resumes, kRoots);
	for (int i = 0; i < kRoots; ++i)
		assert_int_equal(out[i], i); // submitted in spawn order, even through the backlog
	assert_int_equal(ex->stats().dropped, 0);
}

} // namespace

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ordering_within_a_coroutine),
	    cmocka_unit_test(test_nested_tasks_return_values),
	    cmocka_unit_test(test_thousands_of_coroutines),
	    cmocka_unit_test(test_destroying_a_waiter_cancels_its_request),
	    cmocka_unit_test(test_timeouts),
	    cmocka_unit_test(test_extended_results_arrive_whole),
	    cmocka_unit_test(test_a_root_that_can_never_wake_is_reported),
	    cmocka_unit_test(test_forged_and_stale_tags_are_dropped),
	    cmocka_unit_test(test_more_requests_than_slots_wait_in_order),
	    cmocka_unit_test(test_chains_awaited_from_coroutines),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
