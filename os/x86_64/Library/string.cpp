// The C memory/string functions for the kernel (the host uses libc's), plus copy_string and parse_decimal.
// Plain byte loops: the kernel is built with -mgeneral-regs-only, and what it copies is small, except ring and
// page copies, which use the 8-byte path below.
#include "Library/string.hpp"

#if !__STDC_HOSTED__
extern "C" {

void *memcpy(void *dst, const void *src, size_t size)
{
	auto *d = static_cast<unsigned char *>(dst);
	auto *s = static_cast<const unsigned char *>(src);
	// rep movsb is fast on every CPU QEMU models (ERMS) and cannot be turned back into a memcpy call.
	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(size) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t size)
{
	auto *d = static_cast<unsigned char *>(dst);
	auto *s = static_cast<const unsigned char *>(src);
	if (d == s || size == 0)
		return dst;
	if (d < s || d >= s + size)
		return memcpy(dst, src, size);
	// Overlapping with dst above src: copy backwards.
	d += size - 1;
	s += size - 1;
	asm volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(size) : : "memory");
	return dst;
}

// 8-byte stores, four per iteration, not rep stosb: QEMU's TCG runs a rep-prefixed string instruction one
// element per pass through its translated block, so zeroing a 320-byte request took 320 passes (the heap
// zeroes everything it hands out: memset was 16% of the guest's time in poll-mshot-update). no_builtin keeps
// clang from turning the loop back into a call to memset.
__attribute__((no_builtin("memset"))) void *memset(void *dst, int byte, size_t size)
{
	auto *d = static_cast<unsigned char *>(dst);
	const uint64_t pattern = 0x0101010101010101ull * static_cast<unsigned char>(byte);
	for (; size && (reinterpret_cast<uintptr_t>(d) & 7); size--)
		*d++ = static_cast<unsigned char>(byte);
	auto *q = reinterpret_cast<uint64_t *>(d);
	for (; size >= 32; size -= 32, q += 4) {
		q[0] = pattern;
		q[1] = pattern;
		q[2] = pattern;
		q[3] = pattern;
	}
	for (; size >= 8; size -= 8)
		*q++ = pattern;
	for (d = reinterpret_cast<unsigned char *>(q); size; size--)
		*d++ = static_cast<unsigned char>(byte);
	return dst;
}

int memcmp(const void *a, const void *b, size_t size)
{
	auto *x = static_cast<const unsigned char *>(a);
	auto *y = static_cast<const unsigned char *>(b);
	for (size_t i = 0; i < size; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

int strncmp(const char *a, const char *b, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (a[i] != b[i] || !a[i])
			return static_cast<unsigned char>(a[i]) - static_cast<unsigned char>(b[i]);
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == static_cast<char>(c))
			return const_cast<char *>(s);
		if (!*s)
			return nullptr;
	}
}

char *strrchr(const char *s, int c)
{
	const char *found = nullptr;
	for (;; s++) {
		if (*s == static_cast<char>(c))
			found = s;
		if (!*s)
			return const_cast<char *>(found);
	}
}

} // extern "C"
#endif

namespace kernel {

size_t copy_string(char *dst, const char *src, size_t size)
{
	size_t length = strlen(src);
	if (size > 0) {
		size_t n = length < size - 1 ? length : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return length;
}

bool parse_decimal(const char **s, uint64_t *value)
{
	const char *p = *s;
	uint64_t v = 0;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		uint64_t digit = static_cast<uint64_t>(*p - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
		p++;
	}
	*s = p;
	*value = v;
	return true;
}

} // namespace kernel
