/* <sys/auxv.h> for newlib on the reference kernel: getauxval and Linux's AT_* (linux/auxvec.h). */
#ifndef RP_COMPAT_SYS_AUXV_H
#define RP_COMPAT_SYS_AUXV_H
#include <linux/auxvec.h>
#ifdef __cplusplus
extern "C" {
#endif
unsigned long getauxval(unsigned long type);
#ifdef __cplusplus
}
#endif
#endif
