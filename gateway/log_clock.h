// gateway/log_clock.h -- the audit log's clock (docs/audit.md section 2).
//
// Wall time while the wall clock keeps pace with the monotonic clock. Across
// a step of more than kMaxStep, either way, it runs on with the monotonic
// clock from its last reading, until the wall clock agrees again: a step
// ahead does not date entries in the future, a step back does not freeze
// them. And never before `floor`, the latest time the log already holds, so
// log order and time order agree. An error the wall clock already had when
// the gateway started cannot be told from the truth. Pure: no I/O.
#pragma once

#include "common/clock.h"

namespace tocsin::gateway {

class LogClock {
 public:
  static constexpr UnixMillis kMaxStep = 5 * 60 * 1000;

  UnixMillis Read(UnixMillis wall, SteadyMillis steady, UnixMillis floor);
  // The same without the floor: the gateway's best idea of the time, for
  // what it signs besides the log (heartbeats).
  UnixMillis Paced(UnixMillis wall, SteadyMillis steady);

  // The wall clock minus the log's, at the last reading: beyond kMaxStep
  // either way, the wall clock has stepped and is not followed.
  UnixMillis wall_offset() const { return wall_offset_; }

 private:
  bool anchored_ = false;
  UnixMillis paced_at_anchor_ = 0;
  SteadyMillis steady_at_anchor_ = 0;
  UnixMillis wall_offset_ = 0;
};

}  // namespace tocsin::gateway
