// Futexes: the one sleep/wake primitive user space builds its locks on, reached through Linux's futex(2)
// (202), futex_waitv (449) and the native ring's RP_OP_FUTEX. A futex is keyed by (address space, address)
// when private to a process, and by physical address when the word lies in shared memory (a MAP_SHARED
// mapping or ring memory, the same frames in every process that maps them), so processes sharing a page meet
// on the same key. Waits are interruptible: a kill or a deliverable signal ends them with -EINTR.
#pragma once

#include <stdint.h>

namespace kernel {

// Sleeps while the 32-bit word at address equals expected, until a wake matching bitset (0: all), the
// absolute CLOCK_MONOTONIC deadline (-ETIMEDOUT), or an interruption (-EINTR). -EAGAIN when the word differs,
// -EFAULT, -EINVAL (misaligned).
long futex_wait(uint64_t address, uint32_t expected, uint64_t deadline_ns, uint32_t bitset, bool is_private);
// Wakes up to count waiters whose bitset meets bitset: how many, or -EFAULT/-EINVAL.
long futex_wake(uint64_t address, uint32_t count, uint32_t bitset, bool is_private);
// FUTEX_CMP_REQUEUE / FUTEX_REQUEUE: wakes up to wake_count on address, moves up to requeue_count of the rest
// to address2. check: compare *address with expected first (-EAGAIN when it differs).
long futex_requeue(uint64_t address, uint64_t address2, uint32_t wake_count, uint32_t requeue_count, bool check,
                   uint32_t expected, bool is_private);
// futex_waitv: entries[count] as struct futex_waitv in user memory. The index of the entry woken, -EAGAIN
// when a word differs, -ETIMEDOUT, -EINTR, -EFAULT, -EINVAL.
long futex_waitv(uint64_t user_entries, uint32_t count, uint64_t deadline_ns);

} // namespace kernel
