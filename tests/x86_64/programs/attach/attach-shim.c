/*
 * Userspace-to-kernel attachment in the reference kernel (make check-qemu: attach-shim), the shim's mode: a
 * program's Linux io_uring (liburing over 425/426/427) is served by the in-kernel shim, whose native SQEs the
 * kernel's ring executor runs. A NOP, a linked WRITE -> FSYNC -> READ chain on a ramfs file, and a READ of an
 * empty pipe that completes when the pipe is written; every CQE checked. The liburing suite under
 * make check-qemu exercises this mode in depth; this test names it. Exits 0 when every check passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int failures;
#define CHECK(c)                                                                                           \
	do {                                                                                                   \
		if (!(c)) {                                                                                        \
			printf("FAIL: %s (line %d, errno %d)\n", #c, __LINE__, errno);                                \
			failures++;                                                                                    \
		}                                                                                                  \
	} while (0)

static int reap(struct io_uring *ring, unsigned long long want_data, int want_res)
{
	struct io_uring_cqe *cqe = NULL;
	int ok = io_uring_wait_cqe(ring, &cqe) == 0 && cqe && cqe->user_data == want_data && cqe->res == want_res;
	if (!ok && cqe)
		printf("attach-shim: cqe %llu res %d, wanted %llu res %d\n", (unsigned long long)cqe->user_data, cqe->res,
		       want_data, want_res);
	if (cqe)
		io_uring_cqe_seen(ring, cqe);
	return ok;
}

int main(void)
{
	struct io_uring ring;
	CHECK(io_uring_queue_init(8, &ring, 0) == 0);

	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 1;
	CHECK(io_uring_submit(&ring) == 1);
	CHECK(reap(&ring, 1, 0));

	int fd = open("/tmp/attach-shim", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	char out[4096], in[4096];
	for (int i = 0; i < 4096; i++)
		out[i] = (char)(i * 7 + 1);
	memset(in, 0, sizeof in);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write(sqe, fd, out, sizeof out, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 2;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_fsync(sqe, fd, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 3;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, in, sizeof in, 0);
	sqe->user_data = 4;
	CHECK(io_uring_submit(&ring) == 3);
	CHECK(reap(&ring, 2, 4096));
	CHECK(reap(&ring, 3, 0));
	CHECK(reap(&ring, 4, 4096));
	CHECK(memcmp(in, out, sizeof in) == 0);

	int p[2];
	CHECK(pipe(p) == 0);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, p[0], in, 16, 0);
	sqe->user_data = 5;
	CHECK(io_uring_submit(&ring) == 1);
	struct io_uring_cqe *cqe = NULL;
	CHECK(io_uring_peek_cqe(&ring, &cqe) == -EAGAIN); /* parked until the pipe has data */
	CHECK(write(p[1], "attachment modes", 16) == 16);
	CHECK(reap(&ring, 5, 16));
	CHECK(memcmp(in, "attachment modes", 16) == 0);

	io_uring_queue_exit(&ring);
	close(fd);
	unlink("/tmp/attach-shim");
	printf("attach-shim: %s\n", failures ? "FAILED" : "NOP, a linked write/fsync/read chain and a parked pipe read through the in-kernel shim");
	return failures ? 1 : 0;
}
