/* <netinet/udp.h> for newlib on the reference kernel (Linux's struct udphdr and UDP_* options). */
#ifndef RP_COMPAT_NETINET_UDP_H
#define RP_COMPAT_NETINET_UDP_H
#include <netinet/in.h>
#include <linux/udp.h>
#endif
