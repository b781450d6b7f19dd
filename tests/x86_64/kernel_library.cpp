// Host unit tests of os/x86_64/Library (format, Result/TRY, List, copy_string, parse_decimal) and of the host
// Platform the other x86_64 subsystem tests build on (fault arming, page-run reference counts, deferred work).
#include "rp_test.h"

#include "Library/list.hpp"
#include "Library/print.hpp"
#include "Library/result.hpp"
#include "Library/string.hpp"
#include "host_platform.hpp"

using namespace kernel;

static void test_format_conversions(void **)
{
	char b[128];
	assert_int_equal(format(b, sizeof b, "%d|%5d|%-4d|%05d|%+d", -42, 7, 3, -12, 9), 23);
	assert_string_equal(b, "-42|    7|3   |-0012|+9");
	format(b, sizeof b, "%x %X %#x %o %#o %lu %lld %zu", 255u, 255u, 255u, 8u, 8u, 18446744073709551615ul,
	       -9223372036854775807ll - 1, static_cast<size_t>(12));
	assert_string_equal(b, "ff FF 0xff 10 010 18446744073709551615 -9223372036854775808 12");
	const char *volatile null_string = nullptr; // hidden from the compiler's format check
	format(b, sizeof b, "[%s][%6s][%-6s][%.2s][%c][%%][%s]", "ab", "ab", "ab", "abcdef", 'z', null_string);
	assert_string_equal(b, "[ab][    ab][ab    ][ab][z][%][(null)]");
	format(b, sizeof b, "%p %016lx %hhu %hd", reinterpret_cast<void *>(0x1234), 0xabcul, 257u, 65535);
	assert_string_equal(b, "0x1234 0000000000000abc 1 -1");
	format(b, sizeof b, "%*d|%.*s|%.3d", 4, 1, 1, "xyz", 5);
	assert_string_equal(b, "   1|x|005");
}

static void test_format_truncates_and_counts(void **)
{
	char b[8];
	memset(b, 'q', sizeof b);
	assert_int_equal(format(b, sizeof b, "hello world %d", 12345), 17);
	assert_string_equal(b, "hello w");
	assert_int_equal(format(nullptr, 0, "%s", "four"), 4);
}

static void test_print_reaches_console(void **)
{
	host::reset();
	// Longer than print's 256-byte chunk, so the flush path is exercised.
	char big[600];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(print("x=%d %s!", 5, big), 604);
	const char *out = host::console_output();
	assert_int_equal(strlen(out), 4 + 599 + 1);
	assert_memory_equal(out, "x=5 aaa", 7);
	assert_int_equal(out[strlen(out) - 1], '!');
}

static Result<int> half(int v)
{
	if (v % 2)
		return Error(EINVAL);
	return v / 2;
}

static Result<int> quarter(int v)
{
	int h = TRY(half(v));
	int q = TRY(half(h));
	return q;
}

static Result<void> only_even(int v)
{
	TRY(half(v));
	return {};
}

static void test_result_and_try(void **)
{
	assert_true(quarter(8).ok());
	assert_int_equal(quarter(8).value(), 2);
	assert_false(quarter(6).ok());
	assert_int_equal(quarter(6).error(), EINVAL);
	assert_int_equal(quarter(6).to_return(), -EINVAL);
	assert_int_equal(quarter(12).to_return(), 3);
	assert_int_equal(only_even(3).to_return(), -EINVAL);
	assert_int_equal(only_even(4).to_return(), 0);
	assert_int_equal(check(-EFAULT).error(), EFAULT);
	assert_true(check(7).ok());
}

struct Item {
	int value;
	ListNode node;
};

static void test_list_order_and_removal_while_iterating(void **)
{
	List<Item, &Item::node> list;
	Item items[5];
	for (int i = 0; i < 5; i++) {
		items[i].value = i;
		list.push_back(&items[i]);
	}
	Item front{-1, {}};
	list.push_front(&front);
	assert_int_equal(list.size(), 6);
	int expect = -1;
	for (Item *it : list) {
		assert_int_equal(it->value, expect++);
		if (it->value % 2 == 0)
			list.remove(it); // removing the current element is allowed
	}
	assert_int_equal(list.size(), 3);
	assert_false(items[2].node.linked());
	assert_true(items[3].node.linked());
	assert_int_equal(list.pop_front()->value, -1);
	assert_int_equal(list.pop_front()->value, 1);
	assert_int_equal(list.pop_front()->value, 3);
	assert_null(list.pop_front());
	assert_true(list.empty());
}

