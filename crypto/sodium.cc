#include "crypto/sodium.h"

#include <sodium.h>

#include "common/check.h"

namespace tocsin::crypto {

void EnsureSodium() {
  // sodium_init() is itself thread-safe and idempotent (returns 1 when it
  // had already run); only -1 is a failure.
  static const int kInitialized = sodium_init();
  TOCSIN_CHECK(kInitialized >= 0);
}

}  // namespace tocsin::crypto
