// The one error type of the cook tool: a message meant for the person running it.
#pragma once

#include <stdexcept>
#include <string>

namespace cook {

class CookError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace cook
