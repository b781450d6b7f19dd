/*
 * realpath(): the absolute path of `path` with ".", ".." and every symbolic link resolved, checked to exist
 * component by component (lstat, readlink), as POSIX describes and glibc implements: ENOENT for a missing
 * component, ENOTDIR when a non-final component is not a directory, ELOOP after 40 links, ENAMETOOLONG
 * past PATH_MAX. resolved == NULL allocates the result.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif
#define RP_MAX_LINKS 40

/* stat.c defines it; newlib declares it only for Cygwin, RTEMS and SPU. */
int lstat(const char *__restrict path, struct stat *__restrict st);

char *realpath(const char *__restrict path, char *__restrict resolved)
{
	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	if (!*path) {
		errno = ENOENT;
		return NULL;
	}
	char out[PATH_MAX], rest[PATH_MAX], link[PATH_MAX];
	size_t len;
	if (strlen(path) >= sizeof rest) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(rest, path);
	if (rest[0] == '/') {
		out[0] = '/';
		len = 1;
	} else {
		if (!getcwd(out, sizeof out))
			return NULL;
		len = strlen(out);
	}
	out[len] = '\0';
	int links = 0;
	char *p = rest;
	while (*p) {
		while (*p == '/')
			++p;
		if (!*p)
			break;
		char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 1 && out[len - 1] != '/')
				--len;
			if (len > 1)
				--len;
			out[len] = '\0';
			p += n;
			continue;
		}
		size_t before = len;
		if (len + (len > 1) + n >= sizeof out) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		if (len > 1)
			out[len++] = '/';
		memcpy(out + len, p, n);
		len += n;
		out[len] = '\0';
		p += n;
		struct stat st;
		if (lstat(out, &st) < 0)
			return NULL;
		if (S_ISLNK(st.st_mode)) {
			if (++links > RP_MAX_LINKS) {
				errno = ELOOP;
				return NULL;
			}
			ssize_t k = readlink(out, link, sizeof link - 1);
			if (k < 0)
				return NULL;
			link[k] = '\0';
			/* The link's text replaces the component; the unresolved remainder (empty, or starting
			   with its '/') follows it. */
			size_t remainder = strlen(p);
			if ((size_t)k + remainder + 1 > sizeof rest) {
				errno = ENAMETOOLONG;
				return NULL;
			}
			memmove(rest + k, p, remainder + 1);
			memcpy(rest, link, (size_t)k);
			p = rest;
			if (link[0] == '/') {
				len = 1;
			} else {
				len = before;
			}
			out[len] = '\0';
			continue;
		}
		if (!S_ISDIR(st.st_mode) && *p) {
			/* More components follow a file that is not a directory (trailing slashes count too). */
			errno = ENOTDIR;
			return NULL;
		}
	}
	if (!resolved) {
		resolved = malloc(len + 1);
		if (!resolved)
			return NULL;
	}
	memcpy(resolved, out, len + 1);
	return resolved;
}
