// Platform/platform.hpp over libc, so the portable subsystems' unit tests run on Linux (host_platform.hpp says
// what tests can control). Single-threaded like the kernel's part 1; nothing here is thread-safe.
#include "host_platform.hpp"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

namespace kernel {

struct Process {
	int unused;
};

struct PageRun {
	void *memory;
	size_t size;
	unsigned references;
};

namespace {

struct Range {
	uint64_t start, end;
};
Range fault_ranges[16];
size_t fault_range_count;

char *console_buffer;
size_t console_length, console_capacity;

bool stop_flag;
FdTable *fd_table;
uint64_t files_limit = 1024;
void (*wait_hook)(void *);
void *wait_hook_arg;
uint64_t waits;

struct Deferred {
	void (*fn)(void *);
	void *arg;
	Deferred *next;
};
Deferred *deferred_head, *deferred_tail;

struct Mapping {
	uint64_t address;
	size_t length;
	PageRun *run;
};
Mapping mappings[256];
size_t mapping_count;
size_t page_runs;

Process the_process;
void *slots[static_cast<size_t>(ProcessSlot::count)];

// A user range is bad when it wraps, touches the first page (NULL and small offsets from it) or meets an
// armed range.
bool user_range_ok(uint64_t address, size_t size)
{
	if (size == 0)
		return true;
	uint64_t end = address + size;
	if (end < address || address < 4096)
		return false;
	for (size_t i = 0; i < fault_range_count; i++)
		if (address < fault_ranges[i].end && fault_ranges[i].start < end)
			return false;
	return true;
}

void drop_run(PageRun *run)
{
	if (--run->references == 0) {
		free(run->memory);
		free(run);
		page_runs--;
	}
}

} // namespace

void *allocate(size_t size, size_t alignment)
{
	if (alignment < 16)
		alignment = 16;
	size_t rounded = (size + alignment - 1) & ~(alignment - 1);
	void *p = aligned_alloc(alignment, rounded ? rounded : alignment);
	if (p)
		memset(p, 0, rounded);
	return p;
}

void deallocate(void *ptr) { free(ptr); }

int copy_from_user(void *dst, uint64_t user_src, size_t size)
{
	if (!user_range_ok(user_src, size))
		return -EFAULT;
	memcpy(dst, reinterpret_cast<const void *>(user_src), size);
	return 0;
}

int copy_to_user(uint64_t user_dst, const void *src, size_t size)
{
	if (!user_range_ok(user_dst, size))
		return -EFAULT;
	memcpy(reinterpret_cast<void *>(user_dst), src, size);
	return 0;
}

int clear_user(uint64_t user_dst, size_t size)
{
	if (!user_range_ok(user_dst, size))
		return -EFAULT;
	memset(reinterpret_cast<void *>(user_dst), 0, size);
	return 0;
}

int check_user_range(uint64_t user_address, uint64_t length)
{
	return user_range_ok(user_address, length) ? 0 : -EFAULT;
}

long strncpy_from_user(char *dst, uint64_t user_src, size_t size)
{
	// Byte by byte, as the kernel does: a string may end right before an unmapped page.
	for (size_t i = 0; i < size; i++) {
		if (!user_range_ok(user_src + i, 1))
			return -EFAULT;
		dst[i] = *reinterpret_cast<const char *>(user_src + i);
		if (dst[i] == '\0')
			return static_cast<long>(i);
	}
	if (size)
		dst[size - 1] = '\0';
	return -ENAMETOOLONG;
}

uint64_t now_ns(uint32_t clock_id)
{
	if (!valid_clock(clock_id))
		return UINT64_MAX;
	struct timespec ts;
	clock_gettime(static_cast<clockid_t>(clock_id), &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void wait_for_event(uint64_t deadline_ns)
{
	waits++;
	run_deferred();
	if (deferred_head)
		return;
	if (wait_hook) {
		wait_hook(wait_hook_arg);
		return; // the hook played the interrupt
	}
	// Like the kernel's timer: wake up at the next 1 ms tick or at the deadline, whichever is first.
	uint64_t now = now_ns(1);
	uint64_t sleep = 1000000;
	if (deadline_ns != no_deadline && deadline_ns > now && deadline_ns - now < sleep)
		sleep = deadline_ns - now;
	if (deadline_ns != no_deadline && deadline_ns <= now)
		return;
	struct timespec ts = {0, static_cast<long>(sleep)};
	nanosleep(&ts, nullptr);
}

bool stop_requested() { return stop_flag; }

bool defer(void (*fn)(void *arg), void *arg)
{
	auto *d = static_cast<Deferred *>(malloc(sizeof(Deferred)));
	if (!d)
		return false;
	*d = {fn, arg, nullptr};
	if (deferred_tail)
		deferred_tail->next = d;
	else
		deferred_head = d;
	deferred_tail = d;
	return true;
}

void run_deferred()
{
	while (deferred_head) {
		Deferred *d = deferred_head;
		deferred_head = d->next;
		if (!deferred_head)
			deferred_tail = nullptr;
		d->fn(d->arg);
		free(d);
	}
}

PageRun *allocate_page_run(size_t size, void **kernel_address)
{
	if (size == 0 || size % page_size || size > (2u << 20))
		return nullptr;
	void *memory = aligned_alloc(page_size, size);
	auto *run = static_cast<PageRun *>(malloc(sizeof(PageRun)));
	if (!memory || !run) {
		free(memory);
		free(run);
		return nullptr;
	}
	memset(memory, 0, size);
	*run = {memory, size, 1};
	page_runs++;
	*kernel_address = memory;
	return run;
}

void release_page_run(PageRun *run) { drop_run(run); }

size_t page_run_size(const PageRun *run) { return run->size; }

Result<uint64_t> map_page_run(PageRun *run, uint64_t offset, size_t length, uint64_t user_address,
                              uint32_t protections, uint32_t flags)
{
	(void)protections;
	if (length == 0 || offset % page_size || offset > run->size || length > run->size - offset)
		return Error(EINVAL);
	// One address space on the host: the "user" address is the kernel's view. MAP_FIXED elsewhere cannot be
	// honoured here, so it is refused rather than pretended.
	uint64_t address = reinterpret_cast<uint64_t>(run->memory) + offset;
	if ((flags & map_fixed) && user_address != address)
		return Error(EINVAL);
	if (mapping_count == sizeof mappings / sizeof mappings[0])
		return Error(ENOMEM);
	run->references++;
	mappings[mapping_count++] = {address, length, run};
	return address;
}

int unmap_user(uint64_t user_address, size_t length)
{
	if (user_address % page_size || length == 0)
		return -EINVAL;
	uint64_t end = user_address + length;
	for (size_t i = 0; i < mapping_count;) {
		Mapping &m = mappings[i];
		if (m.address >= user_address && m.address + m.length <= end) {
			PageRun *run = m.run;
			m = mappings[--mapping_count];
			drop_run(run);
		} else {
			i++;
		}
	}
	return 0;
}

Process *current_process() { return &the_process; }
FdTable *current_fd_table() { return fd_table; }
uint64_t open_files_limit() { return files_limit; }
void *&process_slot(ProcessSlot slot) { return slots[static_cast<size_t>(slot)]; }

void console_write(const char *text, size_t length)
{
	if (getenv("HOST_PLATFORM_ECHO"))
		fwrite(text, 1, length, stderr);
	if (console_length + length + 1 > console_capacity) {
		size_t capacity = (console_length + length + 1) * 2;
		auto *grown = static_cast<char *>(realloc(console_buffer, capacity));
		if (!grown)
			return;
		console_buffer = grown;
		console_capacity = capacity;
	}
	memcpy(console_buffer + console_length, text, length);
	console_length += length;
	console_buffer[console_length] = '\0';
}

void panic(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	fputs("host platform: kernel panic: ", stderr);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	va_end(args);
	abort();
}

namespace host {

void arm_fault(uint64_t address, size_t size)
{
	if (fault_range_count < sizeof fault_ranges / sizeof fault_ranges[0])
		fault_ranges[fault_range_count++] = {address, address + size};
}
void disarm_faults() { fault_range_count = 0; }
const char *console_output() { return console_buffer ? console_buffer : ""; }
void clear_console()
{
	console_length = 0;
	if (console_buffer)
		console_buffer[0] = '\0';
}
void set_stop_requested(bool stop) { stop_flag = stop; }
void set_fd_table(FdTable *table) { fd_table = table; }
void set_open_files_limit(uint64_t limit) { files_limit = limit; }
void set_wait_hook(void (*hook)(void *), void *arg)
{
	wait_hook = hook;
	wait_hook_arg = arg;
}
uint64_t wait_count() { return waits; }
size_t live_page_runs() { return page_runs; }
size_t live_mappings() { return mapping_count; }

void reset()
{
	disarm_faults();
	clear_console();
	stop_flag = false;
	fd_table = nullptr;
	files_limit = 1024;
	wait_hook = nullptr;
	waits = 0;
	while (deferred_head) {
		Deferred *d = deferred_head;
		deferred_head = d->next;
		free(d);
	}
	deferred_tail = nullptr;
	while (mapping_count)
		unmap_user(mappings[0].address, mappings[0].length);
	for (auto &slot : slots)
		slot = nullptr;
}

} // namespace host
} // namespace kernel
