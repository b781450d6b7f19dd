// Chains (RP_SQE_CHAIN) and ring registers (RP_SQE_REGISTERS) in the kernel's ring executor (Ring/chains.cpp),
// the cases of tests/hosted/test_chains.cpp against the ramfs: open -> read -> close as one submission, every
// load field and both load positions, stores into every register, a failing step, a register read before it
// is written, the refused entries, paths copied at consumption; and what only a parking executor shows: a
// chain whose middle step waits on an empty pipe and resumes, inside the writer's enter, when data arrives.
#include "test_ring_helpers.hpp"

#include "FileSystem/linux_abi.hpp"
#include "FileSystem/pipe.hpp"

using namespace ring_test;

namespace {

constexpr uint32_t statx_size = 0x200;

rp_sqe tagged(rp_sqe s, uint64_t ud, uint16_t spec = 0, bool chained = false)
{
	s.user_data = ud;
	if (spec) {
		s.flags |= RP_SQE_REGISTERS;
		s.priority = spec;
	}
	if (chained)
		s.flags |= RP_SQE_CHAIN;
	return s;
}

rp_sqe open_sqe(const char *path, uint32_t flags)
{
	rp_sqe s = sqe_of(RP_OP_OPENAT);
	s.fd = at_fdcwd;
	s.addr = addr(path);
	s.syscall_flags = flags;
	s.offset = 0644;
	return s;
}

rp_sqe rw(uint8_t opcode, int64_t fd, const void *buffer, uint64_t length, uint64_t offset = 0)
{
	rp_sqe s = sqe_of(opcode);
	s.fd = uint64_t(fd);
	s.addr = addr(buffer);
	s.len = length;
	s.offset = offset;
	return s;
}

rp_sqe close_sqe(int64_t fd)
{
	rp_sqe s = sqe_of(RP_OP_CLOSE);
	s.fd = uint64_t(fd);
	return s;
}

struct Completion {
	uint64_t user_data;
	int64_t result;
};

// Submits the entries in one enter (all consumed) and collects n completions, in completion order.
template <size_t N>
void run_all(UserRing &r, const rp_sqe (&entries)[N], Completion (&out)[N])
{
	for (const rp_sqe &s : entries)
		r.push(s);
	assert_int_equal(r.enter(N), long(N));
	for (size_t i = 0; i < N; i++) {
		rp_cqe cqe;
		assert_true(r.pop(&cqe, &out[i].result));
		out[i].user_data = cqe.user_data;
	}
	rp_cqe cqe;
	int64_t extra;
	assert_false(r.pop(&cqe, &extra));
}

int64_t run_one(UserRing &r, const rp_sqe &s)
{
	rp_sqe one[1] = {s};
	Completion c[1];
	run_all(r, one, c);
	assert_int_equal(c[0].user_data, s.user_data);
	return c[0].result;
}

void set_register(UserRing &r, uint32_t reg, int64_t value)
{
	r.sq_header()->registers[reg] = value;
	__atomic_fetch_or(&r.sq_header()->registers_set, 1u << reg, __ATOMIC_RELEASE);
}

// A file in the ramfs with these bytes, open read-write: its fd.
int64_t make_file(UserRing &r, const char *path, const char *text)
{
	int64_t fd = r.run(open_sqe(path, O_CREAT_ | O_RDWR_ | O_TRUNC_));
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(r.run(rw(RP_OP_PWRITE, fd, text, n, 0)), int64_t(n));
	return fd;
}

bool fd_open(int64_t fd) { return current_fd_table()->get(int(fd)).ok(); }

void test_open_read_close_is_one_submission(void **)
{
	UserRing r = UserRing::make();
	int64_t setup = make_file(r, "/tmp/chain", "chained!");
	assert_int_equal(r.run(close_sqe(setup)), 0);
	char buf[16] = {};
	rp_sqe entries[] = {
	    tagged(open_sqe("/tmp/chain", O_RDONLY_), 1, RP_REG_STORE(0)),
	    tagged(rw(RP_OP_READ, -1, buf, sizeof buf), 2, RP_REG_LOAD(RP_REG_FIELD_FD, 0) | RP_REG_STORE(1), true),
	    tagged(close_sqe(-1), 3, RP_REG_LOAD(RP_REG_FIELD_FD, 0), true),
	};
	Completion cs[3];
	run_all(r, entries, cs);
	// Completions come in chain order.
	assert_int_equal(cs[0].user_data, 1);
	assert_int_equal(cs[1].user_data, 2);
	assert_int_equal(cs[2].user_data, 3);
	int64_t fd = cs[0].result;
	assert_true(fd >= 0);
	assert_int_equal(cs[1].result, 8);
	assert_int_equal(cs[2].result, 0);
	assert_memory_equal(buf, "chained!", 8);
	assert_int_equal(r.sq_header()->registers[0], fd);
	assert_int_equal(r.sq_header()->registers[1], 8);
	assert_int_equal(r.sq_header()->registers_set & 3u, 3u);
	assert_false(fd_open(fd)); // the chain closed it
}

// One pread, its fd/addr/len/offset each coming from a register in turn, in the first and second load position.
void test_every_load_field_of_a_read(void **)
{
	UserRing r = UserRing::make();
	int64_t fd = make_file(r, "/tmp/fields", "0123456789");
	char buf[8] = {};
	set_register(r, 0, fd);
	set_register(r, 1, int64_t(addr(buf)));
	set_register(r, 2, 3);
	set_register(r, 3, 4);
	struct {
		uint32_t field;
		rp_sqe sqe;
	} cases[] = {
	    {RP_REG_FIELD_FD, rw(RP_OP_PREAD, -1, buf, 3, 4)},
	    {RP_REG_FIELD_ADDR, rw(RP_OP_PREAD, fd, nullptr, 3, 4)},
	    {RP_REG_FIELD_LEN, rw(RP_OP_PREAD, fd, buf, 0, 4)},
	    {RP_REG_FIELD_OFFSET, rw(RP_OP_PREAD, fd, buf, 3, 0)},
	};
	uint32_t reg_of[] = {0, 0, 1, 2, 3};
	for (auto &c : cases) {
		for (int second = 0; second < 2; ++second) {
			memset(buf, 0, sizeof buf);
			uint16_t spec = second ? RP_REG_LOAD2(c.field, reg_of[c.field]) : RP_REG_LOAD(c.field, reg_of[c.field]);
			assert_int_equal(run_one(r, tagged(c.sqe, 10, spec)), 3);
			assert_memory_equal(buf, "456", 3);
		}
	}
	// Both positions in one entry: fd from r0 and len from r2.
	memset(buf, 0, sizeof buf);
	assert_int_equal(run_one(r, tagged(rw(RP_OP_PREAD, -1, buf, 0, 4), 11,
	                                   RP_REG_LOAD(RP_REG_FIELD_FD, 0) | RP_REG_LOAD2(RP_REG_FIELD_LEN, 2))),
	                 3);
	assert_memory_equal(buf, "456", 3);
}

// a1 (statx's buffer) from a register; a2 (splice's output offset, the one standard field a2 a register may
// feed) is accepted and reaches the op, which this kernel does not have yet (-EOPNOTSUPP, not -EINVAL).
void test_a1_and_a2_loads(void **)
{
	UserRing r = UserRing::make();
	int64_t fd = make_file(r, "/tmp/a1", "abc");
	Statx stx{};
	set_register(r, 3, int64_t(addr(&stx)));
	rp_sqe st = sqe_of(RP_OP_STATX);
	st.fd = at_fdcwd;
	st.addr = addr("/tmp/a1");
	st.len = statx_size;
	assert_int_equal(run_one(r, tagged(st, 20, RP_REG_LOAD(RP_REG_FIELD_A1, 3))), 0);
	assert_int_equal(stx.stx_size, 3);

	rp_sqe sp = sqe_of(RP_OP_SPLICE);
	sp.fd = uint64_t(fd);
	sp.additional1 = uint64_t(fd);
	sp.len = 2;
	r.sq_header()->registers_set = 0;
	assert_int_equal(run_one(r, tagged(sp, 21, RP_REG_LOAD(RP_REG_FIELD_A2, 2))), -EINVAL); // r2 unset
	set_register(r, 2, 1);
	assert_int_equal(run_one(r, tagged(sp, 22, RP_REG_LOAD(RP_REG_FIELD_A2, 2))), -EOPNOTSUPP);
}

void test_stores_into_every_register(void **)
{
	UserRing r = UserRing::make();
	int64_t fd = make_file(r, "/tmp/stores", "x");
	for (uint32_t reg = 0; reg < RP_RING_REGISTER_COUNT; ++reg) {
		r.sq_header()->registers_set = 0;
		rp_sqe seek = sqe_of(RP_OP_LSEEK);
		seek.fd = uint64_t(fd);
		seek.offset = 1000 + reg;
		seek.syscall_flags = 0; // SEEK_SET
		assert_int_equal(run_one(r, tagged(seek, 30 + reg, RP_REG_STORE(reg))), 1000 + reg);
		assert_int_equal(r.sq_header()->registers[reg], 1000 + reg);
		assert_int_equal(r.sq_header()->registers_set, 1u << reg);
	}
	// A result wider than 32 bits is stored whole (and completes as an extended pair).
	rp_sqe seek = sqe_of(RP_OP_LSEEK);
	seek.fd = uint64_t(fd);
	seek.offset = 5ull << 32;
	assert_int_equal(run_one(r, tagged(seek, 40, RP_REG_STORE(3))), int64_t(5ull << 32));
	assert_int_equal(r.sq_header()->registers[3], int64_t(5ull << 32));
}

void test_a_failing_step_cancels_the_rest(void **)
{
	UserRing r = UserRing::make();
	r.sq_header()->registers_set = 0;
	char buf[4];
	rp_sqe entries[] = {
	    tagged(open_sqe("/nonexistent/ringport", O_RDONLY_), 1, RP_REG_STORE(0)),
	    tagged(rw(RP_OP_READ, -1, buf, 4), 2, RP_REG_LOAD(RP_REG_FIELD_FD, 0) | RP_REG_STORE(1), true),
	    tagged(close_sqe(-1), 3, RP_REG_LOAD(RP_REG_FIELD_FD, 0), true),
	};
	Completion cs[3];
	run_all(r, entries, cs);
	assert_int_equal(cs[0].user_data, 1);
	assert_int_equal(cs[0].result, -ENOENT);
	assert_int_equal(cs[1].user_data, 2);
	assert_int_equal(cs[1].result, -ECANCELED);
	assert_int_equal(cs[2].user_data, 3);
	assert_int_equal(cs[2].result, -ECANCELED);
	assert_int_equal(r.sq_header()->registers_set, 0); // a failure stores nothing
	// A plain chain (no registers) fails the same way; the entry after the chain is not part of it.
	rp_sqe plain[] = {tagged(close_sqe(99), 4), tagged(sqe_of(RP_OP_NOP), 5, 0, true), tagged(sqe_of(RP_OP_NOP), 6)};
	Completion pc[3];
	run_all(r, plain, pc);
	assert_int_equal(pc[0].result, -EBADF);
	assert_int_equal(pc[1].user_data, 5);
	assert_int_equal(pc[1].result, -ECANCELED);
	assert_int_equal(pc[2].user_data, 6);
	assert_int_equal(pc[2].result, 0);
}

void test_a_register_read_before_it_is_written(void **)
{
	UserRing r = UserRing::make();
	r.sq_header()->registers_set = 0;
	char buf[4];
	rp_sqe entries[] = {
	    tagged(rw(RP_OP_READ, -1, buf, 4), 1, RP_REG_LOAD(RP_REG_FIELD_FD, 2)),
	    tagged(sqe_of(RP_OP_NOP), 2, 0, true),
	};
	Completion cs[2];
	run_all(r, entries, cs);
	assert_int_equal(cs[0].result, -EINVAL);
	assert_int_equal(cs[1].result, -ECANCELED);
}

void test_refused_entries(void **)
{
	UserRing r = UserRing::make();
	int64_t fd = make_file(r, "/tmp/refused", "data");
	char buf[4];
	// Reserved specifier bits; a field number over 6; the same field loaded twice.
	uint16_t bad[] = {uint16_t(1u << 13), RP_REG_LOAD(7, 0), RP_REG_LOAD(RP_REG_FIELD_FD, 0) | RP_REG_LOAD2(RP_REG_FIELD_FD, 1)};
	set_register(r, 0, fd);
	set_register(r, 1, fd);
	for (uint16_t spec : bad)
		assert_int_equal(run_one(r, tagged(rw(RP_OP_PREAD, fd, buf, 4), 1, spec)), -EINVAL);
	// A load into a path (copied at consumption) or into a field the op does not use.
	assert_int_equal(run_one(r, tagged(open_sqe("/tmp/refused", O_RDONLY_), 2, RP_REG_LOAD(RP_REG_FIELD_ADDR, 0))),
	                 -EINVAL);
	assert_int_equal(run_one(r, tagged(sqe_of(RP_OP_NOP), 3, RP_REG_LOAD(RP_REG_FIELD_LEN, 0))), -EINVAL);
	// CHAIN on the first entry an enter consumes: nothing to follow.
	assert_int_equal(run_one(r, tagged(sqe_of(RP_OP_NOP), 4, 0, true)), -EINVAL);
	// A refused step inside a chain cancels the rest like any failure.
	rp_sqe entries[] = {
	    tagged(sqe_of(RP_OP_NOP), 5),
	    tagged(sqe_of(RP_OP_NOP), 6, uint16_t(1u << 14), true),
	    tagged(sqe_of(RP_OP_NOP), 7, 0, true),
	};
	Completion cs[3];
	run_all(r, entries, cs);
	assert_int_equal(cs[0].result, 0);
	assert_int_equal(cs[1].result, -EINVAL);
	assert_int_equal(cs[2].result, -ECANCELED);
}

// A pipe installed in the current table: fds[0] reads, fds[1] writes.
void make_pipe(int fds[2])
{
	File *read_end = nullptr, *write_end = nullptr;
	assert_true(pipe_create(0, &read_end, &write_end).ok());
	Result<int> rd = current_fd_table()->install(read_end, false);
	Result<int> wr = current_fd_table()->install(write_end, false);
	assert_true(rd.ok() && wr.ok());
	read_end->unref();
	write_end->unref();
	fds[0] = rd.value();
	fds[1] = wr.value();
}

// The middle step waits: read an empty pipe [store r1], then write what it read (len <- r1) to a file, then
// open a file whose path buffer the program has overwritten since. Nothing after the read runs before the
// pipe has data; the writer's own enter completes the rest, the open using the path as it was at submission.
void test_a_waiting_step_resumes_from_the_completion_path(void **)
{
	UserRing r = UserRing::make();
	int fds[2];
	make_pipe(fds);
	int64_t out = make_file(r, "/tmp/out", "");
	assert_true(make_file(r, "/tmp/kept", "k") >= 0);
	char path[32];
	strcpy(path, "/tmp/kept");
	char buf[16] = {};
	r.sq_header()->registers_set = 0;
	r.push(tagged(rw(RP_OP_READ, fds[0], buf, sizeof buf), 1, RP_REG_STORE(1)));
	r.push(tagged(rw(RP_OP_PWRITE, out, buf, 0, 0), 2, RP_REG_LOAD(RP_REG_FIELD_LEN, 1), true));
	r.push(tagged(open_sqe(path, O_RDONLY_), 3, RP_REG_STORE(2), true));
	assert_int_equal(r.enter(), 3);
	rp_cqe cqe;
	int64_t result;
	assert_false(r.pop(&cqe, &result)); // all three wait for the pipe
	assert_int_equal(r.sq_header()->registers_set, 0);
	strcpy(path, "/nonexistent"); // the chain keeps its own copy of the open's path

	// Another enter in between: the chain is not disturbed, and an unrelated entry completes on its own.
	r.push(tagged(sqe_of(RP_OP_NOP), 9));
	assert_int_equal(r.enter(1), 1);
	assert_true(r.pop(&cqe, &result));
	assert_int_equal(cqe.user_data, 9);
	assert_false(r.pop(&cqe, &result));

	// The writer's enter: its own completion, then the chain's three, in order.
	r.push(tagged(rw(RP_OP_WRITE, fds[1], "piped", 5), 4));
	assert_int_equal(r.enter(4), 1);
	Completion want[] = {{4, 5}, {1, 5}, {2, 5}};
	for (const Completion &w : want) {
		assert_true(r.pop(&cqe, &result));
		assert_int_equal(cqe.user_data, w.user_data);
		assert_int_equal(result, w.result);
	}
	assert_true(r.pop(&cqe, &result));
	assert_int_equal(cqe.user_data, 3);
	assert_true(result >= 0);
	assert_true(fd_open(result));
	assert_false(r.pop(&cqe, &result));
	assert_int_equal(r.sq_header()->registers[1], 5);
	assert_int_equal(r.sq_header()->registers_set, 6u);
	char back[8] = {};
	assert_int_equal(r.run(rw(RP_OP_PREAD, out, back, sizeof back, 0)), 5);
	assert_memory_equal(back, "piped", 5);
}

// A waiting step that fails (cancelled by the program's Cancel) cancels the rest; a waiting chain at ring
// teardown completes nothing after it and leaks nothing (teardown_process checks every page run is gone).
void test_a_cancelled_waiting_step_cancels_the_rest(void **)
{
	UserRing r = UserRing::make();
	int fds[2];
	make_pipe(fds);
	char buf[4];
	r.push(tagged(rw(RP_OP_READ, fds[0], buf, sizeof buf), 1));
	r.push(tagged(close_sqe(fds[0]), 2, 0, true));
	assert_int_equal(r.enter(), 2);
	rp_sqe cancel = sqe_of(RP_OP_CANCEL);
	cancel.addr = 1;
	cancel.user_data = 3;
	r.push(cancel);
	assert_int_equal(r.enter(3), 1);
	Completion want[] = {{1, -ECANCELED}, {2, -ECANCELED}, {3, 0}};
	for (const Completion &w : want) {
		rp_cqe cqe;
		int64_t result;
		assert_true(r.pop(&cqe, &result));
		assert_int_equal(cqe.user_data, w.user_data);
		assert_int_equal(result, w.result);
	}
	assert_true(fd_open(fds[0])); // the close never ran

	// Left waiting when the process goes: teardown ends it.
	r.push(tagged(rw(RP_OP_READ, fds[0], buf, sizeof buf), 4));
	r.push(tagged(close_sqe(fds[0]), 5, 0, true));
	assert_int_equal(r.enter(), 2);
}

} // namespace

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open_read_close_is_one_submission, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_every_load_field_of_a_read, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_a1_and_a2_loads, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_stores_into_every_register, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_a_failing_step_cancels_the_rest, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_a_register_read_before_it_is_written, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_refused_entries, setup_process, teardown_process),
	    cmocka_unit_test_setup_teardown(test_a_waiting_step_resumes_from_the_completion_path, setup_process,
	                                    teardown_process),
	    cmocka_unit_test_setup_teardown(test_a_cancelled_waiting_step_cancels_the_rest, setup_process,
	                                    teardown_process),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
