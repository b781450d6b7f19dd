// Placement new, and create<T>/destroy<T> over the kernel heap (Platform/platform.hpp).
// The host's <new> declares placement new; freestanding (-nostdlibinc) has no <new>, so we declare it.
#pragma once

#include <stddef.h>

#if __has_include(<new>)
#include <new>
#else
inline void *operator new(size_t, void *where) noexcept { return where; }
inline void *operator new[](size_t, void *where) noexcept { return where; }
inline void operator delete(void *, void *) noexcept {}
inline void operator delete[](void *, void *) noexcept {}
#endif
