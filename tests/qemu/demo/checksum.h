/* FNV-1a over 64 bits: a checksum the demo's two programs agree on, printed so a reader can compare. */
#include <stddef.h>
#include <stdint.h>

static inline uint64_t checksum_start(void) { return 0xcbf29ce484222325ull; }

static inline uint64_t checksum_add(uint64_t sum, const unsigned char *data, size_t size)
{
	for (size_t i = 0; i < size; i++)
		sum = (sum ^ data[i]) * 0x100000001b3ull;
	return sum;
}
