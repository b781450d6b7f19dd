// Running build commands: output to a log file, a live progress line on a terminal.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cook {

struct Command {
    std::vector<std::string> argv;
    std::string directory;
    std::map<std::string, std::string> env;  // the complete environment of the command
    std::string log;                         // appended to; stdout and stderr both go here
};

// Prints "label ..." and, on a terminal, the elapsed time while the command runs; returns the exit status
// (128 + signal when killed). `verbose` streams the output to the terminal as well.
int run_command(const Command &command, const std::string &label, bool verbose);

// The current environment as a map (the base that build commands extend).
std::map<std::string, std::string> current_environment();

// The last `lines` lines of a file, for failure reports.
std::string tail_of_file(const std::string &path, int lines);

// Writes a progress line; on a terminal the line may be rewritten in place.
void progress(const std::string &line);

}  // namespace cook
