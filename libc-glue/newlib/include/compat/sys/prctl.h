/* <sys/prctl.h> for newlib on the reference kernel (Linux's PR_* from linux/prctl.h). */
#ifndef RP_COMPAT_SYS_PRCTL_H
#define RP_COMPAT_SYS_PRCTL_H
#include <linux/prctl.h>
#ifdef __cplusplus
extern "C" {
#endif
int prctl(int option, ...);
#ifdef __cplusplus
}
#endif
#endif
