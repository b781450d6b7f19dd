/* <mntent.h> for newlib on the reference kernel: glibc's mount-table reader (libc-glue/newlib/src/mntent.c
   parses the fstab(5) format). The guest has no /proc/mounts or /etc/mtab, so setmntent() on them fails
   with ENOENT, which is what programs (fio's cgroup and mount checks) then report. */
#ifndef RP_COMPAT_MNTENT_H
#define RP_COMPAT_MNTENT_H
#include <stdio.h>
#ifdef __cplusplus
extern "C" {
#endif
#define MOUNTED "/etc/mtab"
#define _PATH_MOUNTED "/etc/mtab"
#define MNTTAB "/etc/fstab"
#define MNTTYPE_IGNORE "ignore"
#define MNTTYPE_NFS "nfs"
#define MNTTYPE_SWAP "swap"
#define MNTOPT_DEFAULTS "defaults"
#define MNTOPT_RO "ro"
#define MNTOPT_RW "rw"
#define MNTOPT_SUID "suid"
#define MNTOPT_NOSUID "nosuid"
#define MNTOPT_NOAUTO "noauto"
struct mntent {
	char *mnt_fsname;
	char *mnt_dir;
	char *mnt_type;
	char *mnt_opts;
	int mnt_freq;
	int mnt_passno;
};
FILE *setmntent(const char *file, const char *mode);
struct mntent *getmntent(FILE *stream);
struct mntent *getmntent_r(FILE *__restrict stream, struct mntent *__restrict result, char *__restrict buffer,
			   int bufsize);
int addmntent(FILE *__restrict stream, const struct mntent *__restrict mnt);
int endmntent(FILE *stream);
char *hasmntopt(const struct mntent *mnt, const char *opt);
#ifdef __cplusplus
}
#endif
#endif
