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

SteadyMillis g_steady = 0;
SteadyMillis FakeSteady() { return g_steady; }

TEST_CASE("A paced clock follows the wall clock, not its steps", "[common][clock]") {
  constexpr UnixMillis kAt = 1795861800000;
  FakeClock wall(kAt);
  PacedClock clock(wall, FakeSteady);
  auto at = [&](UnixMillis wall_time, SteadyMillis steady) {
    wall.Set(wall_time);
    g_steady = steady;
    return clock.NowMillis();
  };
  CHECK(at(kAt, 0) == kAt);
  CHECK(at(kAt + 1000, 1000) == kAt + 1000);
  CHECK(at(kAt + 62000, 2000) == kAt + 62000);  // a small correction is followed
  // Two days ahead: it runs on with the monotonic clock.
  constexpr UnixMillis kDays2 = 2LL * 24 * 3600 * 1000;
  CHECK(at(kAt + kDays2 + 63000, 3000) == kAt + 63000);
  CHECK(clock.wall_offset() == kDays2);
  CHECK(at(kAt + kDays2 + 73000, 13000) == kAt + 73000);
  CHECK(at(kAt + 74000, 14000) == kAt + 74000);  // back to the right time: followed
  CHECK(clock.wall_offset() == 0);
  // An hour back: neither frozen nor back.
  CHECK(at(kAt + 75000 - 3600 * 1000, 15000) == kAt + 75000);
  CHECK(at(kAt + 85000 - 3600 * 1000, 25000) == kAt + 85000);
}

}  // namespace
}  // namespace tocsin
