/* <sys/sysinfo.h> for newlib on the reference kernel: get_nprocs and Linux's struct sysinfo. */
#ifndef RP_COMPAT_SYS_SYSINFO_H
#define RP_COMPAT_SYS_SYSINFO_H
#include <linux/kernel.h>
#ifdef __cplusplus
extern "C" {
#endif
int sysinfo(struct sysinfo *info);
int get_nprocs(void);
int get_nprocs_conf(void);
#ifdef __cplusplus
}
#endif
#endif
