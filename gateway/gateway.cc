#include "gateway/gateway.h"

#include <sys/stat.h>

#include <algorithm>

#include "common/log.h"
#include "protocol/directive.h"
#include "protocol/receipts.h"
#include "transport/zmq_support.h"

namespace tocsin::gateway {
namespace {

Bytes ErrorEnvelope(const Error& error, const std::optional<protocol::DirectiveId>& reference) {
  std::string message = error.ToString().substr(0, protocol::kMaxErrorTextBytes);
  return protocol::EncodeUnsigned(
      protocol::MessageType::kError,
      protocol::EncodeErrorReply({protocol::ToWireError(error.code), reference, message}));
}

Bytes AcceptedEnvelope(const protocol::DirectiveId& id, protocol::AcceptedKind kind,
                       UnixMillis at) {
  return protocol::EncodeUnsigned(protocol::MessageType::kAccepted,
                                  protocol::EncodeAccepted({id, kind, at}));
}

std::int64_t ModificationTime(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return 0;
  }
  return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
}

}  // namespace

Gateway::Gateway(const GatewayConfig& config, const Clock& clock, pki::PrincipalBundle bundle,
                 std::unique_ptr<Registry> registry, store::Ledger ledger)
    : config_(config), clock_(clock), bundle_(std::move(bundle)),
      registry_(std::move(registry)), ledger_(std::move(ledger)) {}

Result<std::unique_ptr<Gateway>> Gateway::Create(const GatewayConfig& config, const Clock& clock) {
  TOCSIN_RETURN_IF_ERROR(transport::CheckZmqCapabilities());
  TOCSIN_ASSIGN_OR_RETURN(pki::PrincipalBundle bundle, pki::LoadBundle(config.bundle));
  if (bundle.role != Role::kGateway || bundle.principal_id != config.id) {
    return MakeError(ErrorCode::kInvalidArgument,
                     config.bundle + " is not the bundle of gateway " + config.id);
  }
  if (!bundle.log_signing) {
    return MakeError(ErrorCode::kInvalidArgument,
                     config.bundle + " holds no log key (log.key): enrol the gateway again");
  }
  TOCSIN_ASSIGN_OR_RETURN(std::unique_ptr<Registry> registry,
                          Registry::Load(config.directory, config.bundle + "/root.crt", clock));
  TOCSIN_ASSIGN_OR_RETURN(store::Ledger ledger, store::Ledger::Open(config.database));
  std::unique_ptr<Gateway> gateway(
      new Gateway(config, clock, std::move(bundle), std::move(registry), std::move(ledger)));
  TOCSIN_RETURN_IF_ERROR(gateway->Start());
  return gateway;
}

Status Gateway::Start() {
  // The ZAP handler must exist before any server socket binds (SECURITY.md 2).
  TOCSIN_ASSIGN_OR_RETURN(zap_, transport::ZapHandler::Start(context_, *registry_));
  // ZMTP heartbeats stay with the clients (they PING, we answer): in libzmq
  // 4.3.4 each re-armed timer costs a linear search of all timers, so
  // server-side heartbeats grow quadratically with the number of agencies
  // (bench/README.md). Agencies watch the gateway; the gateway watches
  // agencies through their traffic.
  transport::SocketLimits server_limits;
  server_limits.heartbeat_interval_ms = 0;
  transport::ServerConfig agencies{config_.client_endpoint, std::string(kAgencyDomain),
                                   server_limits, 4096};
  transport::ServerConfig operators{config_.operator_endpoint, std::string(kOperatorDomain),
                                    server_limits, 64};
  TOCSIN_ASSIGN_OR_RETURN(client_socket_, transport::MakeCurveServer(
                                              context_, agencies, bundle_.transport.secret()));
  TOCSIN_ASSIGN_OR_RETURN(operator_socket_, transport::MakeCurveServer(
                                                context_, operators, bundle_.transport.secret()));
  crl_mtime_ = ModificationTime(config_.directory + "/crl.pem");
  audit_ = std::make_unique<AuditKeeper>(config_.id, *bundle_.log_signing, ledger_, clock_);
  TOCSIN_RETURN_IF_ERROR(audit_->ObservePrincipals(*registry_));
  if (!config_.policy.empty()) {
    escalator_ = std::make_unique<Escalator>(config_.policy, ledger_, *registry_, *audit_, clock_);
    TOCSIN_RETURN_IF_ERROR(escalator_->Load(/*initial=*/true));
  }
  if (!config_.bridge_endpoint.empty()) {
    transport::ServerConfig bridges{config_.bridge_endpoint, std::string(kBridgeDomain),
                                    server_limits, 16};
    TOCSIN_ASSIGN_OR_RETURN(zmq::socket_t socket, transport::MakeCurveServer(
                                                      context_, bridges, bundle_.transport.secret()));
    bridges_ = std::make_unique<BridgeDesk>(std::move(socket), ledger_, *audit_, clock_, [this] {
      return escalator_ ? escalator_->policy() : std::shared_ptr<const policies::Policy>();
    });
  }
  return PublishCheckpoint();
}

