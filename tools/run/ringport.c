/*
 * ringport run -- PROGRAM ARGS: runs an unmodified, dynamically linked Linux io_uring program on ringport.
 *
 *  - The loader finds ringport's libraries first (LD_LIBRARY_PATH): a program linked against a distribution's
 *    liburing.so.2 gets the port's, which keeps the soname and symbol versions and calls the shim.
 *  - libringport is preloaded (LD_PRELOAD), so its ring-fd aware close/mmap/poll/epoll/syscall come before
 *    libc's, whatever the program's own link order.
 *  - Raw io_uring system calls (libc's syscall() or a program's own `syscall` instruction, as Debian's fio
 *    issues io_uring_enter) are trapped by a seccomp filter installed here, before the program is executed,
 *    and answered by libringport's SIGSYS handler (RINGPORT_TRAP=1; libc-glue/src/sigsys_trap.cpp). The
 *    filter is inherited by every process the program starts, so nothing it runs reaches Linux's io_uring:
 *    this also runs io_uring programs where Linux refuses io_uring (a container's seccomp profile, or
 *    kernel.io_uring_disabled).
 *
 * What cannot work is refused with a message rather than run wrong: a statically linked program (nothing can
 * be preloaded into it; its raw calls would die by SIGSYS) and a 32-bit one are refused up front, and a program
 * that still makes an io_uring system call libringport does not see is stopped by SIGSYS, which is reported.
 * The program runs as a child; its exit status (or its signal) is this command's.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trap_filter.h"

#ifndef RP_LIBDIR
#define RP_LIBDIR "/usr/local/lib"
#endif

static const char *prog_name = "ringport";

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: ringport run [--lib DIR] [--no-trap] -- PROGRAM [ARGS...]\n"
	        "\n"
	        "Runs an unmodified, dynamically linked Linux io_uring program on ringport: its liburing.so.2 is the\n"
	        "port's, libringport is preloaded, and raw io_uring system calls are trapped (seccomp) and routed into\n"
	        "the kernel shim, so none reaches Linux.\n"
	        "\n"
	        "  --lib DIR   where libringport.so.0 (and the port's liburing.so.2) are; default: $RINGPORT_LIBDIR,\n"
	        "              else ../lib beside this command, else " RP_LIBDIR "\n"
	        "  --no-trap   no seccomp trap: only liburing's and libc's io_uring calls are routed (a raw call\n"
	        "              reaches Linux)\n");
}

static int has_lib(const char *dir)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/libringport.so.0", dir);
	return access(path, R_OK) == 0;
}

/* The library directory: --lib, $RINGPORT_LIBDIR, <this command's directory>/../lib, the configured libdir. */
static const char *find_libdir(const char *opt)
{
	static char buf[PATH_MAX + 16];
	if (opt)
		return opt;
	const char *env = getenv("RINGPORT_LIBDIR");
	if (env && *env)
		return env;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			snprintf(buf, sizeof buf, "%s/../lib", self);
			char real[PATH_MAX];
			if (has_lib(buf) && realpath(buf, real)) {
				snprintf(buf, sizeof buf, "%s", real);
				return buf;
			}
		}
	}
	return RP_LIBDIR;
}

/* PROGRAM as execvp would find it, or NULL. */
static char *resolve(const char *prog)
{
	static char path[PATH_MAX];
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? strcpy(path, prog) : NULL;
	const char *p = getenv("PATH");
	if (!p)
		p = "/usr/local/bin:/usr/bin:/bin";
	while (*p) {
		const char *end = strchrnul(p, ':');
		snprintf(path, sizeof path, "%.*s/%s", (int)(end - p), p == end ? "." : p, prog);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return path;
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/* Refuses what cannot run on ringport: a static or 32-bit ELF. Scripts and other formats are left to exec. */
static int check_elf(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf64_Ehdr eh;
	int ok = 1;
	if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0) {
		if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
			fprintf(stderr, "%s: %s is not an x86_64 program; ringport runs x86_64 Linux programs only\n", prog_name,
			        path);
			ok = 0;
		} else {
			int interp = 0;
			for (unsigned i = 0; i < eh.e_phnum; ++i) {
				Elf64_Phdr ph;
				if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize)) != (ssize_t)sizeof ph)
					break;
				if (ph.p_type == PT_INTERP)
					interp = 1;
			}
			if (!interp) {
				fprintf(stderr,
				        "%s: %s is statically linked: libringport cannot be loaded into it, and its io_uring system "
				        "calls would not reach the shim. Rebuild it against the sysroot (docs/porting.md).\n",
				        prog_name, path);
				ok = 0;
			}
		}
	}
	close(fd);
	return ok;
}

