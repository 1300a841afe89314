// common/check.h -- TOCSIN_CHECK: abort on a broken invariant.
//
// For bugs only: an allocator or sodium_init failure at start-up, a state the
// code itself promised could not happen. Never for anything a peer, a file or
// an operator can cause; those return a Result (common/result.h).
#pragma once

namespace tocsin::internal {
[[noreturn]] void CheckFailed(const char* condition, const char* file, int line);
}  // namespace tocsin::internal

#define TOCSIN_CHECK(condition)                                         \
  do {                                                                  \
    if (!(condition)) {                                                 \
      ::tocsin::internal::CheckFailed(#condition, __FILE__, __LINE__);  \
    }                                                                   \
  } while (false)
