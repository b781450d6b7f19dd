// Runs the native examples (examples/native) as `make check` does, from the build directory, and checks what
// they did: the copy's bytes against the source (an odd size, an empty file, a missing source), the echo's
// client and connection counts, and the demo scheme's content as its client read it. Each example also checks
// itself and exits non-zero on a wrong byte; this program makes sure it says so and that it really ran.
#include "rp_test.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

const char* const kDir = "examples/native/";

struct Run {
	int status = -1; // the exit code, or -1 when it did not exit normally
	std::string output; // stdout and stderr together
};

Run run(const std::string& args)
{
	Run r;
	std::string cmd = std::string("timeout 60 ./") + kDir + args + " 2>&1";
	FILE* p = popen(cmd.c_str(), "r");
	assert_non_null(p);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, p)) > 0)
		r.output.append(buf, n);
	int st = pclose(p);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	printf("$ %s\n%s", args.c_str(), r.output.c_str());
	return r;
}

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

std::string read_all(const std::string& path)
{
	std::string out;
	FILE* f = fopen(path.c_str(), "rb");
	if (!f)
		return "<missing>";
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		out.append(buf, n);
	fclose(f);
	return out;
}

struct TempDir {
	char path[64];
	TempDir()
	{
		strcpy(path, "/tmp/rp-examples-check-XXXXXX");
		assert_non_null(mkdtemp(path));
	}
	~TempDir()
	{
		std::string cmd = std::string("rm -rf ") + path;
		(void)system(cmd.c_str());
	}
	std::string operator/(const char* name) const { return std::string(path) + "/" + name; }
};

void test_copy_demo(void**)
{
	Run r = run("native-copy");
	assert_int_equal(r.status, 0);
	assert_true(contains(r.output, "native-copy: 8388608 bytes copied in 64 chunks by 16 lanes"));
	assert_true(contains(r.output, "fsync'd"));
	assert_true(contains(r.output, "the copy matches the source"));
}

void test_copy_files(void**)
{
	TempDir d;
	// An odd size (not a multiple of the chunk or of a page) of bytes that differ everywhere.
	std::string src = d / "src", dst = d / "dst";
	std::string data(3 * 1024 * 1024 + 12345, '\0');
	uint32_t x = 12345;
	for (char& c : data) {
		x = x * 1103515245u + 12345u;
		c = char(x >> 16);
	}
	FILE* f = fopen(src.c_str(), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data.data(), 1, data.size(), f), data.size());
	fclose(f);
	// The destination exists and is longer: O_TRUNC must leave exactly the source.
	f = fopen(dst.c_str(), "wb");
	assert_non_null(f);
	std::string junk(5 * 1024 * 1024, 'j');
	fwrite(junk.data(), 1, junk.size(), f);
	fclose(f);
	Run r = run("native-copy " + src + " " + dst);
	assert_int_equal(r.status, 0);
	assert_true(contains(r.output, "3158073 bytes copied in 25 chunks"));
	assert_true(read_all(dst) == data);
	// An empty file gives an empty copy.
	std::string empty = d / "empty", empty_copy = d / "empty-copy";
	f = fopen(empty.c_str(), "wb");
	fclose(f);
	r = run("native-copy " + empty + " " + empty_copy);
	assert_int_equal(r.status, 0);
	struct stat st;
	assert_int_equal(stat(empty_copy.c_str(), &st), 0);
	assert_int_equal(st.st_size, 0);
	// A missing source: the Open's ENOENT, reported, and no destination made.
	std::string none = d / "none", none_copy = d / "none-copy";
	r = run("native-copy " + none + " " + none_copy);
	assert_int_equal(r.status, 1);
	assert_true(contains(r.output, "No such file or directory"));
	assert_int_equal(access(none_copy.c_str(), F_OK), -1);
}

void test_echo(void**)
{
	Run r = run("native-echo 20 30");
	assert_int_equal(r.status, 0);
	assert_true(contains(r.output, "accepted 20 connections, one coroutine each"));
	assert_true(contains(r.output, "native-echo: 20 clients x 30 messages:"));
	// Both totals are printed; the program fails unless they are equal, so one number appears twice.
	const size_t echoed = r.output.find("echoed ");
	const size_t back = r.output.find(" messages: ");
	assert_true(echoed != std::string::npos && back != std::string::npos);
	assert_int_equal(strtoull(r.output.c_str() + echoed + 7, nullptr, 10), strtoull(r.output.c_str() + back + 11, nullptr, 10));
	assert_true(strtoull(r.output.c_str() + echoed + 7, nullptr, 10) > 20 * 30);
}

void test_demo_scheme(void**)
{
	const std::string name = "demo-check-" + std::to_string(getpid());
	Run r = run("native-demo-scheme " + name);
	assert_int_equal(r.status, 0);
	assert_true(contains(r.output, (name + ":motd says: hello from a scheme server written with the ringport executor\n").c_str()));
	assert_true(contains(r.output, (name + ":numbers: 262144 of 262144 counters right").c_str()));
	assert_true(contains(r.output, "a missing name gave ENOENT, writing gave EACCES"));
	// The server's own account: every byte the client read passed through it.
	assert_true(contains(r.output, "native-demo-scheme: server: "));
	const size_t served = r.output.find(" bytes served");
	assert_true(served != std::string::npos);
	size_t start = r.output.rfind(' ', served - 1) + 1;
	assert_int_equal(strtoull(r.output.c_str() + start, nullptr, 10), 1048576 + 62 /* motd */);
	// The name is free again: a second server can take it.
	r = run("native-demo-scheme " + name);
	assert_int_equal(r.status, 0);
}

} // namespace

int main()
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_copy_demo),
	    cmocka_unit_test(test_copy_files),
	    cmocka_unit_test(test_echo),
	    cmocka_unit_test(test_demo_scheme),
	};
	return cmocka_run_group_tests(tests, nullptr, nullptr);
}