/* NAME=first[:old value] */
static void prepend_env(const char *name, const char *first)
{
	const char *old = getenv(name);
	if (!old || !*old) {
		setenv(name, first, 1);
		return;
	}
	size_t n = strlen(first) + strlen(old) + 2;
	char *v = malloc(n);
	if (!v)
		exit(127);
	snprintf(v, n, "%s:%s", first, old);
	setenv(name, v, 1);
	free(v);
}

static pid_t child;
static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static int run(int argc, char **argv)
{
	const char *lib_opt = NULL;
	int trap = 1, i = 0;
	for (; i < argc; ++i) {
		if (strcmp(argv[i], "--") == 0) {
			++i;
			break;
		} else if (strcmp(argv[i], "--lib") == 0 && i + 1 < argc) {
			lib_opt = argv[++i];
		} else if (strcmp(argv[i], "--no-trap") == 0) {
			trap = 0;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "%s: unknown option %s\n", prog_name, argv[i]);
			usage(stderr);
			return 2;
		} else {
			break; /* PROGRAM without a "--" before it */
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	char **args = argv + i;
	const char *libdir = find_libdir(lib_opt);
	if (!has_lib(libdir)) {
		fprintf(stderr, "%s: no libringport.so.0 in %s (use --lib DIR or RINGPORT_LIBDIR)\n", prog_name, libdir);
		return 127;
	}
	char *path = resolve(args[0]);
	if (!path) {
		fprintf(stderr, "%s: %s: command not found\n", prog_name, args[0]);
		return 127;
	}
	if (!check_elf(path))
		return 126;

	char preload[PATH_MAX + 32];
	snprintf(preload, sizeof preload, "%s/libringport.so.0", libdir);
	prepend_env("LD_LIBRARY_PATH", libdir);
	prepend_env("LD_PRELOAD", preload);
	if (trap)
		setenv("RINGPORT_TRAP", "1", 1);

	child = fork();
	if (child < 0) {
		perror("ringport: fork");
		return 127;
	}
	if (child == 0) {
		if (trap) {
			struct sock_filter prog[] = RP_TRAP_FILTER_INIT;
			struct sock_fprog fprog = {(unsigned short)(sizeof prog / sizeof prog[0]), prog};
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
			    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
				fprintf(stderr, "%s: cannot install the seccomp trap for io_uring system calls: %s\n", prog_name,
				        strerror(errno));
				_exit(127);
			}
		}
		execv(path, args);
		fprintf(stderr, "%s: %s: %s\n", prog_name, path, strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* The terminal signals its whole process group, child included; others are passed on. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	struct sigaction sa = {0};
	sa.sa_handler = forward;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	int st;
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR) {
			perror("ringport: waitpid");
			return 127;
		}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	int sig = WTERMSIG(st);
	if (sig == SIGSYS)
		fprintf(stderr,
		        "%s: %s was stopped by SIGSYS: it made an io_uring system call that libringport did not answer "
		        "(its SIGSYS handler was replaced, or the process did not load libringport). The call did not "
		        "reach Linux.\n",
		        prog_name, args[0]);
	/* Die the same way, so a caller sees the program's own status. */
	signal(sig, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	prctl(PR_SET_DUMPABLE, 0); /* no second core dump */
	raise(sig);
	return 128 + sig;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return run(argc - 2, argv + 2);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
