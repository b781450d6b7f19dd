// The 8259 PIC pair, remapped to vectors 0x20-0x2F (the CPU's exceptions own 0-31). Only IRQ 0 (the PIT) is
// unmasked: the serial ports are polled.
#pragma once

#include <stdint.h>

namespace kernel::pic {

inline constexpr uint8_t vector_base = 0x20;
void init();
void end_of_interrupt(unsigned irq);
// IRQ 7 and 15 also arrive spuriously; true when the in-service register says this one is not real.
bool spurious(unsigned irq);

} // namespace kernel::pic
