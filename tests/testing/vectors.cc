#include "tests/testing/vectors.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace tocsin::testing {

std::string VectorPathOrSkip(const std::string& relative) {
  std::string path = std::string(TOCSIN_VECTORS_DIR) + "/" + relative;
  if (!std::filesystem::exists(path)) {
    std::printf("SKIPPED: test vectors not found at %s\n", path.c_str());
    std::fflush(stdout);
    std::_Exit(77);
  }
  return path;
}

nlohmann::json ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot open " + path);
  }
  return nlohmann::json::parse(in);
}

}  // namespace tocsin::testing
