#include "process.hpp"

#include "error.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace cook {

std::map<std::string, std::string> current_environment() {
    std::map<std::string, std::string> env;
    for (char **entry = environ; *entry; ++entry) {
        std::string text(*entry);
        auto equals = text.find('=');
        if (equals != std::string::npos) env[text.substr(0, equals)] = text.substr(equals + 1);
    }
    return env;
}

void progress(const std::string &line) {
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

int run_command(const Command &command, const std::string &label, bool verbose) {
    int log_fd = ::open(command.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw CookError("cannot open log " + command.log + ": " + std::strerror(errno));
    std::string header = "$ (cd " + command.directory + " &&";
    for (const std::string &arg : command.argv) header += " " + arg;
    header += ")\n";
    if (::write(log_fd, header.data(), header.size()) < 0) { /* the log header is best effort */ }

    std::vector<std::string> env_text;
    for (const auto &[key, value] : command.env) env_text.push_back(key + "=" + value);
    std::vector<char *> envp, argv;
    for (std::string &entry : env_text) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = command.argv;
    for (std::string &arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    // With --verbose the child writes into a pipe that is copied both to the log and to the terminal.
    int pipe_fds[2] = {-1, -1};
    if (verbose && ::pipe2(pipe_fds, O_CLOEXEC) != 0) throw CookError("pipe: " + std::string(std::strerror(errno)));

    std::fflush(stdout);
    pid_t child = ::fork();
    if (child < 0) throw CookError("fork: " + std::string(std::strerror(errno)));
    if (child == 0) {
        int out = verbose ? pipe_fds[1] : log_fd;
        ::dup2(out, 1);
        ::dup2(out, 2);
        int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0) ::dup2(null_fd, 0);
        if (::chdir(command.directory.c_str()) != 0) {
            std::fprintf(stderr, "cook: cannot enter %s: %s\n", command.directory.c_str(), std::strerror(errno));
            ::_exit(127);
        }
        ::execvpe(argv[0], argv.data(), envp.data());
        std::fprintf(stderr, "cook: cannot run %s: %s\n", argv[0], std::strerror(errno));
        ::_exit(127);
    }

    bool tty = ::isatty(1) && !verbose;
    auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    if (!tty) progress(label + " ...");
    int status = 0;
    if (verbose) {
        ::close(pipe_fds[1]);
        char chunk[4096];
        ssize_t got;
        while ((got = ::read(pipe_fds[0], chunk, sizeof chunk)) > 0) {
            if (::write(log_fd, chunk, got) < 0 || ::write(1, chunk, got) < 0) { /* keep draining */ }
        }
        ::close(pipe_fds[0]);
        ::waitpid(child, &status, 0);
    } else {
        int last_shown = -1;
        for (;;) {
            pid_t done = ::waitpid(child, &status, WNOHANG);
            if (done == child) break;
            if (done < 0 && errno != EINTR) break;
            int seconds = static_cast<int>(elapsed());
            if (tty && seconds != last_shown) {
                std::printf("\r\033[K%s ... %ds", label.c_str(), seconds);
                std::fflush(stdout);
                last_shown = seconds;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    ::close(log_fd);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    char summary[64];
    std::snprintf(summary, sizeof summary, "%s in %.1fs", code == 0 ? "done" : "FAILED", elapsed());
    if (tty) {
        std::printf("\r\033[K%s ... %s\n", label.c_str(), summary);
        std::fflush(stdout);
    } else {
        progress(label + " ... " + summary);
    }
    return code;
}

std::string tail_of_file(const std::string &path, int lines) {
    std::ifstream in(path);
    std::deque<std::string> last;
    std::string line;
    while (std::getline(in, line)) {
        last.push_back(line);
        if (static_cast<int>(last.size()) > lines) last.pop_front();
    }
    std::string text;
    for (const std::string &kept : last) text += kept + "\n";
    return text;
}

}  // namespace cook
