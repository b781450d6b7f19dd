// Pipes with Linux's pipe(7) semantics: a 64 KiB byte stream (F_SETPIPE_SZ: 4 KiB to 1 MiB) whose pages are
// allocated only while they hold data (poll-many opens thousands of pipes and writes a byte to each); writes
// of up to PIPE_BUF bytes are atomic; a read returns what is there (0 at end-of-file once every writer is gone);
// a write with no reader left fails with EPIPE (Linux also raises SIGPIPE: the caller's business). Readiness
// changes wake the other end's waiters from inside the call that made them.
#pragma once

#include "FileSystem/file.hpp"

namespace kernel {

// pipe2(2): the two ends (each with one reference for the caller), O_NONBLOCK on both when asked. EINVAL for
// flags other than O_CLOEXEC (the installer's business), O_NONBLOCK and O_DIRECT (packet mode: accepted, but
// the pipe stays a byte stream); ENOMEM.
Result<void> pipe_create(uint32_t flags, File **read_end, File **write_end);

// F_GETPIPE_SZ / F_SETPIPE_SZ on either end (EBADF... callers check the kind: EINVAL for non-pipes here).
Result<long> pipe_get_size(File *file);
// Rounds size up to a power-of-two number of pages (at least one); EINVAL above 1 MiB, EBUSY when the pipe
// holds more than the new size. Returns the new size.
Result<long> pipe_set_size(File *file, uint64_t size);

} // namespace kernel
