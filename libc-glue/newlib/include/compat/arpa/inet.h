/* <arpa/inet.h> for newlib on the reference kernel (IPv4 text conversion in libc-glue/newlib/src/sockets.c). */
#ifndef RP_COMPAT_ARPA_INET_H
#define RP_COMPAT_ARPA_INET_H
#include <netinet/in.h>
#ifdef __cplusplus
extern "C" {
#endif
int inet_pton(int af, const char *__restrict src, void *__restrict dst);
const char *inet_ntop(int af, const void *__restrict src, char *__restrict dst, socklen_t size);
in_addr_t inet_addr(const char *cp);
in_addr_t inet_network(const char *cp);
#ifdef __cplusplus
}
#endif
#endif
