// Chains (RP_SQE_CHAIN) and ring registers (RP_SQE_REGISTERS) on the hosted OS: open -> read -> close as one
// submission, every load field and both load positions, stores into every register, a failing step, a register
// read before it is written, and the entries the OS must refuse.
#include "rp_test.h"
#include "hosted_test.hpp"

#include <ringport/executor_hosted.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hosted_test;
namespace entry = ringport::exec::entry;

namespace {

rp_sqe tagged(rp_sqe s, uint64_t ud, uint16_t spec = 0, bool chained = false)
{
	s.user_data = ud;
	if (spec)
		s = entry::with_registers(s, spec);
	if (chained)
		s.flags |= RP_SQE_CHAIN;
	return s;
}

// Submits entries in one enter and collects their n completions, in completion order.
std::vector<Completion> run_all(TestRing& r, std::initializer_list<rp_sqe> entries)
{
	for (const rp_sqe& s : entries)
		r.push(s);
	assert_int_equal(r.enter(0), int(entries.size()));
	std::vector<Completion> out;
	while (out.size() < entries.size())
		out.push_back(r.wait());
	return out;
}

int64_t result_of(const std::vector<Completion>& cs, uint64_t ud)
{
	for (const Completion& c : cs)
		if (c.user_data == ud)
			return c.result;
	fail_msg("no completion for %llu", (unsigned long long)ud);
	return 0;
}

void set_register(TestRing& r, uint32_t reg, int64_t value)
{
	r.view.sq->registers[reg] = value;
	__atomic_fetch_or(&r.view.sq->registers_set, 1u << reg, __ATOMIC_RELEASE);
}

void test_open_read_close_is_one_submission(void**)
{
	TestRing r;
	TempFile f;
	assert_int_equal(write(f.fd, "chained!", 8), 8);
	char buf[16] = {};
	auto cs = run_all(r, {
	    tagged(entry::open(f.path, O_RDONLY), 1, RP_REG_STORE(0)),
	    tagged(entry::read(-1, buf, sizeof buf, 0), 2, RP_REG_LOAD(RP_REG_FIELD_FD, 0) | RP_REG_STORE(1), true),
	    tagged(entry::close(-1), 3, RP_REG_LOAD(RP_REG_FIELD_FD, 0), true),
	});
	// Completions come in chain order.
	assert_int_equal(cs[0].user_data, 1);
	assert_int_equal(cs[1].user_data, 2);
	assert_int_equal(cs[2].user_data, 3);
	int64_t fd = cs[0].result;
	assert_true(fd >= 0);
	assert_int_equal(cs[1].result, 8);
	assert_int_equal(cs[2].result, 0);
	assert_memory_equal(buf, "chained!", 8);
	assert_int_equal(r.view.sq->registers[0], fd);
	assert_int_equal(r.view.sq->registers[1], 8);
	assert_int_equal(r.view.sq->registers_set & 3u, 3u);
	// The chain closed the fd: it is not open any more.
	assert_int_equal(fcntl(int(fd), F_GETFD), -1);
}

// One pread, its fd/addr/len/offset each coming from a register in turn (first and second load positions).
void test_every_load_field_of_a_read(void**)
{
	TestRing r;
	TempFile f;
	assert_int_equal(write(f.fd, "0123456789", 10), 10);
	char buf[8] = {};
	set_register(r, 0, f.fd);
	set_register(r, 1, int64_t(uintptr_t(buf)));
	set_register(r, 2, 3);
	set_register(r, 3, 4);
	rp_sqe base = entry::read(f.fd, buf, 3, 4);
	struct Case {
		uint32_t field;
		rp_sqe sqe;
	} cases[] = {
	    {RP_REG_FIELD_FD, entry::read(-1, buf, 3, 4)},
	    {RP_REG_FIELD_ADDR, entry::read(f.fd, nullptr, 3, 4)},
	    {RP_REG_FIELD_LEN, entry::read(f.fd, buf, 0, 4)},
	    {RP_REG_FIELD_OFFSET, entry::read(f.fd, buf, 3, 0)},
	};
	uint32_t reg_of[] = {0, 0, 1, 2, 3};
	for (auto& c : cases) {
		for (int second = 0; second < 2; ++second) {
			memset(buf, 0, sizeof buf);
			uint16_t spec = second ? RP_REG_LOAD2(c.field, reg_of[c.field]) : RP_REG_LOAD(c.field, reg_of[c.field]);
			auto cs = run_all(r, {tagged(c.sqe, 10, spec)});
			assert_int_equal(cs[0].result, 3);
			assert_memory_equal(buf, "456", 3);
		}
	}
	// Both positions in one entry: fd from r0 and len from r2.
	auto cs = run_all(r, {tagged(entry::read(-1, buf, 0, 4), 11,
	                             RP_REG_LOAD(RP_REG_FIELD_FD, 0) | RP_REG_LOAD2(RP_REG_FIELD_LEN, 2))});
	assert_int_equal(cs[0].result, 3);
	(void)base;
}

// a1 (statx's buffer) and a2 (splice's output offset) loaded from registers.
void test_a1_and_a2_loads(void**)
{
	TestRing r;
	TempFile f;
	assert_int_equal(write(f.fd, "abc", 3), 3);
	struct statx stx {};
	set_register(r, 3, int64_t(uintptr_t(&stx)));
	rp_sqe st = entry::make(RP_OP_STATX);
	st.fd = uint64_t(int64_t(AT_FDCWD));
	st.addr = uint64_t(uintptr_t(f.path));
	st.len = STATX_SIZE;
	auto cs = run_all(r, {tagged(st, 20, RP_REG_LOAD(RP_REG_FIELD_A1, 3))});
	assert_int_equal(cs[0].result, 0);
	assert_int_equal(stx.stx_size, 3);

	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "XY", 2), 2);
	set_register(r, 2, 1); // write at offset 1 of the file
	rp_sqe sp = entry::make(RP_OP_SPLICE);
	sp.fd = uint64_t(p[0]);
	sp.offset = UINT64_MAX;
	sp.additional1 = uint64_t(f.fd);
	sp.len = 2;
	cs = run_all(r, {tagged(sp, 21, RP_REG_LOAD(RP_REG_FIELD_A2, 2))});
	assert_int_equal(cs[0].result, 2);
	char back[4] = {};
	assert_int_equal(pread(f.fd, back, 3, 0), 3);
	assert_memory_equal(back, "aXY", 3);
	close(p[0]);
	close(p[1]);
}

