// What every fuzz harness shares: the sandbox it runs in, the memory it lets the code under test touch, the
// files it hands out, and the decoder that turns fuzzer bytes into values drawn only from those.
//
// The rule the harnesses keep: no byte from the fuzzer ever becomes an address or an fd number directly. Every
// pointer an op may dereference is either inside the arena this header owns (whose layout is below) or in a
// known-unmapped place (below 4096, the arena's PROT_NONE guards, the kernel half, non-canonical values); every
// fd is one this header opened for the current input, or one that is certainly not open. So a crash is the
// code's, never the harness scribbling on its own heap, and the fuzzer cannot close libFuzzer's stderr, unmap
// ASan's shadow or write outside its private directory.
//
// Sandbox (sandbox_init, once, from LLVMFuzzerInitialize): a new user, network and mount namespace; loopback
// up, no other interface; a private tmpfs (16 MiB) on a fresh mkdtemp directory, which becomes the cwd;
// RLIMIT_FSIZE 64 MiB; SIGPIPE and SIGXFSZ ignored. Paths the harness hands out are single names relative to
// that directory (the data region never holds a '/').
//
// Per input (Input::begin / Input::end): the arena is mapped afresh, the directory tree and the slot fds are
// made again, and afterwards every fd the input's ops created is closed and the tree removed, so an input
// behaves the same alone as in a run (a crash file replays).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern "C" void __sanitizer_symbolize_pc(void* pc, const char* fmt, char* out, size_t out_size);

namespace fuzzenv {

// ---- the fuzzer's bytes ----
struct Bytes {
	const uint8_t* p;
	size_t n;
	bool empty() const { return n == 0; }
	uint8_t u8()
	{
		if (!n)
			return 0;
		--n;
		return *p++;
	}
	uint16_t u16() { return uint16_t(u8() | (u8() << 8)); }
	uint32_t u32() { return uint32_t(u16()) | (uint32_t(u16()) << 16); }
	uint64_t u64() { return uint64_t(u32()) | (uint64_t(u32()) << 32); }
};

// ---- memory ----
// One mapping, fixed for the process, laid out as
//   [guard][data 64 KiB][guard][struct 16 KiB][guard][read-only page][guard]
// data: buffers, path strings, anything an op reads or writes as bytes; never holds a pointer the code under
// test follows, and never a '/'. struct: what the harness builds for pointer-carrying arguments (iovecs,
// msghdrs, futex_waitv, fd arrays, timespecs, registration structs, provided-buffer rings); data pointers
// never point here, so no op can rewrite a pointer the next op follows.
constexpr size_t kPage = 4096;
constexpr size_t kDataSize = 64 * 1024;
constexpr size_t kStructSize = 16 * 1024;
constexpr size_t kArenaSize = kPage + kDataSize + kPage + kStructSize + kPage + kPage + kPage;

struct Arena {
	uint8_t* base = nullptr;
	uint8_t* data = nullptr;
	uint8_t* strct = nullptr;
	uint8_t* rdonly = nullptr;
	size_t bump = 0; // next free byte of the struct region

