/*
 * Program start-up after crt0's _start: argc/argv/envp/auxv from the Linux-layout stack, the main thread's
 * TLS block and thread pointer, newlib's constructors, main, exit.
 */
#include "glue.h"

#include <stdlib.h>

extern char **environ;
extern int main(int argc, char **argv, char **envp);

/* The constructor and destructor arrays; the linker defines these bounds in a static link. */
typedef void (*rp_init_fn)(void);
extern rp_init_fn __preinit_array_start[] __attribute__((weak));
extern rp_init_fn __preinit_array_end[] __attribute__((weak));
extern rp_init_fn __init_array_start[] __attribute__((weak));
extern rp_init_fn __init_array_end[] __attribute__((weak));
extern rp_init_fn __fini_array_start[] __attribute__((weak));
extern rp_init_fn __fini_array_end[] __attribute__((weak));

/* newlib built for x86_64-elf has no __libc_init_array (its configure finds no crti/crtn), so the glue runs
   the arrays itself: preinit and init in order before main, fini in reverse order at exit. */
static void rp_run_init_arrays(void)
{
	for (rp_init_fn *f = __preinit_array_start; f < __preinit_array_end; ++f)
		(*f)();
	for (rp_init_fn *f = __init_array_start; f < __init_array_end; ++f)
		(*f)();
}

static void rp_run_fini_array(void)
{
	for (rp_init_fn *f = __fini_array_end; f > __fini_array_start;)
		(*--f)();
}

/* getauxval() answers from here. */
const uint64_t *rp_auxv;
/* argv[0], for err.h's messages. */
const char *rp_program_name = "";

__attribute__((noreturn)) void rp_start(uint64_t *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **p = envp;
	while (*p)
		++p;
	rp_auxv = (const uint64_t *)(p + 1);
	environ = envp;
	if (argc > 0 && argv[0])
		rp_program_name = argv[0];

	rp_thread_init_main(rp_auxv);

	atexit(rp_run_fini_array);
	rp_run_init_arrays();
	exit(main(argc, argv, envp));
}
