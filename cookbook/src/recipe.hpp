// Recipes (ports/<name>/recipe.toml) and targets (cookbook/targets.toml), as parsed from TOML.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cook {

enum class BuildTemplate { Configure, Make, Meson, Custom };

struct Source {
    std::string debian_package;  // fetched with `apt-get source --download-only package=version`
    std::string debian_version;
    std::string url;              // a tarball for users without a Debian archive; saved as `archive`
    std::string archive;          // the fetched file that is unpacked
    int strip_components = 1;
    std::string path;             // a local tree instead (absolute, resolved against the recipe directory)
    std::map<std::string, std::string> sha256;  // every fetched file -> its expected hash
    std::vector<std::string> patches;          // file names in the recipe directory, applied in order with -p1

    bool is_path() const { return !path.empty(); }
};

struct BuildSteps {
    BuildTemplate kind = BuildTemplate::Configure;
    std::vector<std::string> dependencies;
    std::vector<std::string> configure_flags;
    std::vector<std::string> make_flags;
    std::vector<std::string> install_flags;
    std::vector<std::string> meson_flags;        // meson template: `meson setup` options
    std::vector<std::string> debian_build_deps;  // Debian packages the build needs on the build machine
    // Also find the build machine's own pkg-config files, after the sysroot's (libraries such as zstd or fmt
    // that a hosted program shares with the host). Unset in a [target.<name>] table: [build]'s value holds.
    int host_pkg_config = -1;  // -1 unset, 0 no, 1 yes
    std::string script;  // custom template: a script in the recipe directory
};

struct Recipe {
    std::string name;
    std::string version;
    std::string summary;
    std::string directory;  // ports/<name>
    std::string file;       // ports/<name>/recipe.toml
    Source source;
    BuildSteps build;
    // Per-target additions ([target.<name>]): appended to build's lists for that target.
    std::map<std::string, BuildSteps> per_target;

    // The build for one target: [build] with that target's additions.
    BuildSteps build_for(const std::string &target) const;
};

struct Target {
    std::string name;
    std::string summary;
    std::string cc = "cc";
    std::string cxx = "c++";
    std::string cflags;
    std::string cxxflags;
    std::string ldflags;  // "{sysroot}" expands to the target's sysroot
    std::string glue;     // the package providing the libc glue on this target ("" = none)
    std::map<std::string, std::string> env;
};

// Each throws CookError naming the file and what is wrong with it.
Recipe parse_recipe_text(const std::string &text, const std::string &file, const std::string &directory);
Recipe load_recipe(const std::string &ports_dir, const std::string &name);
std::map<std::string, Target> parse_targets_text(const std::string &text, const std::string &file);
std::map<std::string, Target> load_targets(const std::string &file);

std::string read_text_file(const std::string &path);

}  // namespace cook