	// Where the arena lives: low memory (below ASan's shadow, which starts at 2 GiB), where the kernel never puts
	// a mapping nobody asked to have there. An input may unmap part of the arena (RP_OP_MUNMAP), and the hole
	// must not be taken by anyone else: the kernel fills the highest free gap first, so with the arena among
	// the process's other mappings a hole was soon reused by whoever mapped next (ASan's internal allocator,
	// a thread's stack, a native ring, a pin's alias), and the next input's MAP_FIXED arena then replaced that
	// memory with empty pages: corruption no sanitizer could pin on the code under test.
	static constexpr uintptr_t kArenaHome = 0x20000000;
	void map_fresh()
	{
		void* want = base;
		int fixed = MAP_FIXED;
		if (!want) {
			want = reinterpret_cast<void*>(kArenaHome);
			fixed = MAP_FIXED_NOREPLACE;
		}
		void* m = mmap(want, kArenaSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | fixed, -1, 0);
		if (m == MAP_FAILED && fixed == MAP_FIXED_NOREPLACE) // taken (not expected): anywhere, as before
			m = mmap(nullptr, kArenaSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED) {
			perror("fuzz: arena");
			abort();
		}
		base = static_cast<uint8_t*>(m);
		data = base + kPage;
		strct = data + kDataSize + kPage;
		rdonly = strct + kStructSize + kPage;
		mprotect(data, kDataSize, PROT_READ | PROT_WRITE);
		mprotect(strct, kStructSize, PROT_READ | PROT_WRITE);
		mprotect(rdonly, kPage, PROT_READ);
		bump = kPage; // the first struct page is kept for a provided-buffer ring (page aligned)
	}
	bool in_arena(uint64_t a) const { return a >= uint64_t(base) && a < uint64_t(base) + kArenaSize; }
	uint64_t arena_end() const { return uint64_t(base) + kArenaSize; }
	// Struct-region allocation; nullptr when full (the caller then passes a bad pointer instead).
	void* alloc(size_t n, size_t align = 8)
	{
		size_t at = (bump + align - 1) & ~(align - 1);
		if (at + n > kStructSize)
			return nullptr;
		bump = at + n;
		std::memset(strct + at, 0, n);
		return strct + at;
	}
};

// Names laid out at the start of the data region, 64 bytes apart; path arguments mostly pick one of them.
// f0, f1, d0 and l0 exist at the start of every input (l0 -> f0); n0, n1 do not; the long one is too long for a
// name; "user.fz" and "trusted.fz" serve as xattr names.
inline const char* const kNames[] = {"f0", "f1", "d0", "n0", "n1", "l0", "", "user.fz", "trusted.fz", "p0",
                                     nullptr /* 300 x 'a' */};
constexpr unsigned kNameCount = sizeof(kNames) / sizeof(kNames[0]);
constexpr size_t kNameSlot = 64;
constexpr size_t kNamesEnd = 1024; // the long name spills over several slots

// ---- fds ----
enum Slot : unsigned {
	kFile0,    // f0, O_RDWR, 4 KiB of data
	kFile1,    // f1, O_RDONLY
	kDirCwd,   // the sandbox directory, O_DIRECTORY
	kDir0,     // d0
	kPipeR,
	kPipeW,
	kUnixA,    // AF_UNIX stream socketpair
	kUnixB,
	kListen,   // TCP listener on 127.0.0.1
	kTcpConn,  // TCP client connected to it (not yet accepted)
	kUdp,      // UDP on 127.0.0.1, bound
	kEventfd,
	kEpoll,
	kSlotCount
};

struct Sandbox {
	char dir[64] = {};
	bool fds_at_start[4096] = {};
};
inline Sandbox g_sandbox;

inline void write_file(const char* path, const char* text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0) {
		}
		close(fd);
	}
}

inline void loopback_up()
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	struct ifreq ifr {};
	std::strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

