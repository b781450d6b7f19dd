// The shim's bookkeeping memory (host.h rp_host_alloc) for the hosted build: a heap of its own, out of the
// program's malloc heap.
//
// Why: the shim shares the program's address space. Were its state in the program's heap, a program bug that
// Linux survives (a dangling pointer to a freed block, a provided-buffer ring, registered buffer or READ aimed at
// memory the program gave back) would land in the shim's rings, requests and buffer lists whenever malloc
// handed that block to the shim, and a later enter would crash or lose completions; on Linux the same writes
// hit only the program's own memory, the kernel's being out of reach. Here the shim's memory is never memory the
// program held. It is carved from address space reserved for it (16 MiB first, doubling; PROT_NONE until
// used) and never given back, so an address that was the shim's never becomes the program's and one the
// program frees or unmaps never becomes the shim's (short of a new reservation landing on it). Every piece
// carved (1 MiB slabs of small blocks, each large block) has an inaccessible guard page on both sides, so an
// overrun from a neighbouring mapping faults instead of reaching it. The glue refuses the reservations as
// ring, buffer-ring and registered-buffer memory and as the target or source of the shim's copies to and from
// the program (-EFAULT, as Linux answers for kernel addresses: host_hosted.cpp); where the kernel can name
// memory they show as "[anon:ringport-private]" in /proc/self/maps. The hosted OS keeps the table of them
// (rp_os_add_private_range) and refuses them as the buffer, string or structure of any operation, and as
// memory to pin (os/hosted/src/user_memory.cpp, pinning.cpp).
//
// Sizes are rounded to powers of two from 64 to 64 KiB (one free list each, carved from the slabs); larger
// blocks are page multiples carved on their own, whose pages go back to the kernel when freed while the
// range waits, inaccessible, for the next large block that fits (the shim passes the size back to
// rp_host_free, so no header is needed). Under AddressSanitizer free and unused bytes are poisoned and each
// block has a red zone after it, so the fuzzers still see the shim overrun or reuse its memory; the pieces
// are LeakSanitizer root regions (the shim's structures hold the only pointers to some heap objects of the
// OS).
#include "glue_internal.hpp"

#include <ringport/hosted_os.h>
#include <ringport/shim/host.h>

#include <cstring>
#include <new>
#include <sys/mman.h>

extern "C" void __asan_poison_memory_region(void const volatile* addr, size_t size) __attribute__((weak));
extern "C" void __asan_unpoison_memory_region(void const volatile* addr, size_t size) __attribute__((weak));
extern "C" void __lsan_register_root_region(const void* p, size_t size) __attribute__((weak));
extern "C" void __lsan_unregister_root_region(const void* p, size_t size) __attribute__((weak));

