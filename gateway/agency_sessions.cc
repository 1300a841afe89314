#include "gateway/agency_sessions.h"

namespace tocsin::gateway {

bool AgencySessions::Hello(const std::string& agency, const Bytes& routing_id,
                           std::uint64_t log_size) {
  AgencySession& session = sessions_[agency];
  if (session.routing_id == routing_id && session.caught_up) {
    return false;
  }
  session = {routing_id, true, log_size};
  return true;
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
