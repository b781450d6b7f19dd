/*
 * The libc pieces written for fio (libc-glue/newlib/src: pthread_rwlock.c, select.c, realpath.c, libgen.c,
 * mntent.c, netdb.c, popen.c, dlfcn.c, syslog.c), checked inside the reference kernel before fio runs
 * (tests/qemu/run-fio.sh). Exits 0 when every check holds, else prints the first failure and exits 1.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <mntent.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond)                                                                                  \
	do {                                                                                         \
		if (!(cond)) {                                                                       \
			printf("libc-extras: %s:%d: %s (errno %d)\n", __FILE__, __LINE__, #cond, errno); \
			exit(1);                                                                     \
		}                                                                                    \
	} while (0)

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static volatile int readers_inside, max_readers, writer_inside, violations, counter;

static void pause_briefly(void)
{
	struct timespec ts = {0, 2000000};
	nanosleep(&ts, NULL);
}

static void *reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20; ++i) {
		CHECK(pthread_rwlock_rdlock(&lock) == 0);
		int now = __atomic_add_fetch(&readers_inside, 1, __ATOMIC_SEQ_CST);
		if (now > max_readers)
			max_readers = now;
		if (writer_inside)
			__atomic_add_fetch(&violations, 1, __ATOMIC_SEQ_CST);
		pause_briefly();
		__atomic_sub_fetch(&readers_inside, 1, __ATOMIC_SEQ_CST);
		CHECK(pthread_rwlock_unlock(&lock) == 0);
	}
	return NULL;
}

static void *writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20; ++i) {
		CHECK(pthread_rwlock_wrlock(&lock) == 0);
		writer_inside = 1;
		if (readers_inside)
			__atomic_add_fetch(&violations, 1, __ATOMIC_SEQ_CST);
		int before = counter;
		pause_briefly();
		counter = before + 1;
		writer_inside = 0;
		CHECK(pthread_rwlock_unlock(&lock) == 0);
	}
	return NULL;
}

static void check_rwlock(void)
{
	pthread_t t[5];
	for (int i = 0; i < 3; ++i)
		CHECK(pthread_create(&t[i], NULL, reader, NULL) == 0);
	for (int i = 3; i < 5; ++i)
		CHECK(pthread_create(&t[i], NULL, writer, NULL) == 0);
	for (int i = 0; i < 5; ++i)
		CHECK(pthread_join(t[i], NULL) == 0);
	CHECK(violations == 0);   /* never a writer beside anyone */
	CHECK(counter == 40);     /* no lost update between the two writers */
	CHECK(max_readers >= 2);  /* readers do share the lock */
	CHECK(pthread_rwlock_tryrdlock(&lock) == 0);
	CHECK(pthread_rwlock_trywrlock(&lock) == EBUSY);
	CHECK(pthread_rwlock_unlock(&lock) == 0);
	CHECK(pthread_rwlock_trywrlock(&lock) == 0);
	CHECK(pthread_rwlock_tryrdlock(&lock) == EBUSY);
	CHECK(pthread_rwlock_destroy(&lock) == EBUSY);
	CHECK(pthread_rwlock_unlock(&lock) == 0);
	CHECK(pthread_rwlock_unlock(&lock) == EPERM);
	CHECK(pthread_rwlock_destroy(&lock) == 0);
}

static void check_select(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	fd_set r, w;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timeval tv = {0, 30000};
	CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 0); /* empty pipe: times out */
	CHECK(!FD_ISSET(p[0], &r) && tv.tv_sec == 0 && tv.tv_usec == 0);
	CHECK(write(p[1], "x", 1) == 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	tv = (struct timeval){5, 0};
	CHECK(select(p[1] + 1, &r, &w, NULL, &tv) == 2);
	CHECK(FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w) && tv.tv_sec <= 5);
	close(p[1]);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK(select(p[0] + 1, &r, NULL, NULL, NULL) == 1); /* data, then EOF: readable */
	close(p[0]);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK(select(p[0] + 1, &r, NULL, NULL, NULL) == -1 && errno == EBADF);
	tv = (struct timeval){0, 1000000};
	CHECK(select(0, NULL, NULL, NULL, &tv) == -1 && errno == EINVAL);
}

