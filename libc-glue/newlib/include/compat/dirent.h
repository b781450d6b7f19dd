/* <dirent.h> for newlib on the reference kernel (newlib's own needs a per-system sys/dirent.h): glibc's
   struct dirent layout and DT_* values, over getdents64 (libc-glue/newlib/src/dirent.c). */
#ifndef RP_COMPAT_DIRENT_H
#define RP_COMPAT_DIRENT_H
#include <sys/types.h>
#ifdef __cplusplus
extern "C" {
#endif
struct dirent {
	ino_t d_ino;
	off_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[256];
};
typedef struct __dirstream DIR;
enum { DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10, DT_SOCK = 12, DT_WHT = 14 };
DIR *opendir(const char *path);
DIR *fdopendir(int fd);
struct dirent *readdir(DIR *dir);
int closedir(DIR *dir);
void rewinddir(DIR *dir);
int dirfd(DIR *dir);
#ifdef __cplusplus
}
#endif
#endif
