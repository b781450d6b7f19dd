#include "kitchen.hpp"

#include "error.hpp"
#include "process.hpp"
#include "sha256.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

namespace cook {
namespace fs = std::filesystem;

namespace {

std::string absolute(const std::string &path) { return fs::absolute(path).lexically_normal().string(); }

void write_text_file(const std::string &path, const std::string &text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw CookError("cannot write " + path);
}

// Output of a command (no shell), or throws.
std::string capture(const std::vector<std::string> &argv, const std::string &directory) {
    std::string command = "cd '" + directory + "' &&";
    for (const std::string &arg : argv) command += " '" + arg + "'";
    command += " 2>/dev/null";
    std::FILE *pipe = ::popen(command.c_str(), "r");
    if (!pipe) throw CookError("cannot run " + argv.front());
    std::string out;
    char chunk[4096];
    std::size_t got;
    while ((got = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) out.append(chunk, got);
    if (::pclose(pipe) != 0) throw CookError("command failed: " + command);
    return out;
}

std::vector<std::string> split_lines(const std::string &text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
        lines.push_back(text.substr(start, end - start));
    }
    if (start < text.size()) lines.push_back(text.substr(start));
    return lines;
}

}  // namespace

void verify_checksum(const std::string &path, const std::string &expected) {
    std::string actual = sha256_of_file(path);
    if (actual != expected) {
        throw CookError("checksum mismatch: " + path + ": expected sha256 " + expected + ", got " + actual);
    }
}

Kitchen::Kitchen(Options options, Target target) : options_(std::move(options)), target_(std::move(target)) {
    options_.build_dir = absolute(options_.build_dir);
    options_.cache_dir = absolute(options_.cache_dir);
    options_.ports_dir = absolute(options_.ports_dir);
}

std::string Kitchen::sysroot() const { return options_.build_dir + "/sysroot/" + target_.name; }

std::string Kitchen::work_dir(const Recipe &recipe) const {
    return options_.build_dir + "/cook/" + target_.name + "/" + recipe.name;
}

std::string Kitchen::cache_for(const Recipe &recipe) const { return options_.cache_dir + "/" + recipe.name; }

std::string Kitchen::expand(const std::string &text) const {
    std::string out = text;
    const std::string key = "{sysroot}";
    for (auto at = out.find(key); at != std::string::npos; at = out.find(key, at)) {
        out.replace(at, key.size(), sysroot());
        at += sysroot().size();
    }
    return out;
}

void Kitchen::fetch(const Recipe &recipe) {
    const Source &source = recipe.source;
    if (source.is_path()) return;
    std::string cache = cache_for(recipe);
    fs::create_directories(cache);

    std::vector<std::string> missing;
    for (const auto &[file, hash] : source.sha256) {
        std::string path = cache + "/" + file;
        if (fs::exists(path)) {
            verify_checksum(path, hash);  // a wrong file in the cache is an error, not something to refetch
        } else {
            missing.push_back(file);
        }
    }
    if (missing.empty()) {
        progress("      fetch     cached (" + std::to_string(source.sha256.size()) + " files in " + cache + ")");
        return;
    }
    if (options_.offline) {
        throw CookError(recipe.name + ": offline, and the cache lacks " + missing.front() + " (in " + cache + ")");
    }
    fs::create_directories(work_dir(recipe) + "/logs");
    std::string log = work_dir(recipe) + "/logs/fetch.log";
    std::remove(log.c_str());
    auto env = current_environment();
    bool fetched = false;
    if (!source.debian_package.empty()) {
        std::vector<std::string> argv = {"apt-get", "source", "--download-only", "-q",
                                         source.debian_package + "=" + source.debian_version};
        fetched = run_command({argv, cache, env, log}, "      fetch     apt-get source " + source.debian_package +
                                                           "=" + source.debian_version, options_.verbose) == 0;
    }
    if (!fetched && !source.debian_package.empty()) {
        // apt-get fails as a whole when one file of the source package is missing from the archive (some
        // mirrors lack a .dsc): what it did fetch was still verified by apt, and below against the recipe.
        bool all_there = true;
        for (const auto &[file, hash] : source.sha256) all_there = all_there && fs::exists(cache + "/" + file);
        if (all_there) {
            progress("      fetch     apt-get source reported an error, but every file the recipe lists arrived");
            fetched = true;
        }
    }
    if (!fetched && !source.url.empty()) {
        std::string into = cache + "/" + source.archive;
        std::vector<std::string> argv = {"curl", "-fsSL", "-o", into + ".part", source.url};
        fetched = run_command({argv, cache, env, log}, "      fetch     " + source.url, options_.verbose) == 0 &&
                  ::rename((into + ".part").c_str(), into.c_str()) == 0;
    }
    if (!fetched) {
        throw CookError(recipe.name + ": step fetch failed; log: " + log + "\n" + tail_of_file(log, 15));
    }
    // Every file fetched must be listed with its checksum, and every listed file must have arrived.
    for (const auto &entry : fs::directory_iterator(cache)) {
        std::string file = entry.path().filename().string();
        if (file.ends_with(".part")) continue;
        if (!source.sha256.count(file)) {
            throw CookError(recipe.name + ": fetched " + entry.path().string() + ", which has no sha256 in " +
                            recipe.file + " (sha256 = " + sha256_of_file(entry.path().string()) + ")");
        }
    }
    for (const auto &[file, hash] : source.sha256) {
        std::string path = cache + "/" + file;
        if (!fs::exists(path)) throw CookError(recipe.name + ": the fetch did not produce " + path);
        verify_checksum(path, hash);
    }
    progress("      verify    " + std::to_string(source.sha256.size()) + " files match their sha256");
}

std::string Kitchen::fingerprint(const Recipe &recipe) const {
    std::string inputs = read_text_file(recipe.file);
    for (const std::string &patch : recipe.source.patches) inputs += read_text_file(recipe.directory + "/" + patch);
    BuildSteps steps = recipe.build_for(target_.name);
    if (!steps.script.empty()) inputs += read_text_file(recipe.directory + "/" + steps.script);
    inputs += target_.name + "|" + target_.cc + "|" + target_.cxx + "|" + target_.cflags + "|" + target_.cxxflags +
              "|" + target_.ldflags + "|" + target_.glue;
    for (const auto &[key, value] : target_.env) inputs += "|" + key + "=" + value;
    for (const std::string &dependency : steps.dependencies) {
        auto known = cooked_fingerprints_.find(dependency);
        inputs += "|" + dependency + "=" + (known == cooked_fingerprints_.end() ? "?" : known->second);
    }
    return sha256_of_bytes(inputs);
}

std::map<std::string, std::string> Kitchen::build_environment(const Recipe &recipe) const {
    auto env = current_environment();
    // An outer make's jobserver must not leak into the package's own make.
    for (const char *key : {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PKG_CONFIG_PATH", "CFLAGS",
                            "CXXFLAGS", "LDFLAGS", "CPPFLAGS", "DESTDIR"}) {
        env.erase(key);
    }
    env["CC"] = target_.cc;
    env["CXX"] = target_.cxx;
    if (!target_.cflags.empty()) env["CFLAGS"] = expand(target_.cflags);
    if (!target_.cxxflags.empty()) env["CXXFLAGS"] = expand(target_.cxxflags);
    if (!target_.ldflags.empty()) env["LDFLAGS"] = expand(target_.ldflags);
    env["PKG_CONFIG_LIBDIR"] = sysroot() + "/lib/pkgconfig";
    if (recipe.build_for(target_.name).host_pkg_config == 1) {
        // The sysroot's packages first (its liburing and ringport win over any host copy), then the host's
        // own directories, in pkg-config's default order on Debian x86_64.
        env["PKG_CONFIG_LIBDIR"] += ":/usr/local/lib/x86_64-linux-gnu/pkgconfig:/usr/local/lib/pkgconfig:"
                                    "/usr/local/share/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:"
                                    "/usr/lib/pkgconfig:/usr/share/pkgconfig";
    }
    env["COOK_TARGET"] = target_.name;
    env["COOK_SYSROOT"] = sysroot();
    env["COOK_PREFIX"] = sysroot();
    env["COOK_DESTDIR"] = work_dir(recipe) + "/stage";
    env["COOK_SOURCE"] = work_dir(recipe) + "/source";
    env["COOK_RECIPE_DIR"] = absolute(recipe.directory);
    env["COOK_JOBS"] = std::to_string(options_.jobs);
    env["COOK_GLUE"] = target_.glue;
    for (const auto &[key, value] : target_.env) env[key] = expand(value);
    return env;
}

// The recipe's Debian build dependencies must be installed: a missing one is an error naming them all and
// the command that installs them, before anything is built.
void Kitchen::check_debian_build_deps(const Recipe &recipe, const BuildSteps &steps) const {
    std::string missing;
    for (const std::string &package : steps.debian_build_deps) {
        std::string status;
        try {
            status = capture({"dpkg-query", "-W", "-f=${Status}", package}, ".");
        } catch (const CookError &) {
        }
        if (status.find("install ok installed") == std::string::npos) missing += " " + package;
    }
    if (!missing.empty()) {
        throw CookError("recipe " + recipe.name + " (target " + target_.name +
                        ") needs Debian packages that are not installed:" + missing +
                        "\n(scripts/install-deps.sh installs every package the recipes declare; or: apt-get install" +
                        missing + ")");
    }
}

void Kitchen::run_step(const Recipe &recipe, const std::string &step, const std::vector<std::string> &argv,
                       const std::string &directory, const std::map<std::string, std::string> &env) {
    std::string log = work_dir(recipe) + "/logs/" + step + ".log";
    char label[64];
    std::snprintf(label, sizeof label, "      %-9s", step.c_str());
    int status = run_command({argv, directory, env, log}, label, options_.verbose);
    if (status != 0) {
        throw CookError("recipe " + recipe.name + " (target " + target_.name + "): step " + step +
                        " failed with exit status " + std::to_string(status) + "\nlog: " + log +
                        "\n---- last lines of the log:\n" + tail_of_file(log, 25));
    }
}

void Kitchen::unpack(const Recipe &recipe, const std::string &source_dir) {
    fs::remove_all(source_dir);
    fs::create_directories(source_dir);
    std::string archive = cache_for(recipe) + "/" + recipe.source.archive;
    run_step(recipe, "unpack",
             {"tar", "-xf", archive, "-C", source_dir,
              "--strip-components=" + std::to_string(recipe.source.strip_components)},
             source_dir, current_environment());
}

// A path source (the ringport tree itself) is mirrored file by file: unchanged files keep their times, so
// the package's own make rebuilds only what changed. Files under version control or not ignored are taken.
void Kitchen::sync_tree(const Recipe &recipe, const std::string &source_dir) {
    const std::string &from = recipe.source.path;
    std::vector<std::string> files;
    if (fs::exists(from + "/.git")) {
        std::string listing = capture({"git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"}, from);
        std::size_t start = 0;
        for (std::size_t end; (end = listing.find('\0', start)) != std::string::npos; start = end + 1) {
            files.push_back(listing.substr(start, end - start));
        }
    } else {
        for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
            std::string name = it->path().filename().string();
            if (it->is_directory() && (name == "build" || name == ".git" || name == "cache")) {
                it.disable_recursion_pending();
            } else if (it->is_regular_file()) {
                files.push_back(fs::relative(it->path(), from).string());
            }
        }
    }
    std::size_t copied = 0;
    for (const std::string &file : files) {
        fs::path src = fs::path(from) / file, dst = fs::path(source_dir) / file;
        std::error_code error;
        if (!fs::is_regular_file(src, error)) continue;  // deleted but still listed, or a symlink to a dir
        if (fs::exists(dst) && fs::file_size(dst) == fs::file_size(src) &&
            fs::last_write_time(dst) == fs::last_write_time(src)) {
            continue;
        }
        fs::create_directories(dst.parent_path());
        fs::copy_file(src, dst, fs::copy_options::overwrite_existing);
        fs::last_write_time(dst, fs::last_write_time(src));
        fs::permissions(dst, fs::status(src).permissions());
        ++copied;
    }
    progress("      sync      " + std::to_string(copied) + " of " + std::to_string(files.size()) +
             " files changed since the last cook (from " + from + ")");
}