bool Gateway::Resend(const Bytes& directive_id, const std::string& agency) {
  auto route = routes_.find(agency);
  if (route == routes_.end()) {
    return false;
  }
  Result<const protocol::DirectiveFanout*> fanout = FanoutFor(directive_id);
  Result<Bytes> copy = fanout ? (*fanout)->CopyFor(agency) : Result<Bytes>(tl::unexpected(fanout.error()));
  return copy && transport::SendToPeer(client_socket_, route->second, *copy);
}

Status Gateway::PublishCheckpoint() {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<std::uint64_t> size, audit_->Checkpoint());
  next_checkpoint_ = clock_.NowMillis() + config_.checkpoint_interval_ms;
  if (!size) {
    return {};
  }
  spdlog::info("audit log: signed checkpoint at size {}", *size);
  for (const auto& [agency, routing_id] : routes_) {
    TOCSIN_RETURN_IF_ERROR(SendCheckpoint(agency, routing_id));
  }
  return {};
}

Status Gateway::SendCheckpoint(const std::string& agency, const Bytes& routing_id) {
  std::uint64_t& held = agency_log_size_[agency];
  TOCSIN_ASSIGN_OR_RETURN(std::optional<Bytes> message, audit_->MessageFor(held));
  if (message && transport::SendToPeer(client_socket_, routing_id, *message)) {
    held = audit_->latest_size();
  }
  return {};
}

Status Gateway::Run(const std::atomic<bool>& stop, std::atomic<bool>& reload) {
  next_heartbeat_ = clock_.NowMillis();
  while (!stop) {
    UnixMillis now = clock_.NowMillis();
    long wait = std::clamp<long>(static_cast<long>(next_heartbeat_ - now), 0, 200);
    zmq::pollitem_t items[] = {
        {client_socket_.handle(), 0, ZMQ_POLLIN, 0},
        {operator_socket_.handle(), 0, ZMQ_POLLIN, 0},
        {bridges_ ? bridges_->socket().handle() : nullptr, 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, bridges_ ? 3 : 2, std::chrono::milliseconds(wait));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) {
        return MakeError(ErrorCode::kInternal, std::string("poll: ") + e.what());
      }
    }
    // Drain both sockets on every turn: ZeroMQ wakes on edges, not levels.
    TOCSIN_RETURN_IF_ERROR(DrainAgencies());
    TOCSIN_RETURN_IF_ERROR(DrainOperators());
    if (bridges_) {
      TOCSIN_RETURN_IF_ERROR(bridges_->Drain([this](const std::string& principal) {
        return registry_->Active(principal, Role::kBridge).has_value();
      }));
    }
    if (clock_.NowMillis() >= next_heartbeat_) {
      SendHeartbeats();
      next_heartbeat_ = clock_.NowMillis() + config_.heartbeat_interval_ms;
    }
    if (clock_.NowMillis() >= next_checkpoint_) {
      TOCSIN_RETURN_IF_ERROR(PublishCheckpoint());
    }
    if (escalator_ && clock_.NowMillis() >= next_escalation_) {
      TOCSIN_RETURN_IF_ERROR(escalator_->Tick(
          [this](const Bytes& id, const std::string& agency) { return Resend(id, agency); }));
      next_escalation_ = clock_.NowMillis() + kEscalationTickMs;
    }
    if (bridges_ && clock_.NowMillis() >= next_dispatch_) {
      TOCSIN_RETURN_IF_ERROR(bridges_->Dispatch());
      next_dispatch_ = clock_.NowMillis() + kEscalationTickMs;
    }
    TOCSIN_RETURN_IF_ERROR(ReloadIfChanged(reload.exchange(false)));
  }
  TOCSIN_RETURN_IF_ERROR(PublishCheckpoint());  // the log as it stands at shutdown
  spdlog::info("stopping: {} directives accepted, {} receipts recorded, refused {} unauthorized, "
               "{} malformed, {} invalid, {} bridge messages, ZAP refused {} handshakes",
               counters_.directives_accepted, counters_.receipts_recorded,
               counters_.refused_unauthorized, counters_.refused_malformed,
               counters_.refused_invalid, bridges_ ? bridges_->refused() : 0, zap_->refused());
  return {};
}

