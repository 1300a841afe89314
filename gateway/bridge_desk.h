// gateway/bridge_desk.h -- the gateway's side of the SMS and e-mail bridges.
//
// Bridges connect as bridge principals on the bridge endpoint (CURVE, ZAP
// domain tocsin-bridge) and say which channel they serve. The desk hands them
// the messages the escalation ladders queued in the ledger (again after 30 s
// until the bridge confirms it stored them), records each outcome they report
// with an audit entry, and turns an inbound "ACK <code>" SMS into an
// acknowledgement by code: bound to the directive and agency, expiring with
// the directive, compared in constant time, at most 5 attempts per phone
// number in 10 minutes. Such an acknowledgement is unsigned and recorded as
// such, never as a signed one.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "common/clock.h"
#include "gateway/audit_keeper.h"
#include "policies/policy.h"
#include "protocol/bridge_messages.h"
#include "store/ledger.h"
#include "transport/curve_socket.h"

namespace tocsin::gateway {

class BridgeDesk {
 public:
  using PolicyView = std::function<std::shared_ptr<const policies::Policy>()>;

  BridgeDesk(zmq::socket_t socket, store::Ledger& ledger, AuditKeeper& audit, const Clock& clock,
             PolicyView policy)
      : socket_(std::move(socket)), ledger_(ledger), audit_(audit), clock_(clock),
        policy_(std::move(policy)) {}

  zmq::socket_t& socket() { return socket_; }

  // Handles everything waiting on the socket. `authorized(principal)` says
  // whether the sender is still an active bridge.
  Status Drain(const std::function<bool(const std::string&)>& authorized);

  // Hands queued messages to the connected bridges.
  Status Dispatch();

  std::uint64_t refused() const { return refused_; }

 private:
  Status Handle(const transport::PeerMessage& message);
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
  std::map<std::string, Route> routes_;  // channel -> the bridge serving it
  // Verdicts on inbound SMS by (bridge, its reference), for repeats.
  static constexpr std::size_t kAnsweredKept = 4096;
  std::map<std::pair<std::string, std::uint64_t>, std::string> answered_;
  std::uint64_t refused_ = 0;
};

}  // namespace tocsin::gateway
