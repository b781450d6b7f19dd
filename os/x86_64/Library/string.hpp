// Memory and string functions. The kernel defines the C ones (Library/string.cpp: compilers emit calls to
// memcpy/memset/memmove/memcmp, and the kernel-shim object needs exactly those); host tests get libc's.
#pragma once

#include <stddef.h>
#include <stdint.h>

#if __STDC_HOSTED__
#include <string.h>
#else
extern "C" {
void *memcpy(void *dst, const void *src, size_t size);
void *memmove(void *dst, const void *src, size_t size);
void *memset(void *dst, int byte, size_t size);
int memcmp(const void *a, const void *b, size_t size);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t max);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
}
#endif

namespace kernel {

// Copies at most size - 1 bytes of src and always terminates dst (when size > 0); returns strlen(src), so a
// result >= size means it was cut short (BSD strlcpy).
size_t copy_string(char *dst, const char *src, size_t size);

// True when a and b are equal strings.
inline bool strings_equal(const char *a, const char *b) { return strcmp(a, b) == 0; }

// True when s starts with prefix.
inline bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

// Parses a decimal unsigned number at *s, advancing *s past its digits. False when no digit is there or it
// overflows.
bool parse_decimal(const char **s, uint64_t *value);

} // namespace kernel
