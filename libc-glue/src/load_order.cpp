// Makes the dynamic loader's binding order certain: libringport's ring-fd aware close/mmap/poll/epoll/...
// must be the definitions a program's references bind to, or a ring fd handled by libc's own close or
// epoll_wait goes wrong silently (a stale fd table entry; an eventfd nobody arms, so epoll never wakes).
//
// The loader binds each reference to the first definition in the global scope: the executable, LD_PRELOAD
// objects, then the executable's DT_NEEDED entries breadth first. A program linked with -lringport names it
// before libc (libc comes last on every link line), but one linked with only -luring (meson's and pkg-config's
// dynamic default) reaches libringport through liburing.so.2, one level deeper than libc: libc then wins.
//
// Repair: at load time this constructor asks the loader which definition the global scope gives for each
// interposed name. When libc's wins, the program is executed again, unchanged (same /proc/self/exe, same
// argv, same environment), with libringport in LD_PRELOAD, which puts it ahead of every DT_NEEDED object.
// That happens before any of the program's own code has run (constructors run dependencies first, and
// libringport depends only on libc and libstdc++). The original LD_PRELOAD is put back in the re-executed
// process, so its children start as they would have. If even that does not help (LD_PRELOAD is ignored for
// set-user-ID programs), the program stops with a message instead of running with ring fds libc does not know.
//
// A libringport loaded later by dlopen cannot be repaired this way (the program is running): it says so once
// on stderr and goes on; liburing's own calls still reach the shim, a program's libc calls on ring fds do not.
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "glue_internal.hpp"

extern char** environ;

