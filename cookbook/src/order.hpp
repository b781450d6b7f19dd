// Dependency order: every recipe after the recipes it depends on (for one target).
#pragma once

#include "recipe.hpp"

#include <functional>
#include <string>
#include <vector>

namespace cook {

using RecipeLoader = std::function<Recipe(const std::string &name)>;

// Depth-first, in the order the roots and dependencies are listed, so the result is deterministic.
// Throws CookError on a cycle (naming it, e.g. "a -> b -> a") or a dependency that has no recipe.
std::vector<Recipe> dependency_order(const std::vector<std::string> &roots, const std::string &target,
                                     const RecipeLoader &load);

}  // namespace cook
