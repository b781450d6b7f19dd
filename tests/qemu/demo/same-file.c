/*
 * same-file A B: reads both files with plain read(2) (native Read SQEs through newlib's glue), prints each
 * one's size and checksum, and exits 0 only when they are byte for byte equal. Part of `make run-qemu`: it
 * checks io_uring-cp's copy inside the guest.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checksum.h"

static unsigned char a_block[65536], b_block[65536];

static long read_full(int fd, unsigned char *buf, long size)
{
	long done = 0;
	while (done < size) {
		long n = read(fd, buf + done, size - done);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: same-file A B\n");
		return 2;
	}
	int a = open(argv[1], O_RDONLY), b = open(argv[2], O_RDONLY);
	if (a < 0 || b < 0) {
		perror("same-file: open");
		return 1;
	}
	uint64_t sum_a = checksum_start(), sum_b = checksum_start();
	long size_a = 0, size_b = 0;
	int equal = 1;
	for (;;) {
		long n = read_full(a, a_block, sizeof a_block), m = read_full(b, b_block, sizeof b_block);
		if (n < 0 || m < 0) {
			perror("same-file: read");
			return 1;
		}
		if (n != m || memcmp(a_block, b_block, n) != 0)
			equal = 0;
		sum_a = checksum_add(sum_a, a_block, n), size_a += n;
		sum_b = checksum_add(sum_b, b_block, m), size_b += m;
		if (n == 0 && m == 0)
			break;
	}
	printf("same-file: %s %ld bytes checksum %016llx\n", argv[1], size_a, (unsigned long long)sum_a);
	printf("same-file: %s %ld bytes checksum %016llx\n", argv[2], size_b, (unsigned long long)sum_b);
	printf("same-file: %s\n", equal && size_a > 0 ? "the copy is identical" : "THE COPY DIFFERS");
	return equal && size_a > 0 ? 0 : 1;
}
