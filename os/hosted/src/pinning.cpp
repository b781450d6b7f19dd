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
// What differs from Linux: the program's view becomes a MAP_SHARED mapping, so after fork the child shares
// those pages with its parent (Linux gives a child private copies of pinned anonymous pages); the contents are
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

std::mutex g_pin_lock; // guards g_backings and serialises moves
std::vector<Backing*>* g_backings;

struct MapsEntry {
	uint64_t lo = 0, hi = 0, off = 0, dev = 0, ino = 0;
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
		if (std::strncmp(name, "[anon:ringport-private]", 23) == 0)
			return -EFAULT;
		// A memfd this file made for an earlier pin, since let go, is private to the program: it moves again.
		bool ours = std::strncmp(name, "/memfd:ringport-pinned", 22) == 0;
		if ((perms[3] != 'p' && !ours) || std::strstr(name, "huge"))
			*movable = false;
		if (cur == start && hi >= end) {
			*single = true;
			only->lo = lo;
			only->hi = hi;
			only->off = off;
			only->dev = makedev(maj, min);
			only->ino = ino;
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
	std::lock_guard<std::mutex> g(g_pin_lock);
	MapsEntry e;
	bool single = false, movable = true;
	if (int err = survey(start, end, &e, &single, &movable); err)
		return err;
	auto* pin = new (std::nothrow) rp_os_pin{nullptr, nullptr, size};
	if (!pin)
		return -ENOMEM;
	Backing* moved = single ? find_backing(e) : nullptr;
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
		os_munmap(pin->alias, pin->size);
		drop_backing(pin->backing);
	}
	delete pin;
}
