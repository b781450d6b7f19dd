// The C++ runtime a program built by the reference toolchain (clang++ -fno-exceptions -fno-rtti, libc++'s
// headers) needs from its C++ ABI library: the global operator new and delete over newlib's malloc, the
// Itanium ABI's guards for function-local statics, pure/deleted virtual traps and __dso_handle. Nothing here
// throws: without an unwinder an allocation failure in a plain new-expression ends the program (SIGABRT),
// as an uncaught std::bad_alloc would; the nothrow forms return nullptr.
//
// Built freestanding (glue.mk: no C++ library headers), so the few std:: types the signatures name are
// declared here with the exact names libc++'s <new> gives them (namespace std, not std::__1), which is what
// the mangled symbols must match.
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

namespace std {
struct nothrow_t {
	explicit nothrow_t() = default;
};
enum class align_val_t : size_t {};
extern const nothrow_t nothrow;
const nothrow_t nothrow{};
} // namespace std

namespace {

[[noreturn]] void fatal(const char *what)
{
	fprintf(stderr, "terminate: %s\n", what);
	abort();
}

void *allocate(size_t size, size_t alignment)
{
	if (size == 0)
		size = 1; // a distinct pointer for every zero-size allocation
	if (alignment <= alignof(max_align_t))
		return malloc(size);
	void *p = nullptr;
	return posix_memalign(&p, alignment, size) == 0 ? p : nullptr;
}

void *allocate_or_die(size_t size, size_t alignment)
{
	void *p = allocate(size, alignment);
	if (!p)
		fatal("operator new: out of memory (std::bad_alloc, and no exceptions)");
	return p;
}

} // namespace

void *operator new(size_t size) { return allocate_or_die(size, 0); }
void *operator new[](size_t size) { return allocate_or_die(size, 0); }
void *operator new(size_t size, const std::nothrow_t &) noexcept { return allocate(size, 0); }
void *operator new[](size_t size, const std::nothrow_t &) noexcept { return allocate(size, 0); }
void *operator new(size_t size, std::align_val_t a) { return allocate_or_die(size, size_t(a)); }
void *operator new[](size_t size, std::align_val_t a) { return allocate_or_die(size, size_t(a)); }
void *operator new(size_t size, std::align_val_t a, const std::nothrow_t &) noexcept
{
	return allocate(size, size_t(a));
}
void *operator new[](size_t size, std::align_val_t a, const std::nothrow_t &) noexcept
{
	return allocate(size, size_t(a));
}

// Every form frees with free(): posix_memalign's memory is free()-able.
void operator delete(void *p) noexcept { free(p); }
void operator delete[](void *p) noexcept { free(p); }
void operator delete(void *p, size_t) noexcept { free(p); }
void operator delete[](void *p, size_t) noexcept { free(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { free(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { free(p); }
void operator delete(void *p, std::align_val_t) noexcept { free(p); }
void operator delete[](void *p, std::align_val_t) noexcept { free(p); }
void operator delete(void *p, size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void *p, size_t, std::align_val_t) noexcept { free(p); }
void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept { free(p); }
void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept { free(p); }

extern "C" {

// The handle __cxa_atexit registrations of a static program's destructors name (crtbegin.o's job elsewhere);
// newlib's __cxa_atexit/__cxa_finalize keep them.
__attribute__((visibility("hidden"))) void *__dso_handle = &__dso_handle;

void __cxa_pure_virtual() { fatal("pure virtual function called"); }
void __cxa_deleted_virtual() { fatal("deleted virtual function called"); }

// Guards of function-local statics (Itanium C++ ABI 3.3.2): byte 0 says "initialised" (the compiler's inline
// fast path reads it), byte 1 "being initialised". A thread finding another one initialising yields until
// it is done or gave up (__cxa_guard_abort).
int __cxa_guard_acquire(uint64_t *guard)
{
	auto *bytes = reinterpret_cast<uint8_t *>(guard);
	for (;;) {
		if (__atomic_load_n(&bytes[0], __ATOMIC_ACQUIRE))
			return 0;
		uint8_t idle = 0;
		if (__atomic_compare_exchange_n(&bytes[1], &idle, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 1; // the caller initialises, then calls release (or abort)
		sched_yield();
	}
}

void __cxa_guard_release(uint64_t *guard)
{
	auto *bytes = reinterpret_cast<uint8_t *>(guard);
	__atomic_store_n(&bytes[0], 1, __ATOMIC_RELEASE);
	__atomic_store_n(&bytes[1], 0, __ATOMIC_RELEASE);
}

void __cxa_guard_abort(uint64_t *guard) { __atomic_store_n(&reinterpret_cast<uint8_t *>(guard)[1], 0, __ATOMIC_RELEASE); }

} // extern "C"
