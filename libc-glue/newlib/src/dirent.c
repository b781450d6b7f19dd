/* opendir/readdir/closedir over Linux's getdents64 (217): directories have no native opcode. */
#include "glue.h"
#include "raw_syscall.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct __dirstream {
	int fd;
	size_t pos, len;
	struct dirent entry;
	char buf[4096] __attribute__((aligned(8)));
};

/* Linux's struct linux_dirent64. */
struct rp_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

DIR *fdopendir(int fd)
{
	DIR *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->fd = fd;
	return d;
}

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

struct dirent *readdir(DIR *d)
{
	if (d->pos >= d->len) {
		long n = rp_raw_syscall3(RP_NR_getdents64, d->fd, d->buf, sizeof d->buf);
		if (n <= 0) {
			if (n < 0)
				errno = (int)-n;
			return NULL;
		}
		d->len = (size_t)n;
		d->pos = 0;
	}
	const struct rp_dirent64 *e = (const struct rp_dirent64 *)(d->buf + d->pos);
	d->pos += e->d_reclen;
	d->entry.d_ino = e->d_ino;
	d->entry.d_off = e->d_off;
	d->entry.d_reclen = sizeof d->entry;
	d->entry.d_type = e->d_type;
	strncpy(d->entry.d_name, e->d_name, sizeof d->entry.d_name - 1);
	d->entry.d_name[sizeof d->entry.d_name - 1] = '\0';
	return &d->entry;
}

int closedir(DIR *d)
{
	int r = close(d->fd);
	free(d);
	return r;
}

int dirfd(DIR *d) { return d->fd; }

void rewinddir(DIR *d)
{
	lseek(d->fd, 0, SEEK_SET);
	d->pos = d->len = 0;
}
