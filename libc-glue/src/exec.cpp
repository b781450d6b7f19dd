// The exec family. Linux cancels a task's io_uring requests when it execs, so a process that shares rings
// with others (after fork) posts -ECANCELED for its own requests before the real execve. glibc's execl,
// execvp and the rest call an internal execve that cannot be interposed, so every member is defined here and
// ends in the execve or execveat system call; the PATH search of the p variants is this file's own.
#include "glue_internal.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

extern char** environ;

namespace ringport::glue {

namespace {

long sys_execve(const char* path, char* const argv[], char* const envp[])
{
	return raw_syscall(SYS_execve, long(path), long(argv), long(envp));
}

// A file the kernel cannot execute (ENOEXEC) is a shell script without #!: run it with /bin/sh, as the
// exec*p functions (and glibc's execve fallback for them) do.
long exec_script(const char* path, char* const argv[], char* const envp[])
{
	size_t argc = 0;
	while (argv[argc])
		++argc;
	const char** sh_argv = static_cast<const char**>(alloca(sizeof(char*) * (argc + 2)));
	sh_argv[0] = "/bin/sh";
	sh_argv[1] = path;
	for (size_t i = 1; i <= argc; ++i)
		sh_argv[i + 1] = argv[i];
	if (argc == 0)
		sh_argv[2] = nullptr;
	return sys_execve("/bin/sh", const_cast<char* const*>(sh_argv), envp);
}

// execvpe's search, without leaving or rejoining rings (the caller does that once). Returns -errno.
long search_and_exec(const char* file, char* const argv[], char* const envp[])
{
	if (!*file)
		return -ENOENT;
	if (strchr(file, '/')) {
		long r = sys_execve(file, argv, envp);
		if (r == -ENOEXEC)
			r = exec_script(file, argv, envp);
		return r;
	}
	const char* path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin"; // glibc's default search path
	size_t flen = strlen(file);
	if (flen > 255)
		return -ENAMETOOLONG;
	bool saw_eacces = false;
	long last = -ENOENT;
	for (const char* p = path;; ) {
		const char* end = strchrnul(p, ':');
		size_t dlen = size_t(end - p);
		char* full = static_cast<char*>(alloca(dlen + flen + 2));
		size_t n = 0;
		if (dlen) { // an empty element is the current directory
			memcpy(full, p, dlen);
			full[dlen] = '/';
			n = dlen + 1;
		}
		memcpy(full + n, file, flen + 1);
		long r = sys_execve(full, argv, envp);
		if (r == -ENOEXEC)
			r = exec_script(full, argv, envp);
		switch (r) {
		case -EACCES:
			saw_eacces = true;
			[[fallthrough]];
		case -ENOENT:
		case -ESTALE:
		case -ENOTDIR:
		case -ENODEV:
		case -ETIMEDOUT:
			last = r;
			break;
		default:
			return r; // found but not executable for another reason: stop, as glibc does
		}
		if (!*end)
			break;
		p = end + 1;
	}
	return saw_eacces ? -EACCES : last;
}

// argv of the execl variants, on the caller's stack (glibc declares the first argument non-null). Consumes
// the terminating NULL, so an execle environment comes next in ap.
#define RP_COLLECT_ARGS(first, ap, out)                                                                        \
	size_t rp_argc = 1;                                                                                          \
	{                                                                                                            \
		va_list rp_count;                                                                                        \
		va_copy(rp_count, ap);                                                                                   \
		while (va_arg(rp_count, const char*))                                                                    \
			++rp_argc;                                                                                           \
		va_end(rp_count);                                                                                        \
	}                                                                                                            \
	char** out = static_cast<char**>(alloca(sizeof(char*) * (rp_argc + 1)));                                   \
	out[0] = const_cast<char*>(first);                                                                          \
	for (size_t rp_i = 1; rp_i <= rp_argc; ++rp_i)                                                              \
		out[rp_i] = va_arg(ap, char*); /* the last one read is the terminator */

} // namespace

} // namespace ringport::glue

using namespace ringport::glue;

extern "C" {

int execve(const char* path, char* const argv[], char* const envp[])
{
	bool left = leave_for_exec();
	long r = sys_execve(path, argv, envp);
	exec_failed(left);
	return int(set_errno(r));
}

int execveat(int dirfd, const char* path, char* const argv[], char* const envp[], int flags)
{
	bool left = leave_for_exec();
	long r = raw_syscall(SYS_execveat, dirfd, long(path), long(argv), long(envp), flags);
	exec_failed(left);
	return int(set_errno(r));
}

int fexecve(int fd, char* const argv[], char* const envp[])
{
	return execveat(fd, "", argv, envp, AT_EMPTY_PATH);
}

int execv(const char* path, char* const argv[]) { return execve(path, argv, environ); }

int execvpe(const char* file, char* const argv[], char* const envp[])
{
	bool left = leave_for_exec();
	long r = search_and_exec(file, argv, envp);
	exec_failed(left);
	return int(set_errno(r));
}

int execvp(const char* file, char* const argv[]) { return execvpe(file, argv, environ); }

int execl(const char* path, const char* arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	RP_COLLECT_ARGS(arg, ap, argv);
	va_end(ap);
	return execve(path, argv, environ);
}

int execlp(const char* file, const char* arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	RP_COLLECT_ARGS(arg, ap, argv);
	va_end(ap);
	return execvpe(file, argv, environ);
}

int execle(const char* path, const char* arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	RP_COLLECT_ARGS(arg, ap, argv);
	char* const* envp = va_arg(ap, char* const*);
	va_end(ap);
	return execve(path, argv, envp);
}

} // extern "C"
