// The shim's own memory is out of the program's reach (issue 12: heap corruption "via a provided-buffer ring
// laid over memory the program uses for something else"). On Linux the kernel's state cannot be reached by any
// pointer a program passes; here the shim shares the address space, so its bookkeeping (rp_host_alloc) comes
// from a heap of its own (libc-glue/src/private_heap.cpp): never a block the program freed (a dangling pointer
// of the program's, or an io_uring READ or buffer ring aimed through one, would otherwise rewrite the shim's
// rings, requests and buffer lists), slabs between guard pages, and refused with -EFAULT as ring, buffer-ring,
// registered-buffer or NO_MMAP memory, as Linux refuses kernel addresses.
#include "rp_test.h"

#include "../shim/shim_ring.hpp"

#include <ringport/shim/host.h>

#include <atomic>
#include <cstdio>
#include <pthread.h>
#include <cstdlib>
#include <string>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

using namespace shimtest;

namespace {

constexpr size_t kPage = 4096;

struct Mapping {
	uint64_t lo = 0, hi = 0;
	char perms[8] = {};
	std::string name;
};

// The /proc/self/maps entry holding addr (lo == hi == 0 when none), and its neighbours.
bool find_mapping(uint64_t addr, Mapping* at, Mapping* before, Mapping* after)
{
	FILE* f = fopen("/proc/self/maps", "re");
	assert_non_null(f);
	char line[512];
	Mapping prev;
	bool found = false;
	while (fgets(line, sizeof line, f)) {
		Mapping m;
		int name_at = 0;
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx %7s %*x %*x:%*x %*u %n", &lo, &hi, m.perms, &name_at) < 3)
			continue;
		m.lo = lo;
		m.hi = hi;
		m.name = name_at ? line + name_at : "";
		while (!m.name.empty() && m.name.back() == '\n')
			m.name.pop_back();
		if (found) {
			*after = m;
			break;
		}
		if (addr >= m.lo && addr < m.hi) {
			*at = m;
			*before = prev;
			found = true;
		}
		prev = m;
	}
	fclose(f);
	return found;
}

// Whether this kernel names anonymous mappings (PR_SET_VMA_ANON_NAME), as private_heap.cpp asks it to.
bool kernel_names_mappings()
{
	void* p = mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	bool ok = syscall(SYS_prctl, 0x53564d41, 0, long(p), long(kPage), long("rp-test-probe")) == 0;
	munmap(p, kPage);
	return ok;
}

} // namespace

