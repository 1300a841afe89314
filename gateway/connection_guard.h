// gateway/connection_guard.h -- which agency connections to cut
// (SECURITY.md 37).
//
// A CURVE-authenticated peer that never says hello holds a descriptor and
// is invisible to the loop, so a single key could exhaust the process's
// descriptors. The guard follows every accepted connection (by the
// descriptor libzmq reports for it) and names the ones to cut: those that
// have not said a valid hello within `hello_timeout_ms`, and, beyond
// `max_per_principal` live connections that said hello as one principal,
// the oldest of them. Closing is the caller's job; a cut connection stays
// known until its close is reported, so a reused descriptor number is
// never confused with the connection it replaces.
//
// Times are steady-clock milliseconds passed in by the caller. Not
// thread-safe: the gateway's loop owns it.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace tocsin::gateway {

struct ConnectionLimits {
  SteadyMillis hello_timeout_ms = 5000;
  std::size_t max_per_principal = 3;
};

class ConnectionGuard {
 public:
  explicit ConnectionGuard(ConnectionLimits limits) : limits_(limits) {}

  void Accepted(int fd, SteadyMillis now);
  // Forgets `fd`; returns the principal that had said hello on it, if any.
  std::optional<std::string> Closed(int fd);

  // A valid hello from `principal` on connection `fd`. Returns that
  // principal's connections to cut (the oldest beyond the cap).
  std::vector<int> Hello(int fd, const std::string& principal, SteadyMillis now);

  // Connections that said no hello in time, now marked as being cut;
  // `routed(fd)` (optional) spares a connection that is a route even though
  // its hello was read before the events that announced it.
  std::vector<int> Overdue(SteadyMillis now, const std::function<bool(int)>& routed = {});

  // True when `fd` is being cut: nothing it says may count any more.
  bool Cutting(int fd) const;

  std::size_t open() const { return connections_.size(); }
  // Principals with at least one live connection that said hello.
  std::size_t live_principals() const { return live_.size(); }
  std::uint64_t cut() const { return cut_; }

 private:
  struct Connection {
    SteadyMillis accepted_at = 0;
    SteadyMillis hello_at = -1;  // -1: no valid hello yet
    std::string principal;
    bool cutting = false;
  };

  void Index(int fd, const Connection& connection, bool add);

  ConnectionLimits limits_;
  std::map<int, Connection> connections_;
  // principal -> its live connections that said hello (not being cut)
  std::map<std::string, std::vector<int>> live_;
  std::uint64_t cut_ = 0;
};

}  // namespace tocsin::gateway
