/* <dlfcn.h> for newlib on the reference kernel: programs are static and there is no dynamic loader, so
   dlopen() always fails (dlerror() says why) and dlsym() finds nothing, as in a static glibc program whose
   library is absent (libc-glue/newlib/src/dlfcn.c). The RTLD_* values are glibc's. */
#ifndef RP_COMPAT_DLFCN_H
#define RP_COMPAT_DLFCN_H
#ifdef __cplusplus
extern "C" {
#endif
#define RTLD_LAZY 0x00001
#define RTLD_NOW 0x00002
#define RTLD_NOLOAD 0x00004
#define RTLD_DEEPBIND 0x00008
#define RTLD_GLOBAL 0x00100
#define RTLD_LOCAL 0
#define RTLD_NODELETE 0x01000
#define RTLD_DEFAULT ((void *)0)
#define RTLD_NEXT ((void *)-1l)
void *dlopen(const char *file, int mode);
void *dlsym(void *__restrict handle, const char *__restrict name);
int dlclose(void *handle);
char *dlerror(void);
#ifdef __cplusplus
}
#endif
#endif
