#include "common/check.h"

#include <cstdio>
#include <cstdlib>

namespace tocsin::internal {

void CheckFailed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "tocsin: internal check failed: %s at %s:%d\n",
               condition, file, line);
  std::abort();
}

}  // namespace tocsin::internal