// libFuzzer reads its arguments after LLVMFuzzerInitialize, and the sandbox changes the cwd: every relative path
// among them (corpus directories, input files, -artifact_prefix and friends) is
// made absolute first (argv[0] cannot be), and crash files default to the directory the run started in, not the sandbox.
inline void absolute_args(int* argc, char*** argv)
{
	static char cwd[4096];
	if (!argc || !argv || !getcwd(cwd, sizeof(cwd)))
		return;
	int n = *argc;
	// Kept reachable from a static for the life of the process (LeakSanitizer would report it at exit).
	static char** out;
	out = static_cast<char**>(calloc(size_t(n) + 3, sizeof(char*)));
	auto absolute = [](const char* prefix, const char* path) {
		size_t len = strlen(prefix) + strlen(cwd) + strlen(path) + 3;
		char* s = static_cast<char*>(malloc(len));
		snprintf(s, len, "%s%s/%s", prefix, cwd, path);
		return s;
	};
	static const char* const kPathFlags[] = {"-artifact_prefix=", "-exact_artifact_path=", "-dict=",
	                                         "-merge_control_file=", "-features_dir=", "-stop_file="};
	bool has_prefix = false;
	out[0] = (*argv)[0]; // libFuzzer refuses a changed argv[0]: -fork needs the program named by an absolute path
	for (int i = 1; i < n; ++i) {
		char* a = (*argv)[i];
		out[i] = a;
		if (a[0] != '-') {
			if (a[0] != '/')
				out[i] = absolute("", a);
			continue;
		}
		for (const char* f : kPathFlags) {
			size_t fl = strlen(f);
			if (!strncmp(a, f, fl)) {
				has_prefix |= !strcmp(f, "-artifact_prefix=") || !strcmp(f, "-exact_artifact_path=");
				if (a[fl] && a[fl] != '/') {
					char prefix[32];
					snprintf(prefix, sizeof(prefix), "%s", f);
					out[i] = absolute(prefix, a + fl);
				}
			}
		}
	}
	if (!has_prefix)
		out[n++] = absolute("-artifact_prefix=", "");
	// A write past RLIMIT_FSIZE is the code under test's to see as EFBIG (SIGXFSZ is ignored here); libFuzzer
	// would otherwise catch the signal and stop with "file size exceeded".
	out[n++] = strdup("-handle_xfsz=0");
	out[n] = nullptr;
	*argc = n;
	*argv = out;
}

// Once per process, before any thread exists (unshare(CLONE_NEWUSER) requires a single thread).
inline void sandbox_init(int* argc = nullptr, char*** argv = nullptr)
{
	absolute_args(argc, argv);
	uid_t uid = getuid();
	gid_t gid = getgid();
	bool userns = unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) == 0;
	if (userns) {
		char map[64];
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", unsigned(uid));
		write_file("/proc/self/uid_map", map);
		snprintf(map, sizeof(map), "0 %u 1", unsigned(gid));
		write_file("/proc/self/gid_map", map);
	} else if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) {
		fprintf(stderr, "fuzz: cannot make private network and mount namespaces (%s): the harness needs them to "
		                "keep the code under test on loopback and in its own directory; run it as root or "
		                "allow unprivileged user namespaces\n",
		        strerror(errno));
		exit(2);
	}
	loopback_up();
	mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
	const char* tmp = getenv("TMPDIR");
	snprintf(g_sandbox.dir, sizeof(g_sandbox.dir), "%s/ringport-fuzz.XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(g_sandbox.dir) || chdir(g_sandbox.dir) != 0) {
		perror("fuzz: sandbox directory");
		exit(2);
	}
	// A private, size-capped tmpfs: what the ops write cannot fill the machine's disk and vanishes with us.
	if (mount("fuzz", g_sandbox.dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0700") == 0) {
		if (chdir(g_sandbox.dir) != 0) {
			perror("fuzz: chdir");
			exit(2);
		}
	}
	atexit([] {
		// Out of the tmpfs and its (now empty) mount point in the machine's /tmp.
		if (chdir("/") != 0) {
		}
		umount2(g_sandbox.dir, MNT_DETACH);
		rmdir(g_sandbox.dir);
	});
	struct rlimit fsz = {64u << 20, 64u << 20};
	setrlimit(RLIMIT_FSIZE, &fsz);
	struct rlimit nof;
	if (getrlimit(RLIMIT_NOFILE, &nof) == 0 && nof.rlim_cur < 4096 && nof.rlim_max >= 4096) {
		nof.rlim_cur = 4096;
		setrlimit(RLIMIT_NOFILE, &nof);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	// The sanitizers' symbolizer runs as a child reached through pipes it opens on first use: start it now, so
	// its fds are among those open at start-up, which no sweep closes.
	char sym[256];
	__sanitizer_symbolize_pc(reinterpret_cast<void*>(&loopback_up), "%p %F %L", sym, sizeof(sym));
	// fds open now (stdio, libFuzzer's, the symbolizer's) are never swept.
	for (int fd = 0; fd < 4096; ++fd)
		g_sandbox.fds_at_start[fd] = fcntl(fd, F_GETFD) >= 0;
}

// Removes everything below dirfd (no symlink is followed: unlinkat on a link removes the link).
inline void remove_tree(int dirfd)
{
	DIR* d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	while (struct dirent* e = readdir(d)) {
		if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd, e->d_name, 0) == 0)
			continue;
		int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			// A directory an op left unwritable (mkdirat with mode 0) still empties: we own it.
			fchmod(sub, 0700);
			remove_tree(sub);
		}
		unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		rewinddir(d);
	}
	closedir(d);
}

