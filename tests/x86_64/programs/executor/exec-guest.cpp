// The native executor (os/abi/include/ringport/executor.hpp) inside the reference kernel, over the kernel's own
// native ring (executor_reference.hpp): the same header the hosted OS's tests use, in a newlib program.
// Checks many coroutines at once, a chain with registers, cancellation by destroying a waiter, a per-op
// deadline and an extended (64-bit) result, in both completion-routing modes. Prints "exec-guest: ok".
#include <ringport/executor_reference.hpp>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

using namespace ringport;
using exec::Completion;
using exec::Task;
using Exec = exec::Executor<exec::ReferenceKernelBackend, 128>;

static int failures;
#define CHECK(c)                                                                                           \
	do {                                                                                                   \
		if (!(c)) {                                                                                        \
			printf("exec-guest: FAIL %s (line %d)\n", #c, __LINE__);                                      \
			failures++;                                                                                    \
		}                                                                                                  \
	} while (0)

static Task<void> record(Exec& ex, int fd, uint64_t i, unsigned* verified)
{
	uint64_t v = i * 2654435761u + 7;
	Completion w = co_await ex.write(fd, &v, 8, i * 8);
	uint64_t back = 0;
	Completion r = co_await ex.read(fd, &back, 8, i * 8);
	if (w.value == 8 && r.value == 8 && back == v)
		++*verified;
}

static Task<void> open_read_close(Exec& ex, const char* path, char* buf, Completion* out)
{
	namespace e = exec::entry;
	auto r = co_await ex.chain(e::with_registers(e::open(path, O_RDONLY), RP_REG_STORE(0)),
	                           e::with_registers(e::read(-1, buf, 16, 0), RP_REG_LOAD(RP_REG_FIELD_FD, 0) | RP_REG_STORE(1)),
	                           e::with_registers(e::close(-1), RP_REG_LOAD(RP_REG_FIELD_FD, 0)));
	for (int i = 0; i < 3; ++i)
		out[i] = r.step[i];
}

static Task<void> read_forever(Exec& ex, int fd, bool* resumed)
{
	char c;
	(void)co_await ex.read_stream(fd, &c, 1);
	*resumed = true;
}

static Task<void> bounded_read(Exec& ex, int fd, int64_t* result)
{
	char c;
	*result = (co_await ex.read_stream(fd, &c, 1).within(20 * 1000000)).value;
}

static Task<void> seek_far(Exec& ex, int fd, int64_t* where)
{
	*where = (co_await ex.lseek(fd, int64_t(5) << 32, SEEK_SET)).value;
}

static void run_all(exec::Routing routing)
{
	exec::ReferenceKernelBackend backend;
	CHECK(backend.init(64, 128) == 0);
	static Exec* ex;
	ex = new Exec(backend, routing);

	// Many coroutines at once: more than the executor's 128 request slots and the SQ's 64 entries.
	int fd = open("/tmp/exec-guest.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	unsigned verified = 0;
	const unsigned count = 600;
	for (unsigned i = 0; i < count; ++i)
		CHECK(ex->spawn(record(*ex, fd, i, &verified)) != 0);
	CHECK(ex->run() == 0);
	CHECK(verified == count);
	CHECK(ex->stats().dropped == 0);

	// A chain: open -> read -> close in one submission, results passed through registers.
	const char text[] = "registers work";
	CHECK(pwrite(fd, text, sizeof text, 0) == sizeof text);
	char buf[16] = {};
	Completion steps[3] = {};
	ex->spawn(open_read_close(*ex, "/tmp/exec-guest.dat", buf, steps));
	CHECK(ex->run() == 0);
	CHECK(steps[0].value >= 0);
	CHECK(steps[1].value == 16);
	CHECK(steps[2].value == 0);
	CHECK(memcmp(buf, text, sizeof text) == 0);
	CHECK(backend.sq_header()->registers[1] == 16);

	// Cancellation: destroying a waiting coroutine cancels its read, which takes nothing.
	int p[2];
	CHECK(pipe(p) == 0);
	bool resumed = false;
	uint32_t id = ex->spawn(read_forever(*ex, p[0], &resumed));
	CHECK(ex->turn(false) == 0);
	CHECK(ex->in_flight() == 1);
	CHECK(ex->cancel(id));
	CHECK(ex->run() == 0);
	CHECK(!resumed);
	CHECK(ex->stats().orphaned == 1);
	CHECK(write(p[1], "z", 1) == 1);
	char c = 0;
	CHECK(read(p[0], &c, 1) == 1 && c == 'z');

	// A deadline: the read is cancelled when it passes, and says ETIME.
	int64_t bounded = 0;
	ex->spawn(bounded_read(*ex, p[0], &bounded));
	CHECK(ex->run() == 0);
	CHECK(bounded == -ETIME);

	// An extended completion: a result wider than 32 bits arrives whole.
	int64_t where = 0;
	ex->spawn(seek_far(*ex, fd, &where));
	CHECK(ex->run() == 0);
	CHECK(where == (int64_t(5) << 32));

	close(p[0]);
	close(p[1]);
	close(fd);
	delete ex;
}

int main()
{
	run_all(exec::Routing::Tagged);
	run_all(exec::Routing::Pointer);
	unlink("/tmp/exec-guest.dat");
	if (failures) {
		printf("exec-guest: %d failures\n", failures);
		return 1;
	}
	printf("exec-guest: ok\n");
	return 0;
}
