/* <netinet/in.h> for newlib on the reference kernel: Linux's in/in6 structures and IPPROTO_* (linux/in.h,
   linux/in6.h), with the byte-order helpers. */
#ifndef RP_COMPAT_NETINET_IN_H
#define RP_COMPAT_NETINET_IN_H
#include <stdint.h>
#include <sys/socket.h>
#include <linux/in.h>
#include <linux/in6.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef uint16_t in_port_t;
typedef uint32_t in_addr_t;
#define INET_ADDRSTRLEN 16
#define INET6_ADDRSTRLEN 46
#ifndef INADDR_NONE
#define INADDR_NONE ((in_addr_t)0xffffffff)
#endif
#define IN6ADDR_ANY_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } } }
#define IN6ADDR_LOOPBACK_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } } }
static const struct in6_addr in6addr_any = IN6ADDR_ANY_INIT;
static const struct in6_addr in6addr_loopback = IN6ADDR_LOOPBACK_INIT;
static inline uint32_t htonl(uint32_t x) { return __builtin_bswap32(x); }
static inline uint16_t htons(uint16_t x) { return __builtin_bswap16(x); }
static inline uint32_t ntohl(uint32_t x) { return __builtin_bswap32(x); }
static inline uint16_t ntohs(uint16_t x) { return __builtin_bswap16(x); }
#ifdef __cplusplus
}
#endif
#endif
