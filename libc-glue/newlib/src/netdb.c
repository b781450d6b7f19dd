/*
 * <netdb.h> without a network: getaddrinfo() answers what needs no resolver - a numeric IPv4 host (or no
 * host: the wildcard address with AI_PASSIVE, loopback without) and a numeric port - as glibc does with
 * AI_NUMERICHOST|AI_NUMERICSERV. A host name is EAI_NONAME (no DNS, no /etc/hosts), a service name
 * EAI_SERVICE (no /etc/services), IPv6 EAI_FAMILY (the glue's inet_pton parses no IPv6). The sockets
 * themselves fail with EAFNOSUPPORT (sockets.c), so this only lets programs such as fio parse addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#define RP_AI_KNOWN_FLAGS (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG | \
			   AI_NUMERICSERV)

struct rp_addrinfo_block {
	struct addrinfo info;
	struct sockaddr_in addr;
};

static int rp_parse_port(const char *service, unsigned *port)
{
	if (!service) {
		*port = 0;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long v = strtoul(service, &end, 10);
	if (!*service || *end || errno || v > 65535 || *service == '-' || *service == '+')
		return EAI_SERVICE;
	*port = (unsigned)v;
	return 0;
}

int getaddrinfo(const char *__restrict node, const char *__restrict service,
		const struct addrinfo *__restrict hints, struct addrinfo **__restrict res)
{
	int flags = hints ? hints->ai_flags : 0, family = hints ? hints->ai_family : AF_UNSPEC;
	int socktype = hints ? hints->ai_socktype : 0, protocol = hints ? hints->ai_protocol : 0;
	if (flags & ~RP_AI_KNOWN_FLAGS)
		return EAI_BADFLAGS;
	if (!node && !service)
		return EAI_NONAME;
	if ((flags & AI_CANONNAME) && !node)
		return EAI_BADFLAGS;
	if (family != AF_UNSPEC && family != AF_INET)
		return EAI_FAMILY;
	if (socktype != 0 && socktype != SOCK_STREAM && socktype != SOCK_DGRAM && socktype != SOCK_RAW)
		return EAI_SOCKTYPE;
	unsigned port;
	int e = rp_parse_port(service, &port);
	if (e)
		return e;
	struct in_addr addr;
	if (node) {
		if (inet_pton(AF_INET, node, &addr) != 1)
			return EAI_NONAME;
	} else {
		addr.s_addr = htonl((flags & AI_PASSIVE) ? INADDR_ANY : INADDR_LOOPBACK);
	}
	/* Without a socket type, one entry per type, as glibc: stream (TCP), datagram (UDP), raw. */
	static const int types[3][2] = {{SOCK_STREAM, IPPROTO_TCP}, {SOCK_DGRAM, IPPROTO_UDP}, {SOCK_RAW, 0}};
	struct addrinfo *head = NULL, **tail = &head;
	for (int i = 0; i < 3; ++i) {
		if (socktype ? socktype != types[i][0] : (types[i][0] == SOCK_RAW && service))
			continue;
		struct rp_addrinfo_block *b = calloc(1, sizeof *b);
		if (!b) {
			freeaddrinfo(head);
			return EAI_MEMORY;
		}
		b->addr.sin_family = AF_INET;
		b->addr.sin_port = htons((uint16_t)port);
		b->addr.sin_addr = addr;
		b->info.ai_flags = flags;
		b->info.ai_family = AF_INET;
		b->info.ai_socktype = types[i][0];
		b->info.ai_protocol = protocol ? protocol : types[i][1];
		b->info.ai_addrlen = sizeof b->addr;
		b->info.ai_addr = (struct sockaddr *)&b->addr;
		if ((flags & AI_CANONNAME) && !head) {
			b->info.ai_canonname = strdup(node);
			if (!b->info.ai_canonname) {
				free(b);
				freeaddrinfo(head);
				return EAI_MEMORY;
			}
		}
		*tail = &b->info;
		tail = &b->info.ai_next;
	}
	*res = head;
	return 0;
}

void freeaddrinfo(struct addrinfo *res)
{
	while (res) {
		struct addrinfo *next = res->ai_next;
		free(res->ai_canonname);
		free(res); /* the block starts with the addrinfo */
		res = next;
	}
}

const char *gai_strerror(int errcode)
{
	switch (errcode) {
	case 0: return "Success";
	case EAI_BADFLAGS: return "Bad value for ai_flags";
	case EAI_NONAME: return "Name or service not known";
	case EAI_AGAIN: return "Temporary failure in name resolution";
	case EAI_FAIL: return "Non-recoverable failure in name resolution";
	case EAI_NODATA: return "No address associated with hostname";
	case EAI_FAMILY: return "ai_family not supported";
	case EAI_SOCKTYPE: return "ai_socktype not supported";
	case EAI_SERVICE: return "Servname not supported for ai_socktype";
	case EAI_ADDRFAMILY: return "Address family for hostname not supported";
	case EAI_MEMORY: return "Memory allocation failure";
	case EAI_SYSTEM: return "System error";
	case EAI_OVERFLOW: return "Argument buffer overflow";
	default: return "Unknown error";
	}
}

/* BSD's inet_network(): "a[.b[.c[.d]]]" with each part decimal, octal (leading 0) or hex (0x), at most 255,
   combined as that many bytes, in host order (a.b is a * 256 + b); anything else is INADDR_NONE. */
in_addr_t inet_network(const char *cp)
{
	in_addr_t value = 0;
	int parts = 0;
	for (;;) {
		int base = 10;
		if (cp[0] == '0' && (cp[1] == 'x' || cp[1] == 'X')) {
			base = 16;
			cp += 2;
		} else if (cp[0] == '0' && cp[1]) {
			base = 8;
		}
		unsigned long part = 0;
		int digits = 0;
		for (;; ++cp, ++digits) {
			int d = (*cp >= '0' && *cp <= '9') ? *cp - '0'
				: (*cp >= 'a' && *cp <= 'f') ? *cp - 'a' + 10
				: (*cp >= 'A' && *cp <= 'F') ? *cp - 'A' + 10 : 99;
			if (d >= base)
				break;
			part = part * (unsigned)base + (unsigned)d;
			if (part > 255)
				return INADDR_NONE;
		}
		if (!digits || ++parts > 4)
			return INADDR_NONE;
		value = (value << 8) | (in_addr_t)part;
		if (*cp == '\0')
			return value;
		if (*cp++ != '.')
			return INADDR_NONE;
	}
}
