// REGISTER_CLONE_BUFFERS with Linux 6.18's rules: the source named by ring fd or registered index (-EBADF,
// -EOPNOTSUPP, -EINVAL as io_uring_register_get_file), -EINVAL for bad flags, padding or counts, -EBUSY without
// DST_REPLACE on a ring that has buffers, -ENXIO for a source without any, -EOVERFLOW for ranges past the end;
// cloned slots are usable by fixed reads at their new index, the destination's other slots keep their buffers
// and tags, replaced slots post their tags.
#include "rp_test.h"

#include "shim_ring.hpp"

#include <climits>
#include <sys/uio.h>

using namespace shimtest;

namespace {

constexpr unsigned kBufs = 4, kLen = 64;
alignas(4096) char g_mem[kBufs][4096];

int clone(Ring& dst, unsigned src_fd, unsigned src_off, unsigned dst_off, unsigned nr, unsigned flags)
{
	lx::io_uring_clone_buffers a{};
	a.src_fd = src_fd;
	a.src_off = src_off;
	a.dst_off = dst_off;
	a.nr = nr;
	a.flags = flags;
	return rp_sys_io_uring_register(unsigned(dst.fd), lx::REGISTER_CLONE_BUFFERS, &a, 1);
}

int register_src(Ring& src)
{
	iovec iov[kBufs];
	for (unsigned i = 0; i < kBufs; ++i)
		iov[i] = {g_mem[i], kLen};
	return rp_sys_io_uring_register(unsigned(src.fd), lx::REGISTER_BUFFERS, iov, kBufs);
}

// A READ_FIXED of kLen bytes from a pipe into addr with buffer index idx: its result.
int read_fixed(Ring& r, void* addr, uint16_t idx)
{
	int p[2];
	if (pipe(p))
		return -1000;
	char data[kLen];
	memset(data, 'x', sizeof data);
	if (write(p[1], data, kLen) != int(kLen))
		return -1001;
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ_FIXED, p[0], uint64_t(uintptr_t(addr)), kLen, 0, 77);
	s->buf_index = idx;
	lx::io_uring_cqe c{};
	int ret = r.submit() == 1 && r.next(&c) ? c.res : -1002;
	close(p[0]);
	close(p[1]);
	return ret;
}

} // namespace

static void argument_and_source_rules(void**)
{
	Ring src, dst;
	assert_int_equal(src.init(4), 0);
	assert_int_equal(dst.init(4), 0);
	lx::io_uring_clone_buffers a{};
	a.src_fd = unsigned(src.fd);
	assert_int_equal(rp_sys_io_uring_register(unsigned(dst.fd), lx::REGISTER_CLONE_BUFFERS, nullptr, 1), -EINVAL);
	assert_int_equal(rp_sys_io_uring_register(unsigned(dst.fd), lx::REGISTER_CLONE_BUFFERS, &a, 0), -EINVAL);
	a.flags = 4;
	assert_int_equal(rp_sys_io_uring_register(unsigned(dst.fd), lx::REGISTER_CLONE_BUFFERS, &a, 1), -EINVAL);
	a.flags = 0;
	a.pad[1] = 1;
	assert_int_equal(rp_sys_io_uring_register(unsigned(dst.fd), lx::REGISTER_CLONE_BUFFERS, &a, 1), -EINVAL);
	// The source: a closed fd, a file that is not a ring, a registered index out of range or empty.
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(clone(dst, 999, 0, 0, 0, 0), -EBADF);
	assert_int_equal(clone(dst, unsigned(p[0]), 0, 0, 0, 0), -EOPNOTSUPP);
	assert_int_equal(clone(dst, 16, 0, 0, 0, lx::REGISTER_SRC_REGISTERED), -EINVAL);
	assert_int_equal(clone(dst, 3, 0, 0, 0, lx::REGISTER_SRC_REGISTERED), -EBADF);
	close(p[0]);
	close(p[1]);
	// A source without buffers; offsets without a count.
	assert_int_equal(clone(dst, unsigned(src.fd), 0, 0, 0, 0), -ENXIO);
	assert_int_equal(clone(dst, unsigned(src.fd), 1, 0, 0, 0), -EINVAL);
	assert_int_equal(register_src(src), 0);
	assert_int_equal(clone(dst, unsigned(src.fd), 0, 1, 0, 0), -EINVAL);
	// Counts and ranges.
	assert_int_equal(clone(dst, unsigned(src.fd), 2, 0, kBufs, 0), -EOVERFLOW);
	assert_int_equal(clone(dst, unsigned(src.fd), 0, 0, kBufs + 1, 0), -EINVAL);
	assert_int_equal(clone(dst, unsigned(src.fd), 0, UINT_MAX - 1, kBufs, 0), -EOVERFLOW);
	assert_int_equal(clone(dst, unsigned(src.fd), 0, 1u << 14, 1, 0), -EINVAL);
	// Nothing was installed by the failures.
	assert_int_equal(rp_sys_io_uring_register(unsigned(dst.fd), lx::UNREGISTER_BUFFERS, nullptr, 0), -ENXIO);
}

