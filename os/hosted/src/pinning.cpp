// Pinning program memory (host.h rp_host_pin_user): the memory of IORING_SETUP_NO_MMAP rings and of provided-
// buffer rings the program allocated, which the shim keeps using for as long as the ring lives.
//
// Linux pins the pages (pin_user_pages with FOLL_WRITE | FOLL_LONGTERM): set-up fails with -EFAULT when any page
// of the range is missing or read-only, and the kernel keeps working on the pinned pages even after the program
// unmaps them. A process cannot pin its own anonymous pages, but it can give them a second name: the OS moves the
// range into a memfd (copying what is there, then mapping the memfd over the program's range with MAP_FIXED, so
// the program sees the same bytes at the same addresses) and keeps an alias mapping of the memfd for the shim.
// When the program unmaps or remaps its range, the alias and its pages stay. A second pin of memory already
// moved (two buffer rings in one page, a ring registered again) aliases the same memfd, found by the inode
// /proc/self/maps shows for the range, so every view stays one set of pages.
//
// fork: the program's view is a MAP_SHARED mapping of the memfd, which a child would share with its parent, so
// the child's malloc writing the heap around a buffer ring laid in heap memory would rewrite the parent's heap
// (and the reverse). Linux copies pinned anonymous pages into the child at fork; here the child's fork handler
// gives every program view still mapping a memfd of this file a private copy-on-write mapping of the same
// bytes, so each process's writes stay its own, and the pins (the shim's views) stay the parent's pages.
//
// What differs from Linux: the contents are
// copied at pin time, so a write another thread makes to the range during io_uring_setup/register may be
// lost; the range keeps read and write permission only (PROT_EXEC, if it had it, is dropped). Memory that
// cannot or must not be moved (huge pages, which a 4 KiB memfd mapping cannot split; shared mappings of the
// program's own, which other processes may map too) is checked the same way but used in place: such a range
// must stay mapped while the ring uses it.
#include "internal.hpp"

#include <ringport/hosted_os.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <vector>

