// The cooking steps for one recipe and one target: fetch, verify, unpack, patch, build, stage.
#pragma once

#include "recipe.hpp"

#include <map>
#include <string>

namespace cook {

struct Options {
    std::string ports_dir;     // ports/
    std::string targets_file;  // cookbook/targets.toml
    std::string build_dir;     // build/: build/cook/<target>/<name>/ and build/sysroot/<target>/
    std::string cache_dir;     // fetched files, one directory per recipe
    std::string target = "hosted";
    int jobs = 2;
    bool offline = false;  // never fetch: the cache must hold every file
    bool verbose = false;  // stream build output too
    bool force = false;    // rebuild even when up to date
};

// Compares a file's SHA-256 with the recipe's; throws CookError
// "checksum mismatch: <path>: expected <hash>, got <hash>".
void verify_checksum(const std::string &path, const std::string &expected);

class Kitchen {
public:
    Kitchen(Options options, Target target);

    std::string sysroot() const;
    std::string work_dir(const Recipe &recipe) const;

    // Fetches into the cache (nothing when every file is already there) and verifies every checksum.
    void fetch(const Recipe &recipe);
    // Every step, unless the recipe is already cooked with the same inputs. `position` is "[i/n]".
    void cook(const Recipe &recipe, const std::string &position);

private:
    struct StepFailed {
        std::string step;
        std::string log;
        int status;
    };
    std::string cache_for(const Recipe &recipe) const;
    std::string fingerprint(const Recipe &recipe) const;
    std::map<std::string, std::string> build_environment(const Recipe &recipe) const;
    void run_step(const Recipe &recipe, const std::string &step, const std::vector<std::string> &argv,
                  const std::string &directory, const std::map<std::string, std::string> &env);
    void check_debian_build_deps(const Recipe &recipe, const BuildSteps &steps) const;
    void unpack(const Recipe &recipe, const std::string &source_dir);
    void sync_tree(const Recipe &recipe, const std::string &source_dir);
    void stage(const Recipe &recipe, const std::string &stage_dir);
    bool still_staged(const std::string &manifest) const;
    std::string expand(const std::string &text) const;

    Options options_;
    Target target_;
    std::map<std::string, std::string> cooked_fingerprints_;
};

}  // namespace cook
