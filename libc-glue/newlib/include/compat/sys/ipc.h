/* <sys/ipc.h> for newlib on the reference kernel: the System V IPC flag and command values (Linux's) and
   key_t. The kernel has no System V IPC (as Linux built without CONFIG_SYSVIPC: shmget & co. are ENOSYS),
   so no IPC functions are declared; programs such as fio include this header and compile their SysV paths
   out (fio: --disable-shm, FIO_NO_HAVE_SHM_H). */
#ifndef RP_COMPAT_SYS_IPC_H
#define RP_COMPAT_SYS_IPC_H
#include <sys/types.h>
#define IPC_PRIVATE ((key_t)0)
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#endif
