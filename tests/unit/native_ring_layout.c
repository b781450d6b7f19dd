/* The native ring ABI as seen from plain C: sizes, offsets and alignment of every shared structure. */
#include "rp_test.h"

#include <stdalign.h>
#include <ringport/native_ring.h>

static void test_sqe_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct rp_sqe), 64);
	assert_int_equal(offsetof(struct rp_sqe, opcode), 0);
	assert_int_equal(offsetof(struct rp_sqe, flags), 1);
	assert_int_equal(offsetof(struct rp_sqe, priority), 2);
	assert_int_equal(offsetof(struct rp_sqe, syscall_flags), 4);
	assert_int_equal(offsetof(struct rp_sqe, fd), 8);
	assert_int_equal(offsetof(struct rp_sqe, len), 16);
	assert_int_equal(offsetof(struct rp_sqe, user_data), 24);
	assert_int_equal(offsetof(struct rp_sqe, addr), 32);
	assert_int_equal(offsetof(struct rp_sqe, offset), 40);
	assert_int_equal(offsetof(struct rp_sqe, additional1), 48);
	assert_int_equal(offsetof(struct rp_sqe, additional2), 56);
	assert_int_equal(alignof(struct rp_sqe), 8);
}

static void test_cqe_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct rp_cqe), 16);
	assert_int_equal(offsetof(struct rp_cqe, user_data), 0);
	assert_int_equal(offsetof(struct rp_cqe, status), 8);
	assert_int_equal(offsetof(struct rp_cqe, flags), 12);
	assert_int_equal(sizeof(struct rp_cqe_ext), 16);
	assert_int_equal(offsetof(struct rp_cqe_ext, result), 0);
	assert_int_equal(alignof(struct rp_cqe), 8);
}

static void test_header_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct rp_ring_header), 384);
	assert_int_equal(offsetof(struct rp_ring_header, head), 0);
	assert_int_equal(offsetof(struct rp_ring_header, tail), 128);
	assert_int_equal(offsetof(struct rp_ring_header, version), 256);
	assert_int_equal(offsetof(struct rp_ring_header, entry_count), 260);
	assert_int_equal(offsetof(struct rp_ring_header, mask), 264);
	assert_int_equal(offsetof(struct rp_ring_header, flags), 268);
	assert_int_equal(offsetof(struct rp_ring_header, status), 272);
	assert_int_equal(offsetof(struct rp_ring_header, entry_size), 276);
	assert_int_equal(offsetof(struct rp_ring_header, dropped), 280);
	assert_int_equal(offsetof(struct rp_ring_header, registers), 288);
	assert_int_equal(offsetof(struct rp_ring_header, registers_set), 320);
	assert_int_equal(RP_RING_REGISTER_COUNT, 4);
	/* head and tail never share a 64-byte line nor its adjacent-line prefetch pair */
	assert_true(offsetof(struct rp_ring_header, tail) - offsetof(struct rp_ring_header, head) >= 128);
}

static void test_futex_waitv_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct rp_futex_waitv), 24);
	assert_int_equal(offsetof(struct rp_futex_waitv, val), 0);
	assert_int_equal(offsetof(struct rp_futex_waitv, uaddr), 8);
	assert_int_equal(offsetof(struct rp_futex_waitv, flags), 16);
	assert_int_equal(RP_FUTEX_WAITV_MAX, 128);
}

static void test_opcode_numbers(void **state)
{
	(void)state;
	/* Opcode numbers are ABI: a renumbering must be deliberate (and documented in docs/native-abi.md). */
	assert_int_equal(RP_OP_NOP, 0);
	assert_int_equal(RP_OP_READ, 5);
	assert_int_equal(RP_OP_MMAP, 14);
	assert_int_equal(RP_OP_POLL, 34);
	assert_int_equal(RP_OP_TIMEOUT, 48);
	assert_int_equal(RP_OP_WAITPID, 50);
	assert_int_equal(RP_OP_FUTEX, 51);
	assert_int_equal(RP_OP_STANDARD_COUNT, 55);
	assert_int_equal(RP_OP_SCHEME_PRIVATE, 128);
	assert_int_equal(RP_SQE_VALID_FLAGS, 0x5f);
	assert_int_equal(RP_SQE_ASYNC, 0x40);
	assert_int_equal(RP_SQE_REGISTERS, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqe_layout),
		cmocka_unit_test(test_cqe_layout),
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_futex_waitv_layout),
		cmocka_unit_test(test_opcode_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