void test_stores_into_every_register(void**)
{
	TestRing r;
	for (uint32_t reg = 0; reg < RP_RING_REGISTER_COUNT; ++reg) {
		r.view.sq->registers_set = 0;
		TempFile f;
		auto cs = run_all(r, {tagged(entry::lseek(f.fd, 1000 + reg, SEEK_SET), 30 + reg, RP_REG_STORE(reg))});
		assert_int_equal(cs[0].result, 1000 + reg);
		assert_int_equal(r.view.sq->registers[reg], 1000 + reg);
		assert_int_equal(r.view.sq->registers_set, 1u << reg);
	}
}

void test_a_failing_step_cancels_the_rest(void**)
{
	TestRing r;
	r.view.sq->registers_set = 0;
	char buf[4];
	auto cs = run_all(r, {
	    tagged(entry::open("/nonexistent/ringport", O_RDONLY), 1, RP_REG_STORE(0)),
	    tagged(entry::read(-1, buf, 4, 0), 2, RP_REG_LOAD(RP_REG_FIELD_FD, 0) | RP_REG_STORE(1), true),
	    tagged(entry::close(-1), 3, RP_REG_LOAD(RP_REG_FIELD_FD, 0), true),
	});
	assert_int_equal(result_of(cs, 1), -ENOENT);
	assert_int_equal(result_of(cs, 2), -ECANCELED);
	assert_int_equal(result_of(cs, 3), -ECANCELED);
	assert_int_equal(r.view.sq->registers_set, 0); // a failure stores nothing
	// A plain chain (no registers) fails the same way.
	cs = run_all(r, {tagged(entry::close(-1), 4), tagged(entry::nop(), 5, 0, true)});
	assert_int_equal(result_of(cs, 4), -EBADF);
	assert_int_equal(result_of(cs, 5), -ECANCELED);
}

void test_a_register_read_before_it_is_written(void**)
{
	TestRing r;
	r.view.sq->registers_set = 0;
	char buf[4];
	auto cs = run_all(r, {
	    tagged(entry::read(-1, buf, 4, 0), 1, RP_REG_LOAD(RP_REG_FIELD_FD, 2)),
	    tagged(entry::nop(), 2, 0, true),
	});
	assert_int_equal(result_of(cs, 1), -EINVAL);
	assert_int_equal(result_of(cs, 2), -ECANCELED);
}

void test_refused_entries(void**)
{
	TestRing r;
	TempFile f;
	char buf[4];
	// Reserved specifier bits; a load into a path (copied when consumed) or into a field the op does not use;
	// the same field loaded twice.
	uint16_t bad[] = {uint16_t(1u << 13), RP_REG_LOAD(7, 0), RP_REG_LOAD(RP_REG_FIELD_FD, 0) | RP_REG_LOAD2(RP_REG_FIELD_FD, 1)};
	set_register(r, 0, f.fd);
	set_register(r, 1, f.fd);
	for (uint16_t spec : bad) {
		auto cs = run_all(r, {tagged(entry::read(f.fd, buf, 4, 0), 1, spec)});
		assert_int_equal(cs[0].result, -EINVAL);
	}
	auto cs = run_all(r, {tagged(entry::open(f.path, O_RDONLY), 2, RP_REG_LOAD(RP_REG_FIELD_ADDR, 0))});
	assert_int_equal(cs[0].result, -EINVAL);
	cs = run_all(r, {tagged(entry::nop(), 3, RP_REG_LOAD(RP_REG_FIELD_LEN, 0))});
	assert_int_equal(cs[0].result, -EINVAL);
	// CHAIN on the first entry an enter consumes: nothing to follow.
	cs = run_all(r, {tagged(entry::nop(), 4, 0, true)});
	assert_int_equal(cs[0].result, -EINVAL);
}

