// gateway/gateway.h -- tocsin-gateway: the broker and witness.
//
// One thread serves two CURVE ROUTER endpoints: agencies (receive
// directives and heartbeats, send receipts) and operators (submit directives,
// ask for status). The gateway routes only by the ZAP-authenticated principal
// (a routing id is learned only from that principal's own messages and never
// leaves the process), answers nobody before the ledger has committed, and
// moves a delivery to "delivered" only on a verified signed receipt.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/clock.h"
#include "gateway/audit_keeper.h"
#include "gateway/bridge_desk.h"
#include "gateway/config.h"
#include "gateway/escalator.h"
#include "gateway/registry.h"
#include "pki/bundle.h"
#include "protocol/directive.h"
#include "protocol/fanout.h"
#include "protocol/messages.h"
#include "store/ledger.h"
#include "transport/curve_socket.h"
#include "transport/zap_handler.h"
#include "transport/zmq_support.h"

namespace tocsin::gateway {

struct GatewayCounters {
  std::uint64_t directives_accepted = 0;
  std::uint64_t receipts_recorded = 0;
  std::uint64_t refused_unauthorized = 0;
  std::uint64_t refused_malformed = 0;
  std::uint64_t refused_invalid = 0;
};

class Gateway {
 public:
  static Result<std::unique_ptr<Gateway>> Create(const GatewayConfig& config, const Clock& clock);

  // Serves until `stop` is set. `reload` asks for a registry reload (SIGHUP).
  // Returns an error only for a failure that must end the process (the
  // ledger could not commit).
  Status Run(const std::atomic<bool>& stop, std::atomic<bool>& reload);

  std::string client_endpoint() { return transport::LastEndpoint(client_socket_); }
  std::string operator_endpoint() { return transport::LastEndpoint(operator_socket_); }
  const GatewayCounters& counters() const { return counters_; }

 private:
  struct PendingReceipt {
    std::string agency;
    protocol::Receipt receipt;
    Bytes wire;
  };

  Gateway(const GatewayConfig& config, const Clock& clock, pki::PrincipalBundle bundle,
          std::unique_ptr<Registry> registry, store::Ledger ledger);

  Status Start();
  Status DrainAgencies();
  Status DrainOperators();
  Status HandleAgency(transport::PeerMessage& message, std::vector<PendingReceipt>& batch);
  Status HandleOperator(transport::PeerMessage& message);
  Status Submit(transport::PeerMessage& message);
  Status Report(transport::PeerMessage& message, const protocol::Envelope& envelope);
  Status CatchUp(const std::string& agency);
  Status FlushReceipts(std::vector<PendingReceipt>& batch);
  Status FanOut(const protocol::VerifiedDirective& directive);
  // The per-agency copies of a stored directive, built once and kept for the
  // catch-ups that follow a restart (a bounded cache).
  Result<const protocol::DirectiveFanout*> FanoutFor(const Bytes& id);
  const protocol::DirectiveFanout* CacheFanout(const Bytes& id, protocol::DirectiveFanout fanout);
  void SendHeartbeats();
  Status ReloadIfChanged(bool forced);
  Status PublishCheckpoint();
  bool Resend(const Bytes& directive_id, const std::string& agency);
  Status SendCheckpoint(const std::string& agency, const Bytes& routing_id);
  void Refuse(zmq::socket_t& socket, const transport::PeerMessage& message, const Error& error,
              const std::optional<protocol::DirectiveId>& reference = std::nullopt);

  GatewayConfig config_;
  const Clock& clock_;
  pki::PrincipalBundle bundle_;
  std::unique_ptr<Registry> registry_;
  store::Ledger ledger_;
  zmq::context_t context_;  // before the handler and sockets: destroyed last
  std::unique_ptr<transport::ZapHandler> zap_;
  zmq::socket_t client_socket_;
  zmq::socket_t operator_socket_;
  std::map<std::string, Bytes> routes_;  // agency id -> routing id (process-local)
  // agency id -> the connection (routing id) that has had its catch-up: a
  // repeated hello on the same connection resends nothing.
  std::map<std::string, Bytes> caught_up_;
  static constexpr std::size_t kMaxCachedFanouts = 256;
  static constexpr UnixMillis kEscalationTickMs = 500;
  std::map<Bytes, std::unique_ptr<protocol::DirectiveFanout>> fanouts_;
  std::unique_ptr<AuditKeeper> audit_;
  std::unique_ptr<Escalator> escalator_;  // null without a policy
  std::unique_ptr<BridgeDesk> bridges_;    // null without a bridge endpoint
  UnixMillis next_escalation_ = 0;
  UnixMillis next_dispatch_ = 0;
  // agency id -> size of the last checkpoint it holds, as far as we know.
  std::map<std::string, std::uint64_t> agency_log_size_;
  UnixMillis next_checkpoint_ = 0;
  std::uint64_t heartbeat_sequence_ = 0;
  UnixMillis next_heartbeat_ = 0;
  UnixMillis next_crl_check_ = 0;
  std::int64_t crl_mtime_ = 0;
  GatewayCounters counters_;
};

}  // namespace tocsin::gateway
