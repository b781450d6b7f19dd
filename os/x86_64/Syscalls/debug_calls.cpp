// A temporary console write for the kernel's own smoke programs (tests/x86_64/programs) while the ring
// executor does not serve RP_OP_WRITE yet. Not part of the ABI: nothing else may use it.
#include "Library/errno.hpp"
#include "Syscalls/calls.hpp"
#include "Platform/platform.hpp"

namespace kernel {

long sys_debug_write(uint64_t address, uint64_t length)
{
	char chunk[256];
	uint64_t done = 0;
	while (done < length) {
		uint64_t n = length - done < sizeof chunk ? length - done : sizeof chunk;
		if (copy_from_user(chunk, address + done, n))
			return done ? static_cast<long>(done) : -EFAULT;
		console_write(chunk, n);
		done += n;
	}
	return static_cast<long>(done);
}

} // namespace kernel
