#include "pki/crl_expiry.h"

#include "common/log.h"

namespace tocsin::pki {

namespace {
constexpr SteadyMillis kWarnEvery = 10 * 60 * 1000;
}  // namespace

CrlExpiry JudgeCrlExpiry(UnixMillis next_update, UnixMillis now) {
  UnixMillis left = next_update - now;
  CrlFreshness freshness = left <= 0                  ? CrlFreshness::kExpired
                           : left <= kCrlWarningWindow ? CrlFreshness::kExpiring
                                                       : CrlFreshness::kFresh;
  return CrlExpiry{freshness, next_update, left};
}

const char* CrlFreshnessName(CrlFreshness freshness) {
  switch (freshness) {
    case CrlFreshness::kFresh: return "fresh";
    case CrlFreshness::kExpiring: return "expiring";
    case CrlFreshness::kExpired: return "expired";
  }
  return "unknown";
}

std::string DescribeCrlExpiry(const CrlExpiry& expiry, const std::string& where) {
  std::string when = FormatUtc(expiry.next_update);
  switch (expiry.freshness) {
    case CrlFreshness::kFresh:
      return "the CRL in " + where + " is valid until " + when + " (" +
             std::to_string(expiry.left / 3600000) + " h left)";
    case CrlFreshness::kExpiring:
      return "the CRL in " + where + " expires at " + when + " (in " +
             std::to_string(expiry.left / 60000) +
             " min): publish a fresh one (tocsin pki crl; for a long-lived CRL, a freshness statement: "
             "tocsin pki refresh) or every certificate check fails then";
    case CrlFreshness::kExpired:
      return "the CRL in " + where + " expired at " + when + " (" +
             std::to_string(-expiry.left / 60000) +
             " min ago): every certificate check fails closed, nobody is admitted or "
             "verified, until the CA publishes a fresh one (tocsin pki crl; for a long-lived CRL, "
             "a freshness statement: tocsin pki refresh)";
  }
  return {};
}

void CrlExpiryWarner::Check(UnixMillis next_update, UnixMillis now) {
  CrlExpiry expiry = JudgeCrlExpiry(next_update, now);
  SteadyMillis steady = SteadyNowMillis();
  if (expiry.freshness == CrlFreshness::kFresh || steady < next_warning_) {
    return;
  }
  next_warning_ = steady + kWarnEvery;
  if (expiry.freshness == CrlFreshness::kExpiring) {
    spdlog::warn("{}", DescribeCrlExpiry(expiry, where_));
  } else {
    spdlog::error("{}", DescribeCrlExpiry(expiry, where_));
  }
}

}  // namespace tocsin::pki
