// common/token_bucket.h -- a token bucket: a sustained rate with a burst.
//
// Times are steady-clock milliseconds passed in by the caller (a bucket
// never reads a clock), so tests drive it directly. Not thread-safe.
#pragma once

#include <algorithm>

#include "common/clock.h"

namespace tocsin {

struct RateLimit {
  double per_second = 0;  // tokens earned per second
  double burst = 0;       // most tokens held at once; a new bucket is full
};

class TokenBucket {
 public:
  explicit TokenBucket(RateLimit limit) : limit_(limit), tokens_(limit.burst) {}

  // Spends one token if there is one at `now`.
  bool Take(SteadyMillis now) {
    if (!started_ || now > refilled_at_) {
      if (started_) {
        tokens_ = std::min(limit_.burst, tokens_ + static_cast<double>(now - refilled_at_) *
                                                       limit_.per_second / 1000.0);
      }
      refilled_at_ = now;
      started_ = true;
    }
    if (tokens_ < 1.0) {
      return false;
    }
    tokens_ -= 1.0;
    return true;
  }

 private:
  RateLimit limit_;
  double tokens_;
  SteadyMillis refilled_at_ = 0;
  bool started_ = false;
};

}  // namespace tocsin
