#include "pki/crl_expiry.h"

#include <catch2/catch.hpp>

namespace tocsin::pki {
namespace {

constexpr UnixMillis kHour = 3600 * 1000;

TEST_CASE("a CRL is fresh, expiring from 6 hours before its next update, then expired") {
  const UnixMillis next = 1'800'000'000'000;
  CHECK(JudgeCrlExpiry(next, next - 6 * kHour - 1).freshness == CrlFreshness::kFresh);
  CHECK(JudgeCrlExpiry(next, next - 6 * kHour).freshness == CrlFreshness::kExpiring);
  CHECK(JudgeCrlExpiry(next, next - 1).freshness == CrlFreshness::kExpiring);
  CHECK(JudgeCrlExpiry(next, next).freshness == CrlFreshness::kExpired);
  CrlExpiry late = JudgeCrlExpiry(next, next + 2 * kHour);
  CHECK(late.left == -2 * kHour);
  CHECK_THAT(DescribeCrlExpiry(late, "ca/public"),
             Catch::Contains("expired at") && Catch::Contains("(120 min ago)") &&
                 Catch::Contains("fails closed") && Catch::Contains("tocsin pki crl"));
  CHECK_THAT(DescribeCrlExpiry(JudgeCrlExpiry(next, next - 90 * 60 * 1000), "ca/public"),
             Catch::Contains("expires at") && Catch::Contains("(in 90 min)"));
  CHECK(std::string(CrlFreshnessName(CrlFreshness::kExpiring)) == "expiring");
}

}  // namespace
}  // namespace tocsin::pki
