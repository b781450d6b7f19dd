// Controls for the host implementation of Platform/platform.hpp (host_platform.cpp), for the unit tests of
// FileSystem/, Ring/ and Shim/. On the host a "user address" is an ordinary pointer of the test process;
// copies are memcpy, except that the first page and any range a test arms fault (-EFAULT).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "Platform/platform.hpp"

namespace kernel::host {

// Makes copies (and check_user_range) touching [address, address + size) fail with -EFAULT (up to 16
// ranges), and forgets them all.
void arm_fault(uint64_t address, size_t size);
void disarm_faults();

// Everything written with console_write since the last clear (NUL-terminated), and clearing it. Set the
// environment variable HOST_PLATFORM_ECHO=1 to also see console output on stderr.
const char *console_output();
void clear_console();

// What stop_requested() answers (a test simulating a killed process).
void set_stop_requested(bool stop);

// The fd table current_fd_table() returns (nullptr until set).
void set_fd_table(FdTable *table);

// What open_files_limit() answers (1024 until set).
void set_open_files_limit(uint64_t limit);

// What file_size_limit() answers (UINT64_MAX until set), and the last signal signal_current() sent (0: none
// since reset).
void set_file_size_limit(uint64_t limit);
int last_signal();

// Called in every wait_for_event, before it sleeps: lets a test play "an interrupt arrived" (make a pipe
// readable, advance a fake event...). nullptr to remove.
void set_wait_hook(void (*hook)(void *arg), void *arg);
// How many times wait_for_event ran.
uint64_t wait_count();

// Page runs allocated and not yet freed (leak checks), and how many mappings map_page_run holds.
size_t live_page_runs();
size_t live_mappings();

// Children for try_wait_child_info (up to 8, reaped by it): a live child, and its exit with code, which tells
// every watch_children watcher.
void add_child(int pid);
void child_exits(int pid, int code);
// Futex waits parked with futex_park* and not yet woken or unparked; live watch_children registrations.
size_t parked_futex_waits();
size_t child_watch_count();

// Resets everything above (and the process slots, deferred queue) between tests.
void reset();

} // namespace kernel::host
