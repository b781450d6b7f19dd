// cook: fetches, verifies, patches, builds and stages ports (ports/<name>/recipe.toml) for a target.
#include "error.hpp"
#include "kitchen.hpp"
#include "order.hpp"
#include "process.hpp"
#include "recipe.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

void usage(std::FILE *to) {
    std::fputs(
        "usage: cook [options] [cook|fetch|order|show|sysroot] RECIPE...\n"
        "  cook     fetch, verify, unpack, patch, build and stage RECIPE and its dependencies (default)\n"
        "  fetch    fetch and verify the sources of RECIPE and its dependencies into the cache\n"
        "  order    print the recipes in the order they would be cooked\n"
        "  show     print what the recipes say for the target\n"
        "  sysroot  print the target's sysroot directory\n"
        "options:\n"
        "  --target NAME     target from the targets file (default hosted)\n"
        "  --ports DIR       recipes directory (default ports)\n"
        "  --targets FILE    targets file (default cookbook/targets.toml)\n"
        "  --build DIR       work and sysroot directory (default build)\n"
        "  --cache DIR       download cache (default cookbook/cache)\n"
        "  --jobs N          parallel jobs for make (default 2)\n"
        "  --offline         never fetch; the cache must hold every file\n"
        "  --force           rebuild recipes that are up to date\n"
        "  --verbose         show build output as well as logging it\n",
        to);
}

const char *template_name(cook::BuildTemplate kind) {
    switch (kind) {
    case cook::BuildTemplate::Configure: return "configure";
    case cook::BuildTemplate::Make: return "make";
    case cook::BuildTemplate::Meson: return "meson";
    case cook::BuildTemplate::Custom: return "custom";
    }
    return "?";
}

std::string join(const std::vector<std::string> &items) {
    std::string out;
    for (const std::string &item : items) out += (out.empty() ? "" : " ") + item;
    return out;
}

}  // namespace

int main(int argc, char **argv) {
    cook::Options options;
    options.ports_dir = "ports";
    options.targets_file = "cookbook/targets.toml";
    options.build_dir = "build";
    options.cache_dir = "cookbook/cache";
    std::string command = "cook";
    std::vector<std::string> names;
    const std::vector<std::string> commands = {"cook", "fetch", "order", "show", "sysroot"};

    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "cook: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--target") options.target = value();
        else if (arg == "--ports") options.ports_dir = value();
        else if (arg == "--targets") options.targets_file = value();
        else if (arg == "--build") options.build_dir = value();
        else if (arg == "--cache") options.cache_dir = value();
        else if (arg == "--jobs") options.jobs = std::atoi(value().c_str());
        else if (arg == "--offline") options.offline = true;
        else if (arg == "--force") options.force = true;
        else if (arg == "--verbose" || arg == "-v") options.verbose = true;
        else if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        } else if (arg.starts_with("-")) {
            std::fprintf(stderr, "cook: unknown option %s\n", arg.c_str());
            usage(stderr);
            return 2;
        } else if (names.empty() && command == "cook" &&
                   std::find(commands.begin(), commands.end(), arg) != commands.end()) {
            command = arg;
        } else {
            names.push_back(arg);
        }
    }
    if (options.jobs < 1) options.jobs = 1;

    try {
        auto targets = cook::load_targets(options.targets_file);
        auto target = targets.find(options.target);
        if (target == targets.end()) {
            std::string known;
            for (const auto &[name, unused] : targets) known += " " + name;
            throw cook::CookError("unknown target " + options.target + " (" + options.targets_file +
                                  " defines:" + known + ")");
        }
        cook::Kitchen kitchen(options, target->second);
        if (command == "sysroot") {
            std::printf("%s\n", kitchen.sysroot().c_str());
            return 0;
        }
        if (names.empty()) {
            usage(stderr);
            return 2;
        }
        auto order = cook::dependency_order(names, options.target, [&](const std::string &name) {
            return cook::load_recipe(options.ports_dir, name);
        });
        if (command == "order") {
            for (const cook::Recipe &recipe : order) std::printf("%s\n", recipe.name.c_str());
            return 0;
        }
        if (command == "show") {
            for (const cook::Recipe &recipe : order) {
                cook::BuildSteps steps = recipe.build_for(options.target);
                std::printf("%s %s: %s\n  source: %s\n  patches: %s\n  build: %s%s\n  dependencies: %s\n"
                            "  debian-build-deps: %s\n",
                            recipe.name.c_str(), recipe.version.c_str(), recipe.summary.c_str(),
                            recipe.source.is_path() ? recipe.source.path.c_str()
                                                    : (recipe.source.debian_package + "=" +
                                                       recipe.source.debian_version + " " + recipe.source.url)
                                                          .c_str(),
                            join(recipe.source.patches).c_str(), template_name(steps.kind),
                            steps.configure_flags.empty() ? "" : (" " + join(steps.configure_flags)).c_str(),
                            join(steps.dependencies).c_str(), join(steps.debian_build_deps).c_str());
            }
            return 0;
        }
        std::printf("cook: target %s (%s), sysroot %s\n", options.target.c_str(), target->second.summary.c_str(),
                    kitchen.sysroot().c_str());
        for (std::size_t i = 0; i < order.size(); ++i) {
            std::string position = "[" + std::to_string(i + 1) + "/" + std::to_string(order.size()) + "]";
            if (command == "fetch") {
                cook::progress(position + " " + order[i].name + " " + order[i].version);
                kitchen.fetch(order[i]);
            } else {
                kitchen.cook(order[i], position);
            }
        }
        std::string done;
        for (const cook::Recipe &recipe : order) done += " " + recipe.name;
        std::printf("cook: done (%s):%s\n", command.c_str(), done.c_str());
        return 0;
    } catch (const cook::CookError &error) {
        std::fflush(stdout);
        std::fprintf(stderr, "cook: error: %s\n", error.what());
        return 1;
    } catch (const std::exception &error) {
        std::fflush(stdout);
        std::fprintf(stderr, "cook: error: %s\n", error.what());
        return 1;
    }
}
