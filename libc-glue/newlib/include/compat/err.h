/* <err.h> for newlib on the reference kernel (BSD/glibc's err, warn and friends; libc-glue/newlib/src/err.c). */
#ifndef RP_COMPAT_ERR_H
#define RP_COMPAT_ERR_H
#include <stdarg.h>
#ifdef __cplusplus
extern "C" {
#endif
void warn(const char *fmt, ...);
void vwarn(const char *fmt, va_list ap);
void warnx(const char *fmt, ...);
void vwarnx(const char *fmt, va_list ap);
__attribute__((noreturn)) void err(int status, const char *fmt, ...);
__attribute__((noreturn)) void verr(int status, const char *fmt, va_list ap);
__attribute__((noreturn)) void errx(int status, const char *fmt, ...);
__attribute__((noreturn)) void verrx(int status, const char *fmt, va_list ap);
#ifdef __cplusplus
}
#endif
#endif
