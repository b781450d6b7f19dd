/*
 * <syslog.h>: there is no syslog daemon to send to (the kernel has no sockets), so a message goes only where
 * openlog()'s options send it besides the log: LOG_PERROR copies it to stderr and LOG_CONS writes it to
 * /dev/console, glibc's fallback when it cannot reach /dev/log. Otherwise it is dropped, as glibc drops it.
 * The line format is glibc's stderr copy: "<ident>[<pid>]: <message>" (the pid with LOG_PID).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

extern const char *rp_program_name; /* argv[0], kept by rp_start */

static const char *rp_log_ident;
static int rp_log_options;
static int rp_log_mask = 0xff;

void openlog(const char *ident, int option, int facility)
{
	(void)facility;
	rp_log_ident = ident;
	rp_log_options = option;
}

void closelog(void)
{
	rp_log_ident = NULL;
	rp_log_options = 0;
}

/* The old mask; 0 leaves it unchanged (POSIX). */
int setlogmask(int mask)
{
	int old = rp_log_mask;
	if (mask)
		rp_log_mask = mask;
	return old;
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	if (!(LOG_MASK(LOG_PRI(pri)) & rp_log_mask) || !(rp_log_options & (LOG_PERROR | LOG_CONS)))
		return;
	int saved = errno; /* %m and the caller's errno survive */
	const char *ident = rp_log_ident;
	if (!ident) {
		const char *slash = strrchr(rp_program_name, '/');
		ident = slash ? slash + 1 : rp_program_name;
	}
	char line[1024];
	int n = (rp_log_options & LOG_PID) ? snprintf(line, sizeof line, "%s[%d]: ", ident, (int)getpid())
					   : snprintf(line, sizeof line, "%s: ", ident);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	errno = saved;
	int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	if (len == 0 || line[len - 1] != '\n')
		line[len++] = '\n';
	if (rp_log_options & LOG_PERROR)
		(void)!write(STDERR_FILENO, line, len);
	if (rp_log_options & LOG_CONS) {
		int fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!write(fd, line, len);
			close(fd);
		}
	}
	errno = saved;
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}
