// PageRun internals for the address-space code (Platform declares the public part): each VMA that maps a run
// holds one reference.
#pragma once

#include <stdint.h>

#include "Platform/platform.hpp"

namespace kernel {

void page_run_hold(PageRun *run);
void page_run_drop(PageRun *run);
uint64_t page_run_physical(const PageRun *run);

} // namespace kernel
