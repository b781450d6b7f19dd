/*
 * <libgen.h> basename()/dirname() (POSIX: may write into the argument) and <string.h>'s GNU basename()
 * (never modifies: the text after the last '/'). newlib declares them; its x86_64-elf build has no
 * definitions. The POSIX rules: trailing slashes do not count, "" and NULL are ".", "/" stays "/".
 */
#include <string.h>

/* libgen.h's (asm name "basename"). */
char *__xpg_basename_impl(char *path) __asm__("basename");
char *__xpg_basename_impl(char *path)
{
	if (!path || !*path)
		return (char *)".";
	size_t end = strlen(path);
	while (end > 1 && path[end - 1] == '/')
		path[--end] = '\0';
	if (end == 1 && path[0] == '/')
		return path;
	char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* string.h's with _GNU_SOURCE (asm name "__gnu_basename"): "a/b/" gives "", as glibc's. */
char *__gnu_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return (char *)(slash ? slash + 1 : path);
}

char *dirname(char *path)
{
	if (!path || !*path)
		return (char *)".";
	size_t end = strlen(path);
	while (end > 1 && path[end - 1] == '/') /* trailing slashes */
		--end;
	while (end > 0 && path[end - 1] != '/') /* the last component */
		--end;
	if (end == 0)
		return (char *)".";
	while (end > 1 && path[end - 1] == '/') /* the slashes before it */
		--end;
	path[end] = '\0';
	return path;
}
