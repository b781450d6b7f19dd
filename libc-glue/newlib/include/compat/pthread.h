/* <pthread.h> for newlib on the reference kernel: newlib's, plus the mutex types (Linux's values), which
   newlib declares only for targets that define _UNIX98_THREAD_MUTEX_ATTRIBUTES. The glue's mutexes
   (libc-glue/newlib/src/pthread_mutex.c) implement them; libc++'s recursive_mutex asks for them by name. */
#ifndef RP_COMPAT_PTHREAD_H
#define RP_COMPAT_PTHREAD_H
#include_next <pthread.h>
/* newlib defines PTHREAD_STACK_MIN only for Xilinx; the glue's smallest stack is Linux's 16 KiB. */
#ifndef PTHREAD_STACK_MIN
#define PTHREAD_STACK_MIN 16384
#endif
#ifndef PTHREAD_MUTEX_NORMAL
#define PTHREAD_MUTEX_NORMAL 0
#define PTHREAD_MUTEX_RECURSIVE 1
#define PTHREAD_MUTEX_ERRORCHECK 2
#define PTHREAD_MUTEX_DEFAULT 0
#ifdef __cplusplus
extern "C" {
#endif
int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type);
int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type);
#ifdef __cplusplus
}
#endif
#endif
#endif
