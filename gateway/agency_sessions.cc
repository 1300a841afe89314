#include "gateway/agency_sessions.h"

#include <algorithm>

namespace tocsin::gateway {

bool AgencySessions::Hello(const std::string& agency, const Bytes& routing_id, int connection,
                           std::uint64_t log_size) {
  AgencySession& session = sessions_[agency];
  if (session.routing_id == routing_id && session.caught_up) {
    return false;
  }
  session = {routing_id, connection, true, log_size};
  return true;
}

bool AgencySessions::Routes(int connection) const {
  return connection >= 0 &&
         std::any_of(sessions_.begin(), sessions_.end(),
                     [&](const auto& entry) { return entry.second.connection == connection; });
}

AgencySession* AgencySessions::Find(std::string_view agency) {
  auto it = sessions_.find(agency);
  return it == sessions_.end() ? nullptr : &it->second;
}

void AgencySessions::CatchUpIncomplete(std::string_view agency) {
  if (AgencySession* session = Find(agency)) {
    session->caught_up = false;
  }
}

void AgencySessions::Forget(std::string_view agency) {
  auto it = sessions_.find(agency);
  if (it != sessions_.end()) {
    sessions_.erase(it);
  }
}

void AgencySessions::ForgetIf(
    const std::function<bool(const std::string&, const AgencySession&)>& drop) {
  std::erase_if(sessions_, [&](const auto& entry) { return drop(entry.first, entry.second); });
}

}  // namespace tocsin::gateway
