// READV_FIXED / WRITEV_FIXED (Linux 6.15): vectored I/O whose segments all lie in one registered buffer;
// a segment outside it, or an unregistered index, is -EFAULT; the probe lists both.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <sys/uio.h>

using namespace shimtest;

namespace {

lx::io_uring_cqe run(Ring& r, uint8_t op, int fd, const iovec* iov, unsigned n, uint64_t off, uint16_t index)
{
	auto* s = r.get_sqe();
	prep(s, op, fd, uint64_t(iov), n, off, 1);
	s->buf_index = index;
	assert_int_equal(r.submit(), 1);
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	return c;
}

} // namespace

static void vectored_fixed_io(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char mem[8192];
	iovec reg_iov = {mem, sizeof(mem)};
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_BUFFERS, &reg_iov, 1), 0);
	char path[] = "/tmp/rp-vecfixed-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	std::memcpy(mem, "hello ", 6);
	std::memcpy(mem + 4096, "world", 5);
	iovec w[2] = {{mem, 6}, {mem + 4096, 5}};
	lx::io_uring_cqe c = run(r, lx::OP_WRITEV_FIXED, fd, w, 2, 0, 0);
	assert_int_equal(c.res, 11);
	char check[16] = {};
	assert_int_equal(pread(fd, check, sizeof(check), 0), 11);
	assert_memory_equal(check, "hello world", 11);
	iovec rd[2] = {{mem + 100, 5}, {mem + 200, 6}};
	c = run(r, lx::OP_READV_FIXED, fd, rd, 2, 0, 0);
	assert_int_equal(c.res, 11);
	assert_memory_equal(mem + 100, "hello", 5);
	assert_memory_equal(mem + 200, " world", 6);
	// A segment past the registered buffer, or one elsewhere entirely: -EFAULT, nothing transferred.
	iovec bad[2] = {{mem, 4}, {mem + 8190, 4}};
	c = run(r, lx::OP_READV_FIXED, fd, bad, 2, 0, 0);
	assert_int_equal(c.res, -EFAULT);
	char other[8];
	iovec outside = {other, sizeof(other)};
	c = run(r, lx::OP_WRITEV_FIXED, fd, &outside, 1, 0, 0);
	assert_int_equal(c.res, -EFAULT);
	c = run(r, lx::OP_READV_FIXED, fd, rd, 2, 0, 1); // no buffer 1
	assert_int_equal(c.res, -EFAULT);
	// Buffer selection is not for these ops.
	auto* s = r.get_sqe();
	prep(s, lx::OP_READV_FIXED, fd, uint64_t(rd), 1, 0, 2);
	s->flags = lx::SQE_BUFFER_SELECT;
	assert_int_equal(r.submit(), 1);
	assert_true(r.next(&c));
	assert_int_equal(c.res, -EOPNOTSUPP);
	close(fd);
}

static void probe_lists_them(void**)
{
	Ring r;
	assert_int_equal(r.init(4), 0);
	alignas(8) uint8_t buf[sizeof(lx::io_uring_probe) + 256 * sizeof(lx::io_uring_probe_op)] = {};
	auto* probe = reinterpret_cast<lx::io_uring_probe*>(buf);
	assert_int_equal(rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_PROBE, probe, 256), 0);
	assert_int_equal(probe->last_op, lx::OP_URING_CMD128);
	assert_true(probe->ops[lx::OP_READV_FIXED].flags & lx::PROBE_OP_SUPPORTED);
	assert_true(probe->ops[lx::OP_WRITEV_FIXED].flags & lx::PROBE_OP_SUPPORTED);
	// The 128-byte SQE opcodes are supported (their ring rules: shim_mixed_rings).
	assert_true(probe->ops[lx::OP_NOP128].flags & lx::PROBE_OP_SUPPORTED);
	assert_true(probe->ops[lx::OP_URING_CMD128].flags & lx::PROBE_OP_SUPPORTED);
	// The ones refused are refused as a kernel without them does: unsupported, and -EINVAL in the CQE.
	const uint8_t refused[] = {lx::OP_RECV_ZC};
	for (uint8_t op : refused) {
		assert_false(probe->ops[op].flags & lx::PROBE_OP_SUPPORTED);
		prep(r.get_sqe(), op, -1, 0, 0, 0, op);
		assert_int_equal(r.submit(), 1);
		lx::io_uring_cqe c;
		assert_true(r.next(&c));
		assert_int_equal(c.user_data, op);
		assert_int_equal(c.res, -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(vectored_fixed_io),
	    cmocka_unit_test(probe_lists_them),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