namespace ringport::glue {

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kMinBlock = 64;
constexpr unsigned kClasses = 11; // 64 B .. 64 KiB
constexpr size_t kMaxSmall = kMinBlock << (kClasses - 1);
constexpr size_t kSlabBytes = size_t(1) << 20;
constexpr size_t kRedZone = 32; // under ASan only
constexpr size_t kFirstReserve = size_t(16) << 20;

struct FreeBlock {
	FreeBlock* next;
};

// A large block given back: its pages released, its addresses kept for the next large block that fits.
struct FreeRange {
	uint8_t* lo;
	size_t usable;
	FreeRange* next;
};

// Address space reserved for the heap (PROT_NONE until carved) is never unmapped: an address that was the
// shim's never becomes the program's, and one the program gives back only becomes the shim's if a new
// reservation happens to land on it. Each reservation is announced to the hosted OS (rp_os_add_private_range),
// which keeps the one table of them: the OS refuses program buffers there, and so does the glue
// (private_heap_overlaps). A new reservation is asked for right below the last one, where the kernel's
// top-down placement tends to put it anyway, so they merge into one range and the check stays one compare.
uintptr_t g_lowest; // the lowest reservation's start (0: none yet)

// One lock for the whole heap: the shim allocates rarely on its fast paths (request chunks are recycled).
// A std::mutex, so ThreadSanitizer sees the hand-over of a block from the thread that freed it to the next.
std::mutex g_heap_lock;
FreeBlock* g_free[kClasses];
FreeRange* g_free_large;
uint8_t* g_slab_next; // bump pointer into the current slab
uint8_t* g_slab_end;
uint8_t* g_res_next; // bump pointer into the current reservation (each piece carved has a guard page before it)
uint8_t* g_res_end;
size_t g_next_reserve = kFirstReserve;

bool under_asan() { return __asan_poison_memory_region != nullptr; }
void poison(const void* p, size_t n)
{
	if (__asan_poison_memory_region)
		__asan_poison_memory_region(p, n);
}
void unpoison(const void* p, size_t n)
{
	if (__asan_unpoison_memory_region)
		__asan_unpoison_memory_region(p, n);
}

// Reserves at least `need` more bytes of address space (PROT_NONE, so it costs no memory and faults if
// touched). Straight to the kernel: the glue's mmap interposer (ring fds) is the program's entry point.
// Under a low RLIMIT_AS the usual reservation may not fit: then just what is needed.
bool reserve(size_t need)
{
	long m = -ENOMEM;
	size_t size = 0;
	for (size_t want : {g_next_reserve > need ? g_next_reserve : need, need}) {
		size = want;
		// A hint only (no MAP_FIXED): taken when that space is free, else the kernel picks.
		const long hint = g_lowest > want ? long(g_lowest - want) : 0;
		m = raw_syscall(SYS_mmap, hint, long(size), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (!(m < 0 && m > -4096))
			break;
	}
	if (m < 0 && m > -4096)
		return false;
	// PR_SET_VMA / PR_SET_VMA_ANON_NAME (Linux 5.17 with CONFIG_ANON_VMA_NAME): "[anon:ringport-private]" in
	// /proc/self/maps, for people and for os/hosted/src/pinning.cpp; without it nothing else changes.
	raw_syscall(SYS_prctl, 0x53564d41, 0, m, long(size), long("ringport-private"));
	if (size == g_next_reserve && g_next_reserve < (size_t(1) << 30))
		g_next_reserve *= 2; // few reservations, so the address checks stay short
	g_res_next = reinterpret_cast<uint8_t*>(m);
	g_res_end = g_res_next + size;
	if (!g_lowest || uintptr_t(m) < g_lowest)
		g_lowest = uintptr_t(m);
	// Before any of it is carved: the OS refuses it from now on.
	rp_os_add_private_range(uint64_t(m), uint64_t(m) + size);
	return true;
}

unsigned class_of(size_t n)
{
	unsigned c = 0;
	while ((kMinBlock << c) < n)
		++c;
	return c;
}

// The bytes a request of `size` occupies: its red zone under ASan included.
size_t footprint(size_t size) { return (size ? size : 1) + (under_asan() ? kRedZone : 0); }
size_t large_usable(size_t need) { return (need + kPage - 1) & ~(kPage - 1); }

// A small block back on its free list. Lock held.
void free_small_locked(void* ptr, size_t size)
{
	const unsigned c = class_of(footprint(size));
	poison(ptr, kMinBlock << c);
	auto* b = static_cast<FreeBlock*>(ptr);
	unpoison(b, sizeof(FreeBlock));
	b->next = g_free[c];
	poison(b, sizeof(FreeBlock));
	g_free[c] = b;
}

// `usable` bytes (a multiple of the page) made readable and writable, with at least one PROT_NONE page on
// each side (the one before is carved with it; the one after is the next piece's, or the reservation's rest
// or end). Lock held. nullptr when out of memory.
uint8_t* carve(size_t usable)
{
	for (FreeRange** at = &g_free_large; *at; at = &(*at)->next)
		if ((*at)->usable >= usable) {
			FreeRange* f = *at;
			*at = f->next;
			uint8_t* p = f->lo;
			free_small_locked(f, sizeof(*f));
			// The rest of a bigger range stays PROT_NONE for good (the block's size is what its free says).
			if (raw_syscall(SYS_mprotect, long(p), long(usable), PROT_READ | PROT_WRITE) != 0)
				return nullptr;
			return p;
		}
	const size_t piece = kPage + usable + kPage;
	if (size_t(g_res_end - g_res_next) < piece && !reserve(piece))
		return nullptr;
	uint8_t* p = g_res_next + kPage;
	if (raw_syscall(SYS_mprotect, long(p), long(usable), PROT_READ | PROT_WRITE) != 0)
		return nullptr;
	g_res_next += kPage + usable; // the next piece's guard page is this one's trailing guard
	return p;
}

// A small block; *reused says whether it held data before (a fresh slab's blocks are still the kernel's zero
// pages, untouched).
void* alloc_small(unsigned c, bool* reused)
{
	const size_t block = kMinBlock << c;
	if (FreeBlock* b = g_free[c]) {
		unpoison(b, sizeof(FreeBlock));
		g_free[c] = b->next;
		*reused = true;
		return b;
	}
	*reused = false;
	if (size_t(g_slab_end - g_slab_next) < block) {
		uint8_t* slab = carve(kSlabBytes);
		if (!slab)
			return nullptr;
		if (__lsan_register_root_region)
			__lsan_register_root_region(slab, kSlabBytes);
		poison(slab, kSlabBytes);
		g_slab_next = slab; // what was left of the old slab (too little for this block) is abandoned
		g_slab_end = slab + kSlabBytes;
	}
	void* p = g_slab_next; // 64-byte aligned (host.h): slabs are page aligned and every class a multiple of 64
	g_slab_next += block;
	return p;
}

} // namespace

bool private_heap_overlaps(uint64_t addr, uint64_t len) { return rp_os_private_overlaps(addr, len) != 0; }

// fork: the heap lock is taken last before fork (tasks.cpp before_fork) so no other thread holds it in the
// child, whose copy is made anew first thing.
void private_heap_fork_prepare() { g_heap_lock.lock(); }
void private_heap_fork_parent() { g_heap_lock.unlock(); }
void private_heap_fork_child() { new (&g_heap_lock) std::mutex; }

} // namespace ringport::glue

