/*
 * make-file PATH BYTES: writes BYTES of deterministic pseudo-random data to PATH (created or truncated) with
 * plain write(2) calls, which newlib's glue turns into native Write SQEs, and prints the file's checksum.
 * Part of `make run-qemu`: the source file io_uring-cp copies inside the reference kernel.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "checksum.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: make-file PATH BYTES\n");
		return 2;
	}
	long total = atol(argv[2]);
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("make-file: open");
		return 1;
	}
	static unsigned char block[65536];
	uint64_t state = 0x9e3779b97f4a7c15ull, sum = checksum_start();
	for (long done = 0; done < total;) {
		long n = total - done < (long)sizeof block ? total - done : (long)sizeof block;
		for (long i = 0; i < n; i++) {
			state ^= state << 13, state ^= state >> 7, state ^= state << 17;
			block[i] = (unsigned char)state;
		}
		if (write(fd, block, n) != n) {
			perror("make-file: write");
			return 1;
		}
		sum = checksum_add(sum, block, n);
		done += n;
	}
	close(fd);
	printf("make-file: wrote %ld bytes to %s, checksum %016llx\n", total, argv[1], (unsigned long long)sum);
	return 0;
}