static void check_paths(void)
{
	char buf[256], *r;
	CHECK(mkdir("/tmp/rp", 0755) == 0 && mkdir("/tmp/rp/d", 0755) == 0);
	int fd = open("/tmp/rp/d/f", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(symlink("d/f", "/tmp/rp/rel") == 0 && symlink("/tmp/rp/d", "/tmp/rp/abs") == 0);
	CHECK((r = realpath("/tmp/rp/./d/../rel", buf)) && strcmp(r, "/tmp/rp/d/f") == 0);
	CHECK((r = realpath("/tmp/rp/abs/f", NULL)) && strcmp(r, "/tmp/rp/d/f") == 0);
	free(r);
	CHECK(chdir("/tmp/rp/d") == 0);
	CHECK((r = realpath("f", buf)) && strcmp(r, "/tmp/rp/d/f") == 0);
	CHECK((r = realpath("..//", buf)) && strcmp(r, "/tmp/rp") == 0);
	CHECK(!realpath("/tmp/rp/missing/x", buf) && errno == ENOENT);
	CHECK(!realpath("/tmp/rp/d/f/x", buf) && errno == ENOTDIR);
	CHECK(symlink("loop", "/tmp/rp/loop") == 0);
	CHECK(!realpath("/tmp/rp/loop", buf) && errno == ELOOP);
	char a[] = "/usr/lib/", b[] = "/usr/lib/", c[] = "name", d[] = "/", e[] = "a//b//";
	CHECK(strcmp(basename(a), "lib") == 0 && strcmp(dirname(b), "/usr") == 0);
	CHECK(strcmp(basename(c), "name") == 0 && strcmp(dirname(c), ".") == 0);
	CHECK(strcmp(basename(d), "/") == 0 && strcmp(dirname(d), "/") == 0);
	CHECK(strcmp(dirname(e), "a") == 0);
}

static void check_mntent(void)
{
	FILE *f = fopen("/tmp/rp/fstab", "w");
	CHECK(f);
	fputs("# comment\n\n/dev/sda1 /mnt\\040x ext4 rw,noatime 1 2\nnone /proc proc defaults\n", f);
	fclose(f);
	f = setmntent("/tmp/rp/fstab", "r");
	CHECK(f);
	struct mntent *m = getmntent(f);
	CHECK(m && strcmp(m->mnt_fsname, "/dev/sda1") == 0 && strcmp(m->mnt_dir, "/mnt x") == 0);
	CHECK(strcmp(m->mnt_type, "ext4") == 0 && m->mnt_freq == 1 && m->mnt_passno == 2);
	CHECK(hasmntopt(m, "noatime") && !hasmntopt(m, "atime") && hasmntopt(m, "rw"));
	m = getmntent(f);
	CHECK(m && strcmp(m->mnt_dir, "/proc") == 0 && m->mnt_freq == 0 && m->mnt_passno == 0);
	CHECK(getmntent(f) == NULL);
	CHECK(endmntent(f) == 1);
	CHECK(setmntent("/proc/mounts", "r") == NULL && errno == ENOENT);
}

static void check_netdb(void)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	CHECK(getaddrinfo("10.1.2.3", "8765", &hints, &res) == 0);
	struct sockaddr_in *in = (struct sockaddr_in *)res->ai_addr;
	CHECK(res->ai_family == AF_INET && in->sin_port == htons(8765) && in->sin_addr.s_addr == htonl(0x0a010203));
	CHECK(res->ai_next == NULL && res->ai_protocol == IPPROTO_TCP);
	freeaddrinfo(res);
	CHECK(getaddrinfo("example.invalid", NULL, NULL, &res) == EAI_NONAME);
	CHECK(getaddrinfo("1.2.3.4", "http", NULL, &res) == EAI_SERVICE);
	hints = (struct addrinfo){.ai_family = AF_INET6};
	CHECK(getaddrinfo("::1", "1", &hints, &res) == EAI_FAMILY);
	CHECK(strcmp(gai_strerror(EAI_NONAME), "Name or service not known") == 0);
	CHECK(inet_network("224.0.0.0") == 0xe0000000u && inet_network("0x7f.1") == 0x7f01u);
	CHECK(inet_network("1.2.3.4.5") == INADDR_NONE && inet_network("256.1") == INADDR_NONE);
}

static void check_loader_and_shell(void)
{
	CHECK(dlopen("libx.so", RTLD_NOW) == NULL);
	const char *e = dlerror();
	CHECK(e && strstr(e, "libx.so"));
	CHECK(dlerror() == NULL);
	/* No /bin/sh in the initrd: the child's exec fails and it exits 127, which pclose reports. */
	FILE *f = popen("echo hi", "r");
	CHECK(f);
	char line[16];
	CHECK(fgets(line, sizeof line, f) == NULL);
	int status = pclose(f);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 127);
	CHECK(pclose(stdin) == -1 && errno == ECHILD);
	openlog("libc-extras", LOG_PERROR, LOG_USER);
	syslog(LOG_INFO, "syslog with LOG_PERROR reaches stderr (%d)", 42);
	closelog();
}

int main(void)
{
	check_rwlock();
	check_select();
	check_paths();
	check_mntent();
	check_netdb();
	check_loader_and_shell();
	puts("libc-extras: rwlocks, select, realpath, basename/dirname, mntent, getaddrinfo, dlopen, popen, syslog");
	return 0;
}
