#include "order.hpp"

#include "error.hpp"

#include <map>

namespace cook {
namespace {

enum class Mark { Visiting, Done };

struct Walk {
    const std::string &target;
    const RecipeLoader &load;
    std::map<std::string, Mark> marks;
    std::vector<std::string> stack;
    std::vector<Recipe> order;

    void visit(const std::string &name, const std::string &needed_by) {
        auto mark = marks.find(name);
        if (mark != marks.end()) {
            if (mark->second == Mark::Done) return;
            std::string cycle;
            bool in_cycle = false;
            for (const std::string &step : stack) {
                if (step == name) in_cycle = true;
                if (in_cycle) cycle += step + " -> ";
            }
            throw CookError("dependency cycle for target " + target + ": " + cycle + name);
        }
        Recipe recipe;
        try {
            recipe = load(name);
        } catch (const CookError &error) {
            if (needed_by.empty()) throw;
            throw CookError(needed_by + " depends on " + name + ", which cannot be loaded: " + error.what());
        }
        marks[name] = Mark::Visiting;
        stack.push_back(name);
        for (const std::string &dependency : recipe.build_for(target).dependencies) visit(dependency, name);
        stack.pop_back();
        marks[name] = Mark::Done;
        order.push_back(std::move(recipe));
    }
};

}  // namespace

std::vector<Recipe> dependency_order(const std::vector<std::string> &roots, const std::string &target,
                                     const RecipeLoader &load) {
    Walk walk{target, load, {}, {}, {}};
    for (const std::string &root : roots) walk.visit(root, "");
    return walk.order;
}

}  // namespace cook