void Gateway::Refuse(zmq::socket_t& socket, const transport::PeerMessage& message,
                     const Error& error, const std::optional<protocol::DirectiveId>& reference) {
  (error.code == ErrorCode::kMalformedMessage ? counters_.refused_malformed
                                              : counters_.refused_invalid)++;
  spdlog::warn("refused message from {}: {}", message.principal, error.ToString());
  (void)transport::SendToPeer(socket, message.routing_id, ErrorEnvelope(error, reference));
}

Status Gateway::DrainAgencies() {
  std::vector<PendingReceipt> batch;
  for (;;) {
    Result<std::optional<transport::PeerMessage>> message = transport::ReceiveFromPeer(client_socket_);
    if (!message) {
      ++counters_.refused_malformed;
      spdlog::warn("agency endpoint: {}", message.error().ToString());
      continue;
    }
    if (!message->has_value()) {
      break;
    }
    TOCSIN_RETURN_IF_ERROR(HandleAgency(**message, batch));
  }
  return FlushReceipts(batch);
}

Status Gateway::HandleAgency(transport::PeerMessage& message, std::vector<PendingReceipt>& batch) {
  // Authorize every message, not only the handshake (SECURITY.md 4).
  if (!registry_->Active(message.principal, Role::kAgency)) {
    ++counters_.refused_unauthorized;
    routes_.erase(message.principal);
    caught_up_.erase(message.principal);
    spdlog::warn("dropped message from {}: not an active agency", message.principal);
    return {};
  }
  routes_[message.principal] = message.routing_id;
  Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(message.payload);
  if (!envelope) {
    Refuse(client_socket_, message, envelope.error());
    return {};
  }
  switch (envelope->type) {
    case protocol::MessageType::kHello: {
      Result<protocol::Hello> hello = protocol::DecodeHello(envelope->body);
      if (!hello || hello->agency != message.principal) {
        Refuse(client_socket_, message,
               hello ? Error{ErrorCode::kPermissionDenied, "hello names another agency"}
                     : hello.error());
        return {};
      }
      auto done = caught_up_.find(message.principal);
      if (done != caught_up_.end() && done->second == message.routing_id) {
        return {};  // this connection already has its backlog
      }
      caught_up_[message.principal] = message.routing_id;
      agency_log_size_[message.principal] = hello->log_size;
      TOCSIN_RETURN_IF_ERROR(SendCheckpoint(message.principal, message.routing_id));
      return CatchUp(message.principal);
    }
    case protocol::MessageType::kReceipt:
    case protocol::MessageType::kAcknowledgement: {
      Result<protocol::Receipt> receipt = protocol::VerifyReceipt(
          message.payload, registry_->directory(), clock_.NowMillis(), config_.id);
      if (receipt && receipt->agency != message.principal) {
        receipt = MakeError(ErrorCode::kPermissionDenied, "receipt signed for another agency");
      }
      if (!receipt) {
        Refuse(client_socket_, message, receipt.error());
        return {};
      }
      batch.push_back({message.principal, std::move(*receipt), std::move(message.payload)});
      return {};
    }
    default:
      Refuse(client_socket_, message,
             {ErrorCode::kMalformedMessage,
              "unexpected " + std::string(protocol::MessageTypeName(envelope->type))});
      return {};
  }
}

