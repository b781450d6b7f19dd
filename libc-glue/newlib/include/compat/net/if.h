/* <net/if.h> for newlib on the reference kernel (Linux's struct ifreq, IFNAMSIZ). */
#ifndef RP_COMPAT_NET_IF_H
#define RP_COMPAT_NET_IF_H
#include <sys/socket.h>
#include <linux/if.h>
#ifdef __cplusplus
extern "C" {
#endif
unsigned int if_nametoindex(const char *name);
#ifdef __cplusplus
}
#endif
#endif
