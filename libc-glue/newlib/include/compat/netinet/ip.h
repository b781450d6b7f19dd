/* <netinet/ip.h> for newlib on the reference kernel (Linux's struct iphdr and IPTOS_*). */
#ifndef RP_COMPAT_NETINET_IP_H
#define RP_COMPAT_NETINET_IP_H
#include <netinet/in.h>
#include <linux/ip.h>
#endif
