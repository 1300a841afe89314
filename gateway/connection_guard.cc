#include "gateway/connection_guard.h"

#include <algorithm>

namespace tocsin::gateway {

void ConnectionGuard::Index(int fd, const Connection& connection, bool add) {
  if (connection.hello_at < 0 || connection.cutting) {
    return;
  }
  std::vector<int>& fds = live_[connection.principal];
  if (add) {
    fds.push_back(fd);
    return;
  }
  std::erase(fds, fd);
  if (fds.empty()) {
    live_.erase(connection.principal);
  }
}

void ConnectionGuard::Accepted(int fd, SteadyMillis now) {
  // A descriptor's close is always reported before its number is reused, so
  // an open entry here means this event came after the connection's first
  // message (the loop read the message first): keep what it said.
  connections_.try_emplace(fd, Connection{now, -1, {}, false});
}

bool ConnectionGuard::Cutting(int fd) const {
  auto it = connections_.find(fd);
  return it != connections_.end() && it->second.cutting;
}

std::optional<std::string> ConnectionGuard::Closed(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) {
    return std::nullopt;
  }
  std::optional<std::string> principal;
  if (it->second.hello_at >= 0 && !it->second.cutting) {
    principal = it->second.principal;
  }
  Index(fd, it->second, /*add=*/false);
  connections_.erase(it);
  return principal;
}

std::vector<int> ConnectionGuard::Hello(int fd, const std::string& principal, SteadyMillis now) {
  auto [it, added] = connections_.try_emplace(fd, Connection{now, -1, {}, false});
  Connection& connection = it->second;
  if (connection.cutting || (connection.hello_at >= 0 && connection.principal == principal)) {
    return {};
  }
  Index(fd, connection, /*add=*/false);
  connection.hello_at = now;
  connection.principal = principal;
  Index(fd, connection, /*add=*/true);
  std::vector<int> cut;
  std::vector<int>& live = live_[principal];  // oldest hello first
  while (live.size() > limits_.max_per_principal) {
    int oldest = live.front();
    live.erase(live.begin());
    connections_[oldest].cutting = true;
    cut.push_back(oldest);
  }
  cut_ += cut.size();
  return cut;
}

std::vector<int> ConnectionGuard::Overdue(SteadyMillis now,
                                          const std::function<bool(int)>& routed) {
  std::vector<int> cut;
  for (auto& [fd, connection] : connections_) {
    if (!connection.cutting && connection.hello_at < 0 &&
        now - connection.accepted_at >= limits_.hello_timeout_ms) {
      if (routed && routed(fd)) {
        connection.hello_at = now;  // its hello was read before its events: it is a route
        continue;
      }
      connection.cutting = true;
      cut.push_back(fd);
    }
  }
  cut_ += cut.size();
  return cut;
}

}  // namespace tocsin::gateway
