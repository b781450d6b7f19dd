/*
 * select()/pselect() over ppoll (fds.c; Linux system call 271, which the kernel serves): each fd in the sets
 * becomes one pollfd asking for POLLIN (read set), POLLOUT (write set), POLLPRI (except set). The result
 * sets hold the fds whose condition came back, counted once per set as select(2) counts; as on Linux a
 * hang-up or error makes an fd readable (an error also writable), and an fd that is not open fails the
 * call with EBADF. select() writes the time left into its timeout, as Linux does. newlib's fd_set holds
 * FD_SETSIZE (64) fds: a larger nfds is EINVAL.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>

static int rp_select(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout,
		     const sigset_t *mask)
{
	if (nfds < 0 || nfds > FD_SETSIZE) {
		errno = EINVAL;
		return -1;
	}
	struct pollfd fds[FD_SETSIZE];
	int n = 0;
	for (int fd = 0; fd < nfds; ++fd) {
		short events = (short)((r && FD_ISSET(fd, r) ? POLLIN : 0) | (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
				       (e && FD_ISSET(fd, e) ? POLLPRI : 0));
		if (events)
			fds[n++] = (struct pollfd){.fd = fd, .events = events};
	}
	if (ppoll(fds, (nfds_t)n, timeout, mask) < 0)
		return -1;
	for (int i = 0; i < n; ++i) {
		if (fds[i].revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
	}
	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (e)
		FD_ZERO(e);
	int count = 0;
	for (int i = 0; i < n; ++i) {
		short got = fds[i].revents, asked = fds[i].events;
		if ((asked & POLLIN) && (got & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(fds[i].fd, r);
			++count;
		}
		if ((asked & POLLOUT) && (got & (POLLOUT | POLLERR))) {
			FD_SET(fds[i].fd, w);
			++count;
		}
		if ((asked & POLLPRI) && (got & POLLPRI)) {
			FD_SET(fds[i].fd, e);
			++count;
		}
	}
	return count;
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout)
{
	if (!timeout)
		return rp_select(nfds, r, w, e, NULL, NULL);
	if (timeout->tv_sec < 0 || timeout->tv_usec < 0 || timeout->tv_usec >= 1000000) {
		errno = EINVAL;
		return -1;
	}
	struct timespec wait = {.tv_sec = timeout->tv_sec, .tv_nsec = timeout->tv_usec * 1000}, start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int ret = rp_select(nfds, r, w, e, &wait, NULL);
	int saved = errno;
	clock_gettime(CLOCK_MONOTONIC, &end);
	long long left = ((long long)wait.tv_sec - (end.tv_sec - start.tv_sec)) * 1000000000LL +
			 (wait.tv_nsec - (end.tv_nsec - start.tv_nsec));
	if (left < 0)
		left = 0;
	timeout->tv_sec = (time_t)(left / 1000000000LL);
	timeout->tv_usec = (suseconds_t)(left % 1000000000LL / 1000);
	errno = saved;
	return ret;
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout, const sigset_t *mask)
{
	return rp_select(nfds, r, w, e, timeout, mask);
}
