// The OS's private fds: descriptors the hosted OS and its embedding keep for themselves, kept out of the
// program's way. On Linux none of io_uring's machinery takes a descriptor of the program's; here the epoll
// instance, eventfds, timerfds, ring memory and held files must live in the process's one fd table. So:
//
// - they are made above the program's soft RLIMIT_NOFILE when the hard limit allows: the soft limit is
//   raised for the moment of the call (under one lock), the fd moved to the first free number at or above
//   the old limit with F_DUPFD, and the limit put back. A program at its fd limit can still make a ring's
//   internals and its own numbers are never taken; fds above the limit do not count against it (Linux
//   limits fd numbers, not their count). With soft == hard they go to the top quarter of the range instead.
// - they are recorded in a bitmap, so that the libc glue can refuse the program's close, close_range, dup2
//   and dup3 on them (EBADF: an fd the program never had), and a sweep that closes every fd it did not open
//   (closefrom, close_range, a close() loop) leaves the OS working.
#include "internal.hpp"

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <mutex>
#include <new>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>

namespace ringport::hosted {

namespace {

// Linux's default fs.nr_open: no fd number reaches it unless the administrator raised it. Fds beyond are
// simply not recorded (they stay the program's business, as before).
constexpr int kMaxFd = 1 << 20;
std::atomic<uint64_t> g_bits[kMaxFd / 64]; // zero pages until a bit is set: 128 KiB of address space
std::atomic<int> g_highest{-1};            // highest fd ever recorded: bounds the scans

// Serialises the raise-and-restore of the soft limit. Not held across fork (the fork handlers of the glue
// make private fds themselves, and prepare handlers run in an order this file does not choose): a child
// gets a fresh lock instead, and the program's limit back if the fork came while another thread had it raised.
std::mutex g_limit_mu;
rlimit g_limit_before{};    // the program's limit, while raised
bool g_limit_raised = false; // under g_limit_mu (the child reads its copy, single-threaded)
// The program's limit as last seen (under g_limit_mu), so that making a private fd costs no system call to
// read it: with soft == hard (nothing to raise) only the F_DUPFD runs. It only places fds, so a stale value is
// safe: the bitmap, not the number, keeps the program's hands off them. A program that lowered its limit makes
// F_DUPFD fail with EINVAL at the old target, and adopt() reads the limit again and retries; one that raised
// it gets our fds lower in its range until the next read (every kRefreshEvery adoptions). Raising and
// restoring swap the old value out in the same prlimit64, so the limit the program set is never lost.
rlimit g_limit_seen{};
bool g_limit_known = false;
unsigned g_adoptions = 0;
constexpr unsigned kRefreshEvery = 256;

int set_limit(const rlimit* in);

void install_fork_handlers()
{
	static std::once_flag once;
	std::call_once(once, [] {
		pthread_atfork(nullptr, nullptr, [] {
			new (&g_limit_mu) std::mutex;
			if (g_limit_raised) {
				(void)set_limit(&g_limit_before);
				g_limit_raised = false;
			}
		});
	});
}

void mark(int fd)
{
	if (fd < 0 || fd >= kMaxFd)
		return;
	g_bits[fd / 64].fetch_or(uint64_t(1) << (fd % 64), std::memory_order_release);
	int h = g_highest.load(std::memory_order_relaxed);
	while (fd > h && !g_highest.compare_exchange_weak(h, fd, std::memory_order_relaxed)) {
	}
}

void unmark(int fd)
{
	if (fd < 0 || fd >= kMaxFd)
		return;
	g_bits[fd / 64].fetch_and(~(uint64_t(1) << (fd % 64)), std::memory_order_release);
}

int get_limit(rlimit* out) { return int(linux_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, long(out))); }
int set_limit(const rlimit* in) { return int(linux_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, long(in), 0)); }
// Sets *in and reads what it replaced, in one call.
int swap_limit(const rlimit* in, rlimit* was)
{
	return int(linux_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, long(in), long(was)));
}
bool same(const rlimit& a, const rlimit& b) { return a.rlim_cur == b.rlim_cur && a.rlim_max == b.rlim_max; }

// Raises the soft limit while alive, when the hard limit leaves room; `base` is the program's soft limit.
class LimitRaise {
public:
	LimitRaise()
	{
		install_fork_handlers();
		g_limit_mu.lock();
		if (!g_limit_known || ++g_adoptions % kRefreshEvery == 0)
			read_limit();
		raise();
	}
	~LimitRaise()
	{
		restore();
		g_limit_mu.unlock();
	}
	LimitRaise(const LimitRaise&) = delete;
	LimitRaise& operator=(const LimitRaise&) = delete;

	// The program's limit changed under the cached value: read it again and redo the raise.
	void reread()
	{
		restore();
		read_limit();
		raise();
	}