// What an fd of /proc/self/fd names; fds the OS under test keeps for itself (its ring memfds, epoll,
// eventfds, timerfds, pidfds) are anon inodes or memfds and are left to it.
inline bool os_owned(int fd)
{
	char link[32], target[256];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return true;
	target[n] = 0;
	return !std::strncmp(target, "anon_inode:", 11) || !std::strncmp(target, "/memfd:", 7);
}

// Closes what the input's ops opened: files, sockets, pipes (never an fd that was open at start-up).
inline void sweep_fds()
{
	DIR* d = opendir("/proc/self/fd");
	if (!d)
		return;
	int own = dirfd(d);
	int fds[1024];
	int n = 0;
	while (struct dirent* e = readdir(d)) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == own || fd < 0)
			continue;
		if (fd < 4096 && g_sandbox.fds_at_start[fd])
			continue;
		if (n < 1024)
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; ++i)
		if (!os_owned(fds[i]))
			close(fds[i]);
}

// Values that are safe wherever they land: as a pointer they are unmapped for certain, as a number they are
// the edges (0, 1, -1, huge, negative).
inline uint64_t bad_pointer(const Arena& a, uint8_t k)
{
	switch (k % 12) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 4095;
	case 3: return uint64_t(a.base);                  // leading guard
	case 4: return uint64_t(a.data) + kDataSize - 1;  // last data byte: anything longer runs into the guard
	case 5: return uint64_t(a.data) + kDataSize;      // guard after data
	case 6: return uint64_t(a.rdonly);                // read-only: reads work, writes fault
	case 7: return uint64_t(a.rdonly) + kPage;        // trailing guard
	case 8: return 0xffff888000000000ull;             // kernel half
	case 9: return 0x0000800000000000ull;             // first non-canonical
	case 10: return ~0ull;
	default: return 0x8000000000000000ull;
	}
}

struct Input {
	Bytes in;
	Arena& a;
	int fd[kSlotCount] = {};
	int extra_fd = -1; // the io_uring fd, when there is one
	uint16_t tcp_port = 0;

	Input(const uint8_t* d, size_t n, Arena& arena) : in{d, n}, a(arena) {}

