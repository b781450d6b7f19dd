/* <ucontext.h> for newlib on the reference kernel: glibc's ucontext_t (sys/ucontext.h) and the context calls
   (libc-glue/newlib/src/ucontext.S, makecontext.c). */
#ifndef RP_COMPAT_UCONTEXT_H
#define RP_COMPAT_UCONTEXT_H
#include <sys/ucontext.h>
#ifdef __cplusplus
extern "C" {
#endif
int getcontext(ucontext_t *ucp);
int setcontext(const ucontext_t *ucp);
int swapcontext(ucontext_t *__restrict oucp, const ucontext_t *__restrict ucp);
void makecontext(ucontext_t *ucp, void (*func)(void), int argc, ...);
#ifdef __cplusplus
}
#endif
#endif
