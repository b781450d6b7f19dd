// CMocka tests of the cook tool's logic: recipe parsing errors, checksum verification, dependency order.
#include "rp_test.h"

#include "error.hpp"
#include "kitchen.hpp"
#include "order.hpp"
#include "recipe.hpp"
#include "sha256.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <unistd.h>

namespace {

const char *kGoodRecipe = R"(
[package]
name = "demo"
version = "1.0"

[source]
debian = { package = "demo", version = "1.0-1" }
archive = "demo_1.0.orig.tar.gz"
patches = ["one.patch", "two.patch"]

[source.sha256]
"demo_1.0.orig.tar.gz" = "0000000000000000000000000000000000000000000000000000000000000000"

[build]
template = "configure"
configure-flags = ["--common"]

[target.hosted]
dependencies = ["glue"]
configure-flags = ["--ringport"]
)";

// The CookError message of parsing `text`, or "" when it parses.
std::string parse_error(const std::string &text) {
    try {
        cook::parse_recipe_text(text, "ports/demo/recipe.toml", "ports/demo");
    } catch (const cook::CookError &error) {
        return error.what();
    }
    return "";
}

std::string replace(std::string text, const std::string &from, const std::string &to) {
    auto at = text.find(from);
    assert_true(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

bool contains(const std::string &haystack, const std::string &needle) {
    if (haystack.find(needle) != std::string::npos) return true;
    print_error("\"%s\" does not contain \"%s\"\n", haystack.c_str(), needle.c_str());
    return false;
}

void good_recipe_parses(void **) {
    cook::Recipe recipe = cook::parse_recipe_text(kGoodRecipe, "ports/demo/recipe.toml", "ports/demo");
    assert_string_equal(recipe.name.c_str(), "demo");
    assert_string_equal(recipe.source.debian_version.c_str(), "1.0-1");
    assert_int_equal(recipe.source.patches.size(), 2);
    assert_string_equal(recipe.source.patches[1].c_str(), "two.patch");
    cook::BuildSteps hosted = recipe.build_for("hosted");
    assert_int_equal(hosted.configure_flags.size(), 2);
    assert_string_equal(hosted.configure_flags[1].c_str(), "--ringport");
    assert_int_equal(hosted.dependencies.size(), 1);
    cook::BuildSteps native = recipe.build_for("native");
    assert_int_equal(native.configure_flags.size(), 1);
    assert_true(native.dependencies.empty());
}

void syntax_error_names_file_and_line(void **) {
    std::string error = parse_error("[package]\nname = \"demo\nversion = \"1\"\n");
    assert_true(contains(error, "ports/demo/recipe.toml:2:"));
    assert_true(contains(error, "TOML syntax error"));
}

void missing_required_fields(void **) {
    assert_true(contains(parse_error(replace(kGoodRecipe, "version = \"1.0\"\n", "")), "[package] version: missing"));
    assert_true(contains(parse_error(replace(kGoodRecipe, "template = \"configure\"", "")), "[build] template: missing"));
    std::string no_source = replace(kGoodRecipe, "debian = { package = \"demo\", version = \"1.0-1\" }\n", "");
    assert_true(contains(parse_error(no_source), "no source"));
}

void unknown_keys_and_wrong_types(void **) {
    assert_true(contains(parse_error(replace(kGoodRecipe, "[build]\n", "[build]\nmake-flag = [\"x\"]\n")),
                         "[build] make-flag: unknown key"));
    assert_true(contains(parse_error(replace(kGoodRecipe, "patches = [\"one.patch\", \"two.patch\"]", "patches = \"one.patch\"")),
                         "[source] patches: must be an array of strings"));
    assert_true(contains(parse_error(replace(kGoodRecipe, "template = \"configure\"", "template = \"cmake\"")),
                         "must be \"configure\", \"make\", \"meson\" or \"custom\""));
    assert_true(contains(parse_error(replace(kGoodRecipe, "[build]\n", "[build]\nmeson-flags = [\"-Dx=1\"]\n")),
                         "[build] meson-flags: only the meson template runs meson"));
    assert_true(contains(parse_error(replace(kGoodRecipe, "[build]\n", "[build]\ndebian-build-deps = [\"Lib Foo\"]\n")),
                         "is not a Debian package name"));
    assert_true(contains(parse_error(replace(kGoodRecipe, "[build]\n", "[build]\nhost-pkg-config = \"yes\"\n")),
                         "[build] host-pkg-config: must be true or false"));
    assert_true(contains(parse_error(replace(kGoodRecipe, "[target.hosted]\n", "[target.hosted]\ntemplate = \"make\"\n")),
                         "[target.hosted] template: unknown key"));
}

// The meson template's keys, Debian build dependencies and host-pkg-config, with a target's additions.
void meson_template_and_debian_build_deps(void **) {
    std::string text = replace(kGoodRecipe, "template = \"configure\"\nconfigure-flags = [\"--common\"]",
                               "template = \"meson\"\nmeson-flags = [\"-Da=1\"]\ndebian-build-deps = [\"libzstd-dev\"]");
    text = replace(text, "configure-flags = [\"--ringport\"]",
                   "meson-flags = [\"-Db=2\"]\ndebian-build-deps = [\"libfmt-dev\"]\nhost-pkg-config = true");
    cook::Recipe recipe = cook::parse_recipe_text(text, "ports/demo/recipe.toml", "ports/demo");
    assert_true(recipe.build.kind == cook::BuildTemplate::Meson);
    assert_int_equal(recipe.build.host_pkg_config, -1);
    cook::BuildSteps hosted = recipe.build_for("hosted");
    assert_int_equal(hosted.meson_flags.size(), 2);
    assert_string_equal(hosted.meson_flags[1].c_str(), "-Db=2");
    assert_int_equal(hosted.debian_build_deps.size(), 2);
    assert_int_equal(hosted.host_pkg_config, 1);
    assert_int_equal(recipe.build_for("native").host_pkg_config, -1);
}

void checksum_rules(void **) {
    assert_true(contains(parse_error(replace(kGoodRecipe, "= \"0000000000000000000000000000000000000000000000000000000000000000\"", "= \"abc\"")),
                         "must be 64 lower-case hex digits"));
    std::string other_archive = replace(kGoodRecipe, "archive = \"demo_1.0.orig.tar.gz\"", "archive = \"other.tar.gz\"");
    assert_true(contains(parse_error(other_archive), "no checksum for the archive other.tar.gz"));
    assert_true(contains(parse_error(replace(kGoodRecipe, "\"one.patch\"", "\"../one.patch\"")),
                         "must be a file in the recipe directory"));
}

void sha256_known_answers(void **) {
    assert_string_equal(cook::sha256_of_bytes("").c_str(),
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_string_equal(cook::sha256_of_bytes("abc").c_str(),
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    std::string million(1000000, 'a');
    assert_string_equal(cook::sha256_of_bytes(million).c_str(),
                        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

void checksum_mismatch_names_file_and_both_hashes(void **) {
    std::string path = std::filesystem::temp_directory_path() / ("cook_test_" + std::to_string(getpid()));
    {
        std::ofstream out(path);
        out << "abc";
    }
    const std::string right = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const std::string wrong = "1111111111111111111111111111111111111111111111111111111111111111";
    cook::verify_checksum(path, right);  // matches: no error
    std::string message;
    try {
        cook::verify_checksum(path, wrong);
    } catch (const cook::CookError &error) {
        message = error.what();
    }
    std::remove(path.c_str());
    assert_true(contains(message, "checksum mismatch: " + path));
    assert_true(contains(message, "expected sha256 " + wrong));
    assert_true(contains(message, "got " + right));
}

// Recipes in memory: name -> (dependencies for every target, extra ones for "hosted").
cook::RecipeLoader loader(std::map<std::string, std::vector<std::string>> deps,
                          std::map<std::string, std::vector<std::string>> hosted_deps = {}) {
    return [deps, hosted_deps](const std::string &name) {
        auto it = deps.find(name);
        if (it == deps.end()) throw cook::CookError("no recipe for " + name);
        cook::Recipe recipe;
        recipe.name = name;
        recipe.build.dependencies = it->second;
        auto extra = hosted_deps.find(name);
        if (extra != hosted_deps.end()) recipe.per_target["hosted"].dependencies = extra->second;
        return recipe;
    };
}

std::string names(const std::vector<cook::Recipe> &order) {
    std::string out;
    for (const cook::Recipe &recipe : order) out += (out.empty() ? "" : " ") + recipe.name;
    return out;
}

void dependencies_come_first(void **) {
    auto load = loader({{"app", {"liburing", "zlib"}}, {"liburing", {}}, {"zlib", {}}, {"ringport", {}}},
                       {{"liburing", {"ringport"}}});
    assert_string_equal(names(cook::dependency_order({"app"}, "native", load)).c_str(), "liburing zlib app");
    assert_string_equal(names(cook::dependency_order({"app"}, "hosted", load)).c_str(),
                        "ringport liburing zlib app");
    // Shared dependencies are cooked once.
    assert_string_equal(names(cook::dependency_order({"liburing", "app"}, "hosted", load)).c_str(),
                        "ringport liburing zlib app");
}

void dependency_cycle_is_named(void **) {
    auto load = loader({{"a", {"b"}}, {"b", {"c"}}, {"c", {"a"}}});
    std::string message;
    try {
        cook::dependency_order({"a"}, "hosted", load);
    } catch (const cook::CookError &error) {
        message = error.what();
    }
    assert_true(contains(message, "dependency cycle for target hosted: a -> b -> c -> a"));
}

void missing_dependency_is_named(void **) {
    auto load = loader({{"app", {"nosuch"}}});
    std::string message;
    try {
        cook::dependency_order({"app"}, "hosted", load);
    } catch (const cook::CookError &error) {
        message = error.what();
    }
    assert_true(contains(message, "app depends on nosuch, which cannot be loaded: no recipe for nosuch"));
}

void targets_file(void **) {
    auto targets = cook::parse_targets_text("[hosted]\ncc = \"gcc\"\nldflags = \"-L{sysroot}\"\nglue = \"ringport\"\n"
                                            "[native]\n",
                                            "targets.toml");
    assert_int_equal(targets.size(), 2);
    assert_string_equal(targets["hosted"].glue.c_str(), "ringport");
    assert_string_equal(targets["native"].cc.c_str(), "cc");
    std::string message;
    try {
        cook::parse_targets_text("[hosted]\ncompiler = \"gcc\"\n", "targets.toml");
    } catch (const cook::CookError &error) {
        message = error.what();
    }
    assert_true(contains(message, "targets.toml: [hosted] compiler: unknown key"));
}

// The recipes shipped in ports/ must parse (RP_PORTS_DIR is set by the build).
void shipped_recipes_parse(void **) {
    for (const char *name : {"liburing", "ringport"}) {
        cook::Recipe recipe = cook::load_recipe(RP_PORTS_DIR, name);
        assert_string_equal(recipe.name.c_str(), name);
    }
    cook::Recipe liburing = cook::load_recipe(RP_PORTS_DIR, "liburing");
    assert_string_equal(liburing.source.sha256.at("liburing_2.9.orig.tar.gz").c_str(),
                        "57e9b36e4ac1e46b8e0351dfb1694dc59638fc25e384b4ba36d87b800b16db1a");
    auto order = cook::dependency_order({"liburing"}, "hosted",
                                        [](const std::string &name) { return cook::load_recipe(RP_PORTS_DIR, name); });
    assert_string_equal(names(order).c_str(), "ringport liburing");
}

// A scratch tree: ports/<recipe>, a source tree, build/ and cache/ under one temporary directory.
struct Scratch {
    std::filesystem::path root;
    Scratch() {
        char name[] = "/tmp/cook_test_XXXXXX";
        root = mkdtemp(name);
    }
    ~Scratch() { std::filesystem::remove_all(root); }
    void write(const std::string &relative, const std::string &text) const {
        std::filesystem::create_directories((root / relative).parent_path());
        std::ofstream(root / relative) << text;
    }
    cook::Options options() const {
        cook::Options options;
        options.ports_dir = root / "ports";
        options.build_dir = root / "build";
        options.cache_dir = root / "cache";
        options.target = "hosted";
        return options;
    }
};

std::string cook_error(cook::Kitchen &kitchen, const cook::Recipe &recipe, bool fetch_only = false) {
    try {
        if (fetch_only) {
            kitchen.fetch(recipe);
        } else {
            kitchen.cook(recipe, "[1/1]");
        }
    } catch (const cook::CookError &error) {
        return error.what();
    }
    return "";
}

void failed_step_names_recipe_step_and_log(void **) {
    Scratch scratch;
    scratch.write("tree/hello.c", "int main(void) { return 0; }\n");
    scratch.write("ports/broken/recipe.toml",
                  "[package]\nname = \"broken\"\nversion = \"1\"\n[source]\npath = \"../../tree\"\n"
                  "[build]\ntemplate = \"custom\"\nscript = \"build.sh\"\n");
    scratch.write("ports/broken/build.sh", "echo compiling hello.c\necho 'hello.c:1: error: no' >&2\nexit 3\n");
    cook::Options options = scratch.options();
    cook::Target target;
    target.name = "hosted";
    cook::Kitchen kitchen(options, target);
    cook::Recipe recipe = cook::load_recipe(options.ports_dir, "broken");
    std::string message = cook_error(kitchen, recipe);
    std::string log = (scratch.root / "build/cook/hosted/broken/logs/build.log").string();
    assert_true(contains(message, "recipe broken (target hosted): step build failed with exit status 3"));
    assert_true(contains(message, "log: " + log));
    assert_true(contains(message, "hello.c:1: error: no"));  // the log's last lines are shown
    assert_true(std::filesystem::exists(scratch.root / "build/cook/hosted/broken/source/hello.c"));
}

void script_installs_into_the_sysroot(void **) {
    Scratch scratch;
    scratch.write("tree/greeting.h", "#define GREETING \"hi\"\n");
    scratch.write("ports/greet/recipe.toml",
                  "[package]\nname = \"greet\"\nversion = \"1\"\n[source]\npath = \"../../tree\"\n"
                  "[build]\ntemplate = \"custom\"\nscript = \"build.sh\"\n");
    scratch.write("ports/greet/build.sh",
                  "set -e\nmkdir -p \"$COOK_DESTDIR$COOK_PREFIX/include\"\n"
                  "cp greeting.h \"$COOK_DESTDIR$COOK_PREFIX/include/\"\n"
                  "ln -s greeting.h \"$COOK_DESTDIR$COOK_PREFIX/include/hello.h\"\n");
    cook::Options options = scratch.options();
    cook::Target target;
    target.name = "hosted";
    cook::Kitchen kitchen(options, target);
    kitchen.cook(cook::load_recipe(options.ports_dir, "greet"), "[1/1]");
    std::filesystem::path sysroot = scratch.root / "build/sysroot/hosted";
    assert_true(std::filesystem::exists(sysroot / "include/greeting.h"));
    assert_true(std::filesystem::is_symlink(sysroot / "include/hello.h"));  // symlinks staged as symlinks
    for (const char *dir : {"lib/pkgconfig", "bin"}) assert_true(std::filesystem::is_directory(sysroot / dir));
}

// A path-sourced library is rebuilt on every cook; a dependent is rebuilt exactly when what it links against
// (here a static archive) changed, not when the library rebuilt the same bytes or changed other files.
void dependent_relinks_when_a_static_archive_changes(void **) {
    Scratch scratch;
    scratch.write("tree/libglue.a", "archive v1\n");
    scratch.write("tree/NOTES", "notes v1\n");
    scratch.write("ports/glue/recipe.toml",
                  "[package]\nname = \"glue\"\nversion = \"1\"\n[source]\npath = \"../../tree\"\n"
                  "[build]\ntemplate = \"custom\"\nscript = \"build.sh\"\n");
    scratch.write("ports/glue/build.sh", "set -e\nmkdir -p \"$COOK_DESTDIR$COOK_PREFIX/lib\" \"$COOK_DESTDIR$COOK_PREFIX/share\"\n"
                                         "cp libglue.a \"$COOK_DESTDIR$COOK_PREFIX/lib/\"\n"
                                         "cp NOTES \"$COOK_DESTDIR$COOK_PREFIX/share/\"\n");
    // The dependent comes from a (cached, verified) archive, so only its fingerprint decides whether it rebuilds.
    scratch.write("app-1/app.c", "int main(void) { return 0; }\n");
    std::filesystem::create_directories(scratch.root / "cache/app");
    std::string tar = "tar -cf " + (scratch.root / "cache/app/app-1.tar").string() + " -C " + scratch.root.string() + " app-1";
    assert_int_equal(std::system(tar.c_str()), 0);
    std::string hash = cook::sha256_of_file((scratch.root / "cache/app/app-1.tar").string());
    scratch.write("ports/app/recipe.toml",
                  "[package]\nname = \"app\"\nversion = \"1\"\n[source]\nurl = \"file:///nonexistent/app-1.tar\"\n"
                  "archive = \"app-1.tar\"\n[source.sha256]\n\"app-1.tar\" = \"" + hash + "\"\n"
                  "[build]\ntemplate = \"custom\"\nscript = \"build.sh\"\ndependencies = [\"glue\"]\n");
    std::string builds = (scratch.root / "app-builds").string();
    scratch.write("ports/app/build.sh", "set -e\nmkdir -p \"$COOK_DESTDIR$COOK_PREFIX/bin\"\n"
                                        "cp app.c \"$COOK_DESTDIR$COOK_PREFIX/bin/app\"\necho built >> " + builds + "\n");
    cook::Options options = scratch.options();
    options.offline = true;
    cook::Target target;
    target.name = "hosted";
    // One `cook app` run: glue first, then app, in a fresh kitchen each time as the cook tool does.
    auto cook_both = [&] {
        cook::Kitchen kitchen(options, target);
        kitchen.cook(cook::load_recipe(options.ports_dir, "glue"), "[1/2]");
        kitchen.cook(cook::load_recipe(options.ports_dir, "app"), "[2/2]");
    };
    auto build_count = [&] {
        std::ifstream log(builds);
        return std::count(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>(), '\n');
    };
    cook_both();
    assert_int_equal(build_count(), 1);
    cook_both();  // glue rebuilt the same archive: app is up to date
    assert_int_equal(build_count(), 1);
    scratch.write("tree/NOTES", "notes v2\n");  // not linked into anything
    cook_both();
    assert_int_equal(build_count(), 1);
    scratch.write("tree/libglue.a", "archive v2\n");  // the archive app links changed: app relinks
    cook_both();
    assert_int_equal(build_count(), 2);
}

const char *kFetchedRecipe =
    "[package]\nname = \"lib\"\nversion = \"1\"\n[source]\nurl = \"file:///nonexistent/lib-1.tar.gz\"\n"
    "archive = \"lib-1.tar.gz\"\n[source.sha256]\n"
    "\"lib-1.tar.gz\" = \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"\n"
    "[build]\ntemplate = \"make\"\n";

void cached_file_is_verified_not_refetched(void **) {
    Scratch scratch;
    scratch.write("ports/lib/recipe.toml", kFetchedRecipe);
    cook::Options options = scratch.options();
    options.offline = true;
    cook::Target target;
    target.name = "hosted";
    cook::Kitchen kitchen(options, target);
    cook::Recipe recipe = cook::load_recipe(options.ports_dir, "lib");

    // Nothing cached and offline: an error naming the missing file.
    assert_true(contains(cook_error(kitchen, recipe, true), "offline, and the cache lacks lib-1.tar.gz"));
    // The right bytes cached: accepted without fetching.
    scratch.write("cache/lib/lib-1.tar.gz", "abc");
    assert_string_equal(cook_error(kitchen, recipe, true).c_str(), "");
    // Wrong bytes cached: a hard error with both hashes, even though the file is there.
    scratch.write("cache/lib/lib-1.tar.gz", "abd");
    std::string message = cook_error(kitchen, recipe, true);
    assert_true(contains(message, "checksum mismatch: " + (scratch.root / "cache/lib/lib-1.tar.gz").string()));
    assert_true(contains(message, "expected sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    assert_true(contains(message, "got " + cook::sha256_of_bytes("abd")));
}

}  // namespace

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_recipe_parses),
        cmocka_unit_test(syntax_error_names_file_and_line),
        cmocka_unit_test(missing_required_fields),
        cmocka_unit_test(unknown_keys_and_wrong_types),
        cmocka_unit_test(meson_template_and_debian_build_deps),
        cmocka_unit_test(checksum_rules),
        cmocka_unit_test(sha256_known_answers),
        cmocka_unit_test(checksum_mismatch_names_file_and_both_hashes),
        cmocka_unit_test(dependencies_come_first),
        cmocka_unit_test(dependency_cycle_is_named),
        cmocka_unit_test(missing_dependency_is_named),
        cmocka_unit_test(targets_file),
        cmocka_unit_test(shipped_recipes_parse),
        cmocka_unit_test(failed_step_names_recipe_step_and_log),
        cmocka_unit_test(script_installs_into_the_sysroot),
        cmocka_unit_test(cached_file_is_verified_not_refetched),
        cmocka_unit_test(dependent_relinks_when_a_static_archive_changes),
    };
    return cmocka_run_group_tests_name("cook", tests, nullptr, nullptr);
}