Status Gateway::FlushReceipts(std::vector<PendingReceipt>& batch) {
  if (batch.empty()) {
    return {};
  }
  UnixMillis now = audit_->Now();
  std::vector<store::ReceiptRecord> records;
  std::vector<Bytes> digests;
  for (PendingReceipt& p : batch) {
    const protocol::Receipt& r = p.receipt;
    Bytes entry = audit_->Evidence(r, p.wire, now);
    records.push_back({Bytes(r.directive_id.begin(), r.directive_id.end()), p.agency,
                       r.kind == protocol::ReceiptKind::kAcknowledged, r.at, now, r.officer,
                       std::move(p.wire), std::move(entry)});
    digests.emplace_back(r.directive_digest.begin(), r.directive_digest.end());
  }
  std::vector<std::pair<std::size_t, std::string>> refused;
  // Group commit: one fsync for the whole batch, then the answers.
  TOCSIN_ASSIGN_OR_RETURN(int changed, ledger_.RecordReceipts(records, digests, &refused));
  counters_.receipts_recorded += static_cast<std::uint64_t>(changed);
  std::size_t next_refused = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const protocol::Receipt& r = batch[i].receipt;
    bool was_refused = next_refused < refused.size() && refused[next_refused].first == i;
    std::string reason = was_refused ? refused[next_refused++].second : "";
    auto route = routes_.find(batch[i].agency);
    if (was_refused) {
      ++counters_.refused_invalid;
    }
    if (route == routes_.end()) {
      continue;  // gone since: it resends, and gets its answer then
    }
    if (was_refused) {
      (void)transport::SendToPeer(client_socket_, route->second,
                                  ErrorEnvelope({ErrorCode::kNotFound, reason}, r.directive_id));
      continue;
    }
    auto kind = r.kind == protocol::ReceiptKind::kAcknowledged
                    ? protocol::AcceptedKind::kAcknowledgement
                    : protocol::AcceptedKind::kReceipt;
    (void)transport::SendToPeer(client_socket_, route->second,
                                AcceptedEnvelope(r.directive_id, kind, now));
  }
  batch.clear();
  return {};
}

Status Gateway::CatchUp(const std::string& agency) {
  TOCSIN_ASSIGN_OR_RETURN(auto pending, ledger_.Undelivered(agency, clock_.NowMillis()));
  UnixMillis at = audit_->Now();
  std::vector<store::SentRecord> sent;
  for (const Bytes& id : pending) {
    TOCSIN_ASSIGN_OR_RETURN(const protocol::DirectiveFanout* fanout, FanoutFor(id));
    TOCSIN_ASSIGN_OR_RETURN(Bytes copy, fanout->CopyFor(agency));
    if (!transport::SendToPeer(client_socket_, routes_[agency], copy)) {
      caught_up_.erase(agency);  // the next hello on this connection resumes
      break;                     // the peer went away or its queue is full
    }
    sent.push_back({id, agency, audit_->Sent(id, agency, at)});
  }
  if (!pending.empty()) {
    spdlog::info("{} connected: sent {} of {} undelivered directive(s)", agency, sent.size(),
                 pending.size());
  }
  return ledger_.MarkSent(sent, at);
}

Status Gateway::DrainOperators() {
  for (;;) {
    Result<std::optional<transport::PeerMessage>> message =
        transport::ReceiveFromPeer(operator_socket_);
    if (!message) {
      ++counters_.refused_malformed;
      spdlog::warn("operator endpoint: {}", message.error().ToString());
      continue;
    }
    if (!message->has_value()) {
      return {};
    }
    TOCSIN_RETURN_IF_ERROR(HandleOperator(**message));
  }
}