// Installs went into <stage>/<sysroot>: move them into the sysroot and remember what came from where.
void Kitchen::stage(const Recipe &recipe, const std::string &stage_dir) {
    fs::path staged_root = fs::path(stage_dir + sysroot());
    std::string manifest;
    std::size_t count = 0;
    if (fs::exists(stage_dir)) {
        for (auto it = fs::recursive_directory_iterator(stage_dir); it != fs::recursive_directory_iterator(); ++it) {
            if (it->is_directory() && !it->is_symlink()) continue;
            fs::path relative_to_root = it->path().lexically_relative(staged_root);  // never through symlinks
            if (relative_to_root.empty() || *relative_to_root.begin() == "..") {
                throw CookError("recipe " + recipe.name + ": step stage: installed " + it->path().string() +
                                " outside the sysroot prefix " + sysroot());
            }
            fs::path destination = fs::path(sysroot()) / relative_to_root;
            fs::create_directories(destination.parent_path());
            std::error_code ignore;
            fs::remove(destination, ignore);
            fs::copy(it->path(), destination, fs::copy_options::copy_symlinks);
            manifest += relative_to_root.string() + "\n";
            ++count;
        }
    }
    if (count == 0) throw CookError("recipe " + recipe.name + ": step stage: the install step installed nothing");
    write_text_file(work_dir(recipe) + "/manifest.txt", manifest);
    progress("      stage     " + std::to_string(count) + " files into " + sysroot());
}

