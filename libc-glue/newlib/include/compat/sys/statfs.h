/* <sys/statfs.h>: the same as <sys/vfs.h> (glibc has both names). */
#include <sys/vfs.h>
