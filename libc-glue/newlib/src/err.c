/* BSD <err.h>: err/errx/warn/warnx and their v-forms, printing "<program>: message[: strerror]" to stderr. */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char *rp_program_name; /* argv[0], kept by rp_start */

static const char *rp_progname(void)
{
	const char *slash = strrchr(rp_program_name, '/');
	return slash ? slash + 1 : rp_program_name;
}

void vwarn(const char *fmt, va_list ap)
{
	int saved = errno;
	fprintf(stderr, "%s: ", rp_progname());
	if (fmt) {
		vfprintf(stderr, fmt, ap);
		fputs(": ", stderr);
	}
	fprintf(stderr, "%s\n", strerror(saved));
}

void vwarnx(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", rp_progname());
	if (fmt)
		vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void warn(const char *fmt, ...) { va_list ap; va_start(ap, fmt); vwarn(fmt, ap); va_end(ap); }
void warnx(const char *fmt, ...) { va_list ap; va_start(ap, fmt); vwarnx(fmt, ap); va_end(ap); }
void verr(int status, const char *fmt, va_list ap) { vwarn(fmt, ap); exit(status); }
void verrx(int status, const char *fmt, va_list ap) { vwarnx(fmt, ap); exit(status); }
void err(int status, const char *fmt, ...) { va_list ap; va_start(ap, fmt); verr(status, fmt, ap); }
void errx(int status, const char *fmt, ...) { va_list ap; va_start(ap, fmt); verrx(status, fmt, ap); }
