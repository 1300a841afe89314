#include "common/clock.h"

#include "common/log.h"

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <ctime>

namespace tocsin {

UnixMillis SystemClock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SteadyMillis SteadyNowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

UnixMillis PacedClock::NowMillis() const {
  UnixMillis wall = wall_.NowMillis();
  SteadyMillis steady = steady_();
  std::lock_guard<std::mutex> lock(mutex_);
  UnixMillis now = wall;
  if (anchored_) {
    UnixMillis predicted = paced_at_anchor_ + (steady - steady_at_anchor_);
    if (std::llabs(wall - predicted) > kMaxStep) {
      now = predicted;
    }
  }
  wall_offset_ = wall - now;
  anchored_ = true;
  paced_at_anchor_ = now;
  steady_at_anchor_ = steady;
  // Said at once for each new step, then every 10 minutes while it lasts.
  bool new_step = std::llabs(wall_offset_ - warned_offset_) > kMaxStep;
  if (wall_offset_ != 0 && (new_step || steady >= next_warning_)) {
    next_warning_ = steady + 10 * 60 * 1000;
    warned_offset_ = wall_offset_;
    spdlog::error("CLOCK: the wall clock is {} s {} this daemon's clock, which follows the "
                  "monotonic clock until they agree again; if the wall clock is right now, "
                  "restart the daemon to adopt it",
                  std::llabs(wall_offset_) / 1000, wall_offset_ > 0 ? "ahead of" : "behind");
  }
  return now;
}

UnixMillis PacedClock::wall_offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return wall_offset_;
}

std::string FormatUtc(UnixMillis millis) {
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  int remainder = static_cast<int>(millis % 1000);
  if (remainder < 0) {
    remainder += 1000;
    seconds -= 1;
  }
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                parts.tm_hour, parts.tm_min, parts.tm_sec, remainder);
  return text;
}

Result<UnixMillis> ParseDuration(std::string_view text) {
  constexpr UnixMillis kTenYears = 3650LL * 24 * 3600 * 1000;
  auto invalid = [&] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "duration '" + std::string(text) +
                         "' is not a positive number followed by s, m, h or d "
                         "(at most ten years)");
  };
  if (text.size() < 2 || text.size() > 12) {
    return invalid();
  }
  UnixMillis unit = 0;
  switch (text.back()) {
    case 's': unit = 1000; break;
    case 'm': unit = 60 * 1000; break;
    case 'h': unit = 3600 * 1000; break;
    case 'd': unit = 24 * 3600 * 1000; break;
    default: return invalid();
  }
  UnixMillis count = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') {
      return invalid();
    }
    count = count * 10 + (c - '0');
  }
  if (count == 0 || count > kTenYears / unit) {
    return invalid();
  }
  return count * unit;
}

}  // namespace tocsin
