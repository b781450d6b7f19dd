/* <netinet/tcp.h> for newlib on the reference kernel (Linux's TCP_* options). */
#ifndef RP_COMPAT_NETINET_TCP_H
#define RP_COMPAT_NETINET_TCP_H
#include <netinet/in.h>
#include <linux/tcp.h>
#endif
