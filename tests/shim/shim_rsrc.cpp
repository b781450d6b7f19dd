// Registered resources' lifetimes: a replaced or unregistered file or buffer is let go, and its tag posted as a
// CQE (user_data = tag, res 0), only once the requests that could be using it are done; tag 0 posts nothing;
// an empty slot cannot carry a tag.
#include "rp_test.h"
#include "shim_ring.hpp"

#include <sys/uio.h>

using namespace shimtest;

static lx::io_uring_cqe must_next(Ring& r)
{
	lx::io_uring_cqe c{};
	assert_true(r.next(&c));
	return c;
}

static int register2(Ring& r, uint32_t op, const void* data, const uint64_t* tags, uint32_t nr)
{
	lx::io_uring_rsrc_register rr{};
	rr.nr = nr;
	rr.data = uint64_t(uintptr_t(data));
	rr.tags = uint64_t(uintptr_t(tags));
	return rp_sys_io_uring_register(r.fd, op, &rr, sizeof rr);
}

static int update2(Ring& r, uint32_t op, uint32_t off, const void* data, const uint64_t* tags, uint32_t nr)
{
	lx::io_uring_rsrc_update2 up{};
	up.offset = off;
	up.data = uint64_t(uintptr_t(data));
	up.tags = uint64_t(uintptr_t(tags));
	up.nr = nr;
	return rp_sys_io_uring_register(r.fd, op, &up, sizeof up);
}

static void file_tags_post_on_replace_and_unregister(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	int32_t files[2] = {p[0], p[1]};
	uint64_t tags[2] = {11, 22};
	assert_int_equal(register2(r, lx::REGISTER_FILES2, files, tags, 2), 0);
	// Replacing slot 0 posts its tag; the new file's tag 0 posts nothing later.
	uint64_t none = 0;
	assert_int_equal(update2(r, lx::REGISTER_FILES_UPDATE2, 0, &p[0], &none, 1), 1);
	lx::io_uring_cqe c = must_next(r);
	assert_int_equal(c.user_data, 11);
	assert_int_equal(c.res, 0);
	assert_int_equal(c.flags, 0);
	// Removing with a tag, or an empty slot with a tag, is refused.
	int32_t gone = -1;
	uint64_t tag = 5;
	assert_int_equal(update2(r, lx::REGISTER_FILES_UPDATE2, 1, &gone, &tag, 1), -EINVAL);
	// Unregistering lets go of everything: only the tagged file posts.
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::UNREGISTER_FILES, nullptr, 0), 0);
	c = must_next(r);
	assert_int_equal(c.user_data, 22);
	assert_false(r.pop(&c));
	int32_t sparse[1] = {-1};
	assert_int_equal(register2(r, lx::REGISTER_FILES2, sparse, &tag, 1), -EINVAL);
	close(p[0]);
	close(p[1]);
}

// A read through fixed file 0 is waiting when the slot is replaced: the file stays open for the read (it still
// completes with the data) and the tag comes only after the read's CQE.
static void replaced_file_waits_for_its_requests(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	int32_t files[1] = {p[0]};
	uint64_t tags[1] = {7};
	assert_int_equal(register2(r, lx::REGISTER_FILES2, files, tags, 1), 0);
	char buf[8] = {};
	auto* s = r.get_sqe();
	prep(s, lx::OP_READ, 0, uint64_t(uintptr_t(buf)), sizeof buf, 0, 100);
	s->flags = lx::SQE_FIXED_FILE;
	assert_int_equal(r.submit(), 1);
	int32_t gone = -1;
	assert_int_equal(update2(r, lx::REGISTER_FILES_UPDATE2, 0, &gone, nullptr, 1), 1);
	lx::io_uring_cqe c;
	assert_false(r.pop(&c)); // the tag waits for the read
	assert_int_equal(close(p[0]), 0); // the program's own fd goes too: the table's reference keeps the pipe
	assert_int_equal(write(p[1], "data", 4), 4);
	c = must_next(r);
	assert_int_equal(c.user_data, 100);
	assert_int_equal(c.res, 4);
	c = must_next(r);
	assert_int_equal(c.user_data, 7);
	close(p[1]);
}

static void buffer_tags(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	static char a[64], b[64];
	iovec v[2] = {{a, sizeof a}, {b, sizeof b}};
	uint64_t tags[2] = {1, 2};
	assert_int_equal(register2(r, lx::REGISTER_BUFFERS2, v, tags, 2), 0);
	iovec nb{b, sizeof b};
	uint64_t t = 3;
	assert_int_equal(update2(r, lx::REGISTER_BUFFERS_UPDATE, 0, &nb, &t, 1), 1);
	assert_int_equal(must_next(r).user_data, 1);
	// An empty buffer cannot carry a tag; a buffer with a length but no address is refused.
	iovec empty{nullptr, 0};
	assert_int_equal(update2(r, lx::REGISTER_BUFFERS_UPDATE, 1, &empty, &t, 1), -EINVAL);
	iovec bad{nullptr, 1};
	assert_int_equal(update2(r, lx::REGISTER_BUFFERS_UPDATE, 1, &bad, nullptr, 1), -EFAULT);
	assert_int_equal(update2(r, lx::REGISTER_BUFFERS_UPDATE, 2, &nb, nullptr, 1), -EINVAL); // past the table
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::UNREGISTER_BUFFERS, nullptr, 0), 0);
	uint64_t seen = 0;
	for (int i = 0; i < 2; ++i)
		seen |= 1u << must_next(r).user_data;
	assert_int_equal(seen, (1u << 2) | (1u << 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(file_tags_post_on_replace_and_unregister),
	    cmocka_unit_test(replaced_file_waits_for_its_requests),
	    cmocka_unit_test(buffer_tags),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
