// gateway/bridge_desk.h -- the gateway's side of the SMS and e-mail bridges.
//
// Bridges connect as bridge principals on the bridge endpoint (CURVE, ZAP
// domain tocsin-bridge) and say which channel they serve; a bridge serves only
// the channel its certificate names, checked on every message, and loses its
// route the moment it is no longer an active bridge (SECURITY.md 38). The
// desk hands them
// the messages the escalation ladders queued in the ledger (again after 30 s
// until the bridge confirms it stored them), records each outcome they report
// with an audit entry, and turns an inbound "ACK <code>" SMS into an
// acknowledgement by code: bound to the directive and agency, expiring with
// the directive, compared in constant time, at most 5 attempts per phone
// number in 10 minutes, and only for an agency that is still active. Such an
// acknowledgement is unsigned and recorded as such, never as a signed one.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "common/clock.h"
#include "gateway/audit_keeper.h"
#include "gateway/peer_accounting.h"
#include "policies/policy.h"
#include "protocol/bridge_messages.h"
#include "store/ledger.h"
#include "transport/curve_socket.h"

namespace tocsin::gateway {

// What the desk asks the registry, on every message.
struct BridgeAuthority {
  // The channel `principal` is enrolled for, or nullopt when it is not an
  // active bridge.
  std::function<std::optional<std::string>(const std::string& principal)> channel_of;
  // Whether `agency` is still an active agency.
  std::function<bool(const std::string& agency)> agency_active;
  // A hello that passed every check arrived on this message's connection.
  std::function<void(const transport::PeerMessage& hello)> hello_accepted;
};

class BridgeDesk {
 public:
  using PolicyView = std::function<std::shared_ptr<const policies::Policy>()>;

  BridgeDesk(zmq::socket_t socket, store::Ledger& ledger, AuditKeeper& audit, const Clock& clock,
             PolicyView policy, BridgeAuthority authority)
      : socket_(std::move(socket)), ledger_(ledger), audit_(audit), clock_(clock),
        policy_(std::move(policy)), authority_(std::move(authority)) {}

  zmq::socket_t& socket() { return socket_; }

  // Handles up to `max_messages` waiting on the socket.
  Status Drain(std::size_t max_messages);

  // Hands queued messages to the connected bridges that are still active
  // and enrolled for their channel; forgets the routes of the others. Tasks
  // handed but not accepted are handed again after 30 s, and at once on a
  // `new_route` (a reconnected bridge: what went to its old connection may
  // be lost; the bridge ignores a task id it already holds).
  Status Dispatch(const std::string& new_route = "");

  std::uint64_t refused() const { return refused_; }

 private:
  Status Handle(const transport::PeerMessage& message, const std::string& enrolled_channel);
  void Refused(const std::string& principal, const std::string& why);
  void PruneRoutes();
  Status HandleResult(const std::string& channel, const protocol::BridgeMessage& m,
                      const Bytes& routing_id);
  Result<std::string> HandleInbound(const protocol::BridgeMessage& m);

  struct Route {
    Bytes routing_id;
    std::string principal;
  };

  zmq::socket_t socket_;
  store::Ledger& ledger_;
  AuditKeeper& audit_;
  const Clock& clock_;
  PolicyView policy_;
  BridgeAuthority authority_;
  std::map<std::string, Route> routes_;  // channel -> the bridge serving it
  PeerAccounting accounting_{"bridge endpoint", PeerBudget{}};
  // Verdicts on inbound SMS by (bridge, its reference), for repeats.
  static constexpr std::size_t kAnsweredKept = 4096;
  std::map<std::pair<std::string, std::uint64_t>, std::string> answered_;
  std::uint64_t refused_ = 0;
};

}  // namespace tocsin::gateway