Status Gateway::HandleOperator(transport::PeerMessage& message) {
  if (!registry_->Active(message.principal, Role::kOperator)) {
    ++counters_.refused_unauthorized;
    spdlog::warn("dropped message from {}: not an active operator", message.principal);
    return {};
  }
  Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(message.payload);
  if (!envelope) {
    Refuse(operator_socket_, message, envelope.error());
    return {};
  }
  if (envelope->type == protocol::MessageType::kDirective) {
    return Submit(message);
  }
  if (envelope->type == protocol::MessageType::kStatusRequest) {
    return Report(message, *envelope);
  }
  Refuse(operator_socket_, message,
         {ErrorCode::kMalformedMessage,
          "unexpected " + std::string(protocol::MessageTypeName(envelope->type))});
  return {};
}

Status Gateway::Submit(transport::PeerMessage& message) {
  UnixMillis now = clock_.NowMillis();
  protocol::DirectiveChecks checks{config_.id, now, static_cast<std::size_t>(config_.min_signatures)};
  Result<protocol::VerifiedDirective> directive =
      protocol::VerifyDirective(message.payload, registry_->directory(), checks);
  if (directive && std::find(directive->signers.begin(), directive->signers.end(),
                             message.principal) == directive->signers.end()) {
    directive = MakeError(ErrorCode::kPermissionDenied,
                          message.principal + " submitted a directive it did not sign");
  }
  if (directive && !directive->complete()) {
    directive = MakeError(ErrorCode::kInvalidArgument,
                          "submit the directive with every recipient's key wrap");
  }
  for (std::size_t i = 0; directive && i < directive->recipients.entries.size(); ++i) {
    const std::string& agency = directive->recipients.entries[i].agency;
    if (!registry_->Active(agency, Role::kAgency)) {
      directive = MakeError(ErrorCode::kNotFound, "recipient " + agency + " is not an active agency");
    }
  }
  if (!directive) {
    Refuse(operator_socket_, message, directive.error());
    return {};
  }
  const protocol::DirectiveHeader& h = directive->header;
  UnixMillis at = audit_->Now();
  store::AcceptedDirective record{Bytes(h.id.begin(), h.id.end()), h.issuer, h.sequence,
                                  static_cast<int>(h.severity), h.issued_at, h.expires_at,
                                  h.ack_deadline, at,
                                  Bytes(directive->digest.begin(), directive->digest.end()),
                                  message.payload, {},
                                  audit_->Accepted(h.id, h.issuer, message.payload, at)};
  for (const auto& r : directive->recipients.entries) {
    record.recipients.push_back(r.agency);
  }
  Status accepted = ledger_.Accept(record);
  if (!accepted) {
    if (accepted.error().code != ErrorCode::kInvalidArgument) {
      return accepted;  // the ledger failed: fatal
    }
    Refuse(operator_socket_, message, accepted.error(), h.id);
    return {};
  }
  ++counters_.directives_accepted;
  spdlog::info("accepted directive {} from {} (sequence {}) for {} agencies", HexEncode(h.id),
               h.issuer, h.sequence, h.recipient_count);
  (void)transport::SendToPeer(operator_socket_, message.routing_id,
                              AcceptedEnvelope(h.id, protocol::AcceptedKind::kDirective, now));
  return FanOut(*directive);
}

const protocol::DirectiveFanout* Gateway::CacheFanout(const Bytes& id,
                                                      protocol::DirectiveFanout fanout) {
  if (fanouts_.size() >= kMaxCachedFanouts) {
    fanouts_.erase(fanouts_.begin());
  }
  auto made = std::make_unique<protocol::DirectiveFanout>(std::move(fanout));
  return fanouts_.insert_or_assign(id, std::move(made)).first->second.get();
}

Result<const protocol::DirectiveFanout*> Gateway::FanoutFor(const Bytes& id) {
  auto it = fanouts_.find(id);
  if (it != fanouts_.end()) {
    return it->second.get();
  }
  TOCSIN_ASSIGN_OR_RETURN(Bytes wire, ledger_.Wire(id));
  TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveFanout fanout,
                          protocol::DirectiveFanout::FromWire(wire));
  return CacheFanout(id, std::move(fanout));
}