namespace ringport::glue {
namespace {

// The interposed libc names whose binding decides whether ring fds work (the exec family and fcntl64 and
// mmap64 follow the same objects).
constexpr const char* kInterposed[] = {"close", "close_range", "closefrom", "read",       "write",
                                       "dup",   "dup2",        "dup3",      "fcntl",      "mmap",
                                       "munmap", "poll",       "ppoll",     "epoll_ctl",  "epoll_wait",
                                       "epoll_pwait", "syscall", "execve"};

// Marker in the environment of a process this constructor re-executed: its value is the LD_PRELOAD the
// process had before ("-" for none), to be restored.
constexpr const char kReexecVar[] = "RINGPORT_REEXEC";

// A loaded object's dynamic string table. glibc relocates the d_ptr entries of writable dynamic sections in
// place; a read-only one (the vDSO's) still holds the link-time value, an offset from the load address.
const char* dyn_strtab(const link_map* m)
{
	for (const ElfW(Dyn)* d = m->l_ld; d && d->d_tag != DT_NULL; ++d)
		if (d->d_tag == DT_STRTAB) {
			ElfW(Addr) a = d->d_un.d_ptr;
			return reinterpret_cast<const char*>(a < m->l_addr ? a + m->l_addr : a);
		}
	return nullptr;
}

const char* soname_of(const link_map* m)
{
	const char* str = dyn_strtab(m);
	for (const ElfW(Dyn)* d = m->l_ld; str && d && d->d_tag != DT_NULL; ++d)
		if (d->d_tag == DT_SONAME)
			return str + d->d_un.d_val;
	const char* slash = std::strrchr(m->l_name, '/');
	return slash ? slash + 1 : m->l_name;
}

// True when `self` is in the executable's DT_NEEDED closure, i.e. it was loaded at start-up (before main),
// not by a dlopen of the running program.
bool loaded_at_startup(const link_map* self)
{
	const link_map* head = _r_debug.r_map; // the executable first, then every object in load order
	if (!head)
		return false;
	std::vector<const link_map*> all, reached;
	for (const link_map* m = head; m; m = m->l_next)
		all.push_back(m);
	reached.push_back(head);
	for (size_t i = 0; i < reached.size(); ++i) {
		const link_map* m = reached[i];
		const char* str = dyn_strtab(m);
		for (const ElfW(Dyn)* d = m->l_ld; str && d && d->d_tag != DT_NULL; ++d) {
			if (d->d_tag != DT_NEEDED)
				continue;
			const char* want = str + d->d_un.d_val;
			for (const link_map* o : all) {
				if (std::strcmp(soname_of(o), want) != 0)
					continue;
				bool seen = false;
				for (const link_map* r : reached)
					seen = seen || r == o;
				if (!seen)
					reached.push_back(o);
			}
		}
	}
	for (const link_map* r : reached)
		if (r == self)
			return true;
	return false;
}

void say(const char* msg)
{
	// stderr without stdio: this runs before the program's main and must not touch its buffers.
	raw_syscall(SYS_write, 2, long(msg), long(std::strlen(msg)));
}

// Executes /proc/self/exe again with the same argv and libringport first in LD_PRELOAD. Returns on failure.
void reexec_preloaded(const char* self_path)
{
	std::string cmdline;
	int fd = int(raw_syscall(SYS_open, long("/proc/self/cmdline"), O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return;
	char buf[4096];
	for (;;) {
		long n = raw_syscall(SYS_read, fd, long(buf), sizeof buf);
		if (n <= 0)
			break;
		cmdline.append(buf, size_t(n));
	}
	raw_syscall(SYS_close, fd);
	std::vector<char*> argv;
	for (size_t i = 0; i < cmdline.size(); i += std::strlen(&cmdline[i]) + 1)
		argv.push_back(&cmdline[i]);
	argv.push_back(nullptr);

	const char* old = std::getenv("LD_PRELOAD");
	std::string preload = std::string("LD_PRELOAD=") + self_path + (old && *old ? std::string(":") + old : "");
	std::string marker = std::string(kReexecVar) + "=" + (old ? old : "-");
	std::vector<char*> envp;
	for (char** e = environ; e && *e; ++e)
		if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0 && std::strncmp(*e, "RINGPORT_REEXEC=", 16) != 0)
			envp.push_back(*e);
	envp.push_back(preload.data());
	envp.push_back(marker.data());
	envp.push_back(nullptr);
	raw_syscall(SYS_execve, long("/proc/self/exe"), long(argv.data()), long(envp.data()));
}

__attribute__((constructor)) void make_binding_order_certain()
{
	Dl_info me{};
	link_map* self = nullptr;
	if (!dladdr1(reinterpret_cast<void*>(&make_binding_order_certain), &me, reinterpret_cast<void**>(&self),
	             RTLD_DL_LINKMAP) ||
	    !self || !me.dli_fname)
		return;
	void* libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	void* own = dlopen(me.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	bool libc_wins = false;
	for (const char* name : kInterposed) {
		void* bound = dlsym(RTLD_DEFAULT, name);
		// Only libc winning is a problem: a program (or a preloaded tool) that defines the name itself
		// chose to.
		if (own && libc && bound != dlsym(own, name) && bound == dlsym(libc, name))
			libc_wins = true;
	}
	if (own)
		dlclose(own);
	if (libc)
		dlclose(libc);

	const char* reexec = std::getenv(kReexecVar);
	if (!libc_wins) {
		if (reexec) {
			// Re-executed and now first: give the program (and its children) back its own LD_PRELOAD.
			if (std::strcmp(reexec, "-") == 0)
				unsetenv("LD_PRELOAD");
			else
				setenv("LD_PRELOAD", reexec, 1);
			unsetenv(kReexecVar);
		}
		return;
	}
	if (!loaded_at_startup(self)) {
		say("libringport: loaded by dlopen after libc: the program's own close/mmap/poll/epoll calls on io_uring "
		    "fds do not reach the shim (link -lringport or run it with `ringport run`)\n");
		return;
	}
	if (!reexec) {
		char path[PATH_MAX];
		if (realpath(me.dli_fname, path))
			reexec_preloaded(path);
	}
	say("libringport: the dynamic loader binds libc's close/mmap/poll/epoll before libringport's and running "
	    "the program again with libringport in LD_PRELOAD did not change that (a set-user-ID program?); "
	    "stopping rather than letting io_uring fds reach libc. Link with -lringport before libc, or use "
	    "`ringport run`.\n");
	raw_syscall(SYS_exit_group, 127);
}

} // namespace
} // namespace ringport::glue
