// common/clock.h -- the Clock interface; all Tocsin time is Unix milliseconds.
//
// Code that decides anything by time (expiry, deadlines, certificate checks)
// takes a Clock so tests can drive it with a FakeClock.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tocsin {

// Milliseconds since 1970-01-01T00:00:00Z.
using UnixMillis = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMillis NowMillis() const = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  UnixMillis NowMillis() const override;
};

// A clock that moves only when told to. Not thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixMillis now) : now_(now) {}
  UnixMillis NowMillis() const override { return now_; }
  void Set(UnixMillis now) { now_ = now; }
  void Advance(UnixMillis delta) { now_ += delta; }

 private:
  UnixMillis now_;
};

// Milliseconds on CLOCK_MONOTONIC: never steps with the system clock, so every
// timer runs on it (SECURITY.md 43). Only differences between two readings
// mean anything; it is never data.
using SteadyMillis = std::int64_t;
SteadyMillis SteadyNowMillis();

// A wall clock that does not follow steps (SECURITY.md 43), for daemons
// whose times are data others check (heartbeats, acceptance times, audit
// entries, escalation deadlines). Wall time while the wall clock keeps pace
// with the monotonic clock; across a step of more than kMaxStep, either way,
// the monotonic clock carries it on from its last reading until the wall
// clock agrees again, and an error is logged every 10 minutes meanwhile. An
// error the wall clock already had at the first reading cannot be told from
// the truth (restart to adopt a corrected clock). Thread-safe.
class PacedClock final : public Clock {
 public:
  static constexpr UnixMillis kMaxStep = 5 * 60 * 1000;

  explicit PacedClock(const Clock& wall, SteadyMillis (*steady)() = SteadyNowMillis)
      : wall_(wall), steady_(steady) {}
  UnixMillis NowMillis() const override;
  // The wall clock minus this one, at the last reading.
  UnixMillis wall_offset() const;

 private:
  const Clock& wall_;
  SteadyMillis (*steady_)();
  mutable std::mutex mutex_;
  mutable bool anchored_ = false;
  mutable UnixMillis paced_at_anchor_ = 0;
  mutable SteadyMillis steady_at_anchor_ = 0;
  mutable UnixMillis wall_offset_ = 0;
  mutable SteadyMillis next_warning_ = 0;
  mutable UnixMillis warned_offset_ = 0;
};

// Formats `millis` as RFC 3339 UTC, e.g. "2026-11-28T09:30:00.000Z".
std::string FormatUtc(UnixMillis millis);

// Parses a duration such as "90s", "30m", "4h", "2d" into milliseconds.
// Fails with kInvalidArgument naming the text when it is not of that form,
// is zero, or exceeds ten years.
Result<UnixMillis> ParseDuration(std::string_view text);

}  // namespace tocsin
