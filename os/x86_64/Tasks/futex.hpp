// Futexes: the one sleep/wake primitive user space builds its locks on, reached through Linux's futex(2)
// (202), futex_waitv (449) and the native ring's RP_OP_FUTEX. A futex is keyed by (address space, address)
// when private to a process, and by physical address when the word lies in shared memory (a MAP_SHARED
// mapping or ring memory, the same frames in every process that maps them), so processes sharing a page meet
// on the same key. Waits are interruptible: a kill or a deliverable signal ends them with -EINTR.
#pragma once

#include <stdint.h>

#include "Platform/platform.hpp" // futex_wait, futex_wake, futex_waitv

namespace kernel {

// Platform declares futex_wait (sleeps while the word equals expected: 0 when woken, -EAGAIN when the word
// differs, -ETIMEDOUT, -EINTR, -EFAULT, -EINVAL for a misaligned word), futex_wake (how many woken) and
// futex_waitv (the woken entry's index; -EAGAIN when a word differs).

// FUTEX_CMP_REQUEUE / FUTEX_REQUEUE: wakes up to wake_count on address, moves up to requeue_count of the rest
// to address2. check: compare *address with expected first (-EAGAIN when it differs).
long futex_requeue(uint64_t address, uint64_t address2, uint32_t wake_count, uint32_t requeue_count, bool check,
                   uint32_t expected, bool is_private);

} // namespace kernel