	rlim_t base = 0;    // the program's soft limit
	bool above = false; // the window above it is open

private:
	void read_limit()
	{
		g_limit_known = get_limit(&g_limit_seen) == 0;
		if (!g_limit_known)
			g_limit_seen.rlim_cur = g_limit_seen.rlim_max = 0;
	}
	void raise()
	{
		// At most twice: a second time only when the program changed its limit since it was read.
		for (int attempt = 0; attempt < 2; ++attempt) {
			above = false;
			old_ = g_limit_seen;
			base = old_.rlim_cur;
			if (!g_limit_known || old_.rlim_max <= old_.rlim_cur)
				return;
			// Room for every private fd there is, plus a margin: the window above the limit only holds ours.
			rlim_t top = old_.rlim_cur;
			int h = g_highest.load(std::memory_order_relaxed);
			if (h >= 0 && rlim_t(h) + 1 > top)
				top = rlim_t(h) + 1;
			raised_ = old_;
			raised_.rlim_cur = top + 64 > old_.rlim_max ? old_.rlim_max : top + 64;
			rlimit was{};
			if (swap_limit(&raised_, &was) != 0)
				return;
			if (same(was, old_)) {
				g_limit_before = old_;
				g_limit_raised = above = true;
				return;
			}
			// The program set another limit since we looked: put its value back and work from that.
			(void)set_limit(&was);
			g_limit_seen = was;
		}
	}
	void restore()
	{
		if (!above)
			return;
		// Put the program's limit back, unless the program changed it meanwhile (its value wins).
		rlimit now{};
		if (swap_limit(&old_, &now) == 0 && !same(now, raised_)) {
			(void)set_limit(&now);
			g_limit_seen = now;
		}
		g_limit_raised = above = false;
	}

	rlimit old_{}, raised_{};
};

// Where a private fd goes: the first free number at or above this (-1: anywhere).
long target_of(const LimitRaise& lim)
{
	if (lim.above)
		return long(lim.base);
	if (lim.base > 64)
		return long(lim.base - lim.base / 4); // the top quarter of the program's range
	return -1;
}

// F_DUPFD_CLOEXEC of fd at the private fds' place: the new fd, or -errno. A limit lowered since it was read
// (EINVAL: the target is past it) is read again once.
long dup_to_place(LimitRaise& lim, int fd)
{
	long target = target_of(lim);
	if (target <= 0 || target >= kMaxFd)
		return -EINVAL;
	long moved = linux_syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, target);
	if (moved == -EINVAL) {
		lim.reread();
		target = target_of(lim);
		if (target <= 0 || target >= kMaxFd)
			return -EINVAL;
		moved = linux_syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, target);
	}
	return moved;
}

// Moves a just-made fd out of the program's numbers and records it. Returns the fd to use.
int adopt(LimitRaise& lim, int fd)
{
	long target = target_of(lim);
	if (target > 0 && fd < target) {
		long moved = dup_to_place(lim, fd);
		if (moved >= 0) {
			linux_syscall(SYS_close, fd);
			fd = int(moved);
		}
	}
	mark(fd);
	return fd;
}

} // namespace

int make_private_fds(int* fds, int count, long (*make)(int i, void* ctx), void* ctx)
{
	LimitRaise lim;
	for (int i = 0; i < count; ++i) {
		long r = make(i, ctx);
		if (r < 0) {
			for (int j = 0; j < i; ++j) {
				unmark(fds[j]);
				linux_syscall(SYS_close, fds[j]);
				fds[j] = -1;
			}
			return int(r);
		}
		fds[i] = adopt(lim, int(r));
	}
	return 0;
}

bool is_private_fd(int fd)
{
	if (fd < 0 || fd >= kMaxFd)
		return false;
	return g_bits[fd / 64].load(std::memory_order_acquire) & (uint64_t(1) << (fd % 64));
}

} // namespace ringport::hosted

using namespace ringport::hosted;

extern "C" long rp_os_private_syscall(long n, long a, long b, long c)
{
	struct Call {
		long n, a, b, c;
	} call{n, a, b, c};
	int fd = -1;
	int r = make_private_fds(
	    &fd, 1,
	    [](int, void* ctx) {
		    auto* k = static_cast<Call*>(ctx);
		    return ringport::linux_syscall(k->n, k->a, k->b, k->c);
	    },
	    &call);
	return r < 0 ? r : fd;
}

extern "C" int rp_os_private_dup(int fd)
{
	// One F_DUPFD straight to the private fds' place (a duplicate made anywhere and then moved would cost a
	// second fcntl and a close: this runs for every file the shim holds, e.g. each direct-descriptor open).
	LimitRaise lim;
	long r = dup_to_place(lim, fd);
	if (r == -EINVAL || r == -EMFILE)
		r = ringport::linux_syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0); // no room up there: where it can
	if (r < 0)
		return int(r);
	mark(int(r));
	return int(r);
}

extern "C" int rp_os_private_close(int fd) { return close_owned(fd); }

extern "C" int rp_os_is_private_fd(int fd) { return is_private_fd(fd) ? 1 : 0; }

extern "C" int rp_os_next_private_fd(int from)
{
	int h = g_highest.load(std::memory_order_acquire);
	if (from < 0)
		from = 0;
	for (int fd = from; fd <= h && fd < kMaxFd;) {
		uint64_t word = g_bits[fd / 64].load(std::memory_order_acquire) >> (fd % 64);
		if (word)
			return fd + __builtin_ctzll(word);
		fd = (fd / 64 + 1) * 64;
	}
	return -1;
}

namespace ringport::hosted {

int close_owned(int fd)
{
	// The record goes first: once closed, the number may be the program's again.
	unmark(fd);
	return int(linux_syscall(SYS_close, fd));
}

} // namespace ringport::hosted