using namespace ringport::glue;

extern "C" {

void* rp_host_alloc(size_t size)
{
	const size_t need = footprint(size);
	void* p;
	// Only a block that held data is cleared: everything else is pages the kernel hands out zeroed (fresh
	// slabs and large blocks; a large block's reused range had its pages released on free), and writing
	// zeros there would make every page of a big table resident at once, where calloc leaves them untouched
	// until used (a 4096-entry ring's tables are mostly never touched).
	bool reused = false;
	{
		std::lock_guard<std::mutex> g(g_heap_lock);
		if (need <= kMaxSmall) {
			p = alloc_small(class_of(need), &reused);
		} else {
			p = carve(large_usable(need));
			if (p && __lsan_register_root_region)
				__lsan_register_root_region(p, large_usable(need));
		}
	}
	if (!p)
		return nullptr;
	unpoison(p, size ? size : 1);
	if (reused)
		std::memset(p, 0, size ? size : 1);
	return p;
}

void rp_host_free(void* ptr, size_t size)
{
	if (!ptr)
		return;
	const size_t need = footprint(size);
	if (need > kMaxSmall) {
		const size_t usable = large_usable(need);
		if (__lsan_unregister_root_region)
			__lsan_unregister_root_region(ptr, usable);
		// The pages go back to the kernel and the range becomes a guard until a large block reuses it; the
		// free-list entry lives in the shim's small blocks.
		raw_syscall(SYS_madvise, long(ptr), long(usable), MADV_DONTNEED);
		raw_syscall(SYS_mprotect, long(ptr), long(usable), PROT_NONE);
		std::lock_guard<std::mutex> g(g_heap_lock);
		bool reused;
		auto* f = static_cast<FreeRange*>(alloc_small(class_of(footprint(sizeof(FreeRange))), &reused));
		if (!f)
			return; // out of memory even for that: the range stays a guard for good
		unpoison(f, sizeof(*f));
		*f = FreeRange{static_cast<uint8_t*>(ptr), usable, g_free_large};
		g_free_large = f;
		return;
	}
	std::lock_guard<std::mutex> g(g_heap_lock);
	free_small_locked(ptr, size);
}

} // extern "C"
