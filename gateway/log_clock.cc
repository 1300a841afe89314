#include "gateway/log_clock.h"

#include <algorithm>
#include <cstdlib>

namespace tocsin::gateway {

UnixMillis LogClock::Paced(UnixMillis wall, SteadyMillis steady) {
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
  return now;
}

UnixMillis LogClock::Read(UnixMillis wall, SteadyMillis steady, UnixMillis floor) {
  return std::max(Paced(wall, steady), floor);
}

}  // namespace tocsin::gateway