// A chain whose steps all complete inside enter: the program may reuse the path's buffer once enter returns.
void test_paths_are_copied_at_submission(void**)
{
	TestRing r;
	TempFile f;
	assert_int_equal(write(f.fd, "kept", 4), 4);
	char path[64];
	strcpy(path, f.path);
	char buf[8] = {};
	r.push(tagged(entry::open(path, O_RDONLY), 1, RP_REG_STORE(0)));
	r.push(tagged(entry::read(-1, buf, 4, 0), 2, RP_REG_LOAD(RP_REG_FIELD_FD, 0), true));
	r.push(tagged(entry::close(-1), 3, RP_REG_LOAD(RP_REG_FIELD_FD, 0), true));
	assert_int_equal(r.enter(0), 3);
	strcpy(path, "/nonexistent");
	std::vector<Completion> cs;
	while (cs.size() < 3)
		cs.push_back(r.wait());
	assert_true(result_of(cs, 1) >= 0);
	assert_int_equal(result_of(cs, 2), 4);
	assert_memory_equal(buf, "kept", 4);
}

// A step that waits (a pipe read with nothing to read yet): the chain leaves enter with nothing completed, and
// the rest runs when the pipe is written, its completions in chain order.
void test_a_waiting_step_hands_the_chain_on(void**)
{
	TestRing r;
	TempFile f;
	int p[2];
	assert_int_equal(pipe(p), 0);
	char buf[16] = {};
	r.push(tagged(entry::nop(), 1));
	r.push(tagged(entry::read_stream(p[0], buf, sizeof buf), 2, RP_REG_STORE(1), true));
	r.push(tagged(entry::write(f.fd, buf, 0, 0), 3, RP_REG_LOAD(RP_REG_FIELD_LEN, 1), true));
	assert_int_equal(r.enter(0), 3);
	Completion c;
	assert_true(r.pop(&c)); // the NOP ended inline, before the wait
	assert_int_equal(c.user_data, 1);
	assert_false(r.pop(&c));
	assert_int_equal(write(p[1], "late data", 9), 9);
	c = r.wait();
	assert_int_equal(c.user_data, 2);
	assert_int_equal(c.result, 9);
	c = r.wait();
	assert_int_equal(c.user_data, 3);
	assert_int_equal(c.result, 9);
	char back[16] = {};
	assert_int_equal(pread(f.fd, back, sizeof back, 0), 9);
	assert_memory_equal(back, "late data", 9);
	close(p[0]);
	close(p[1]);
}

// The paths of steps that run after enter returned are the OS's copies.
void test_paths_of_later_steps_are_copied(void**)
{
	TestRing r;
	TempFile f;
	int p[2];
	assert_int_equal(pipe(p), 0);
	char path[64];
	strcpy(path, f.path);
	char buf[4];
	r.push(tagged(entry::read_stream(p[0], buf, sizeof buf), 1));
	r.push(tagged(entry::open(path, O_RDONLY), 2, RP_REG_STORE(0), true));
	r.push(tagged(entry::close(-1), 3, RP_REG_LOAD(RP_REG_FIELD_FD, 0), true));
	assert_int_equal(r.enter(0), 3);
	strcpy(path, "/nonexistent");
	assert_int_equal(write(p[1], "go", 2), 2);
	std::vector<Completion> cs;
	while (cs.size() < 3)
		cs.push_back(r.wait());
	assert_int_equal(result_of(cs, 1), 2);
	assert_true(result_of(cs, 2) >= 0);
	assert_int_equal(result_of(cs, 3), 0);
	close(p[0]);
	close(p[1]);
}

// Destroying the ring while a chain waits: the waiting step is cancelled and teardown does not hang.
void test_teardown_with_a_waiting_chain(void**)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	char buf[4];
	{
		TestRing r;
		r.push(tagged(entry::read_stream(p[0], buf, sizeof buf), 1, RP_REG_STORE(0)));
		r.push(tagged(entry::nop(), 2, 0, true));
		assert_int_equal(r.enter(0), 2);
	} // destroyed here
	// The cancelled read took nothing.
	assert_int_equal(write(p[1], "x", 1), 1);
	char c = 0;
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	close(p[0]);
	close(p[1]);
}

} // namespace

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_read_close_is_one_submission),
	    cmocka_unit_test(test_every_load_field_of_a_read),
	    cmocka_unit_test(test_a1_and_a2_loads),
	    cmocka_unit_test(test_stores_into_every_register),
	    cmocka_unit_test(test_a_failing_step_cancels_the_rest),
	    cmocka_unit_test(test_a_register_read_before_it_is_written),
	    cmocka_unit_test(test_refused_entries),
	    cmocka_unit_test(test_paths_are_copied_at_submission),
	    cmocka_unit_test(test_a_waiting_step_hands_the_chain_on),
	    cmocka_unit_test(test_teardown_with_a_waiting_chain),
	    cmocka_unit_test(test_paths_of_later_steps_are_copied),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
