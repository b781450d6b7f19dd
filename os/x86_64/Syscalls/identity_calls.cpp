// User and group ids (everyone is uid/gid 1000: not root, so SQPOLL and root-only subtests skip as on an
// unprivileged Linux account) and resource limits (RLIMIT_NOFILE 1024/1024, the rest unlimited; FileSystem/
// caps its fd table at the same 1024).
#include "Library/errno.hpp"
#include "Syscalls/calls.hpp"
#include "Tasks/process.hpp"

namespace kernel {
namespace {

constexpr uint64_t nofile = 7, nr_open = 1048576; // Linux's default fs.nr_open caps RLIMIT_NOFILE

long set_limit(unsigned resource, const ResourceLimit &wanted)
{
	ResourceLimit &limit = current()->limits[resource];
	if (wanted.soft > wanted.hard)
		return -EINVAL;
	if (wanted.hard > limit.hard)
		return -EPERM; // raising a hard limit needs CAP_SYS_RESOURCE
	if (resource == nofile && wanted.hard > nr_open)
		return -EPERM;
	limit = wanted;
	return 0;
}

} // namespace

long sys_getuid() { return 1000; }

long sys_getrlimit(uint64_t resource, uint64_t user_limit)
{
	if (resource >= resource_limit_count)
		return -EINVAL;
	return copy_to_user(user_limit, &current()->limits[resource], sizeof(ResourceLimit));
}

long sys_setrlimit(uint64_t resource, uint64_t user_limit)
{
	if (resource >= resource_limit_count)
		return -EINVAL;
	ResourceLimit wanted;
	if (copy_from_user(&wanted, user_limit, sizeof wanted))
		return -EFAULT;
	return set_limit(static_cast<unsigned>(resource), wanted);
}

long sys_prlimit64(uint64_t pid, uint64_t resource, uint64_t user_new, uint64_t user_old)
{
	if (pid != 0 && static_cast<int>(pid) != current()->pid)
		return -ESRCH;
	if (resource >= resource_limit_count)
		return -EINVAL;
	ResourceLimit wanted{};
	if (user_new && copy_from_user(&wanted, user_new, sizeof wanted))
		return -EFAULT;
	ResourceLimit old = current()->limits[resource];
	if (user_new) {
		long r = set_limit(static_cast<unsigned>(resource), wanted);
		if (r)
			return r;
	}
	if (user_old && copy_to_user(user_old, &old, sizeof old))
		return -EFAULT;
	return 0;
}

} // namespace kernel
