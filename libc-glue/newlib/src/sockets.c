/*
 * Sockets, part 1: the reference kernel has no network stack, so every socket call fails with
 * EAFNOSUPPORT, what Linux answers for an address family it was built without. liburing's test helpers
 * (helpers.c) reference these, so every test links them; socket tests skip or fail at run time.
 * Byte-order and address-text helpers are plain computation and work.
 */
#include "glue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int rp_no_sockets(void)
{
	errno = EAFNOSUPPORT;
	return -1;
}

int socket(int domain, int type, int protocol) { (void)domain; (void)type; (void)protocol; return rp_no_sockets(); }
int socketpair(int domain, int type, int protocol, int fds[2]) { (void)domain; (void)type; (void)protocol; (void)fds; return rp_no_sockets(); }
int bind(int fd, const struct sockaddr *a, socklen_t l) { (void)fd; (void)a; (void)l; return rp_no_sockets(); }
int listen(int fd, int backlog) { (void)fd; (void)backlog; return rp_no_sockets(); }
int accept(int fd, struct sockaddr *a, socklen_t *l) { (void)fd; (void)a; (void)l; return rp_no_sockets(); }
int accept4(int fd, struct sockaddr *a, socklen_t *l, int f) { (void)fd; (void)a; (void)l; (void)f; return rp_no_sockets(); }
int connect(int fd, const struct sockaddr *a, socklen_t l) { (void)fd; (void)a; (void)l; return rp_no_sockets(); }
int shutdown(int fd, int how) { (void)fd; (void)how; return rp_no_sockets(); }
int getsockname(int fd, struct sockaddr *a, socklen_t *l) { (void)fd; (void)a; (void)l; return rp_no_sockets(); }
int getpeername(int fd, struct sockaddr *a, socklen_t *l) { (void)fd; (void)a; (void)l; return rp_no_sockets(); }
int getsockopt(int fd, int lv, int n, void *v, socklen_t *l) { (void)fd; (void)lv; (void)n; (void)v; (void)l; return rp_no_sockets(); }
int setsockopt(int fd, int lv, int n, const void *v, socklen_t l) { (void)fd; (void)lv; (void)n; (void)v; (void)l; return rp_no_sockets(); }
ssize_t send(int fd, const void *b, size_t n, int f) { (void)fd; (void)b; (void)n; (void)f; return rp_no_sockets(); }
ssize_t recv(int fd, void *b, size_t n, int f) { (void)fd; (void)b; (void)n; (void)f; return rp_no_sockets(); }
ssize_t sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l)
{
	(void)fd; (void)b; (void)n; (void)f; (void)a; (void)l;
	return rp_no_sockets();
}
ssize_t recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l)
{
	(void)fd; (void)b; (void)n; (void)f; (void)a; (void)l;
	return rp_no_sockets();
}
ssize_t sendmsg(int fd, const struct msghdr *m, int f) { (void)fd; (void)m; (void)f; return rp_no_sockets(); }
ssize_t recvmsg(int fd, struct msghdr *m, int f) { (void)fd; (void)m; (void)f; return rp_no_sockets(); }

/* Dotted-quad IPv4 text to an address in network order; IPv6 text is not parsed (returns 0, "not valid"). */
int inet_pton(int af, const char *__restrict src, void *__restrict dst)
{
	if (af != AF_INET) {
		if (af == AF_INET6)
			return 0;
		errno = EAFNOSUPPORT;
		return -1;
	}
	uint8_t out[4];
	for (int i = 0; i < 4; ++i) {
		unsigned v = 0, digits = 0;
		while (*src >= '0' && *src <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*src++ - '0');
			++digits;
		}
		if (!digits || v > 255 || (i < 3 ? *src++ != '.' : *src != '\0'))
			return 0;
		out[i] = (uint8_t)v;
	}
	memcpy(dst, out, 4);
	return 1;
}

in_addr_t inet_addr(const char *cp)
{
	struct in_addr a;
	return inet_pton(AF_INET, cp, &a) == 1 ? a.s_addr : INADDR_NONE;
}

const char *inet_ntop(int af, const void *__restrict src, char *__restrict dst, socklen_t size)
{
	if (af != AF_INET) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	const uint8_t *b = src;
	if (snprintf(dst, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]) >= (int)size) {
		errno = ENOSPC;
		return NULL;
	}
	return dst;
}
