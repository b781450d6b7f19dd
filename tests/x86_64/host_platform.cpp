// Platform/platform.hpp over libc, so the portable subsystems' unit tests run on Linux (host_platform.hpp says
// what tests can control). Single-threaded like the kernel's part 1; nothing here is thread-safe.
#include "host_platform.hpp"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

namespace kernel {

struct Process {
	int unused;
};

// A run is a memfd mapped once as the kernel's view, so that a MAP_FIXED mapping of it elsewhere (the shim's
// pinning of program memory) can be a second view of the very same pages, as in the kernel.
struct PageRun {
	void *memory;
	size_t size;
	unsigned references;
	int fd;
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
uint64_t host_file_size_limit = UINT64_MAX; // RLIMIT_FSIZE
int host_last_signal;                        // what signal_current sent last (0: none)
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
		munmap(run->memory, run->size);
		close(run->fd);
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
bool signal_pending() { return false; } // the host tests send no signals

uint64_t file_size_limit() { return host_file_size_limit; }
void signal_current(int signal) { host_last_signal = signal; }

// The host has one thread and no children: nothing can wake a futex or exit as a child.
long wait_child_info(uint32_t idtype, uint64_t, uint64_t, uint32_t options)
{
	if (idtype > 2 || !(options & (2 | 4 | 8))) // P_ALL/P_PID/P_PGID; one of WSTOPPED, WEXITED, WCONTINUED
		return -EINVAL;
	return -ECHILD;
}
long futex_wait(uint64_t address, uint32_t expected, uint64_t deadline_ns, uint32_t, bool)
{
	uint32_t value;
	if (copy_from_user(&value, address, sizeof value))
		return -EFAULT;
	if (value != expected)
		return -EAGAIN;
	while (deadline_ns == no_deadline || now_ns(1) < deadline_ns) {
		if (stop_flag)
			return -EINTR;
		wait_for_event(deadline_ns);
		if (deadline_ns == no_deadline)
			return -EINTR; // nobody can wake it: a test sees an interrupted wait instead of a hang
	}
	return -ETIMEDOUT;
}
struct FutexPark;
namespace {
long wake_parked(uint64_t address, uint32_t count, uint32_t bitset);
}
long futex_wake(uint64_t address, uint32_t count, uint32_t bitset, bool)
{
	uint32_t value;
	if (copy_from_user(&value, address, sizeof value))
		return -EFAULT;
	return wake_parked(address, count, bitset ? bitset : ~0u);
}
long futex_waitv(uint64_t, uint32_t count, uint64_t) { return count == 0 || count > 128 ? -EINVAL : -EAGAIN; }

// Parked futex waits and child watches (the native ring's FUTEX and WAITPID): a list of each, woken by the
// test through futex_wake and host::child_exits.
struct FutexPark {
	FutexPark *next;
	uint64_t address[128];
	uint32_t count, bitset;
	ParkWoken woken;
	void *context;
	bool queued;
};
struct ChildWatch {
	ChildWatch *next;
	ParkWoken woken;
	void *context;
};
namespace {
FutexPark *parks;
ChildWatch *watches;
struct HostChild {
	int pid;
	bool exited;
	int code;
};
HostChild children[8];
unsigned child_count;

void unqueue(FutexPark *park)
{
	for (FutexPark **p = &parks; *p; p = &(*p)->next)
		if (*p == park) {
			*p = park->next;
			break;
		}
	park->queued = false;
}
long wake_parked(uint64_t address, uint32_t count, uint32_t bitset)
{
	long woken = 0;
	for (FutexPark *park = parks, *next; park && uint32_t(woken) < count; park = next) {
		next = park->next;
		if (!(park->bitset & bitset))
			continue;
		for (uint32_t i = 0; i < park->count; i++)
			if (park->address[i] == address) {
				unqueue(park);
				park->woken(park->context, i);
				woken++;
				break;
			}
	}
	return woken;
}
} // namespace

long futex_park(uint64_t address, uint32_t expected, uint32_t bitset, bool, ParkWoken woken, void *context,
                FutexPark **out)
{
	uint32_t value;
	if (address % 4)
		return -EINVAL;
	if (copy_from_user(&value, address, sizeof value))
		return -EFAULT;
	if (value != expected)
		return -EAGAIN;
	auto *park = static_cast<FutexPark *>(calloc(1, sizeof(FutexPark)));
	if (!park)
		return -ENOMEM;
	park->address[0] = address;
	park->count = 1;
	park->bitset = bitset ? bitset : ~0u;
	park->woken = woken;
	park->context = context;
	park->next = parks;
	park->queued = true;
	parks = park;
	*out = park;
	return 0;
}

long futex_park_vector(uint64_t user_entries, uint32_t count, ParkWoken woken, void *context, FutexPark **out)
{
	struct Entry {
		uint64_t value, address;
		uint32_t flags, reserved;
	};
	if (count == 0 || count > 128)
		return -EINVAL;
	auto *park = static_cast<FutexPark *>(calloc(1, sizeof(FutexPark)));
	if (!park)
		return -ENOMEM;
	long result = 0;
	for (uint32_t i = 0; i < count && result == 0; i++) {
		Entry e;
		uint32_t value;
		if (copy_from_user(&e, user_entries + i * sizeof e, sizeof e))
			result = -EFAULT;
		else if ((e.flags & ~(2u | 128u)) || (e.flags & 3) != 2 || e.reserved || e.value > 0xFFFFFFFFull ||
		         e.address % 4)
			result = -EINVAL;
		else if (copy_from_user(&value, e.address, sizeof value))
			result = -EFAULT;
		else if (value != uint32_t(e.value))
			result = -EAGAIN;
		park->address[i] = e.address;
	}
	if (result < 0) {
		free(park);
		return result;
	}
	park->count = count;
	park->bitset = ~0u;
	park->woken = woken;
	park->context = context;
	park->next = parks;
	park->queued = true;
	parks = park;
	*out = park;
	return 0;
}

void futex_unpark(FutexPark *park)
{
	if (!park)
		return;
	if (park->queued)
		unqueue(park);
	free(park);
}

ChildWatch *watch_children(ParkWoken woken, void *context)
{
	auto *watch = static_cast<ChildWatch *>(calloc(1, sizeof(ChildWatch)));
	if (!watch)
		return nullptr;
	watch->woken = woken;
	watch->context = context;
	watch->next = watches;
	watches = watch;
	return watch;
}

void unwatch_children(ChildWatch *watch)
{
	for (ChildWatch **w = &watches; *w; w = &(*w)->next)
		if (*w == watch) {
			*w = watch->next;
			break;
		}
	free(watch);
}

long try_wait_child_info(uint32_t idtype, uint64_t id, uint64_t user_info, uint32_t options)
{
	if (idtype > 2 || !(options & (2 | 4 | 8)))
		return -EINVAL;
	bool any = false;
	for (unsigned i = 0; i < child_count; i++) {
		HostChild &c = children[i];
		if (idtype == 1 && uint64_t(c.pid) != id)
			continue;
		any = true;
		if (!c.exited)
			continue;
		int32_t info[32] = {};
		info[0] = 17; // SIGCHLD
		info[2] = 1;  // CLD_EXITED
		info[4] = c.pid;
		info[5] = 1000;
		info[6] = c.code;
		if (user_info && copy_to_user(user_info, info, sizeof info))
			return -EFAULT;
		children[i] = children[--child_count]; // reaped
		return 0;
	}
	return any ? -EAGAIN : -ECHILD;
}

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
	int fd = memfd_create("host-page-run", MFD_CLOEXEC);
	void *memory = MAP_FAILED;
	if (fd >= 0 && ftruncate(fd, off_t(size)) == 0)
		memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	auto *run = static_cast<PageRun *>(malloc(sizeof(PageRun)));
	if (memory == MAP_FAILED || !run) {
		if (memory != MAP_FAILED)
			munmap(memory, size);
		if (fd >= 0)
			close(fd);
		free(run);
		return nullptr;
	}
	*run = {memory, size, 1, fd};
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
	// One address space on the host: the "user" address is the kernel's view, unless MAP_FIXED names another
	// page-aligned address, which gets a second view of the run's memfd there (replacing what was mapped).
	uint64_t address = reinterpret_cast<uint64_t>(run->memory) + offset;
	if (mapping_count == sizeof mappings / sizeof mappings[0])
		return Error(ENOMEM);
	if ((flags & map_fixed) && user_address != address) {
		if (user_address % page_size)
			return Error(EINVAL);
		void *at = mmap(reinterpret_cast<void *>(user_address), length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		                run->fd, off_t(offset));
		if (at == MAP_FAILED)
			return Error(ENOMEM);
		address = user_address;
	}
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
			// A second view (MAP_FIXED over test memory) becomes plain private memory again, so whatever owned
			// those addresses before (the test's heap) still finds them mapped.
			if (m.address != reinterpret_cast<uint64_t>(run->memory) &&
			    (m.address < reinterpret_cast<uint64_t>(run->memory) ||
			     m.address >= reinterpret_cast<uint64_t>(run->memory) + run->size))
				mmap(reinterpret_cast<void *>(m.address), m.length, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
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

void set_file_size_limit(uint64_t limit) { host_file_size_limit = limit; }
int last_signal() { return host_last_signal; }

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

void add_child(int pid)
{
	if (child_count < 8)
		children[child_count++] = HostChild{pid, false, 0};
}

void child_exits(int pid, int code)
{
	for (unsigned i = 0; i < child_count; i++)
		if (children[i].pid == pid) {
			children[i].exited = true;
			children[i].code = code;
		}
	for (ChildWatch *w = watches; w; w = w->next)
		w->woken(w->context, 0);
}

size_t parked_futex_waits()
{
	size_t n = 0;
	for (FutexPark *p = parks; p; p = p->next)
		n++;
	return n;
}

size_t child_watch_count()
{
	size_t n = 0;
	for (ChildWatch *w = watches; w; w = w->next)
		n++;
	return n;
}

void reset()
{
	child_count = 0;
	disarm_faults();
	clear_console();
	stop_flag = false;
	fd_table = nullptr;
	files_limit = 1024;
	host_file_size_limit = UINT64_MAX;
	host_last_signal = 0;
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
