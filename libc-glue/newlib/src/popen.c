/*
 * popen()/pclose(): the command runs as `/bin/sh -c command` in a forked child whose stdout (mode "r") or
 * stdin (mode "w") is one end of a pipe; pclose() closes the stream and returns the child's wait status.
 * The initrd of the reference kernel has no shell, so the child's execve fails and it exits with 127,
 * which pclose() reports - what a Linux system without /bin/sh does. Mode "e" (close-on-exec) is honoured.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The children of open popen streams, by the stream's fd (newlib's FILE has no room for a pid). */
#define RP_POPEN_MAX 64
static struct {
	FILE *stream;
	pid_t pid;
} rp_popen_children[RP_POPEN_MAX];

FILE *popen(const char *command, const char *mode)
{
	int reading = mode[0] == 'r', cloexec = strchr(mode, 'e') != NULL;
	if ((mode[0] != 'r' && mode[0] != 'w') || (mode[1] && mode[1] != 'e')) {
		errno = EINVAL;
		return NULL;
	}
	int slot = 0;
	while (slot < RP_POPEN_MAX && rp_popen_children[slot].stream)
		++slot;
	if (slot == RP_POPEN_MAX) {
		errno = EMFILE;
		return NULL;
	}
	int ends[2];
	if (pipe2(ends, O_CLOEXEC) < 0)
		return NULL;
	int mine = reading ? ends[0] : ends[1], theirs = reading ? ends[1] : ends[0];
	pid_t pid = fork();
	if (pid < 0) {
		int saved = errno;
		close(ends[0]);
		close(ends[1]);
		errno = saved;
		return NULL;
	}
	if (pid == 0) {
		/* The child: its end becomes stdin or stdout (dup2 clears close-on-exec), then the shell. Other
		   popen streams' fds were opened close-on-exec and go away with the exec, as POSIX asks. */
		int target = reading ? STDOUT_FILENO : STDIN_FILENO;
		if (theirs == target ? fcntl(theirs, F_SETFD, 0) < 0 : dup2(theirs, target) < 0)
			_exit(127);
		char *argv[] = {(char *)"sh", (char *)"-c", (char *)command, NULL};
		execve("/bin/sh", argv, environ);
		_exit(127);
	}
	close(theirs);
	if (!cloexec)
		fcntl(mine, F_SETFD, 0);
	FILE *stream = fdopen(mine, reading ? "r" : "w");
	if (!stream) {
		int saved = errno;
		close(mine);
		waitpid(pid, NULL, 0);
		errno = saved;
		return NULL;
	}
	rp_popen_children[slot].stream = stream;
	rp_popen_children[slot].pid = pid;
	return stream;
}

int pclose(FILE *stream)
{
	int slot = 0;
	while (slot < RP_POPEN_MAX && rp_popen_children[slot].stream != stream)
		++slot;
	if (!stream || slot == RP_POPEN_MAX) {
		errno = ECHILD; /* not a popen stream (glibc's answer) */
		return -1;
	}
	pid_t pid = rp_popen_children[slot].pid;
	rp_popen_children[slot].stream = NULL;
	fclose(stream);
	int status;
	pid_t r;
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : status;
}
