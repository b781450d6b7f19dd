/*
 * execve under the reference kernel. The first run opens /tmp/exec-keep (inherited) and /tmp/exec-drop
 * (O_CLOEXEC), installs a SIGUSR1 handler and ignores SIGUSR2, starts a thread that sleeps forever, checks that
 * failing execs leave it intact (-ENOENT, -EFAULT, -EACCES for a directory), then execs itself with new argv and
 * envp. The second run checks them, the same pid, the kept fd open and the dropped one closed, SIGUSR2 still
 * ignored, the handler gone (SIGUSR1 now kills: checked by a forked child's status), and exits 0.
 */
#include "smoke.h"
#include "threadlib.h"

#define O_RDWR 02
#define O_CREAT 0100
#define O_CLOEXEC 02000000
#define EBADF 9
#define ENOENT 2
#define EFAULT 14
#define EACCES 13
#define SIGUSR1 10
#define SIGUSR2 12

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static long open_file(const char *path, unsigned flags)
{
	struct rp_sqe s;
	__builtin_memset(&s, 0, sizeof s);
	s.opcode = RP_OP_OPENAT;
	s.fd = (uint64_t)-100;
	s.addr = (uint64_t)(uintptr_t)path;
	s.syscall_flags = flags;
	s.offset = 0644;
	return ring_run(&s);
}

static long write_fd(long fd, const char *text)
{
	struct rp_sqe s;
	__builtin_memset(&s, 0, sizeof s);
	s.opcode = RP_OP_WRITE;
	s.fd = (uint64_t)fd;
	s.addr = (uint64_t)(uintptr_t)text;
	s.len = str_length(text);
	return ring_run(&s);
}

static char *number(long v, char *buf)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

static long parse(const char *s)
{
	long v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static void on_usr1(int signal) { (void)signal; }
void restorer(void);
__asm__(".text\nrestorer:\n mov $15, %eax\n syscall\n hlt\n");

static int forever(void *arg)
{
	static volatile unsigned int never;
	(void)arg;
	for (;;)
		SYS4(202, &never, 0, 0, 0);
	return 0;
}

int main(long *stack)
{
	long argc = stack[0];
	char **argv = (char **)&stack[1];
	char **envp = argv + argc + 1;

	if (argc == 1) {
		long keep = open_file("/tmp/exec-keep", O_RDWR | O_CREAT);
		long drop = open_file("/tmp/exec-drop", O_RDWR | O_CREAT | O_CLOEXEC);
		CHECK(keep >= 0 && drop >= 0);
		CHECK(write_fd(drop, "x") == 1);
		struct {
			void *handler;
			unsigned long flags;
			void (*restorer)(void);
			unsigned long mask;
		} act = {(void *)on_usr1, 0x04000000, restorer, 0};
		CHECK(SYS4(13, SIGUSR1, &act, 0, 8) == 0);
		act.handler = (void *)1; /* SIG_IGN */
		CHECK(SYS4(13, SIGUSR2, &act, 0, 8) == 0);
		static struct thread t;
		CHECK(thread_start(&t, forever, 0) > 0);
		SYS0(24);

		char keep_text[24], drop_text[24], pid_text[24];
		char *args[] = {"exec.t", "second", number(keep, keep_text), number(drop, drop_text),
		                number(SYS0(39), pid_text), 0};
		char *env[] = {"X=1", 0};
		CHECK(SYS3(59, "/t/no-such-program", args, env) == -ENOENT);
		CHECK(SYS3(59, "exec.t", 8, env) == -EFAULT);
		CHECK(SYS3(59, "/t", args, env) == -EACCES);
		if (failures)
			return failures;
		long r = SYS3(59, "exec.t", args, env);
		say("exec: execve returned\n");
		return (int)(r < 0 ? -r : 99);
	}

	CHECK(argc == 5 && streq(argv[0], "exec.t") && streq(argv[1], "second"));
	CHECK(envp[0] && streq(envp[0], "X=1") && envp[1] == 0);
	CHECK(parse(argv[4]) == SYS0(39));
	CHECK(write_fd(parse(argv[2]), "kept\n") == 5);
	CHECK(write_fd(parse(argv[3]), "x") == -EBADF);
	CHECK(SYS2(62, SYS0(39), SIGUSR2) == 0); /* still ignored: we live on */
	long child = SYS0(57);
	if (child == 0) {
		SYS2(62, SYS0(39), SIGUSR1); /* the default action now: death */
		exit_with(0);
	}
	int status = -1;
	CHECK(SYS4(61, child, &status, 0, 0) == child && status == SIGUSR1);
	if (failures == 0)
		say("exec: all checks passed\n");
	return failures;
}
