// A small printf for the console and for formatting into buffers. Understands %d %i %u %x %X %o %c %s %p %%,
// the flags '-', '0', ' ', '+', '#', a width and a precision (also '*'), and the length modifiers hh h l ll
// z t j. No floating point (the kernel is built with -mgeneral-regs-only).
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace kernel {

// Like vsnprintf: writes at most size - 1 characters and a terminating NUL (when size > 0); returns the length
// the whole output would have had.
size_t format_v(char *buffer, size_t size, const char *fmt, va_list args);
size_t format(char *buffer, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

// Formats onto the console (Platform: console_write), one line at a time or in pieces; returns the length.
size_t print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t print_v(const char *fmt, va_list args);

} // namespace kernel
