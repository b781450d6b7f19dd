// Recipe and target parsing with toml++. Parsing is strict: unknown keys and wrong types are errors, so a
// typo in a recipe never silently changes a build.
#include "recipe.hpp"

#include "error.hpp"

#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace cook {
namespace fs = std::filesystem;

namespace {

class TableReader {
public:
    TableReader(const toml::table &table, std::string file, std::string where)
        : table_(table), file_(std::move(file)), where_(std::move(where)) {}

    [[noreturn]] void fail(const std::string &key, const std::string &what) const {
        throw CookError(file_ + ": " + (where_.empty() ? "" : "[" + where_ + "] ") + key + ": " + what);
    }

    std::string string(const std::string &key, bool required, const std::string &fallback = "") {
        seen_.insert(key);
        const toml::node *node = table_.get(key);
        if (!node) {
            if (required) fail(key, "missing (required)");
            return fallback;
        }
        if (!node->is_string()) fail(key, "must be a string");
        return std::string(*node->value<std::string>());
    }

    int integer(const std::string &key, int fallback) {
        seen_.insert(key);
        const toml::node *node = table_.get(key);
        if (!node) return fallback;
        if (!node->is_integer()) fail(key, "must be an integer");
        return static_cast<int>(*node->value<int64_t>());
    }

    // -1 when absent.
    int boolean(const std::string &key) {
        seen_.insert(key);
        const toml::node *node = table_.get(key);
        if (!node) return -1;
        if (!node->is_boolean()) fail(key, "must be true or false");
        return *node->value<bool>() ? 1 : 0;
    }

    std::vector<std::string> strings(const std::string &key) {
        seen_.insert(key);
        std::vector<std::string> out;
        const toml::node *node = table_.get(key);
        if (!node) return out;
        const toml::array *array = node->as_array();
        if (!array) fail(key, "must be an array of strings");
        for (const toml::node &item : *array) {
            if (!item.is_string()) fail(key, "must be an array of strings");
            out.emplace_back(*item.value<std::string>());
        }
        return out;
    }

    const toml::table *subtable(const std::string &key, bool required) {
        seen_.insert(key);
        const toml::node *node = table_.get(key);
        if (!node) {
            if (required) fail(key, "missing table (required)");
            return nullptr;
        }
        if (!node->is_table()) fail(key, "must be a table");
        return node->as_table();
    }

