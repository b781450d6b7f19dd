// The test runner (test_runner.hpp). Protocol, COM2 only:
//   @@RP BEGIN <name>
//   @@RP END <name> exit=<E> sig=<S> ms=<T>       (a killed program: exit=0 sig=<signal>; timeout: sig=9)
//   @@RP DONE                                      then QEMU exits 33
// The same BEGIN/END lines go to COM1 as well, so the console log can be cut per test.
// Command line words: start=K (0-based manifest index to begin at), only=<name>; others are ignored.
#include "Tasks/test_runner.hpp"
#include "Arch/clock.hpp"
#include "Arch/panic.hpp"
#include "Arch/serial.hpp"
#include "FileSystem/ustar.hpp"
#include "Library/print.hpp"
#include "Library/string.hpp"
#include "Memory/physical.hpp"
#include "Tasks/process.hpp"

namespace kernel {
namespace {

struct Options {
	uint64_t start = 0;
	char only[64] = {};
};

Options parse_command_line(const char *line)
{
	Options options;
	const char *p = line;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		size_t length = static_cast<size_t>(p - word);
		if (length > 6 && strncmp(word, "start=", 6) == 0) {
			const char *digits = word + 6;
			uint64_t value;
			if (parse_decimal(&digits, &value) && digits == p)
				options.start = value;
		} else if (length > 5 && strncmp(word, "only=", 5) == 0 && length - 5 < sizeof options.only) {
			memcpy(options.only, word + 5, length - 5);
			options.only[length - 5] = '\0';
		}
	}
	return options;
}

void report_begin(const char *name)
{
	print("@@RP BEGIN %s\n", name);
	serial::protocol("@@RP BEGIN %s", name);
}

void report_end(const char *name, int exit_code, int signal, uint64_t ms)
{
	print("@@RP END %s exit=%d sig=%d ms=%lu\n", name, exit_code, signal, ms);
	serial::protocol("@@RP END %s exit=%d sig=%d ms=%lu", name, exit_code, signal, ms);
}

// A manifest line may name arguments after the timeout: argv[1..] of the program (the demo's file names).
constexpr size_t max_arguments = 8, max_argument_length = 128;
struct Arguments {
	char text[max_arguments][max_argument_length];
	size_t count = 0;
};

void run_one(const UstarArchive &initrd, const char *name, uint64_t timeout_s, const Arguments &arguments)
{
	report_begin(name);
	uint64_t started = clock::monotonic_ms();
	char path[128], program[80];
	format(path, sizeof path, "t/%s.t", name);
	format(program, sizeof program, "%s.t", name);
	UstarEntry entry;
	int found = initrd.find(path, entry);
	if (found != 1 || entry.type != UstarType::File) {
		print("rpk: /%s is not in the initrd\n", path);
		report_end(name, 127, 0, clock::monotonic_ms() - started); // the shell's "command not found"
		return;
	}
	const char *argv[max_arguments + 2] = {program};
	for (size_t i = 0; i < arguments.count; i++)
		argv[i + 1] = arguments.text[i];
	argv[arguments.count + 1] = nullptr;
	const char *envp[] = {"PATH=/t", "HOME=/tmp", nullptr};
	int error = 0;
	ProgramResult result = run_program(program, entry.data, entry.size, argv, envp, timeout_s * 1000, &error);
	if (error) {
		print("rpk: %s could not start: error %d\n", program, -error);
		result = {error == -ENOEXEC ? 126 : 127, 0}; // as a shell reports a program that cannot run
	}
	report_end(name, result.exit_code, result.signal, clock::monotonic_ms() - started);
	// Frames left free after each program: a number that keeps falling between tests is a leak.
	print("rpk: %lu KiB free\n", physical::free_frames() * (page_size / 1024));
}

} // namespace

void run_tests(const char *command_line, const uint8_t *initrd_data, uint64_t initrd_size)
{
	Options options = parse_command_line(command_line);
	UstarArchive initrd(initrd_data, initrd_size);
	UstarEntry manifest;
	if (!initrd_data || initrd.find("etc/tests", manifest) != 1 || manifest.type != UstarType::File)
		panic("no /etc/tests manifest in the initrd");

	// One line per test: "<name> <timeout_seconds> [argument ...]"; blank lines and '#' comments are skipped.
	const char *p = reinterpret_cast<const char *>(manifest.data);
	const char *end = p + manifest.size;
	uint64_t index = 0;
	while (p < end) {
		const char *line = p;
		while (p < end && *p != '\n')
			p++;
		const char *line_end = p;
		if (p < end)
			p++;
		while (line < line_end && (*line == ' ' || *line == '\t'))
			line++;
		if (line == line_end || *line == '#')
			continue;
		char name[64];
		size_t n = 0;
		while (line < line_end && *line != ' ' && *line != '\t' && n < sizeof name - 1)
			name[n++] = *line++;
		name[n] = '\0';
		while (line < line_end && (*line == ' ' || *line == '\t'))
			line++;
		char number[24];
		size_t digits = 0;
		while (line < line_end && digits < sizeof number - 1 && *line != '\r' && *line != ' ')
			number[digits++] = *line++;
		number[digits] = '\0';
		const char *cursor = number;
		uint64_t timeout_s = 30;
		if (!parse_decimal(&cursor, &timeout_s))
			timeout_s = 30;
		Arguments arguments;
		while (arguments.count < max_arguments) {
			while (line < line_end && (*line == ' ' || *line == '\t' || *line == '\r'))
				line++;
			if (line == line_end)
				break;
			size_t length = 0;
			char *word = arguments.text[arguments.count++];
			while (line < line_end && *line != ' ' && *line != '\t' && *line != '\r' &&
			       length < max_argument_length - 1)
				word[length++] = *line++;
			word[length] = '\0';
		}

		uint64_t this_index = index++;
		if (this_index < options.start)
			continue;
		if (options.only[0] && !strings_equal(options.only, name))
			continue;
		run_one(initrd, name, timeout_s, arguments);
	}
	print("@@RP DONE\n");
	serial::protocol("@@RP DONE");
	exit_qemu(exit_done);
}

} // namespace kernel
