#pragma once

#include <stdexcept>
#include <string>

namespace sparselab {

/// An error caused by input the user supplied (a model or audio file, an argument, a device).
/// what() is a complete sentence naming the file or thing and the problem; front ends print it.
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace sparselab