namespace ringport::hosted {

namespace {

// A memfd holding moved program pages; pins alias it.
struct Backing {
	int fd;
	uint64_t dev, ino;
	unsigned refs;
};

std::mutex g_pin_lock; // guards g_backings, g_aliases and serialises moves
std::vector<Backing*>* g_backings;
// The shim's views (pins' aliases) of moved pages: a forked child keeps them shared, as the ring's pages.
struct Alias {
	uintptr_t lo, hi;
};
std::vector<Alias>* g_aliases;

struct MapsEntry {
	uint64_t lo = 0, hi = 0, off = 0, dev = 0, ino = 0;
	bool shared = false;
};

// Reads /proc/self/maps straight from the kernel (the glue's interposers are not the OS's to call).
bool read_maps(std::string& text)
{
	int fd = int(sys(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return false;
	char buf[8192];
	for (;;) {
		long n = sys(SYS_read, fd, buf, sizeof buf);
		if (n <= 0)
			break;
		text.append(buf, size_t(n));
	}
	sys(SYS_close, fd);
	return !text.empty();
}

// 0 when every page of [start, end) is mapped readable and writable, else -EFAULT. *only is the entry that
// covers the whole range when one does; *movable says every piece is private memory of ordinary pages.
int survey(uint64_t start, uint64_t end, MapsEntry* only, bool* single, bool* movable)
{
	*movable = true;
	std::string text;
	if (!read_maps(text))
		return -EFAULT;
	uint64_t cur = start;
	*single = false;
	size_t pos = 0;
	while (cur < end && pos < text.size()) {
		size_t eol = text.find('\n', pos);
		if (eol == std::string::npos)
			eol = text.size();
		std::string line = text.substr(pos, eol - pos);
		pos = eol + 1;
		unsigned long lo, hi, off, ino;
		unsigned maj, min;
		char perms[8];
		int name_at = 0;
		if (sscanf(line.c_str(), "%lx-%lx %7s %lx %x:%x %lu %n", &lo, &hi, perms, &off, &maj, &min, &ino,
		           &name_at) < 7)
			continue;
		if (hi <= cur)
			continue;
		if (lo > cur || perms[0] != 'r' || perms[1] != 'w')
			return -EFAULT; // a hole, or a page the program could not write either
		// The shim's own memory (libc-glue/src/private_heap.cpp names it) is the kernel's memory as far as the
		// program is concerned: Linux answers -EFAULT for a ring laid over kernel addresses.
		const char* name = name_at ? line.c_str() + name_at : "";
		if (std::string_view(name).starts_with("[anon:ringport-private]"))
			return -EFAULT;
		// A memfd this file made for an earlier pin, since let go, is private to the program: it moves again.
		bool ours = std::string_view(name).starts_with("/memfd:ringport-pinned");
		if ((perms[3] != 'p' && !ours) || std::strstr(name, "huge"))
			*movable = false;
		if (cur == start && hi >= end) {
			*single = true;
			only->lo = lo;
			only->hi = hi;
			only->off = off;
			only->dev = makedev(maj, min);
			only->ino = ino;
			only->shared = perms[3] == 's';
		}
		cur = hi;
	}
	return cur >= end ? 0 : -EFAULT;
}

Backing* find_backing(const MapsEntry& e)
{
	if (!g_backings)
		return nullptr;
	for (Backing* b : *g_backings)
		if (b->ino == e.ino && b->dev == e.dev)
			return b;
	return nullptr;
}

void drop_backing(Backing* b)
{
	if (--b->refs)
		return;
	sys(SYS_close, b->fd);
	for (auto it = g_backings->begin(); it != g_backings->end(); ++it)
		if (*it == b) {
			g_backings->erase(it);
			break;
		}
	delete b;
}

void forget_alias(void* a)
{
	if (!g_aliases)
		return;
	for (auto it = g_aliases->begin(); it != g_aliases->end(); ++it)
		if (it->lo == uintptr_t(a)) {
			g_aliases->erase(it);
			return;
		}
}

// In a forked child: every mapping of a moved-pages memfd that is not one of the shim's views is the program's
// view, and becomes a private copy of what it shows (MAP_PRIVATE of the same file offset: copy on write), as
// Linux gives a child copies of pinned pages. The lock may look held by a parent thread that is not here.
void pins_after_fork_child()
{
	new (&g_pin_lock) std::mutex;
	if (!g_backings || g_backings->empty())
		return;
	std::string text;
	if (!read_maps(text))
		return;
	size_t pos = 0;
	while (pos < text.size()) {
		size_t eol = text.find('\n', pos);
		if (eol == std::string::npos)
			eol = text.size();
		std::string line = text.substr(pos, eol - pos);
		pos = eol + 1;
		unsigned long lo, hi, off, ino;
		unsigned maj, min;
		char perms[8];
		if (sscanf(line.c_str(), "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perms, &off, &maj, &min, &ino) < 7 ||
		    perms[3] != 's')
			continue;
		MapsEntry e;
		e.dev = makedev(maj, min);
		e.ino = ino;
		Backing* b = find_backing(e);
		if (!b)
			continue;
		bool alias = false;
		if (g_aliases)
			for (const Alias& a : *g_aliases)
				alias = alias || (lo < a.hi && a.lo < hi);
		if (alias)
			continue;
		int prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0);
		(void)os_mmap(reinterpret_cast<void*>(lo), size_t(hi - lo), prot, MAP_PRIVATE | MAP_FIXED, b->fd, off_t(off));
	}
}

void remember_alias(void* a, size_t size)
{
	static std::once_flag hook;
	std::call_once(hook, [] { pthread_atfork(nullptr, nullptr, pins_after_fork_child); });
	if (!g_aliases)
		g_aliases = new (std::nothrow) std::vector<Alias>;
	if (g_aliases)
		g_aliases->push_back({uintptr_t(a), uintptr_t(a) + size});
}

} // namespace

} // namespace ringport::hosted

struct rp_os_pin {
	ringport::hosted::Backing* backing;
	void* alias;
	size_t size;
};

using namespace ringport::hosted;

extern "C" int rp_os_pin_user(uint64_t addr, uint64_t len, rp_os_pin** out, void** view)
{
	const uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
	if (!addr || !len || addr + len < addr)
		return -EFAULT;
	const uint64_t start = addr & ~(page - 1);
	const uint64_t end = (addr + len + page - 1) & ~(page - 1);
	const size_t size = size_t(end - start);
	// The embedding's private memory (user_memory.cpp): Linux's answer for a ring laid over kernel addresses,
	// found without /proc (survey below also knows it by name, where the kernel names mappings).
	if (private_overlaps(addr, len))
		return -EFAULT;
	std::lock_guard<std::mutex> g(g_pin_lock);
	MapsEntry e;
	bool single = false, movable = true;
	if (int err = survey(start, end, &e, &single, &movable); err)
		return err;
	auto* pin = new (std::nothrow) rp_os_pin{nullptr, nullptr, size};
	if (!pin)
		return -ENOMEM;
	// (A private mapping of one of the memfds is a forked child's copy of its view: moved anew.)
	Backing* moved = single && e.shared ? find_backing(e) : nullptr;
	if (!moved && !movable) {
		*out = pin; // checked, used in place (no alias: unpin has nothing to unmap)
		*view = reinterpret_cast<void*>(addr);
		return 0;
	}
	if (moved) {
		// Already moved: one more view of the same pages, at the range's offset in the memfd.
		void* a = os_mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, moved->fd,
		                  off_t(e.off + (start - e.lo)));
		if (a == MAP_FAILED) {
			delete pin;
			return -ENOMEM;
		}
		++moved->refs;
		pin->backing = moved;
		pin->alias = a;
		remember_alias(a, size);
	} else {
		if (!g_backings)
			g_backings = new (std::nothrow) std::vector<Backing*>;
		auto* b = new (std::nothrow) Backing{-1, 0, 0, 1};
		if (!g_backings || !b) {
			delete b;
			delete pin;
			return -ENOMEM;
		}
		int fd = int(sys(SYS_memfd_create, "ringport-pinned", MFD_CLOEXEC));
		struct stat st {};
		void* a = MAP_FAILED;
		bool ok = fd >= 0 && sys(SYS_ftruncate, fd, size) == 0 && sys(SYS_fstat, fd, &st) == 0;
		if (ok)
			a = os_mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ok = a != MAP_FAILED;
		// The program's bytes, read without trusting them (another thread may have unmapped them meanwhile).
		int err = ok ? copy_in(a, start, size) : -ENOMEM;
		// The memfd takes the program's place: same addresses, same bytes, now with a second name.
		if (!err && os_mmap(reinterpret_cast<void*>(start), size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		                    0) == MAP_FAILED)
			err = -ENOMEM;
		if (err) {
			if (a != MAP_FAILED)
				os_munmap(a, size);
			if (fd >= 0)
				sys(SYS_close, fd);
			delete b;
			delete pin;
			return err;
		}
		b->fd = fd;
		b->dev = st.st_dev;
		b->ino = st.st_ino;
		g_backings->push_back(b);
		pin->backing = b;
		pin->alias = a;
		remember_alias(a, size);
	}
	*out = pin;
	*view = static_cast<char*>(pin->alias) + (addr - start);
	return 0;
}

extern "C" void rp_os_unpin_user(rp_os_pin* pin)
{
	if (!pin)
		return;
	std::lock_guard<std::mutex> g(g_pin_lock);
	if (pin->backing) {
		forget_alias(pin->alias);
		os_munmap(pin->alias, pin->size);
		drop_backing(pin->backing);
	}
	delete pin;
}