// Blocks the program freed are never handed to the shim: the program's dangling pointers can only reach its own
// memory. (With the shim's state in malloc's heap, a freed block came back as the shim's next ring or buffer
// list, and a write through the stale pointer, by the program or by an io_uring op aimed with it, corrupted it.)
static void freed_program_blocks_never_become_shim_state(void**)
{
	// As in a program that has set up a ring before: the shim's heap exists.
	rp_host_free(rp_host_alloc(64), 64);
	static const size_t sizes[] = {64, 200, 256, 1000, 4096, 5000, 20000, 70000, 300000};
	constexpr int kEach = 8;
	uintptr_t freed[sizeof sizes / sizeof sizes[0]][kEach];
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s)
		for (int i = 0; i < kEach; ++i) {
			void* p = malloc(sizes[s]);
			assert_non_null(p);
			freed[s][i] = uintptr_t(p);
		}
	for (auto& row : freed)
		for (uintptr_t p : row)
			free(reinterpret_cast<void*>(p));
	void* got[sizeof sizes / sizeof sizes[0]][kEach];
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s)
		for (int i = 0; i < kEach; ++i) {
			got[s][i] = rp_host_alloc(sizes[s]);
			assert_non_null(got[s][i]);
			assert_int_equal(uintptr_t(got[s][i]) % 64, 0);
			for (size_t b = 0; b < sizes[s]; ++b) // zeroed, as host.h promises
				assert_int_equal(static_cast<uint8_t*>(got[s][i])[b], 0);
			memset(got[s][i], 0xa5, sizes[s]); // and wholly writable
		}
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s)
		for (int i = 0; i < kEach; ++i) {
			uintptr_t lo = uintptr_t(got[s][i]), hi = lo + sizes[s];
			for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; ++t)
				for (int j = 0; j < kEach; ++j) {
					uintptr_t flo = freed[t][j], fhi = flo + sizes[t];
					assert_false(lo < fhi && flo < hi);
				}
			Mapping at, before, after;
			assert_true(find_mapping(lo, &at, &before, &after));
			assert_true(at.name != "[heap]");
			assert_string_equal(at.perms, "rw-p");
			// Guard pages on both sides: an overrun of whatever lies next to the slab faults.
			assert_true(before.hi == at.lo && before.perms[0] == '-' && before.perms[1] == '-');
			assert_true(after.lo == at.hi && after.perms[0] == '-' && after.perms[1] == '-');
			if (kernel_names_mappings())
				assert_string_equal(at.name.c_str(), "[anon:ringport-private]");
		}
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s)
		for (int i = 0; i < kEach; ++i)
			rp_host_free(got[s][i], sizes[s]);
	// Freed shim blocks are reused by the shim, zeroed again.
	void* again = rp_host_alloc(200);
	assert_non_null(again);
	for (size_t b = 0; b < 200; ++b)
		assert_int_equal(static_cast<uint8_t*>(again)[b], 0);
	rp_host_free(again, 200);
}

// A provided-buffer ring, registered buffers or a NO_MMAP ring aimed at the shim's memory: -EFAULT, as Linux
// answers for kernel memory. (Before, the shim moved the page, heap neighbours and all, into a memfd and wrote
// buffer heads and CQEs into it.)
static void rings_and_buffers_over_shim_memory_are_efault(void**)
{
	auto* block = static_cast<uint8_t*>(rp_host_alloc(6 * kPage));
	assert_non_null(block);
	auto* page = reinterpret_cast<uint8_t*>((uintptr_t(block) + kPage - 1) & ~uintptr_t(kPage - 1));
	memset(page, 0x5a, 4 * kPage);

	Ring r;
	assert_int_equal(r.init(8), 0);
	lx::io_uring_buf_reg reg{};
	reg.ring_addr = uint64_t(page);
	reg.ring_entries = 8;
	reg.bgid = 1;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), -EFAULT);

	iovec iov{page, kPage};
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_BUFFERS, &iov, 1), -EFAULT);

	lx::io_uring_params p{};
	p.flags = lx::SETUP_NO_MMAP;
	p.cq_off.user_addr = uint64_t(page);
	auto* sqes = static_cast<uint8_t*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	assert_true(sqes != MAP_FAILED);
	p.sq_off.user_addr = uint64_t(sqes);
	assert_int_equal(rp_sys_io_uring_setup(8, reinterpret_cast<io_uring_params*>(&p)), -EFAULT);
	p = {};
	p.flags = lx::SETUP_NO_MMAP;
	p.cq_off.user_addr = uint64_t(sqes);
	p.sq_off.user_addr = uint64_t(page);
	assert_int_equal(rp_sys_io_uring_setup(8, reinterpret_cast<io_uring_params*>(&p)), -EFAULT);

	// Nothing was written there, and the shim memory is still its own (not moved into a memfd).
	for (size_t b = 0; b < 4 * kPage; ++b)
		assert_int_equal(page[b], 0x5a);
	// The same registrations on the program's own memory work (the refusal is about whose memory it is).
	auto* mine = static_cast<uint8_t*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	assert_true(mine != MAP_FAILED);
	reg.ring_addr = uint64_t(mine);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), 0);
	iov.iov_base = mine;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_BUFFERS, &iov, 1), 0);
	rp_host_free(block, 6 * kPage);
	munmap(sqes, kPage);
}