static void test_strings(void **)
{
	char b[4];
	assert_int_equal(copy_string(b, "abcdef", sizeof b), 6);
	assert_string_equal(b, "abc");
	const char *s = "1234x";
	uint64_t v = 0;
	assert_true(parse_decimal(&s, &v));
	assert_int_equal(v, 1234);
	assert_string_equal(s, "x");
	assert_false(parse_decimal(&s, &v));
	const char *huge = "99999999999999999999";
	assert_false(parse_decimal(&huge, &v));
	assert_true(starts_with("start=3", "start="));
}

static void test_host_user_copies_fault(void **)
{
	host::reset();
	char src[32] = "abcdefgh";
	char dst[32] = {};
	uint64_t user = reinterpret_cast<uint64_t>(src);
	assert_int_equal(copy_from_user(dst, user, 9), 0);
	assert_string_equal(dst, "abcdefgh");
	assert_int_equal(copy_from_user(dst, 0, 1), -EFAULT);
	assert_int_equal(copy_to_user(16, dst, 1), -EFAULT);
	host::arm_fault(user + 4, 1);
	assert_int_equal(copy_from_user(dst, user, 8), -EFAULT);
	assert_int_equal(copy_from_user(dst, user, 4), 0);
	assert_int_equal(strncpy_from_user(dst, user, sizeof dst), -EFAULT);
	host::disarm_faults();
	assert_int_equal(strncpy_from_user(dst, user, sizeof dst), 8);
	assert_int_equal(strncpy_from_user(dst, user, 4), -ENAMETOOLONG);
	assert_int_equal(check_user_range(user, sizeof src), 0);
	host::arm_fault(user + 30, 1);
	assert_int_equal(check_user_range(user, sizeof src), -EFAULT);
	host::disarm_faults();
	assert_int_equal(open_files_limit(), 1024);
	assert_int_equal(clear_user(user, 3), 0);
	assert_int_equal(src[2], 0);
}

static void test_host_page_runs_live_while_mapped(void **)
{
	host::reset();
	void *kernel_view = nullptr;
	PageRun *run = allocate_page_run(3 * page_size, &kernel_view);
	assert_non_null(run);
	assert_int_equal(page_run_size(run), 3 * page_size);
	assert_int_equal(static_cast<unsigned char *>(kernel_view)[page_size * 3 - 1], 0);
	auto mapped = map_page_run(run, page_size, 2 * page_size, 0, protect_read | protect_write, 0);
	assert_true(mapped.ok());
	assert_int_equal(mapped.value(), reinterpret_cast<uint64_t>(kernel_view) + page_size);
	assert_false(map_page_run(run, page_size, 3 * page_size, 0, protect_read, 0).ok());
	release_page_run(run);
	assert_int_equal(host::live_page_runs(), 1); // the mapping keeps it
	assert_int_equal(unmap_user(mapped.value(), 2 * page_size), 0);
	assert_int_equal(host::live_page_runs(), 0);
	assert_null(allocate_page_run(page_size + 1, &kernel_view));
}

static int deferred_runs;
static void deferred_step(void *arg)
{
	deferred_runs++;
	if (arg)
		defer(deferred_step, nullptr); // work may queue more work
}

static void test_host_defer_and_wait(void **)
{
	host::reset();
	deferred_runs = 0;
	assert_true(defer(deferred_step, &deferred_runs));
	uint64_t start = now_ns(1);
	wait_for_event(start + 2000000);
	assert_int_equal(deferred_runs, 2);
	assert_true(valid_clock(7));
	assert_false(valid_clock(2));
	assert_int_equal(now_ns(3), UINT64_MAX);
	assert_true(now_ns(0) > 1600000000ull * 1000000000ull);
	assert_false(stop_requested());
	host::set_stop_requested(true);
	assert_true(stop_requested());
	void *&slot = process_slot(ProcessSlot::rings);
	slot = &deferred_runs;
	assert_ptr_equal(process_slot(ProcessSlot::rings), &deferred_runs);
	host::reset();
	assert_null(process_slot(ProcessSlot::rings));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_conversions),
		cmocka_unit_test(test_format_truncates_and_counts),
		cmocka_unit_test(test_print_reaches_console),
		cmocka_unit_test(test_result_and_try),
		cmocka_unit_test(test_list_order_and_removal_while_iterating),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_host_user_copies_fault),
		cmocka_unit_test(test_host_page_runs_live_while_mapped),
		cmocka_unit_test(test_host_defer_and_wait),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
