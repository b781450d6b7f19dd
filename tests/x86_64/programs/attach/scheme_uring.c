/*
 * attach-scheme's io_uring part, in C because liburing.h includes <atomic> when compiled as C++ and the
 * reference sysroot has no C++ library: a READ of 5 bytes at offset 0 and a WRITE of "ring!" at offset 30 on
 * fd (a scheme fd), submitted together through the in-kernel shim. Returns how many checks failed.
 */
#include <liburing.h>
#include <stdio.h>
#include <string.h>

int scheme_uring_read_write(int fd, char *read_into)
{
	int bad = 0;
	struct io_uring ring;
	if (io_uring_queue_init(4, &ring, 0) != 0) {
		printf("FAIL: io_uring_queue_init\n");
		return 1;
	}
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, read_into, 5, 0);
	sqe->user_data = 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write(sqe, fd, "ring!", 5, 30);
	sqe->user_data = 2;
	if (io_uring_submit_and_wait(&ring, 2) != 2) {
		printf("FAIL: io_uring_submit_and_wait\n");
		bad++;
	}
	unsigned seen = 0;
	for (int i = 0; i < 2; ++i) {
		struct io_uring_cqe *cqe = NULL;
		if (io_uring_wait_cqe(&ring, &cqe) != 0 || !cqe) {
			printf("FAIL: io_uring_wait_cqe\n");
			bad++;
			break;
		}
		if (cqe->res != 5 || (cqe->user_data != 1 && cqe->user_data != 2)) {
			printf("FAIL: cqe %llu res %d\n", (unsigned long long)cqe->user_data, cqe->res);
			bad++;
		}
		seen |= 1u << cqe->user_data;
		io_uring_cqe_seen(&ring, cqe);
	}
	if (seen != 6) {
		printf("FAIL: both CQEs expected\n");
		bad++;
	}
	io_uring_queue_exit(&ring);
	return bad;
}
