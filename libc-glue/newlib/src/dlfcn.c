/*
 * <dlfcn.h>: programs on the reference kernel are static and nothing can load a shared object, so every
 * dlopen() fails and says so through dlerror(), as a static glibc program does when the library is absent.
 * fio reaches this only for an external engine (ioengine=external:<file>) or a dynamic engine build; its
 * built-in engines (io_uring, sync, psync, ...) are found without it.
 */
#include <dlfcn.h>
#include <stdio.h>

static _Thread_local const char *rp_dl_error;
static _Thread_local char rp_dl_message[160];

void *dlopen(const char *file, int mode)
{
	(void)mode;
	/* dlopen(NULL) names the program itself in glibc; without a dynamic symbol table there is nothing to
	   look up in it either, so it fails the same way. */
	snprintf(rp_dl_message, sizeof rp_dl_message, "%s: cannot load shared objects: static program",
		 file ? file : "(main program)");
	rp_dl_error = rp_dl_message;
	return NULL;
}

void *dlsym(void *__restrict handle, const char *__restrict name)
{
	(void)handle;
	snprintf(rp_dl_message, sizeof rp_dl_message, "%s: undefined symbol (no dynamic symbol table)", name);
	rp_dl_error = rp_dl_message;
	return NULL;
}

int dlclose(void *handle)
{
	(void)handle;
	rp_dl_error = "dlclose: invalid handle";
	return -1;
}

/* The last error of this thread, once: a second call returns NULL (POSIX). */
char *dlerror(void)
{
	const char *e = rp_dl_error;
	rp_dl_error = NULL;
	return (char *)e;
}