// Whether everything a previous cook staged is still in the sysroot.
bool Kitchen::still_staged(const std::string &manifest) const {
    if (!fs::exists(manifest)) return false;
    for (const std::string &line : split_lines(read_text_file(manifest))) {
        std::error_code error;
        if (!line.empty() && !fs::exists(fs::symlink_status(sysroot() + "/" + line, error))) return false;
    }
    return true;
}

void Kitchen::cook(const Recipe &recipe, const std::string &position) {
    BuildSteps steps = recipe.build_for(target_.name);
    progress(position + " " + recipe.name + " " + recipe.version + " (target " + target_.name + ")");
    std::string work = work_dir(recipe);
    std::string source_dir = work + "/source";
    std::string stage_dir = work + "/stage";
    std::string stamp = work + "/cooked";
    std::string wanted = fingerprint(recipe);

    bool path_source = recipe.source.is_path();
    if (!options_.force && !path_source && fs::exists(stamp) && read_text_file(stamp) == wanted &&
        still_staged(work + "/manifest.txt")) {
        progress("      up to date (" + work + ")");
        cooked_fingerprints_[recipe.name] = wanted;
        return;
    }
    fs::create_directories(work + "/logs");
    for (const char *dir : {"include", "lib/pkgconfig", "bin"}) fs::create_directories(sysroot() + "/" + dir);
    for (const auto &entry : fs::directory_iterator(work + "/logs")) fs::remove(entry.path());
    std::remove(stamp.c_str());

    if (path_source) {
        sync_tree(recipe, source_dir);
    } else {
        fetch(recipe);
        unpack(recipe, source_dir);
        for (const std::string &patch : recipe.source.patches) {
            run_step(recipe, "patch",
                     {"patch", "-p1", "--forward", "--batch", "-i", absolute(recipe.directory + "/" + patch)},
                     source_dir, current_environment());
        }
    }

    check_debian_build_deps(recipe, steps);
    auto env = build_environment(recipe);
    fs::remove_all(stage_dir);
    fs::create_directories(stage_dir);
    std::string jobs = "-j" + std::to_string(options_.jobs);
    auto with = [this](std::vector<std::string> argv, const std::vector<std::string> &more) {
        for (const std::string &arg : more) argv.push_back(expand(arg));
        return argv;
    };
    switch (steps.kind) {
    case BuildTemplate::Configure:
        run_step(recipe, "configure", with({"./configure", "--prefix=" + sysroot()}, steps.configure_flags),
                 source_dir, env);
        run_step(recipe, "build", with({"make", jobs}, steps.make_flags), source_dir, env);
        run_step(recipe, "install", with({"make", "install", "DESTDIR=" + stage_dir}, steps.install_flags),
                 source_dir, env);
        break;
    case BuildTemplate::Make:
        run_step(recipe, "build", with({"make", jobs, "prefix=" + sysroot()}, steps.make_flags), source_dir, env);
        run_step(recipe, "install",
                 with({"make", "install", "prefix=" + sysroot(), "DESTDIR=" + stage_dir}, steps.install_flags),
                 source_dir, env);
        break;
    case BuildTemplate::Meson:
        // Out of tree in source/_build; libdir "lib" (not Debian's multiarch default) so that the sysroot keeps
        // one lib/ and one lib/pkgconfig/.
        run_step(recipe, "configure",
                 with({"meson", "setup", "_build", "--prefix=" + sysroot(), "--libdir=lib", "--buildtype=release",
                       "--wrap-mode=nodownload"},
                      steps.meson_flags),
                 source_dir, env);
        run_step(recipe, "build", with({"ninja", "-C", "_build", jobs}, steps.make_flags), source_dir, env);
        run_step(recipe, "install",
                 with({"meson", "install", "-C", "_build", "--no-rebuild", "--destdir", stage_dir}, steps.install_flags),
                 source_dir, env);
        break;
    case BuildTemplate::Custom:
        run_step(recipe, "build", {"bash", absolute(recipe.directory + "/" + steps.script)}, source_dir, env);
        break;
    }
    stage(recipe, stage_dir);
    if (path_source) {
        // A tree that is rebuilt every time: its dependents must rebuild when what they compile or link
        // against changed, so its fingerprint is what it staged there: headers, pkg-config files, and the
        // static archives and start files (lib/*.a, lib/*.o) that end up inside every dependent's binaries.
        // Shared libraries are left out: a dependent picks a new one up at run time without relinking.
        std::string interface;
        auto linked_in = [](const std::string &line) {
            return line.starts_with("lib/") && line.find('/', 4) == std::string::npos &&
                   (line.ends_with(".a") || line.ends_with(".o"));
        };
        for (const std::string &line : split_lines(read_text_file(work + "/manifest.txt"))) {
            if (line.starts_with("include/") || line.starts_with("lib/pkgconfig/") || linked_in(line)) {
                interface += line + "=" + sha256_of_file(sysroot() + "/" + line) + "\n";
            }
        }
        wanted = sha256_of_bytes(wanted + interface);
    }
    write_text_file(stamp, wanted);
    cooked_fingerprints_[recipe.name] = wanted;
}

}  // namespace cook