// A provided-buffer ring laid over heap memory shares its page with whatever else the program keeps there. The
// OS moves the page into a memfd to pin it; after fork the child's writes to that page (its malloc, its data)
// must stay the child's, as Linux gives a child copies of pinned pages, never rewrite the parent's heap.
static void buffer_ring_page_stays_private_across_fork(void**)
{
	Ring r;
	assert_int_equal(r.init(8), 0);
	void* mem = nullptr;
	assert_int_equal(posix_memalign(&mem, kPage, kPage), 0);
	auto* page = static_cast<uint8_t*>(mem);
	memset(page, 0, kPage);
	char* neighbour = reinterpret_cast<char*>(page + 2048); // program data beside an 8-entry ring (128 bytes)
	strcpy(neighbour, "parent data");
	lx::io_uring_buf_reg reg{};
	reg.ring_addr = uint64_t(page);
	reg.ring_entries = 8;
	reg.bgid = 4;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), 0);
	assert_string_equal(neighbour, "parent data"); // moved with its bytes

	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		bool saw = strcmp(neighbour, "parent data") == 0; // the child starts from the parent's bytes
		strcpy(neighbour, "child wrote");
		char c = saw ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	char c = 0;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(neighbour, "parent data");

	// The ring is still the parent's to use: a buffer it adds is selected.
	auto* ring = reinterpret_cast<lx::io_uring_buf*>(page);
	static char data[16];
	ring[0].addr = uint64_t(data);
	ring[0].len = sizeof data;
	ring[0].bid = 3;
	__atomic_store_n(&reinterpret_cast<lx::io_uring_buf_ring*>(ring)->tail, uint16_t(1), __ATOMIC_RELEASE);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "heap", 4), 4);
	lx::io_uring_sqe* s = r.get_sqe();
	prep(s, lx::OP_READ, fds[0], 0, 0, 0, 5);
	s->flags = lx::SQE_BUFFER_SELECT;
	s->buf_group = 4;
	assert_int_equal(r.submit(1), 1);
	lx::io_uring_cqe cqe{};
	assert_true(r.next(&cqe));
	assert_int_equal(cqe.res, 4);
	assert_int_equal(cqe.flags >> lx::CQE_BUFFER_SHIFT, 3);
	assert_memory_equal(data, "heap", 4);
	close(fds[0]);
	close(fds[1]);
	close(ready[0]);
	close(ready[1]);
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::UNREGISTER_PBUF_RING, &reg, 1), 0);
	free(mem);
}