	// ---- the per-input world ----
	void begin()
	{
		a.map_fresh();
		// Names, then the data region's bytes: a seed byte spread by a small generator; no '/' anywhere, so a
		// path taken from data is one name inside the sandbox.
		for (unsigned i = 0; i + 1 < kNameCount; ++i)
			std::strcpy(reinterpret_cast<char*>(a.data) + i * kNameSlot, kNames[i]);
		std::memset(a.data + (kNameCount - 1) * kNameSlot, 'a', 300);
		uint32_t x = 0x9e3779b9u ^ in.u8();
		for (size_t i = kNamesEnd; i < kDataSize; ++i) {
			x = x * 1664525u + 1013904223u;
			uint8_t b = uint8_t(x >> 24);
			a.data[i] = b == '/' ? '_' : b;
		}
		write_file("f0", "");
		int f = open("f0", O_WRONLY);
		if (f >= 0) {
			if (write(f, a.data + kNamesEnd, 4096) < 0) {
			}
			close(f);
		}
		write_file("f1", "read only\n");
		mkdir("d0", 0700);
		write_file("d0/f2", "in d0\n");
		if (symlink("f0", "l0") != 0) {
		}
		mkfifo("p0", 0600);

		fd[kFile0] = open("f0", O_RDWR | O_CLOEXEC);
		fd[kFile1] = open("f1", O_RDONLY | O_CLOEXEC);
		fd[kDirCwd] = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fd[kDir0] = open("d0", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int p[2] = {-1, -1};
		if (pipe2(p, O_CLOEXEC) != 0) {
		}
		fd[kPipeR] = p[0];
		fd[kPipeW] = p[1];
		int s[2] = {-1, -1};
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s);
		fd[kUnixA] = s[0];
		fd[kUnixB] = s[1];
		fd[kListen] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in sin {};
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t sl = sizeof(sin);
		if (bind(fd[kListen], reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0 && listen(fd[kListen], 8) == 0 &&
		    getsockname(fd[kListen], reinterpret_cast<sockaddr*>(&sin), &sl) == 0)
			tcp_port = ntohs(sin.sin_port);
		fd[kTcpConn] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(fd[kTcpConn], reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) != 0) {
		}
		fd[kUdp] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		sin.sin_port = 0;
		bind(fd[kUdp], reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
		fd[kEventfd] = eventfd(0, EFD_CLOEXEC);
		fd[kEpoll] = epoll_create1(EPOLL_CLOEXEC);
	}

	// After the code under test let go of everything (its ring is destroyed).
	void end()
	{
		for (int& f : fd)
			if (f >= 0) {
				close(f);
				f = -1;
			}
		sweep_fds();
		remove_tree(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	}

	// ---- decoders ----
	// An fd: one of the input's own, the io_uring fd, or one certainly not open.
	int64_t fd_value()
	{
		uint8_t k = in.u8();
		if (k < 2 * kSlotCount)
			return fd[k % kSlotCount];
		switch (k % 6) {
		case 0: return extra_fd;
		case 1: return -1;
		case 2: return AT_FDCWD;
		case 3: return 100000; // above any fd limit the harness sets
		case 4: return 0x7fffffff;
		default: return extra_fd >= 0 ? extra_fd : fd[kFile0];
		}
	}
	// A directory fd: the two directories, AT_FDCWD, or any fd.
	int64_t dirfd_value()
	{
		uint8_t k = in.u8();
		if (k < 160)
			return (k & 1) ? AT_FDCWD : fd[kDir0];
		if (k < 200)
			return fd[kDirCwd];
		return fd_value();
	}
	// A data pointer: a name, any byte of the data region, or a bad pointer.
	uint64_t data_ptr()
	{
		uint8_t k = in.u8();
		if (k < 112)
			return uint64_t(a.data) + (k % kNameCount) * kNameSlot;
		if (k < 240)
			return uint64_t(a.data) + (in.u16() % kDataSize);
		return bad_pointer(a, k);
	}
	// A number of any size that is also a safe pointer (see bad_pointer), or a data pointer.
	uint64_t value()
	{
		uint8_t k = in.u8();
		if (k < 64)
			return k;
		if (k < 128)
			return in.u16() & 0xfff; // < 4096: never mapped (vm.mmap_min_addr)
		if (k < 160)
			return 0x0000800000000000ull | in.u64() >> 17;   // non-canonical
		if (k < 192)
			return 0xffff800000000000ull | in.u64();          // kernel half, negative as a signed number
		if (k < 224)
			return data_ptr();
		return bad_pointer(a, k);
	}
	uint32_t u32_value()
	{
		uint8_t k = in.u8();
		if (k < 96)
			return k & 31;
		if (k < 160)
			return in.u16();
		if (k < 224)
			return in.u32();
		return k & 1 ? ~0u : 0x80000000u;
	}
	uint8_t* struct_or_null(size_t n) { return static_cast<uint8_t*>(a.alloc(n)); }
	uint64_t ptr_or_bad(void* p) { return p ? uint64_t(p) : bad_pointer(a, in.u8()); }

	// A timespec at most about 2 ms long (or malformed), so nothing an input arms waits for long.
	uint64_t timespec_ptr(bool for_wait = false)
	{
		uint8_t k = in.u8();
		if (!for_wait && k >= 240)
			return bad_pointer(a, k);
		auto* ts = reinterpret_cast<int64_t*>(struct_or_null(16));
		if (!ts)
			return 0;
		ts[0] = 0;
		ts[1] = (k & 7) * 250000; // 0 .. 1.75 ms
		if (!for_wait && k >= 224) {
			ts[0] = (k & 1) ? -1 : 1000000; // negative, or long (ops that never fire are cancelled at teardown)
			ts[1] = (k & 2) ? 1000000000 : 0;
		}
		return uint64_t(ts);
	}
	// An iovec array whose buffers are in the data region (or bad); count entries.
	uint64_t iovec_ptr(uint32_t count)
	{
		uint8_t k = in.u8();
		if (k >= 240)
			return bad_pointer(a, k);
		uint32_t n = count > 16 ? 16 : count;
		auto* v = reinterpret_cast<struct iovec*>(struct_or_null(sizeof(struct iovec) * (n ? n : 1)));
		if (!v)
			return bad_pointer(a, k);
		for (uint32_t i = 0; i < n; ++i) {
			v[i].iov_base = reinterpret_cast<void*>(data_ptr());
			v[i].iov_len = (in.u8() & 0x80) ? in.u32() : in.u16() & 0x1fff;
		}
		return uint64_t(v);
	}
	// A socket address: loopback IPv4 (the listener's port or another), IPv6 loopback, an AF_UNIX name in the
	// sandbox or the abstract namespace, or bytes from the data region. len gets its length.
	uint64_t sockaddr_ptr(uint32_t* len)
	{
		uint8_t k = in.u8();
		auto* sa = reinterpret_cast<uint8_t*>(struct_or_null(128));
		if (!sa || k >= 224) {
			*len = in.u8();
			return data_ptr();
		}
		switch (k % 4) {
		case 0: {
			auto* sin = reinterpret_cast<struct sockaddr_in*>(sa);
			sin->sin_family = AF_INET;
			sin->sin_port = htons((k & 4) ? in.u16() : tcp_port);
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			*len = sizeof(*sin);
			break;
		}
		case 1: {
			auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(sa);
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(in.u16());
			sin6->sin6_addr = in6addr_loopback;
			*len = sizeof(*sin6);
			break;
		}
		case 2: {
			auto* sun = reinterpret_cast<struct sockaddr_un*>(sa);
			sun->sun_family = AF_UNIX;
			std::strcpy(sun->sun_path, (k & 4) ? "u0" : "n0");
			if (k & 8)
				sun->sun_path[0] = 0; // abstract
			*len = sizeof(sa_family_t) + 3;
			break;
		}
		default:
			sa[0] = uint8_t(in.u8() % 48);
			*len = in.u8() % 130;
		}
		if (k & 16)
			*len = in.u8();
		return uint64_t(sa);
	}
	// A msghdr: name, iovecs, and control data that is empty, from the data region (recvmsg fills it) or an
	// SCM_RIGHTS message passing the input's own fds.
	uint64_t msghdr_ptr()
	{
		uint8_t k = in.u8();
		if (k >= 240)
			return bad_pointer(a, k);
		auto* m = reinterpret_cast<struct msghdr*>(struct_or_null(sizeof(struct msghdr)));
		if (!m)
			return bad_pointer(a, k);
		if (k & 1) {
			uint32_t l = 0;
			m->msg_name = reinterpret_cast<void*>(sockaddr_ptr(&l));
			m->msg_namelen = l;
		}
		m->msg_iovlen = in.u8() % 5;
		if (k & 2)
			m->msg_iovlen = in.u32();
		m->msg_iov = reinterpret_cast<struct iovec*>(iovec_ptr(uint32_t(m->msg_iovlen)));
		switch ((k >> 2) % 4) {
		case 1:
			m->msg_control = reinterpret_cast<void*>(data_ptr());
			m->msg_controllen = in.u16() & 0x3ff;
			break;
		case 2: {
			size_t space = CMSG_SPACE(2 * sizeof(int));
			auto* c = struct_or_null(space);
			if (!c)
				break;
			m->msg_control = c;
			m->msg_controllen = space;
			struct cmsghdr* h = CMSG_FIRSTHDR(m);
			h->cmsg_level = SOL_SOCKET;
			h->cmsg_type = SCM_RIGHTS;
			h->cmsg_len = CMSG_LEN(2 * sizeof(int));
			int pass[2] = {int(fd_value()), int(fd_value())};
			std::memcpy(CMSG_DATA(h), pass, sizeof(pass));
			break;
		}
		default:
			break;
		}
		m->msg_flags = int(in.u8() & 3 ? 0 : in.u32());
		return uint64_t(m);
	}
	// A futex_waitv array over words in the data region.
	uint64_t waitv_ptr(uint32_t count)
	{
		uint8_t k = in.u8();
		if (k >= 240)
			return bad_pointer(a, k);
		uint32_t n = count > 8 ? 8 : (count ? count : 1);
		auto* w = reinterpret_cast<uint64_t*>(struct_or_null(24 * n));
		if (!w)
			return bad_pointer(a, k);
		for (uint32_t i = 0; i < n; ++i) {
			w[3 * i] = in.u8() & 0x80 ? in.u32() : 0;
			w[3 * i + 1] = (in.u8() & 7) ? (uint64_t(a.data) + ((in.u16() % kDataSize) & ~3ull)) : data_ptr();
			uint32_t fl = (in.u8() & 7) ? (2u | (in.u8() & 1 ? 128u : 0u)) : in.u32();
			std::memcpy(&w[3 * i + 2], &fl, 4);
		}
		return uint64_t(w);
	}
	// An array of fds (the input's own, -1, -2 = skip, or not open).
	uint64_t fd_array_ptr(uint32_t count)
	{
		uint8_t k = in.u8();
		if (k >= 240)
			return bad_pointer(a, k);
		uint32_t n = count > 32 ? 32 : (count ? count : 1);
		auto* v = reinterpret_cast<int32_t*>(struct_or_null(4 * n));
		if (!v)
			return bad_pointer(a, k);
		for (uint32_t i = 0; i < n; ++i)
			v[i] = (in.u8() & 7) == 7 ? -2 : int32_t(fd_value());
		return uint64_t(v);
	}
	// Plain bytes (open_how, epoll_event, struct statx out, ...): from the data region or the struct region.
	uint64_t bytes_ptr(size_t n)
	{
		uint8_t k = in.u8();
		if (k < 128) {
			auto* p = struct_or_null(n);
			if (p)
				for (size_t i = 0; i < n; ++i)
					p[i] = (k & 1) ? in.u8() : 0;
			return ptr_or_bad(p);
		}
		return data_ptr();
	}

	// madvise advice: anything but the two that poison memory (MADV_HWPOISON, MADV_SOFT_OFFLINE).
	static uint32_t safe_advice(uint32_t adv) { return adv == 100 || adv == 101 ? 4 /* MADV_DONTNEED */ : adv; }
	// A length for an op that acts on address ranges (madvise, munmap, mmap MAP_FIXED): within the arena when
	// the address is in it, at most a page from a low address (munmap(0, 2^46) would take the whole process,
	// ASan's shadow first), anything from a kernel or non-canonical address (refused whatever the length).
	uint64_t clamp_range(uint64_t addr, uint64_t len) const
	{
		if (a.in_arena(addr))
			return len > a.arena_end() - addr ? a.arena_end() - addr : len;
		if (addr < (1ull << 47))
			return len > kPage ? kPage : len;
		return len;
	}
};

} // namespace fuzzenv

// A harness's libFuzzer entry points: the sandbox once, then each input run through RUN(Input&) over ARENA,
// inside Input's per-input begin/end (sweeps, limits).
#define RP_FUZZ_TARGET(RUN, ARENA)                                                                      \
	extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)                                        \
	{                                                                                                  \
		fuzzenv::sandbox_init(argc, argv);                                                             \
		return 0;                                                                                      \
	}                                                                                                  \
	extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)                             \
	{                                                                                                  \
		fuzzenv::Input in(data, size, ARENA);                                                          \
		in.begin();                                                                                    \
		RUN(in);                                                                                       \
		in.end();                                                                                      \
		return 0;                                                                                      \
	}
