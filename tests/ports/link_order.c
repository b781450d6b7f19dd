/*
 * make check (tests/ports/link-order.sh): a program whose loader binds libc before libringport still gets
 * libringport's ring-fd aware libc calls. link-order.sh links this file twice, libringport before libc and
 * libc before libringport (DT_NEEDED order checked there); both must pass. Without the repair in
 * libc-glue/src/load_order.cpp the second one's epoll_wait is libc's: the ring fd's eventfd is never armed,
 * the wait times out, and close leaves a stale ring behind the fd number.
 *
 * Uses only libc calls and the io_uring system call numbers, as a program written against the raw ABI does.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(cond, ...)                                                                                      \
	do {                                                                                                      \
		if (!(cond)) {                                                                                        \
			fprintf(stderr, "link_order: FAIL %s:%d: ", __FILE__, __LINE__);                                  \
			fprintf(stderr, __VA_ARGS__);                                                                     \
			fputc('\n', stderr);                                                                              \
			exit(1);                                                                                          \
		}                                                                                                     \
	} while (0)

int main(void)
{
	/* The global scope's epoll_wait is libringport's. */
	void *self = dlopen("libringport.so.0", RTLD_LAZY | RTLD_NOLOAD);
	CHECK(self, "libringport.so.0 is not loaded");
	const char *names[] = {"close", "mmap", "epoll_ctl", "epoll_wait", "syscall"};
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; ++i)
		CHECK(dlsym(RTLD_DEFAULT, names[i]) == dlsym(self, names[i]), "%s binds to another object than libringport",
		      names[i]);
	/* The re-executed program's environment is the one it was started with. */
	CHECK(!getenv("RINGPORT_REEXEC"), "RINGPORT_REEXEC left in the environment");
	const char *pre = getenv("LD_PRELOAD");
	CHECK(!pre || !strstr(pre, "libringport"), "LD_PRELOAD still names libringport: %s", pre);

	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	int fd = (int)syscall(__NR_io_uring_setup, 8, &p);
	CHECK(fd >= 0, "io_uring_setup: %s", strerror(errno));
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	size_t ring_len = sq_len > cq_len ? sq_len : cq_len;
	char *ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	CHECK(ring != MAP_FAILED, "mmap SQ ring: %s", strerror(errno));
	struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
	                                 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	CHECK(sqes != MAP_FAILED, "mmap SQEs: %s", strerror(errno));

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl: %s", strerror(errno));

	/* One NOP, submitted without waiting: its completion has to make the ring fd readable for epoll. */
	unsigned *tail = (unsigned *)(ring + p.sq_off.tail), *array = (unsigned *)(ring + p.sq_off.array);
	unsigned t = *tail;
	memset(&sqes[0], 0, sizeof sqes[0]);
	sqes[0].opcode = IORING_OP_NOP;
	sqes[0].user_data = 42;
	array[t & *(unsigned *)(ring + p.sq_off.ring_mask)] = 0;
	__atomic_store_n(tail, t + 1, __ATOMIC_RELEASE);
	CHECK(syscall(__NR_io_uring_enter, fd, 1, 0, 0, NULL, 0) == 1, "io_uring_enter: %s", strerror(errno));
	struct epoll_event out;
	CHECK(epoll_wait(ep, &out, 1, 5000) == 1 && out.data.u64 == 7, "the ring fd never became readable in epoll");
	struct io_uring_cqe *cqe = (struct io_uring_cqe *)(ring + p.cq_off.cqes);
	CHECK(*(unsigned *)(ring + p.cq_off.tail) == 1 && cqe[0].user_data == 42 && cqe[0].res == 0, "NOP CQE");

	/* close lets go of the ring: the number's next owner is a plain file, not the ring. */
	munmap(sqes, p.sq_entries * sizeof(struct io_uring_sqe));
	munmap(ring, ring_len);
	CHECK(close(fd) == 0, "close: %s", strerror(errno));
	/* The lowest free number from fd up is fd itself, now free: open takes it when nothing lower is free (the
	   OS's own fds live out of the program's way), else F_DUPFD does. */
	int null = open("/dev/null", O_RDONLY);
	int again = null == fd ? null : fcntl(null, F_DUPFD, fd);
	CHECK(again == fd, "expected /dev/null to get fd %d, got %d", fd, again);
	void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, again, IORING_OFF_SQ_RING);
	CHECK(m == MAP_FAILED && errno == ENODEV, "mmap of /dev/null at IORING_OFF_SQ_RING did not fail with ENODEV");
	printf("link_order: PASS\n");
	return 0;
}