// How many fds the process has open.
static int open_fd_count()
{
	int n = 0;
	for (int fd = 0; fd < 4096; ++fd)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

// One SQE through the ring; its result.
static int32_t run_one(Ring& r, uint8_t op, int fd, uint64_t addr, uint32_t len, uint64_t off,
                       void (*more)(lx::io_uring_sqe*, void*) = nullptr, void* ctx = nullptr)
{
	lx::io_uring_sqe* s = r.get_sqe();
	assert_non_null(s);
	prep(s, op, fd, addr, len, off, 77);
	if (more)
		more(s, ctx);
	assert_int_equal(r.submit(1), 1);
	lx::io_uring_cqe cqe{};
	assert_true(r.next(&cqe));
	assert_int_equal(cqe.user_data, 77);
	return cqe.res;
}

// The hosted OS does the program's I/O with system calls that would read or write the shim's memory as
// readily as the program's: a READ, RECV, STATX... whose buffer is the shim's (its rings, requests, buffer
// lists) completes -EFAULT, as Linux answers for a kernel address, before anything is transferred: no byte
// there changes, the data stays in the file, the ring keeps working. (Before, the read landed in the shim's
// memory.) Operations on memory advice and mapping answer as Linux does for a range that is not the program's.
static void io_into_shim_memory_is_efault(void**)
{
	constexpr size_t kBlock = 4 * kPage;
	auto* shim = static_cast<uint8_t*>(rp_host_alloc(kBlock));
	assert_non_null(shim);
	memset(shim, 0x5a, kBlock);
	const uint64_t at = uint64_t(shim) + 100, end_part = uint64_t(shim) + kBlock - 8;
	auto intact = [&] {
		for (size_t b = 0; b < kBlock; ++b)
			if (shim[b] != 0x5a)
				return false;
		return true;
	};

	Ring r;
	assert_int_equal(r.init(8), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "0123456789", 10), 10);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "socketdata", 10), 10);
	char mine[64];
	const uint64_t nowhere = ~0ull;

	// Plain transfers (one buffer in the middle of the block, one ending at its last byte).
	assert_int_equal(run_one(r, lx::OP_READ, p[0], at, 10, nowhere), -EFAULT);
	assert_int_equal(run_one(r, lx::OP_READ, p[0], end_part - 56, 64, nowhere), -EFAULT);
	assert_int_equal(run_one(r, lx::OP_WRITE, p[1], at, 10, nowhere), -EFAULT);
	iovec iov[2] = {{mine, 4}, {reinterpret_cast<void*>(at), 6}};
	assert_int_equal(run_one(r, lx::OP_READV, p[0], uint64_t(iov), 2, nowhere), -EFAULT);
	assert_int_equal(run_one(r, lx::OP_WRITEV, p[1], uint64_t(iov), 2, nowhere), -EFAULT);
	assert_int_equal(run_one(r, lx::OP_RECV, sv[0], at, 10, 0), -EFAULT);
	assert_int_equal(run_one(r, lx::OP_SEND, sv[0], at, 10, 0), -EFAULT);
	msghdr m{};
	m.msg_iov = iov;
	m.msg_iovlen = 2;
	assert_int_equal(run_one(r, lx::OP_RECVMSG, sv[0], uint64_t(&m), 1, 0), -EFAULT);
	assert_int_equal(run_one(r, lx::OP_SENDMSG, sv[0], uint64_t(&m), 1, 0), -EFAULT);
	iov[1].iov_base = mine + 4;
	m.msg_control = reinterpret_cast<void*>(at);
	m.msg_controllen = 64;
	assert_int_equal(run_one(r, lx::OP_RECVMSG, sv[0], uint64_t(&m), 1, 0), -EFAULT);
	m.msg_control = nullptr;
	m.msg_controllen = 0;
	m.msg_name = reinterpret_cast<void*>(at);
	m.msg_namelen = 16;
	assert_int_equal(run_one(r, lx::OP_RECVMSG, sv[0], uint64_t(&m), 1, 0), -EFAULT);
	// The msghdr itself in shim memory (RECVMSG would write namelen, controllen and flags back into it), and a
	// PIPE's fd array there: refused before the OS is handed the address, no pipe made.
	assert_int_equal(run_one(r, lx::OP_RECVMSG, sv[0], at, 1, 0), -EFAULT);
	assert_int_equal(run_one(r, lx::OP_SENDMSG, sv[0], at, 1, 0), -EFAULT);
	const int fds_before = open_fd_count();
	assert_int_equal(run_one(r, lx::OP_PIPE, 0, at, 0, 0), -EFAULT);
	assert_int_equal(open_fd_count(), fds_before);
	// STATX (its buffer in addr2), OPENAT (its path), SETXATTR and GETXATTR (the value in addr2).
	auto statx_flags = [](lx::io_uring_sqe* s, void*) { s->statx_flags = 0; };
	static const char path[] = "/";
	assert_int_equal(run_one(r, lx::OP_STATX, AT_FDCWD, uint64_t(path), 0x7ff, at, statx_flags), -EFAULT);
	assert_int_equal(run_one(r, lx::OP_OPENAT, AT_FDCWD, at, 0, 0), -EFAULT);
	static const char name[] = "user.rp";
	auto xattr_path = [](lx::io_uring_sqe* s, void*) { s->addr3 = uint64_t(path); };
	assert_int_equal(run_one(r, lx::OP_SETXATTR, 0, uint64_t(name), 16, at, xattr_path), -EFAULT);
	// (Linux copies a value it got out last: a missing attribute is still -ENODATA, or unsupported.)
	int32_t got_x = run_one(r, lx::OP_GETXATTR, 0, uint64_t(name), 64, at, xattr_path);
	assert_true(got_x == -ENODATA || got_x == -EOPNOTSUPP);
	// A provided buffer that the program pointed at shim memory.
	lx::io_uring_buf_reg reg{};
	void* ringmem = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ringmem != MAP_FAILED);
	reg.ring_addr = uint64_t(ringmem);
	reg.ring_entries = 8;
	reg.bgid = 9;
	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::REGISTER_PBUF_RING, &reg, 1), 0);
	auto* bufs = static_cast<lx::io_uring_buf*>(ringmem);
	bufs[0].addr = at;
	bufs[0].len = 64;
	bufs[0].bid = 1;
	__atomic_store_n(&static_cast<lx::io_uring_buf_ring*>(ringmem)->tail, uint16_t(1), __ATOMIC_RELEASE);
	auto select = [](lx::io_uring_sqe* s, void*) {
		s->flags = lx::SQE_BUFFER_SELECT;
		s->buf_group = 9;
	};
	assert_int_equal(run_one(r, lx::OP_READ, p[0], 0, 0, nowhere, select), -EFAULT);
	// Memory advice and unmapping: the range is not the program's (Linux: -ENOMEM for madvise).
	const uint64_t page = (uint64_t(shim) + kPage - 1) & ~uint64_t(kPage - 1);
	assert_int_equal(run_one(r, lx::OP_MADVISE, 0, page, kPage, MADV_DONTNEED), -ENOMEM);

	// Nothing was written there and nothing was consumed or sent: the data is all still where it was.
	assert_true(intact());
	char got[16] = {};
	assert_int_equal(run_one(r, lx::OP_READ, p[0], uint64_t(got), 16, nowhere), 10);
	assert_memory_equal(got, "0123456789", 10);
	assert_int_equal(run_one(r, lx::OP_RECV, sv[0], uint64_t(got), 16, 0), 10);
	assert_memory_equal(got, "socketdata", 10);
	pollfd pf{sv[1], POLLIN, 0};
	assert_int_equal(poll(&pf, 1, 0), 0); // no SEND or SENDMSG above sent anything
	// The same operations on the program's memory work.
	assert_int_equal(run_one(r, lx::OP_WRITE, p[1], uint64_t("ab"), 2, nowhere), 2);
	assert_int_equal(run_one(r, lx::OP_READV, p[0], uint64_t(iov), 1, nowhere), 2);
	assert_int_equal(run_one(r, lx::OP_MADVISE, 0, uint64_t(ringmem), kPage, MADV_WILLNEED), 0);
	struct statx stx{};
	assert_int_equal(run_one(r, lx::OP_STATX, AT_FDCWD, uint64_t(path), 0x7ff, uint64_t(&stx), statx_flags), 0);
	assert_true(S_ISDIR(stx.stx_mode));

	assert_int_equal(rp_sys_io_uring_register(r.fd, lx::UNREGISTER_PBUF_RING, &reg, 1), 0);
	munmap(ringmem, kPage);
	for (int fd : {p[0], p[1], sv[0], sv[1]})
		close(fd);
	rp_host_free(shim, kBlock);
}

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(freed_program_blocks_never_become_shim_state),
	    cmocka_unit_test(rings_and_buffers_over_shim_memory_are_efault),
	    cmocka_unit_test(buffer_ring_page_stays_private_across_fork),
	    cmocka_unit_test(io_into_shim_memory_is_efault),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
