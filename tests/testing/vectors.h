// tests/testing/vectors.h -- locating and reading the public test vectors.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tocsin::testing {

// Returns the path of `relative` under ../shared/vectors. When the folder is
// absent, prints a SKIPPED line and exits the test process with 77, which
// ctest reports as skipped.
std::string VectorPathOrSkip(const std::string& relative);

nlohmann::json ReadJsonFile(const std::string& path);

}  // namespace tocsin::testing
