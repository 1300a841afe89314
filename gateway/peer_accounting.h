// gateway/peer_accounting.h -- what one authenticated principal may cost the
// gateway, and what it has been refused (SECURITY.md 37).
//
// Every message a principal sends first spends a token from its bucket (a
// sustained rate and a burst): over its budget, its messages are dropped
// unread and counted, so a flooding peer costs one map lookup per message
// and everyone else keeps their share of each turn. Refusals are counted per
// principal and reason; the first refusal of a principal in each summary
// interval is logged in full, the rest only as one summary line per
// principal at the end of the interval, so a peer cannot fill the disk
// through our log.
//
// Memory is one entry per principal that sent something; principals are
// bounded by the registry (ZAP admits no one else). Times are steady-clock
// milliseconds passed in by the caller, so tests drive it without a clock.
// Not thread-safe: the gateway's loop owns it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/token_bucket.h"

namespace tocsin::gateway {

struct PeerBudget {
  RateLimit messages{200, 1000};  // per principal
  SteadyMillis summary_interval_ms = 5000;
};

class PeerAccounting {
 public:
  // `endpoint` names the socket in log lines ("agency endpoint").
  PeerAccounting(std::string endpoint, PeerBudget budget)
      : endpoint_(std::move(endpoint)), budget_(budget) {}

  struct Admission {
    bool admitted = true;
    bool log_refusal = false;  // refused, and the first of the interval: log it
  };

  // Spends one token of `principal`'s budget; refused (and counted as
  // "throttled") when there is none left.
  Admission Admit(std::string_view principal, SteadyMillis now);

  // Counts one refusal of `principal` for `reason` (a short kind name).
  // True when the caller should log this one in full: the first of that
  // principal since the last summary.
  bool CountRefusal(std::string_view principal, std::string_view reason);

  // At most once per summary interval (or now, when `force`): one line per
  // principal with refusals that were counted but not logged since the last
  // summary. Empty before the interval is over.
  std::vector<std::string> TakeSummary(SteadyMillis now, bool force = false);

  // Drops `principal`'s budget and counts (revoked, or gone for good).
  void Forget(std::string_view principal);

  std::uint64_t throttled() const { return throttled_; }
  std::uint64_t refused() const { return refused_; }

 private:
  struct Account {
    TokenBucket budget;
    bool logged = false;                          // a refusal was logged this interval
    std::map<std::string, std::uint64_t> unlogged;  // reason -> count, this interval
  };

  Account& AccountOf(std::string_view principal);

  std::string endpoint_;
  PeerBudget budget_;
  std::map<std::string, Account, std::less<>> accounts_;
  SteadyMillis next_summary_ = 0;
  std::uint64_t throttled_ = 0;
  std::uint64_t refused_ = 0;
};

}  // namespace tocsin::gateway
