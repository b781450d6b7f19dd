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

// Raises the soft limit while alive, when the hard limit leaves room; `base` is the program's soft limit.
class LimitRaise {
public:
	LimitRaise()
	{
		install_fork_handlers();
		g_limit_mu.lock();
		if (get_limit(&old_) < 0) {
			old_.rlim_cur = old_.rlim_max = 0;
			return;
		}
		base = old_.rlim_cur;
		if (old_.rlim_max <= old_.rlim_cur)
			return;
		// Room for every private fd there is, plus a margin: the window above the limit only holds ours.
		rlim_t top = old_.rlim_cur;
		int h = g_highest.load(std::memory_order_relaxed);
		if (h >= 0 && rlim_t(h) + 1 > top)
			top = rlim_t(h) + 1;
		rlim_t want = top + 64 > old_.rlim_max ? old_.rlim_max : top + 64;
		raised_ = old_;
		raised_.rlim_cur = want;
		g_limit_before = old_;
		g_limit_raised = above = set_limit(&raised_) == 0;
	}
	~LimitRaise()
	{
		if (above) {
			// Put the program's limit back, unless the program changed it meanwhile (its value wins).
			rlimit now{};
			if (get_limit(&now) == 0 && now.rlim_cur == raised_.rlim_cur && now.rlim_max == raised_.rlim_max)
				(void)set_limit(&old_);
			g_limit_raised = false;
		}
		g_limit_mu.unlock();
	}
	LimitRaise(const LimitRaise&) = delete;
	LimitRaise& operator=(const LimitRaise&) = delete;

	rlim_t base = 0;    // the program's soft limit
	bool above = false; // the window above it is open

private:
	rlimit old_{}, raised_{};
};

// Moves a just-made fd out of the program's numbers and records it. Returns the fd to use.
int adopt(const LimitRaise& lim, int fd)
{
	long target;
	if (lim.above)
		target = long(lim.base);
	else if (lim.base > 64)
		target = long(lim.base - lim.base / 4); // the top quarter of the program's range
	else
		target = -1;
	if (target > 0 && target < kMaxFd && fd < target) {
		long moved = linux_syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, target);
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