Status Gateway::FanOut(const protocol::VerifiedDirective& directive) {
  UnixMillis at = audit_->Now();
  std::vector<store::SentRecord> sent;
  Bytes id(directive.header.id.begin(), directive.header.id.end());
  TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveFanout made,
                          protocol::DirectiveFanout::FromEnvelope(directive.envelope));
  const protocol::DirectiveFanout& fanout = *CacheFanout(id, std::move(made));
  for (const auto& recipient : directive.recipients.entries) {
    auto route = routes_.find(recipient.agency);
    if (route == routes_.end()) {
      continue;  // offline: it gets the directive when it says hello
    }
    TOCSIN_ASSIGN_OR_RETURN(Bytes copy, fanout.CopyFor(recipient.agency));
    if (transport::SendToPeer(client_socket_, route->second, copy)) {
      sent.push_back({id, recipient.agency, audit_->Sent(id, recipient.agency, at)});
    } else {
      caught_up_.erase(recipient.agency);
      routes_.erase(route);
    }
  }
  return ledger_.MarkSent(sent, at);
}

Status Gateway::Report(transport::PeerMessage& message, const protocol::Envelope& envelope) {
  Result<protocol::StatusRequest> request = protocol::DecodeStatusRequest(envelope.body);
  if (!request) {
    Refuse(operator_socket_, message, request.error());
    return {};
  }
  Bytes id;
  if (request->reference) {
    id.assign(request->reference->begin(), request->reference->end());
  }
  TOCSIN_ASSIGN_OR_RETURN(std::vector<store::DeliveryRow> rows, ledger_.Deliveries(id));
  std::vector<protocol::StatusRow> report;
  for (const store::DeliveryRow& row : rows) {
    if (report.size() == protocol::kMaxStatusRows || row.directive_id.size() != protocol::kDirectiveIdSize) {
      break;
    }
    protocol::StatusRow out;
    std::copy(row.directive_id.begin(), row.directive_id.end(), out.directive_id.begin());
    out.agency = row.agency;
    out.state = static_cast<std::uint8_t>(row.state);
    out.sent_at = row.sent_at;
    out.delivered_at = row.delivered_at;
    out.acknowledged_at = row.acknowledged_at;
    out.officer = row.officer.substr(0, protocol::kMaxOfficerBytes);
    report.push_back(std::move(out));
  }
  (void)transport::SendToPeer(operator_socket_, message.routing_id,
                              protocol::EncodeUnsigned(protocol::MessageType::kStatusReport,
                                                       protocol::EncodeStatusReport(report)));
  return {};
}

void Gateway::SendHeartbeats() {
  UnixMillis now = clock_.NowMillis();
  Bytes wire = protocol::SignHeartbeat(
      {config_.id, ++heartbeat_sequence_, now, now + config_.heartbeat_validity_ms},
      bundle_.signing);
  for (auto it = routes_.begin(); it != routes_.end();) {
    if (transport::SendToPeer(client_socket_, it->second, wire)) {
      ++it;
    } else {
      caught_up_.erase(it->first);
      it = routes_.erase(it);  // gone: it will say hello again
    }
  }
}

Status Gateway::ReloadIfChanged(bool forced) {
  UnixMillis now = clock_.NowMillis();
  if (!forced && now < next_crl_check_) {
    return {};
  }
  next_crl_check_ = now + 1000;
  if (forced && escalator_) {
    TOCSIN_RETURN_IF_ERROR(escalator_->Load(/*initial=*/false));  // SIGHUP: the policy too
  }
  std::int64_t mtime = ModificationTime(config_.directory + "/crl.pem");
  if (!forced && mtime == crl_mtime_) {
    return {};
  }
  crl_mtime_ = mtime;
  Result<std::size_t> loaded = registry_->Reload();
  if (!loaded) {
    spdlog::error("registry reload failed, keeping the previous one: {}", loaded.error().ToString());
    return {};
  }
  for (auto it = routes_.begin(); it != routes_.end();) {
    if (registry_->Active(it->first, Role::kAgency)) {
      ++it;
    } else {
      caught_up_.erase(it->first);
      it = routes_.erase(it);
    }
  }
  spdlog::info("registry reloaded: {} active principals", *loaded);
  return audit_->ObservePrincipals(*registry_);
}

}  // namespace tocsin::gateway
