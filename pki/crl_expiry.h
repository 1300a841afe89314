// pki/crl_expiry.h -- how close a CRL is to its next update, said the same
// way by every daemon and command (SECURITY.md 43).
//
// Past its next update a CRL makes every certificate check fail closed, so
// the whole country stops being reachable: every verifier warns from
// kCrlWarningWindow before, and says so loudly once it has passed.
#pragma once

#include <string>

#include "common/clock.h"

namespace tocsin::pki {

inline constexpr UnixMillis kCrlWarningWindow = 6 * 3600 * 1000;

enum class CrlFreshness { kFresh, kExpiring, kExpired };

struct CrlExpiry {
  CrlFreshness freshness;
  UnixMillis next_update;
  UnixMillis left;  // next_update - now; negative once expired
};

CrlExpiry JudgeCrlExpiry(UnixMillis next_update, UnixMillis now);
const char* CrlFreshnessName(CrlFreshness freshness);  // "fresh", "expiring", "expired"

// One sentence for a person: when, and what to do ("run tocsin pki crl").
std::string DescribeCrlExpiry(const CrlExpiry& expiry, const std::string& where);

// For daemons: Check() logs a warning while the CRL is expiring and an error
// once it expired, at most once every 10 minutes (steady clock).
class CrlExpiryWarner {
 public:
  explicit CrlExpiryWarner(std::string where) : where_(std::move(where)) {}
  void Check(UnixMillis next_update, UnixMillis now);

 private:
  std::string where_;
  SteadyMillis next_warning_ = 0;
};

}  // namespace tocsin::pki
