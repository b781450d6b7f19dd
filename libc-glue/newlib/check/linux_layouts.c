/*
 * The Linux side of the newlib layout check: a host program (the host is x86_64 Linux, the target's ABI)
 * that prints the size and field offsets of the uapi structs newlib must lay out as Linux does, as
 * "#define RP_LINUX_<struct>_<field> <offset>" lines (linux_layouts.h), which newlib_abi.c compares with the
 * patched newlib's structs. Only linux-libc-dev's headers: newlib's and the uapi's cannot share a unit.
 */
#include <linux/resource.h>
#include <stddef.h>
#include <stdio.h>

#define FIELD(s, f) printf("#define RP_LINUX_%s_%s %zu\n", #s, #f, offsetof(struct s, f))

int main(void)
{
	printf("#define RP_LINUX_rusage_size %zu\n", sizeof(struct rusage));
	FIELD(rusage, ru_utime);
	FIELD(rusage, ru_stime);
	FIELD(rusage, ru_maxrss);
	FIELD(rusage, ru_minflt);
	FIELD(rusage, ru_majflt);
	FIELD(rusage, ru_inblock);
	FIELD(rusage, ru_oublock);
	FIELD(rusage, ru_nsignals);
	FIELD(rusage, ru_nvcsw);
	FIELD(rusage, ru_nivcsw);
	return 0;
}
