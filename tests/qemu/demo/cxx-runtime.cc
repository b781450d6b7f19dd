// cxx-runtime: a C++ program for the reference kernel (built by the reference toolchain's CXX: libc++'s
// headers, -fno-exceptions -fno-rtti) exercising the ABI runtime of libc-glue/newlib/src/cxx_runtime.cpp:
// global constructors and destructors (__cxa_atexit with __dso_handle), a function-local static (guards),
// new/delete in every form (plain, array, nothrow, over-aligned), virtual calls, and std::atomic. Exits 0
// only when every check holds; the destructor's line is checked by run-demo.sh in the console. Built as gnu++17
// (over-aligned new calls operator new(size_t, align_val_t) from C++17 on; gnu, as POSIX names are needed).
#include <atomic>
#include <new>
#include <stdint.h>
#include <stdio.h>

namespace {

int failures;
#define CHECK(c)                                                                                                \
	do {                                                                                                        \
		if (!(c)) {                                                                                             \
			printf("cxx-runtime: FAILED %s (line %d)\n", #c, __LINE__);                                         \
			failures++;                                                                                         \
		}                                                                                                       \
	} while (0)

int constructed;
struct Global {
	Global() { constructed++; }
	~Global() { printf("cxx-runtime: global destructor ran\n"); }
} global;

int made;
int &counter()
{
	static int value = ++made; // initialised once, under the guard
	return value;
}

struct Shape {
	virtual ~Shape() = default;
	virtual int sides() const = 0;
};
struct Square : Shape {
	int sides() const override { return 4; }
};

struct alignas(64) Wide {
	char bytes[64];
};

} // namespace

int main()
{
	CHECK(constructed == 1);
	CHECK(counter() == 1 && counter() == 1 && made == 1);
	Shape *s = new Square;
	CHECK(s->sides() == 4);
	delete s;
	int *array = new int[1000];
	for (int i = 0; i < 1000; i++)
		array[i] = i;
	CHECK(array[999] == 999);
	delete[] array;
	int *nothrow = new (std::nothrow) int(7);
	CHECK(nothrow && *nothrow == 7);
	delete nothrow;
	Wide *wide = new Wide;
	CHECK((reinterpret_cast<uintptr_t>(wide) & 63) == 0);
	delete wide;
	std::atomic<int> a{1};
	a.fetch_add(2, std::memory_order_relaxed);
	CHECK(a.load() == 3);
	printf("cxx-runtime: %s\n", failures ? "failed" : "all checks passed");
	return failures ? 1 : 0;
}
