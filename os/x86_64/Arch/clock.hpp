// Time: the PIT's channel 0 ticks at 1 kHz (IRQ 0: timeouts, and the latest wake-up of an idle wait), the TSC
// (calibrated against PIT channel 2) gives CLOCK_MONOTONIC in ns, the CMOS RTC read at boot anchors
// CLOCK_REALTIME. Platform's now_ns and wait_for_event live here.
#pragma once

#include <stdint.h>

namespace kernel::clock {

void init();
// IRQ 0: counts the tick (Tasks/ is told, for test timeouts).
void tick(bool from_user); // from_user: the tick interrupted user mode
// Milliseconds since boot on the monotonic clock.
uint64_t monotonic_ms();
uint64_t tsc_hz();

} // namespace kernel::clock