static void cloned_slots_are_used_at_their_new_index(void**)
{
	Ring src, dst;
	assert_int_equal(src.init(4), 0);
	assert_int_equal(dst.init(4), 0);
	assert_int_equal(register_src(src), 0);
	// Source buffers 2 and 3 become the destination's 1 and 2; slot 0 is empty.
	assert_int_equal(clone(dst, unsigned(src.fd), 2, 1, 2, 0), 0);
	assert_int_equal(read_fixed(dst, g_mem[2], 1), int(kLen));
	assert_int_equal(read_fixed(dst, g_mem[3], 2), int(kLen));
	assert_int_equal(read_fixed(dst, g_mem[0], 0), -EFAULT);
	assert_int_equal(read_fixed(dst, g_mem[0], 3), -EFAULT);
	// The source keeps its own.
	assert_int_equal(read_fixed(src, g_mem[0], 0), int(kLen));
	// Again without DST_REPLACE: busy; with it, slot 0 is filled and slots 1 and 2 stay.
	assert_int_equal(clone(dst, unsigned(src.fd), 0, 0, 1, 0), -EBUSY);
	assert_int_equal(clone(dst, unsigned(src.fd), 0, 0, 1, lx::REGISTER_DST_REPLACE), 0);
	assert_int_equal(read_fixed(dst, g_mem[0], 0), int(kLen));
	assert_int_equal(read_fixed(dst, g_mem[2], 1), int(kLen));
	// The whole table (nr 0), replacing: indexes as the source's. Unregistering the source leaves the clone.
	assert_int_equal(clone(dst, unsigned(src.fd), 0, 0, 0, lx::REGISTER_DST_REPLACE), 0);
	assert_int_equal(rp_sys_io_uring_register(unsigned(src.fd), lx::UNREGISTER_BUFFERS, nullptr, 0), 0);
	assert_int_equal(read_fixed(dst, g_mem[1], 1), int(kLen));
	assert_int_equal(read_fixed(src, g_mem[1], 1), -EFAULT);
}

static void registered_source_and_self(void**)
{
	Ring src, dst;
	assert_int_equal(src.init(4), 0);
	assert_int_equal(dst.init(4), 0);
	assert_int_equal(register_src(src), 0);
	lx::io_uring_rsrc_update up{};
	up.offset = ~0u;
	up.data = uint64_t(src.fd);
	assert_int_equal(rp_sys_io_uring_register(unsigned(src.fd), lx::REGISTER_RING_FDS, &up, 1), 1);
	assert_int_equal(clone(dst, up.offset, 0, 0, 0, lx::REGISTER_SRC_REGISTERED), 0);
	assert_int_equal(read_fixed(dst, g_mem[3], 3), int(kLen));
	// From itself, replacing: slot 0 takes slot 3's buffer.
	assert_int_equal(clone(dst, unsigned(dst.fd), 3, 0, 1, lx::REGISTER_DST_REPLACE), 0);
	assert_int_equal(read_fixed(dst, g_mem[3], 0), int(kLen));
	assert_int_equal(read_fixed(dst, g_mem[0], 0), -EFAULT);
	lx::io_uring_rsrc_update un{};
	un.offset = up.offset;
	assert_int_equal(rp_sys_io_uring_register(unsigned(src.fd), lx::UNREGISTER_RING_FDS, &un, 1), 1);
}

static void replaced_slots_post_their_tags(void**)
{
	Ring src, dst;
	assert_int_equal(src.init(4), 0);
	assert_int_equal(dst.init(8), 0);
	assert_int_equal(register_src(src), 0);
	iovec iov[2] = {{g_mem[0], kLen}, {g_mem[1], kLen}};
	uint64_t tags[2] = {101, 102};
	lx::io_uring_rsrc_register rr{};
	rr.nr = 2;
	rr.data = uint64_t(uintptr_t(iov));
	rr.tags = uint64_t(uintptr_t(tags));
	assert_int_equal(rp_sys_io_uring_register(unsigned(dst.fd), lx::REGISTER_BUFFERS2, &rr, sizeof rr), 0);
	// Slot 1 is replaced (tag 102 posted), slot 0 keeps its buffer and tag, slot 2 is new.
	assert_int_equal(clone(dst, unsigned(src.fd), 2, 1, 2, lx::REGISTER_DST_REPLACE), 0);
	lx::io_uring_cqe c{};
	assert_true(dst.pop(&c));
	assert_int_equal(c.user_data, 102);
	assert_int_equal(c.res, 0);
	assert_false(dst.pop(&c));
	assert_int_equal(read_fixed(dst, g_mem[0], 0), int(kLen));
	// Unregistering posts the kept tag only: clones carry none.
	assert_int_equal(rp_sys_io_uring_register(unsigned(dst.fd), lx::UNREGISTER_BUFFERS, nullptr, 0), 0);
	assert_true(dst.pop(&c));
	assert_int_equal(c.user_data, 101);
	assert_false(dst.pop(&c));
}

int main()
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(argument_and_source_rules),
		cmocka_unit_test(cloned_slots_are_used_at_their_new_index),
		cmocka_unit_test(registered_source_and_self),
		cmocka_unit_test(replaced_slots_post_their_tags),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
