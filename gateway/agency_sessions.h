// gateway/agency_sessions.h -- the one owner of what the gateway knows about
// each connected agency: its route (the connection whose hello last passed
// every check), whether that connection has had its catch-up, and the size of
// the last checkpoint the agency holds.
//
// A route is learned only from a valid hello (SECURITY.md 5, 38): a refused
// hello, garbage or a bad receipt on a second connection made with the same
// key moves nothing. Routing ids never leave the process. Not thread-safe:
// the gateway's loop owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace tocsin::gateway {

struct AgencySession {
  Bytes routing_id;
  int connection = -1;        // its descriptor (transport::PeerMessage::connection)
  bool caught_up = false;     // this connection has had its backlog
  std::uint64_t log_size = 0;  // size of the last checkpoint it holds, as far as we know
};

class AgencySessions {
 public:
  // A hello from `agency` on `routing_id` that passed every check. True when
  // the connection needs its checkpoint and catch-up: a new connection, or
  // one whose catch-up stopped short. A repeated hello returns false.
  bool Hello(const std::string& agency, const Bytes& routing_id, int connection,
             std::uint64_t log_size);

  // True when some agency's route is the connection behind `connection`.
  bool Routes(int connection) const;

  // The agency's session, or nullptr when it has no route.
  AgencySession* Find(std::string_view agency);

  // The catch-up on the agency's connection stopped short (its queue was
  // full): its next hello there resumes it.
  void CatchUpIncomplete(std::string_view agency);

  // Forgets everything about `agency` (gone, revoked): it says hello again.
  void Forget(std::string_view agency);

  // Forgets every agency for which `drop(agency, session)` is true.
  void ForgetIf(const std::function<bool(const std::string&, const AgencySession&)>& drop);

  // Every agency with a route, by id.
  std::map<std::string, AgencySession, std::less<>>& all() { return sessions_; }
  std::size_t size() const { return sessions_.size(); }

 private:
  std::map<std::string, AgencySession, std::less<>> sessions_;
};

}  // namespace tocsin::gateway
