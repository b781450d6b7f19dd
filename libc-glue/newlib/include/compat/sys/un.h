/* <sys/un.h> for newlib on the reference kernel: Linux's struct sockaddr_un. */
#ifndef RP_COMPAT_SYS_UN_H
#define RP_COMPAT_SYS_UN_H
#include <sys/socket.h>
#include <linux/un.h>
#endif
