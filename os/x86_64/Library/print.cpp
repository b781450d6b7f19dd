// The console printf (print.hpp). One formatter writes through a Sink: into a caller's buffer (format) or
// into a small stack buffer that is flushed to the console when full (print), so printing never allocates and
// works in an interrupt handler or a panic.
#include "Library/print.hpp"
#include "Library/string.hpp"
#include "Platform/platform.hpp"

#include <stdint.h>

namespace kernel {
namespace {

struct Sink {
	char *buffer;
	size_t capacity; // usable bytes in buffer (the NUL is the caller's business)
	size_t used = 0;
	size_t total = 0;                 // everything emitted, also what did not fit
	bool to_console = false;          // flush full buffers to the console instead of dropping

	void flush()
	{
		if (to_console && used) {
			console_write(buffer, used);
			used = 0;
		}
	}
	void put(char c)
	{
		total++;
		if (used == capacity)
			flush();
		if (used < capacity)
			buffer[used++] = c;
	}
	void repeat(char c, int count)
	{
		for (int i = 0; i < count; i++)
			put(c);
	}
};

struct Spec {
	bool left = false, zero = false, plus = false, space = false, alternate = false;
	int width = 0;
	int precision = -1;
};

void emit_number(Sink &out, uint64_t value, bool negative, unsigned base, bool upper, const Spec &spec)
{
	char digits[24];
	int n = 0;
	const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	do {
		digits[n++] = alphabet[value % base];
		value /= base;
	} while (value);
	if (spec.precision == 0 && n == 1 && digits[0] == '0')
		n = 0; // "%.0d" of 0 prints nothing, as in C
	char sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : 0;
	const char *prefix = "";
	if (spec.alternate && base == 16 && n)
		prefix = upper ? "0X" : "0x";
	else if (spec.alternate && base == 8)
		prefix = "0";
	int prefix_length = static_cast<int>(strlen(prefix));
	int zeros = spec.precision > n ? spec.precision - n : 0;
	int length = (sign ? 1 : 0) + prefix_length + zeros + n;
	int pad = spec.width > length ? spec.width - length : 0;
	if (spec.zero && !spec.left && spec.precision < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!spec.left)
		out.repeat(' ', pad);
	if (sign)
		out.put(sign);
	for (int i = 0; i < prefix_length; i++)
		out.put(prefix[i]);
	out.repeat('0', zeros);
	while (n)
		out.put(digits[--n]);
	if (spec.left)
		out.repeat(' ', pad);
}

void emit_string(Sink &out, const char *s, const Spec &spec)
{
	if (!s)
		s = "(null)";
	int length = static_cast<int>(spec.precision >= 0 ? strnlen(s, static_cast<size_t>(spec.precision)) : strlen(s));
	int pad = spec.width > length ? spec.width - length : 0;
	if (!spec.left)
		out.repeat(' ', pad);
	for (int i = 0; i < length; i++)
		out.put(s[i]);
	if (spec.left)
		out.repeat(' ', pad);
}

void run(Sink &out, const char *fmt, va_list args)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			out.put(*p);
			continue;
		}
		p++;
		Spec spec;
		for (;; p++) {
			if (*p == '-')
				spec.left = true;
			else if (*p == '0')
				spec.zero = true;
			else if (*p == '+')
				spec.plus = true;
			else if (*p == ' ')
				spec.space = true;
			else if (*p == '#')
				spec.alternate = true;
			else
				break;
		}
		if (*p == '*') {
			spec.width = va_arg(args, int);
			if (spec.width < 0) {
				spec.left = true;
				spec.width = -spec.width;
			}
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				spec.width = spec.width * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			spec.precision = 0;
			if (*p == '*') {
				spec.precision = va_arg(args, int);
				p++;
			} else {
				while (*p >= '0' && *p <= '9')
					spec.precision = spec.precision * 10 + (*p++ - '0');
			}
		}
		// Length modifier: 0 int, 1 long/long long/size_t/ptrdiff_t/intmax_t, -1 char, -2 short.
		int length = 0;
		if (*p == 'h') {
			length = -2;
			if (*++p == 'h') {
				length = -1;
				p++;
			}
		} else if (*p == 'l') {
			length = 1;
			if (*++p == 'l')
				p++;
		} else if (*p == 'z' || *p == 't' || *p == 'j') {
			length = 1;
			p++;
		}
		switch (*p) {
		case 'd':
		case 'i': {
			int64_t v = length == 1 ? va_arg(args, long) : va_arg(args, int);
			if (length == -1)
				v = static_cast<signed char>(v);
			else if (length == -2)
				v = static_cast<short>(v);
			uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
			emit_number(out, magnitude, v < 0, 10, false, spec);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v = length == 1 ? va_arg(args, unsigned long) : va_arg(args, unsigned);
			if (length == -1)
				v = static_cast<unsigned char>(v);
			else if (length == -2)
				v = static_cast<unsigned short>(v);
			unsigned base = *p == 'u' ? 10 : *p == 'o' ? 8 : 16;
			emit_number(out, v, false, base, *p == 'X', spec);
			break;
		}
		case 'p': {
			spec.alternate = true;
			emit_number(out, reinterpret_cast<uintptr_t>(va_arg(args, void *)), false, 16, false, spec);
			break;
		}
		case 'c': {
			char c = static_cast<char>(va_arg(args, int));
			int pad = spec.width > 1 ? spec.width - 1 : 0;
			if (!spec.left)
				out.repeat(' ', pad);
			out.put(c);
			if (spec.left)
				out.repeat(' ', pad);
			break;
		}
		case 's':
			emit_string(out, va_arg(args, const char *), spec);
			break;
		case '%':
			out.put('%');
			break;
		case '\0':
			return; // a lone '%' at the end
		default:
			// Unknown conversion: show it as written, so the mistake is visible in the log.
			out.put('%');
			out.put(*p);
			break;
		}
	}
}

} // namespace

size_t format_v(char *buffer, size_t size, const char *fmt, va_list args)
{
	Sink out{buffer, size ? size - 1 : 0};
	run(out, fmt, args);
	if (size)
		buffer[out.used] = '\0';
	return out.total;
}

size_t format(char *buffer, size_t size, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	size_t n = format_v(buffer, size, fmt, args);
	va_end(args);
	return n;
}

size_t print_v(const char *fmt, va_list args)
{
	char chunk[256];
	Sink out{chunk, sizeof chunk};
	out.to_console = true;
	run(out, fmt, args);
	out.flush();
	return out.total;
}

size_t print(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	size_t n = print_v(fmt, args);
	va_end(args);
	return n;
}

} // namespace kernel