    // Every key must have been read: anything else is a typo or an unsupported field.
    void reject_unknown() const {
        for (const auto &[key, node] : table_) {
            if (!seen_.count(std::string(key.str()))) fail(std::string(key.str()), "unknown key");
        }
    }

private:
    const toml::table &table_;
    std::string file_;
    std::string where_;
    std::set<std::string> seen_;
};

toml::table parse_toml(const std::string &text, const std::string &file) {
    try {
        return toml::parse(text, file);
    } catch (const toml::parse_error &error) {
        const auto &begin = error.source().begin;
        std::ostringstream message;
        message << file << ":" << begin.line << ":" << begin.column << ": TOML syntax error: " << error.description();
        throw CookError(message.str());
    }
}

// [build] (with its template) or a [target.<name>] table of additions (lists only).
BuildSteps read_build_steps(TableReader &reader, bool allow_template) {
    BuildSteps steps;
    if (allow_template) {
        std::string kind = reader.string("template", true);
        if (kind == "configure") {
            steps.kind = BuildTemplate::Configure;
        } else if (kind == "make") {
            steps.kind = BuildTemplate::Make;
        } else if (kind == "meson") {
            steps.kind = BuildTemplate::Meson;
        } else if (kind == "custom") {
            steps.kind = BuildTemplate::Custom;
        } else {
            reader.fail("template",
                        "must be \"configure\", \"make\", \"meson\" or \"custom\", not \"" + kind + "\"");
        }
        steps.script = reader.string("script", steps.kind == BuildTemplate::Custom);
        if (steps.kind != BuildTemplate::Custom && !steps.script.empty()) {
            reader.fail("script", "only a custom template runs a script");
        }
    }
    steps.dependencies = reader.strings("dependencies");
    steps.configure_flags = reader.strings("configure-flags");
    steps.make_flags = reader.strings("make-flags");
    steps.install_flags = reader.strings("install-flags");
    steps.meson_flags = reader.strings("meson-flags");
    steps.debian_build_deps = reader.strings("debian-build-deps");
    for (const std::string &package : steps.debian_build_deps) {
        bool plain = !package.empty() && package.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+-.") ==
                                             std::string::npos;
        if (!plain) reader.fail("debian-build-deps", "\"" + package + "\" is not a Debian package name");
    }
    steps.host_pkg_config = reader.boolean("host-pkg-config");
    reader.reject_unknown();
    return steps;
}

bool is_plain_file_name(const std::string &name) {
    return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

}  // namespace

BuildSteps Recipe::build_for(const std::string &target) const {
    BuildSteps steps = build;
    auto extra = per_target.find(target);
    if (extra == per_target.end()) return steps;
    auto append = [](std::vector<std::string> &to, const std::vector<std::string> &from) {
        to.insert(to.end(), from.begin(), from.end());
    };
    append(steps.dependencies, extra->second.dependencies);
    append(steps.configure_flags, extra->second.configure_flags);
    append(steps.make_flags, extra->second.make_flags);
    append(steps.install_flags, extra->second.install_flags);
    append(steps.meson_flags, extra->second.meson_flags);
    append(steps.debian_build_deps, extra->second.debian_build_deps);
    if (extra->second.host_pkg_config >= 0) steps.host_pkg_config = extra->second.host_pkg_config;
    return steps;
}

Recipe parse_recipe_text(const std::string &text, const std::string &file, const std::string &directory) {
    toml::table root = parse_toml(text, file);
    TableReader top(root, file, "");
    Recipe recipe;
    recipe.file = file;
    recipe.directory = directory;

    TableReader package(*top.subtable("package", true), file, "package");
    recipe.name = package.string("name", true);
    recipe.version = package.string("version", true);
    recipe.summary = package.string("summary", false);
    package.reject_unknown();
    if (!is_plain_file_name(recipe.name)) package.fail("name", "must be a plain name");

    TableReader source(*top.subtable("source", true), file, "source");
    Source &src = recipe.source;
    if (const toml::table *debian = source.subtable("debian", false)) {
        TableReader deb(*debian, file, "source.debian");
        src.debian_package = deb.string("package", true);
        src.debian_version = deb.string("version", true);
        deb.reject_unknown();
    }
    src.url = source.string("url", false);
    src.archive = source.string("archive", false);
    src.strip_components = source.integer("strip-components", 1);
    std::string path = source.string("path", false);
    src.patches = source.strings("patches");
    if (const toml::table *sums = source.subtable("sha256", false)) {
        for (const auto &[key, node] : *sums) {
            std::string name(key.str());
            if (!node.is_string()) source.fail("sha256." + name, "must be a string");
            std::string hash(*node.value<std::string>());
            bool hex = hash.size() == 64 && hash.find_first_not_of("0123456789abcdef") == std::string::npos;
            if (!hex) source.fail("sha256." + name, "must be 64 lower-case hex digits");
            if (!is_plain_file_name(name)) source.fail("sha256." + name, "must name a plain file");
            src.sha256[name] = hash;
        }
    }
    source.reject_unknown();

    bool fetched = !src.debian_package.empty() || !src.url.empty();
    if (!path.empty() && fetched) source.fail("path", "a path source cannot also be fetched");
    if (path.empty() && !fetched) source.fail("debian", "no source: give debian, url or path");
    if (!path.empty()) {
        src.path = fs::weakly_canonical(fs::path(directory) / path).string();
        if (!src.sha256.empty()) source.fail("sha256", "a path source has nothing to verify");
    } else {
        if (src.archive.empty()) source.fail("archive", "missing (required for a fetched source)");
        if (!is_plain_file_name(src.archive)) source.fail("archive", "must be a plain file name");
        if (!src.sha256.count(src.archive)) source.fail("sha256", "no checksum for the archive " + src.archive);
        if (src.strip_components < 0) source.fail("strip-components", "must not be negative");
    }
    for (const std::string &patch : src.patches) {
        if (!is_plain_file_name(patch)) source.fail("patches", "\"" + patch + "\" must be a file in the recipe directory");
    }

    TableReader build(*top.subtable("build", true), file, "build");
    recipe.build = read_build_steps(build, true);
    if (recipe.build.kind != BuildTemplate::Meson && !recipe.build.meson_flags.empty()) {
        build.fail("meson-flags", "only the meson template runs meson");
    }

    if (const toml::table *targets = top.subtable("target", false)) {
        for (const auto &[key, node] : *targets) {
            std::string target(key.str());
            if (!node.is_table()) top.fail("target." + target, "must be a table");
            TableReader extra(*node.as_table(), file, "target." + target);
            recipe.per_target[target] = read_build_steps(extra, false);
        }
    }
    top.reject_unknown();
    return recipe;
}

std::string read_text_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CookError("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

Recipe load_recipe(const std::string &ports_dir, const std::string &name) {
    if (!is_plain_file_name(name)) throw CookError("not a recipe name: " + name);
    fs::path directory = fs::path(ports_dir) / name;
    fs::path file = directory / "recipe.toml";
    if (!fs::exists(file)) throw CookError("no recipe for " + name + " (" + file.string() + " does not exist)");
    Recipe recipe = parse_recipe_text(read_text_file(file.string()), file.string(), directory.string());
    if (recipe.name != name) {
        throw CookError(file.string() + ": [package] name: \"" + recipe.name + "\" does not match its directory \"" +
                        name + "\"");
    }
    return recipe;
}

std::map<std::string, Target> parse_targets_text(const std::string &text, const std::string &file) {
    toml::table root = parse_toml(text, file);
    std::map<std::string, Target> targets;
    for (const auto &[key, node] : root) {
        std::string name(key.str());
        if (!node.is_table()) throw CookError(file + ": " + name + ": a target must be a table");
        TableReader reader(*node.as_table(), file, name);
        Target target;
        target.name = name;
        target.summary = reader.string("summary", false);
        target.cc = reader.string("cc", false, target.cc);
        target.cxx = reader.string("cxx", false, target.cxx);
        target.cflags = reader.string("cflags", false);
        target.cxxflags = reader.string("cxxflags", false);
        target.ldflags = reader.string("ldflags", false);
        target.glue = reader.string("glue", false);
        if (const toml::table *env = reader.subtable("env", false)) {
            for (const auto &[var, value] : *env) {
                if (!value.is_string()) reader.fail("env." + std::string(var.str()), "must be a string");
                target.env[std::string(var.str())] = *value.value<std::string>();
            }
        }
        reader.reject_unknown();
        targets[name] = target;
    }
    if (targets.empty()) throw CookError(file + ": defines no target");
    return targets;
}

std::map<std::string, Target> load_targets(const std::string &file) {
    return parse_targets_text(read_text_file(file), file);
}

}  // namespace cook
