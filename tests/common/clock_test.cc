#include "common/clock.h"

#include <catch2/catch.hpp>

namespace tocsin {
namespace {

TEST_CASE("FormatUtc prints RFC 3339 with milliseconds", "[common][clock]") {
  CHECK(FormatUtc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatUtc(1795861800123) == "2026-11-28T10:30:00.123Z");
  CHECK(FormatUtc(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("ParseDuration reads s, m, h and d", "[common][clock]") {
  CHECK(ParseDuration("90s").value() == 90'000);
  CHECK(ParseDuration("30m").value() == 1'800'000);
  CHECK(ParseDuration("4h").value() == 14'400'000);
  CHECK(ParseDuration("2d").value() == 172'800'000);
}

TEST_CASE("ParseDuration rejects malformed, zero and huge durations",
          "[common][clock][negative]") {
  for (const char* bad : {"", "h", "10", "0m", "-5m", "5w", "1.5h", "99999999999d", "3651d"}) {
    INFO(bad);
    Result<UnixMillis> parsed = ParseDuration(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("FakeClock moves only when told", "[common][clock]") {
  FakeClock clock(1000);
  CHECK(clock.NowMillis() == 1000);
  clock.Advance(500);
  CHECK(clock.NowMillis() == 1500);
  clock.Set(7);
  CHECK(clock.NowMillis() == 7);
}

}  // namespace
}  // namespace tocsin
