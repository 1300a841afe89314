#include "gateway/gateway.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "common/service.h"
#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "protocol/directive.h"
#include "protocol/follow_up.h"
#include "protocol/receipts.h"
#include "protocol/reference.h"
#include "protocol/signature_check.h"
#include "transport/zmq_support.h"

namespace tocsin::gateway {
namespace {

// The largest agency message whose directive a refusal names: receipts and
// acknowledgements are a few hundred bytes.
constexpr std::size_t kMaxNamedAgencyBytes = 4096;

Bytes ErrorEnvelope(const Error& error, const std::optional<protocol::DirectiveId>& reference) {
  // Single-line on the wire: any text a peer put into the error is escaped.
  // It begins with the section 9 name of its code.
  protocol::WireError code = protocol::ToWireError(error.code);
  std::string message(TruncateUtf8(
      EscapeForDisplay(std::string(protocol::WireErrorName(code)) + ": " + error.context),
      protocol::kMaxErrorTextBytes));
  return protocol::EncodeUnsigned(protocol::MessageType::kError,
                                  protocol::EncodeErrorReply({code, reference, message}));
}

// One receipt's answer: accepted as a receipt or as an acknowledgement.
protocol::AcceptedKind AnswerKind(const protocol::Receipt& receipt) {
  return receipt.kind == protocol::ReceiptKind::kAcknowledged
             ? protocol::AcceptedKind::kAcknowledgement
             : protocol::AcceptedKind::kReceipt;
}

// The audit entry kind that records a receipt.
protocol::AuditKind EntryKind(const protocol::Receipt& receipt) {
  return protocol::AuditKindOf(receipt.kind);
}


}  // namespace

std::uint64_t DescriptorsNeeded(const std::map<std::string, Principal, std::less<>>& principals) {
  // libzmq's own descriptors and the store; per agency its connection and a
  // reconnection in flight, plus a reserve for the ~24 that a few misbehaving
  // agency keys may hold before their hello deadline cuts them; per operator
  // and bridge, what its handshake budget lets it open in one hello
  // deadline (burst + rate x 5 s) and its connection cap.
  std::uint64_t needed = 256 + 1024;
  for (const auto& [id, principal] : principals) {
    switch (principal.role) {
      case Role::kAgency: needed += 2; break;
      case Role::kOperator: needed += 50 + 10 * 5 + 8; break;
      case Role::kBridge: needed += 16 + 1 * 5 + 2; break;
      case Role::kGateway: break;
    }
  }
  return needed;
}

Status RaiseDescriptorLimit(std::uint64_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return MakeError(ErrorCode::kInternal, std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed) {
    return {};
  }
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
    return MakeError(ErrorCode::kUnavailable,
                     "the descriptor limit (RLIMIT_NOFILE hard limit " + std::to_string(limit.rlim_max) +
                         ") is below the " + std::to_string(needed) +
                         " this registry needs: raise LimitNOFILE= in the service unit (or ulimit -Hn)");
  }
  limit.rlim_cur = needed;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot raise the descriptor limit to " + std::to_string(needed) + ": " + std::strerror(errno));
  }
  spdlog::info("descriptor limit raised to {} for the registry", needed);
  return {};
}

Gateway::Gateway(const GatewayConfig& config, GatewayLimits limits, const Clock& clock,
                 pki::PrincipalBundle bundle, std::unique_ptr<Registry> registry,
                 store::Ledger ledger)
    : config_(config), limits_(limits), clock_(clock), bundle_(std::move(bundle)),
      registry_(std::move(registry)), ledger_(std::move(ledger)),
      agency_guard_{"agency", ConnectionGuard(limits.agency_connections), std::nullopt, 0},
      operator_guard_{"operator", ConnectionGuard(limits.operator_connections), std::nullopt, 0},
      bridge_guard_{"bridge", ConnectionGuard(limits.bridge_connections), std::nullopt, 0},
      agency_accounting_("agency endpoint", limits.agency_budget),
      operator_accounting_("operator endpoint", limits.operator_budget),
      crl_watch_(config.directory) {}

namespace {

// What a standby says while another gateway writes: at once, whenever the
// writer changes, and once a minute otherwise; a warning when the writer's
// lease is not as long as this gateway's (it is the writer's that counts).
class StandbyReport {
 public:
  StandbyReport(std::string self, std::int64_t lease_ms)
      : self_(std::move(self)), lease_ms_(lease_ms) {}
  void operator()(const store::WriterLease& lease) {
    SteadyMillis now = SteadyNowMillis();
    if (lease.epoch == last_epoch_ && now < next_line_) {
      return;
    }
    last_epoch_ = lease.epoch;
    next_line_ = now + 60000;
    std::string line = fmt::format(
        "standing by: {} holds the writer's lease (epoch {}, renewed {} ms ago, lease {} ms); {} "
        "takes over once it stays silent that long",
        lease.holder.empty() ? "no gateway" : lease.holder, lease.epoch, lease.silent_ms,
        lease.lease_ms, self_);
    spdlog::info("{}", line);
    service::Status(line);
    if (lease.epoch != 0 && lease.lease_ms != lease_ms_) {
      spdlog::warn("the writer's lease is {} ms, this gateway's store.writer_lease_ms {} ms: a "
                   "takeover waits for the writer's; give every gateway the same",
                   lease.lease_ms, lease_ms_);
    }
  }

 private:
  std::string self_;
  std::int64_t lease_ms_;
  std::int64_t last_epoch_ = -1;
  SteadyMillis next_line_ = 0;
};

// Who holds the writer's lease, for the people who read it: the gateway,
// its machine and its process.
std::string Holder(const std::string& id) {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) {
    std::strcpy(host, "?");
  }
  return fmt::format("{} on {} (pid {})", id, host, ::getpid());
}

Result<store::Ledger> OpenLedger(const GatewayConfig& config, const std::atomic<bool>& stop) {
  if (config.backend == StoreBackend::kSqlite) {
    TOCSIN_ASSIGN_OR_RETURN(
        store::Ledger ledger,
        store::Ledger::Open(config.database, config.full_integrity_check
                                                 ? store::Integrity::kFull
                                                 : store::Integrity::kQuick));
    if (config.full_integrity_check) {
      spdlog::info("{} passes SQLite's integrity_check", config.database);
    }
    return ledger;
  }
  StandbyReport report(config.id, config.writer_lease_ms);
  TOCSIN_ASSIGN_OR_RETURN(
      store::Ledger ledger,
      store::Ledger::OpenPostgresqlWriter(
          config.postgresql, {Holder(config.id), config.writer_lease_ms},
          std::max(100, config.writer_lease_ms / 10), [&](const store::WriterLease& lease) {
            service::Alive();
            report(lease);
            return !stop.load();
          }));
  spdlog::info("writer of the shared ledger (epoch {}) as {}: {} audit entries as the previous "
               "writer left them", ledger.epoch(), Holder(config.id), ledger.audit().size());
  return ledger;
}

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::Create(const GatewayConfig& config, const Clock& clock,
                                                 const std::atomic<bool>& stop,
                                                 GatewayLimits limits) {
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
                          Registry::Load(config.directory, config.bundle + "/root.crt", clock,
                                         config.database + ".crl-floor", &bundle.signing,
                                         config.database + ".verified-certificates"));
  TOCSIN_RETURN_IF_ERROR(RaiseDescriptorLimit(DescriptorsNeeded(registry->Snapshot())));
  TOCSIN_ASSIGN_OR_RETURN(store::Ledger ledger, OpenLedger(config, stop));
  if (config.backend == StoreBackend::kPostgresql) {
    // A standby may have waited for hours: the CA folder as it is now (a
    // CRL published meanwhile), not as it was at start; then the lease
    // renewed before anything else takes time.
    TOCSIN_ASSIGN_OR_RETURN(registry,
                            Registry::Load(config.directory, config.bundle + "/root.crt", clock,
                                           config.database + ".crl-floor", &bundle.signing,
                                           config.database + ".verified-certificates"));
    TOCSIN_RETURN_IF_ERROR(RaiseDescriptorLimit(DescriptorsNeeded(registry->Snapshot())));
    TOCSIN_RETURN_IF_ERROR(ledger.RenewLease());
  }
  std::unique_ptr<Gateway> gateway(new Gateway(config, limits, clock, std::move(bundle),
                                               std::move(registry), std::move(ledger)));
  TOCSIN_RETURN_IF_ERROR(gateway->Start());
  return gateway;
}

Bytes AcceptedEnvelope(const protocol::DirectiveId& id, protocol::AcceptedKind kind,
                       UnixMillis at) {
  return protocol::EncodeUnsigned(protocol::MessageType::kAccepted,
                                  protocol::EncodeAccepted({id, kind, at}));
}

Status Gateway::Start() {
  // The ZAP handler must exist before any server socket binds (SECURITY.md 2).
  // Handshakes per key: an agency or a bridge reconnects now and then, an
  // operator's command line once per command (SECURITY.md 37).
  transport::ZapHandler::HandshakeLimits handshakes{{std::string(kAgencyDomain), {1, 16}},
                                                    {std::string(kBridgeDomain), {1, 16}},
                                                    {std::string(kOperatorDomain), {10, 50}}};
  TOCSIN_ASSIGN_OR_RETURN(zap_, transport::ZapHandler::Start(context_, *registry_, handshakes));
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
  TOCSIN_RETURN_IF_ERROR(Guard(agency_guard_, client_socket_, "tocsin-gateway-agency-connections"));
  TOCSIN_RETURN_IF_ERROR(
      Guard(operator_guard_, operator_socket_, "tocsin-gateway-operator-connections"));
  started_at_ = clock_.NowMillis();
  TOCSIN_ASSIGN_OR_RETURN(metrics_, transport::StartMetrics(config_.metrics_listen));
  audit_ = std::make_unique<AuditKeeper>(config_.id, *bundle_.log_signing, ledger_, clock_,
                                         config_.database + ".checkpoint");
  TOCSIN_RETURN_IF_ERROR(audit_->CheckSeal());
  TOCSIN_RETURN_IF_ERROR(audit_->IndexLegacyConfirmations());
  TOCSIN_RETURN_IF_ERROR(ObservePrincipals());
  TOCSIN_RETURN_IF_ERROR(ledger_.RenewLease());  // PostgreSQL: before the first loop turn
  // Heartbeat sequences rise across writers: a woken old writer's cannot
  // pass for the new one's (an agency checks they increase on a link).
  heartbeat_sequence_ = static_cast<std::uint64_t>(ledger_.epoch()) << 32;
  if (!config_.policy.empty()) {
    escalator_ = std::make_unique<Escalator>(config_.policy, ledger_, *registry_, *audit_, clock_);
    TOCSIN_RETURN_IF_ERROR(escalator_->Load(/*initial=*/true));
  }
  if (!config_.bridge_endpoint.empty()) {
    transport::ServerConfig bridges{config_.bridge_endpoint, std::string(kBridgeDomain),
                                    server_limits, 16};
    TOCSIN_ASSIGN_OR_RETURN(zmq::socket_t socket, transport::MakeCurveServer(
                                                      context_, bridges, bundle_.transport.secret()));
    BridgeAuthority authority{
        [this](const std::string& principal) -> std::optional<std::string> {
          std::optional<Principal> bridge = registry_->Active(principal, Role::kBridge);
          return bridge ? bridge->channel : std::nullopt;
        },
        [this](const std::string& agency) {
          return registry_->Active(agency, Role::kAgency).has_value();
        },
        [this](const transport::PeerMessage& hello) {
          Cut(bridge_guard_,
              bridge_guard_.guard.Hello(hello.connection, hello.principal, SteadyNowMillis()),
              "over the per-bridge connection cap");
        }};
    bridges_ = std::make_unique<BridgeDesk>(
        std::move(socket), ledger_, *audit_, clock_,
        [this] {
          return escalator_ ? escalator_->policy() : std::shared_ptr<const policies::Policy>();
        },
        std::move(authority));
    TOCSIN_RETURN_IF_ERROR(
        Guard(bridge_guard_, bridges_->socket(), "tocsin-gateway-bridge-connections"));
  }
  return PublishCheckpoint();
}

bool Gateway::Resend(const Bytes& directive_id, const std::string& agency) {
  const AgencySession* session = sessions_.Find(agency);
  if (session == nullptr) {
    return false;
  }
  Result<const protocol::DirectiveFanout*> fanout = FanoutFor(directive_id);
  if (!fanout) {
    ReportDamaged(directive_id, agency, fanout.error());
    return false;
  }
  Result<Bytes> copy = (*fanout)->CopyFor(agency);
  return copy && transport::SendToPeer(client_socket_, session->routing_id, *copy);
}

Status Gateway::PublishCheckpoint() {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<std::uint64_t> size, audit_->Checkpoint());
  next_checkpoint_ = SteadyNowMillis() + config_.checkpoint_interval_ms;
  if (!size) {
    return {};
  }
  spdlog::info("audit log: signed checkpoint at size {}", *size);
  for (auto& [agency, session] : sessions_.all()) {
    TOCSIN_RETURN_IF_ERROR(SendCheckpoint(session));
  }
  return {};
}

Status Gateway::SendCheckpoint(AgencySession& session) {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<Bytes> message, audit_->MessageFor(session.log_size));
  if (message && transport::SendToPeer(client_socket_, session.routing_id, *message)) {
    session.log_size = audit_->latest_size();
  }
  return {};
}

Status Gateway::Run(const std::atomic<bool>& stop, std::atomic<bool>& reload) {
  next_heartbeat_ = SteadyNowMillis();
  service::Ready("serving agencies on " + client_endpoint());
  while (!stop) {
    service::Alive();
    SteadyMillis now = SteadyNowMillis();
    if (now >= next_lease_renewal_) {  // first in a turn: fenced, it steps down before serving
      TOCSIN_RETURN_IF_ERROR(ledger_.RenewLease());
      next_lease_renewal_ = now + config_.writer_lease_ms / 5;
    }
    long wait = std::clamp<long>(static_cast<long>(next_heartbeat_ - now), 0, 200);
    zmq::pollitem_t items[] = {
        {client_socket_.handle(), 0, ZMQ_POLLIN, 0},
        {operator_socket_.handle(), 0, ZMQ_POLLIN, 0},
        {agency_guard_.events->handle(), 0, ZMQ_POLLIN, 0},
        {operator_guard_.events->handle(), 0, ZMQ_POLLIN, 0},
        {bridges_ ? bridges_->socket().handle() : nullptr, 0, ZMQ_POLLIN, 0},
        {bridges_ ? bridge_guard_.events->handle() : nullptr, 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, bridges_ ? 6 : 4, std::chrono::milliseconds(wait));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) {
        return MakeError(ErrorCode::kInternal, std::string("poll: ") + e.what());
      }
    }
    // Each socket gets a bounded share of every turn; what is left waits for
    // the next turn (zmq_poll reports it at once), so no peer starves the rest.
    WatchConnections();
    TOCSIN_RETURN_IF_ERROR(DrainAgencies());
    TOCSIN_RETURN_IF_ERROR(DrainOperators());
    if (bridges_) {
      TOCSIN_RETURN_IF_ERROR(bridges_->Drain(limits_.messages_per_turn));
    }
    now = SteadyNowMillis();
    if (now >= next_heartbeat_) {
      SendHeartbeats();
      next_heartbeat_ = now + config_.heartbeat_interval_ms;
    }
    if (now >= next_checkpoint_) {
      TOCSIN_RETURN_IF_ERROR(PublishCheckpoint());
    }
    if (escalator_ && now >= next_escalation_) {
      TOCSIN_RETURN_IF_ERROR(escalator_->Tick(
          [this](const Bytes& id, const std::string& agency) { return Resend(id, agency); }));
      next_escalation_ = now + kEscalationTickMs;
    }
    if (now >= next_proposal_sweep_) {
      TOCSIN_RETURN_IF_ERROR(ExpireProposals());
      next_proposal_sweep_ = now + kProposalSweepMs;
    }
    if (bridges_ && now >= next_dispatch_) {
      TOCSIN_RETURN_IF_ERROR(bridges_->Dispatch());
      next_dispatch_ = now + kEscalationTickMs;
    }
    TOCSIN_RETURN_IF_ERROR(ReloadIfChanged(reload.exchange(false)));
    if (metrics_ && metrics_->Wanted()) {
      PublishMetrics();
    }
    LogSummaries();
    WarnOfCrlExpiry();
  }
  service::Stopping();
  TOCSIN_RETURN_IF_ERROR(PublishCheckpoint());  // the log as it stands at shutdown
  TOCSIN_RETURN_IF_ERROR(ledger_.ReleaseLease());  // a standby takes over at once
  LogSummaries(/*force=*/true);
  spdlog::info("stopping: {} directives accepted, {} receipts recorded ({} repeats answered from "
               "memory), {} inclusion proofs served, {} damaged directives held back, refused {} unauthorized, {} malformed, {} invalid, {} throttled, "
               "{} bridge messages, {} connections cut, ZAP refused {} handshakes ({} too fast), "
               "{} split views, {} copies refused by agencies",
               counters_.directives_accepted, counters_.receipts_recorded,
               counters_.duplicates_answered, counters_.proofs_served,
               counters_.damaged_directives,
               counters_.refused_unauthorized,
               counters_.refused_malformed, counters_.refused_invalid,
               agency_accounting_.throttled() + operator_accounting_.throttled(),
               bridges_ ? bridges_->refused() : 0,
               agency_guard_.guard.cut() + operator_guard_.guard.cut() + bridge_guard_.guard.cut(),
               zap_->refused(),
               zap_->throttled(), counters_.split_views, counters_.refusals);
  return {};
}

void Gateway::CountRefusal(PeerAccounting& accounting, const std::string& principal,
                           const Error& error) {
  bool garbage = error.code == ErrorCode::kMalformedMessage || error.code == ErrorCode::kTooLarge;
  (garbage ? counters_.refused_malformed : counters_.refused_invalid)++;
  if (accounting.CountRefusal(principal, ErrorCodeName(error.code))) {
    LogEvent(spdlog::level::warn, "message_refused",
             {{"principal", principal}, {"reason", ErrorCodeName(error.code)}},
             fmt::format("refused message from {}: {} (more from {} are summed up every {} s)",
                         principal, error.ToString(), principal,
                         limits_.agency_budget.summary_interval_ms / 1000));
  }
}

void Gateway::Refuse(zmq::socket_t& socket, const transport::PeerMessage& message,
                     const Error& error, const std::optional<protocol::DirectiveId>& reference) {
  CountRefusal(&socket == &operator_socket_ ? operator_accounting_ : agency_accounting_,
               message.principal, error);
  // Section 9: the reply names the directive whenever the refused body did.
  // Read again only for what an endpoint takes: an agency sends small
  // receipts, so a large envelope there (a proposal's 2 MiB) is not decoded
  // twice on the refusal path.
  std::optional<protocol::DirectiveId> named = reference;
  if (!named && (&socket == &operator_socket_ || message.payload.size() <= kMaxNamedAgencyBytes)) {
    named = protocol::NamedDirective(message.payload);
  }
  (void)transport::SendToPeer(socket, message.routing_id, ErrorEnvelope(error, named));
}

void Gateway::LogSummaries(bool force) {
  SteadyMillis now = SteadyNowMillis();
  for (PeerAccounting* accounting : {&agency_accounting_, &operator_accounting_}) {
    for (const std::string& line : accounting->TakeSummary(now, force)) {
      spdlog::warn("{}", line);
    }
  }
}

Status Gateway::Guard(GuardedEndpoint& endpoint, zmq::socket_t& socket,
                      const std::string& monitor_name) {
  TOCSIN_ASSIGN_OR_RETURN(transport::ConnectionEvents events,
                          transport::ConnectionEvents::Watch(context_, socket, monitor_name));
  endpoint.events.emplace(std::move(events));
  endpoint.port = transport::EndpointPort(transport::LastEndpoint(socket));
  return {};
}

void Gateway::Cut(GuardedEndpoint& endpoint, const std::vector<int>& connections,
                  const char* why) {
  std::size_t cut = 0;
  for (int fd : connections) {
    cut += transport::CutConnection(fd, endpoint.port) ? 1U : 0U;
  }
  if (cut > 0) {  // one line per check, however many: bounded by the handshake budgets
    spdlog::warn("cut {} {} connection(s): {}", cut, endpoint.name, why);
  }
}

void Gateway::WatchConnections() {
  SteadyMillis now = SteadyNowMillis();
  bool check = now >= next_guard_check_;
  if (check) {
    next_guard_check_ = now + 250;
  }
  for (GuardedEndpoint* endpoint : {&agency_guard_, &operator_guard_, &bridge_guard_}) {
    if (!endpoint->events) {
      continue;  // no bridge endpoint
    }
    for (const transport::ConnectionEvent& event :
         endpoint->events->Take(std::size_t{1} << 16)) {  // all of them: see ConnectionGuard
      if (event.kind == transport::ConnectionEvent::Kind::kAccepted) {
        endpoint->guard.Accepted(event.fd, now);
      } else {
        std::optional<std::string> principal = endpoint->guard.Closed(event.fd);
        if (principal && endpoint == &agency_guard_) {
          LogEvent(spdlog::level::info, "agency_disconnected", {{"agency", *principal}},
                   fmt::format("{} disconnected", *principal));
        }
      }
    }
    if (check) {
      std::function<bool(int)> routed;
      if (endpoint == &agency_guard_) {
        routed = [this](int fd) { return sessions_.Routes(fd); };
      }
      Cut(*endpoint, endpoint->guard.Overdue(now, routed), "no valid first message in time");
    }
  }
}

Status Gateway::DrainAgencies() {
  std::vector<PendingReceipt> batch;
  for (std::size_t taken = 0; taken < limits_.messages_per_turn; ++taken) {
    Result<std::optional<transport::PeerMessage>> message = transport::ReceiveFromPeer(client_socket_);
    if (!message) {
      ++counters_.refused_malformed;
      continue;  // not even a principal to blame: libzmq admitted nobody
    }
    if (!message->has_value()) {
      break;
    }
    TOCSIN_RETURN_IF_ERROR(HandleAgency(**message, batch));
    if (batch.size() >= limits_.receipt_batch) {
      TOCSIN_RETURN_IF_ERROR(FlushCatchUps());  // a copy is marked sent before its receipt
      TOCSIN_RETURN_IF_ERROR(FlushReceipts(batch));
    }
  }
  TOCSIN_RETURN_IF_ERROR(FlushCatchUps());
  return FlushReceipts(batch);
}

Status Gateway::HandleAgency(transport::PeerMessage& message, std::vector<PendingReceipt>& batch) {
  // Authorize every message, not only the handshake (SECURITY.md 4).
  if (!registry_->Active(message.principal, Role::kAgency)) {
    ++counters_.refused_unauthorized;
    sessions_.Forget(message.principal);
    CountRefusal(agency_accounting_, message.principal,
                 {ErrorCode::kPermissionDenied, "not an active agency"});
    return {};
  }
  PeerAccounting::Admission admission =
      agency_accounting_.Admit(message.principal, SteadyNowMillis());
  if (!admission.admitted) {
    if (admission.log_refusal) {
      spdlog::warn("throttling {}: over {} messages/s (more are summed up)", message.principal,
                   limits_.agency_budget.messages.per_second);
    }
    return {};  // dropped unread: receipts are resent until confirmed
  }
  if (!message.shape_error.empty()) {
    Refuse(client_socket_, message, {ErrorCode::kMalformedMessage, message.shape_error});
    return {};
  }
  Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(message.payload);
  if (!envelope) {
    Refuse(client_socket_, message, envelope.error());
    return {};
  }
  switch (envelope->type) {
    case protocol::MessageType::kHello:
      return HandleHello(message, *envelope);
    case protocol::MessageType::kReceipt:
    case protocol::MessageType::kAcknowledgement:
    case protocol::MessageType::kRefusal: {
      crypto::Digest digest = crypto::Sha256(message.payload);
      if (AnsweredFromMemory(message, digest)) {
        return {};
      }
      Result<protocol::Receipt> receipt = protocol::VerifyReceipt(
          message.payload, registry_->directory(), clock_.NowMillis(), config_.id);
      if (receipt && receipt->agency != message.principal) {
        receipt = MakeError(ErrorCode::kPermissionDenied, "receipt signed for another agency");
      }
      if (receipt && receipt->kind == protocol::ReceiptKind::kRefused) {
        receipt = CheckRefusedCopy(std::move(*receipt));
      }
      if (!receipt) {
        Refuse(client_socket_, message, receipt.error());
        return {};
      }
      batch.push_back({message.principal, message.routing_id, std::move(*receipt),
                       std::move(message.payload), digest});
      return {};
    }
    case protocol::MessageType::kProofRequest: {
      Result<protocol::ProofRequest> request = protocol::DecodeProofRequest(envelope->body);
      Result<Bytes> answer = request ? audit_->InclusionProof(*request)
                                     : Result<Bytes>(tl::unexpected(request.error()));
      if (!answer) {
        Refuse(client_socket_, message, answer.error());
        return {};
      }
      ++counters_.proofs_served;
      (void)transport::SendToPeer(client_socket_, message.routing_id, *answer);
      return {};
    }
    default:
      Refuse(client_socket_, message,
             {ErrorCode::kMalformedMessage,
              "unexpected " + std::string(protocol::MessageTypeName(envelope->type))});
      return {};
  }
}

Status Gateway::HandleHello(transport::PeerMessage& message, const protocol::Envelope& envelope) {
  Result<protocol::Hello> hello = protocol::DecodeHello(envelope.body);
  if (!hello || hello->agency != message.principal) {
    Refuse(client_socket_, message,
           hello ? Error{ErrorCode::kPermissionDenied, "hello names another agency"}
                 : hello.error());
    return {};
  }
  if (agency_guard_.guard.Cutting(message.connection)) {
    return {};  // a connection on its way out takes no route back
  }
  // Only now is this connection the agency's route (SECURITY.md 38).
  Cut(agency_guard_, agency_guard_.guard.Hello(message.connection, message.principal, SteadyNowMillis()),
      "over the per-agency connection cap");
  if (!sessions_.Hello(message.principal, message.routing_id, message.connection,
                       hello->log_size)) {
    return {};  // this connection already has its backlog
  }
  TOCSIN_RETURN_IF_ERROR(SendCheckpoint(*sessions_.Find(message.principal)));
  return CatchUp(message.principal);
}

bool Gateway::AnsweredFromMemory(const transport::PeerMessage& message,
                                 const crypto::Digest& digest) {
  auto known = recent_receipts_.find({message.principal, digest});
  if (known == recent_receipts_.end()) {
    return false;
  }
  ++counters_.duplicates_answered;
  const RecentReceipt& answer = known->second;
  if (answer.silent) {
    return true;  // a refusal seen before: nothing to say
  }
  if (answer.refusal) {
    (void)transport::SendToPeer(client_socket_, message.routing_id,
                                ErrorEnvelope(*answer.refusal, answer.directive_id));
    return true;
  }
  (void)transport::SendToPeer(client_socket_, message.routing_id,
                              AcceptedEnvelope(answer.directive_id, answer.kind, answer.at));
  if (!answer.promise.empty()) {
    (void)transport::SendToPeer(client_socket_, message.routing_id, answer.promise);
  }
  return true;
}

void Gateway::Remember(const std::string& agency, const crypto::Digest& digest,
                       const protocol::Receipt& receipt, RecentReceipt answer) {
  answer.directive_id = receipt.directive_id;
  answer.kind = AnswerKind(receipt);
  if (!recent_receipts_.emplace(std::make_pair(agency, digest), answer).second) {
    return;
  }
  recent_order_.emplace_back(agency, digest);
  while (recent_order_.size() > limits_.recent_receipts) {
    recent_receipts_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
}

// A receipt is recorded whatever view of the log it carries: it is the
// agency's signed word, and a view that differs from this log is evidence
// (the auditor finds it too). Said loudly, at most once a minute per agency.
void Gateway::WatchForSplitView(const std::string& agency, const protocol::Receipt& receipt) {
  std::string problem = audit_->CheckAgencyView(receipt);
  if (problem.empty()) {
    return;
  }
  ++counters_.split_views;
  SteadyMillis now = SteadyNowMillis();
  SteadyMillis& next = next_split_view_log_[agency];
  if (now < next) {
    return;
  }
  next = now + 60 * 1000;
  spdlog::critical("SPLIT VIEW: {} signed a receipt for {} while it {}: it was shown another "
                   "audit log than this one (a forked or impersonated gateway); kept as evidence",
                   agency, HexEncode(receipt.directive_id), problem);
}

Status Gateway::FlushReceipts(std::vector<PendingReceipt>& batch) {
  if (batch.empty()) {
    return {};
  }
  UnixMillis now = audit_->Now();
  std::vector<store::ReceiptRecord> records;
  for (PendingReceipt& p : batch) {
    const protocol::Receipt& r = p.receipt;
    WatchForSplitView(p.agency, r);
    Bytes entry = audit_->Evidence(r, p.wire, now);
    records.push_back({.directive_id = Bytes(r.directive_id.begin(), r.directive_id.end()),
                       .agency = p.agency,
                       .acknowledgement = r.kind == protocol::ReceiptKind::kAcknowledged,
                       .refusal = r.kind == protocol::ReceiptKind::kRefused,
                       .at = r.at,
                       .recorded_at = now,
                       .officer = r.officer,
                       .digest = Bytes(r.directive_digest.begin(), r.directive_digest.end()),
                       .wire = std::move(p.wire),
                       .audit_entry = std::move(entry)});
  }
  std::vector<store::RefusedReceipt> refused;
  std::vector<std::optional<store::LogPosition>> logged;
  std::vector<std::optional<UnixMillis>> first_seen;
  // Group commit: one fsync for the whole batch, then the answers.
  TOCSIN_ASSIGN_OR_RETURN(int changed, ledger_.receipts().Record(records, protocol::kMaxClockSkew,
                                                              &refused, &logged, &first_seen));
  counters_.receipts_recorded += static_cast<std::uint64_t>(changed);
  std::size_t next_refused = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const PendingReceipt& p = batch[i];
    const protocol::Receipt& r = p.receipt;
    if (next_refused < refused.size() && refused[next_refused].index == i) {
      const store::RefusedReceipt& why = refused[next_refused++];
      Error error{why.code, "receipt: " + why.reason};
      CountRefusal(agency_accounting_, p.agency, error);
      RecentReceipt refusal;
      refusal.refusal = error;
      Remember(p.agency, p.wire_digest, r, std::move(refusal));
      (void)transport::SendToPeer(client_socket_, p.routing_id, ErrorEnvelope(error, r.directive_id));
      continue;
    }
    if (first_seen[i] && r.kind != protocol::ReceiptKind::kRefused) {
      Histogram& latency = r.kind == protocol::ReceiptKind::kAcknowledged ? acknowledgement_latency_
                                                                         : receipt_latency_;
      latency.Observe(static_cast<double>(std::max<UnixMillis>(0, now - *first_seen[i])) / 1000.0);
    }
    if (r.kind == protocol::ReceiptKind::kRefused) {
      // Not answered: a refusal lost on the way is sent again when the copy
      // is (the delivery stays undelivered). Said once per delivery.
      if (first_seen[i]) {
        ReportRefusal(p.agency, r);
      }
      RecentReceipt silent;
      silent.silent = true;
      Remember(p.agency, p.wire_digest, r, std::move(silent));
      continue;
    }
    // The answer: accepted, then the promise that the entry recording the
    // receipt is in the log (none for a receipt stored before promises).
    RecentReceipt answer;
    answer.at = logged[i] ? logged[i]->at : now;
    if (logged[i]) {
      answer.promise = audit_->Promise(EntryKind(r), r.directive_id, p.agency, *logged[i]);
    }
    (void)transport::SendToPeer(client_socket_, p.routing_id,
                                AcceptedEnvelope(r.directive_id, AnswerKind(r), answer.at));
    if (!answer.promise.empty()) {
      (void)transport::SendToPeer(client_socket_, p.routing_id, answer.promise);
    }
    Remember(p.agency, p.wire_digest, r, std::move(answer));
  }
  batch.clear();
  return {};
}

Status Gateway::CatchUp(const std::string& agency) {
  TOCSIN_ASSIGN_OR_RETURN(auto pending, ledger_.directives().Undelivered(agency, clock_.NowMillis()));
  if (caught_up_.empty()) {
    caught_up_at_ = audit_->Now();
  }
  const Bytes routing_id = sessions_.Find(agency)->routing_id;
  std::size_t sent = 0;
  for (const Bytes& id : pending) {
    Result<const protocol::DirectiveFanout*> fanout = FanoutFor(id);
    if (!fanout) {
      // Not fatal for everyone else: this one directive is held back, loudly.
      ReportDamaged(id, agency, fanout.error());
      continue;
    }
    TOCSIN_ASSIGN_OR_RETURN(Bytes copy, (*fanout)->CopyFor(agency));
    if (!transport::SendToPeer(client_socket_, routing_id, copy)) {
      sessions_.CatchUpIncomplete(agency);  // the next hello on this connection resumes
      break;                                // the peer went away or its queue is full
    }
    caught_up_.push_back({id, agency, audit_->Sent(id, agency, caught_up_at_)});
    ++sent;
  }
  // One line per connection an agency introduced: what an operator looks
  // for first when an agency says it hears nothing.
  LogEvent(spdlog::level::info, "agency_connected",
           {{"agency", agency}, {"sent", sent}, {"undelivered", pending.size()}},
           fmt::format("{} connected: sent {} of {} undelivered directive(s)", agency, sent,
                       pending.size()));
  return {};
}

Status Gateway::FlushCatchUps() {
  if (caught_up_.empty()) {
    return {};
  }
  Status marked = ledger_.directives().MarkSent(caught_up_, caught_up_at_);
  caught_up_.clear();
  return marked;
}

Status Gateway::DrainOperators() {
  for (std::size_t taken = 0; taken < limits_.messages_per_turn; ++taken) {
    Result<std::optional<transport::PeerMessage>> message =
        transport::ReceiveFromPeer(operator_socket_);
    if (!message) {
      ++counters_.refused_malformed;
      continue;
    }
    if (!message->has_value()) {
      return {};
    }
    TOCSIN_RETURN_IF_ERROR(HandleOperator(**message));
  }
  return {};
}

Status Gateway::HandleOperator(transport::PeerMessage& message) {
  if (!registry_->Active(message.principal, Role::kOperator)) {
    ++counters_.refused_unauthorized;
    CountRefusal(operator_accounting_, message.principal,
                 {ErrorCode::kPermissionDenied, "not an active operator"});
    return {};
  }
  if (!operator_accounting_.Admit(message.principal, SteadyNowMillis()).admitted) {
    return {};
  }
  if (!message.shape_error.empty()) {
    Refuse(operator_socket_, message, {ErrorCode::kMalformedMessage, message.shape_error});
    return {};
  }
  Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(message.payload);
  if (!envelope) {
    Refuse(operator_socket_, message, envelope.error());
    return {};
  }
  // A well-formed request from an active operator: the connection may stay.
  Cut(operator_guard_,
      operator_guard_.guard.Hello(message.connection, message.principal, SteadyNowMillis()),
      "over the per-operator connection cap");
  switch (envelope->type) {
    case protocol::MessageType::kDirective: return Submit(message);
    case protocol::MessageType::kProposal: return HoldProposal(message, *envelope);
    case protocol::MessageType::kProposalRequest: return AnswerProposals(message, *envelope);
    case protocol::MessageType::kApproval: return Approve(message, *envelope);
    case protocol::MessageType::kWithdrawal: return Withdraw(message, *envelope);
    default: break;
  }
  if (envelope->type == protocol::MessageType::kStatusRequest) {
    return Report(message, *envelope);
  }
  if (envelope->type == protocol::MessageType::kEvidenceRequest) {
    return AnswerEvidence(message, *envelope);
  }
  if (envelope->type == protocol::MessageType::kDirectiveRequest) {
    Result<protocol::DirectiveRequest> request = protocol::DecodeDirectiveRequest(envelope->body);
    if (!request) {
      Refuse(operator_socket_, message, request.error());
      return {};
    }
    TOCSIN_ASSIGN_OR_RETURN(std::optional<store::AcceptedDirective> stored,
                            ledger_.directives().Find(Bytes(request->reference.begin(),
                                               request->reference.end())));
    if (!stored) {
      Refuse(operator_socket_, message,
             {ErrorCode::kNotFound, "no directive " + HexEncode(request->reference)},
             request->reference);
      return {};
    }
    (void)transport::SendToPeer(operator_socket_, message.routing_id, stored->wire);
    return {};
  }
  Refuse(operator_socket_, message,
         {ErrorCode::kMalformedMessage,
          "unexpected " + std::string(protocol::MessageTypeName(envelope->type))});
  return {};
}

Status Gateway::Submit(transport::PeerMessage& message) {
  TOCSIN_ASSIGN_OR_RETURN(Result<protocol::VerifiedDirective> directive,
                          CheckSubmission(message.payload, message.principal, Submission::kWhole));
  if (!directive) {
    Refuse(operator_socket_, message, directive.error());
    return {};
  }
  return AcceptSubmission(message, *directive, message.payload, false);
}

Result<Result<protocol::VerifiedDirective>> Gateway::CheckSubmission(ByteView wire,
                                                                     const std::string& submitter,
                                                                     Submission submission) {
  UnixMillis now = clock_.NowMillis();
  bool whole = submission == Submission::kWhole;
  protocol::DirectiveChecks checks{config_.id, now,
                                   whole ? static_cast<std::size_t>(config_.min_signatures) : 1};
  checks.require_header_signatures = whole;
  Result<protocol::VerifiedDirective> directive =
      protocol::VerifyDirective(wire, registry_->directory(), checks);
  if (directive && std::find(directive->signers.begin(), directive->signers.end(), submitter) ==
                       directive->signers.end()) {
    directive = MakeError(ErrorCode::kPermissionDenied,
                          submitter + " submitted a directive it did not sign");
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
  if (directive) {
    Status labelled = CheckSectorLabels(*directive);
    if (!labelled) {
      directive = tl::unexpected(labelled.error());
    }
  }
  if (directive && whole) {  // a proposal's signers are still to come
    TOCSIN_ASSIGN_OR_RETURN(Status ruled, CheckRules(*directive));
    if (!ruled) {
      directive = tl::unexpected(ruled.error());
    }
  }
  return directive;
}

Status Gateway::AcceptSubmission(const transport::PeerMessage& message,
                                 const protocol::VerifiedDirective& directive, ByteView wire,
                                 bool from_proposal) {
  const protocol::DirectiveHeader& h = directive.header;
  UnixMillis at = audit_->Now();
  Bytes stored_wire(wire.begin(), wire.end());
  store::AcceptedDirective record{Bytes(h.id.begin(), h.id.end()), h.issuer, h.sequence,
                                  static_cast<int>(h.severity), h.issued_at, h.expires_at,
                                  h.ack_deadline, at,
                                  Bytes(directive.digest.begin(), directive.digest.end()),
                                  stored_wire, {},
                                  audit_->Accepted(h.id, h.issuer, stored_wire, at),
                                  from_proposal};
  for (const auto& r : directive.recipients.entries) {
    record.recipients.push_back(r.agency);
  }
  Status accepted = ledger_.directives().Accept(record);
  if (!accepted) {
    if (!store::IsRefusal(accepted.error())) {
      return accepted;  // the ledger failed: fatal
    }
    // The same bytes again (an operator retrying after a lost answer) get
    // the same answer; anything else that reuses the id or sequence is a replay.
    TOCSIN_ASSIGN_OR_RETURN(std::optional<store::AcceptedDirective> stored, ledger_.directives().Find(record.id));
    if (stored && stored->wire == stored_wire) {
      return ConfirmDirective(message, h);
    }
    Refuse(operator_socket_, message, accepted.error(), h.id);
    return {};
  }
  ++counters_.directives_accepted;
  LogEvent(spdlog::level::info, "directive_accepted",
           {{"directive", HexEncode(h.id)}, {"issuer", h.issuer}, {"sequence", h.sequence},
            {"recipients", h.recipient_count}},
           fmt::format("accepted directive {} from {} (sequence {}) for {} agencies", HexEncode(h.id),
                       h.issuer, h.sequence, h.recipient_count));
  TOCSIN_RETURN_IF_ERROR(ConfirmDirective(message, h));
  return FanOut(directive);
}

Status Gateway::ConfirmDirective(const transport::PeerMessage& message,
                                 const protocol::DirectiveHeader& header) {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::LogPosition> position,
                          ledger_.directives().Position(Bytes(header.id.begin(), header.id.end())));
  UnixMillis at = position ? position->at : audit_->Now();
  (void)transport::SendToPeer(operator_socket_, message.routing_id,
                              AcceptedEnvelope(header.id, protocol::AcceptedKind::kDirective, at));
  if (position) {
    (void)transport::SendToPeer(
        operator_socket_, message.routing_id,
        audit_->Promise(protocol::AuditKind::kDirectiveAccepted, header.id, header.issuer,
                        *position));
  }
  return {};
}

Status Gateway::CheckSectorLabels(const protocol::VerifiedDirective& directive) const {
  if (directive.header.sectors.empty()) {
    return {};
  }
  std::set<std::string> recipients;
  for (const protocol::RecipientWrap& r : directive.recipients.entries) {
    recipients.insert(r.agency);
  }
  auto principals = registry_->Snapshot();
  for (const std::string& sector : directive.header.sectors) {
    bool any = false;
    for (const auto& [id, principal] : principals) {
      if (principal.role != Role::kAgency || principal.sector != sector) {
        continue;
      }
      any = true;
      if (recipients.count(id) == 0) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "labelled for sector " + sector + ", but its active agency " + id +
                             " is not a recipient (a sector label means the whole sector)");
      }
    }
    if (!any) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "labelled for sector " + sector + ", which has no active agency");
    }
  }
  return {};
}

Result<std::optional<store::AcceptedDirective>> Gateway::OriginalOf(
    const protocol::DirectiveHeader& header) {
  if (!header.references) {
    return std::optional<store::AcceptedDirective>();
  }
  return ledger_.directives().Find(Bytes(header.references->begin(), header.references->end()));
}

Result<Status> Gateway::CheckRules(const protocol::VerifiedDirective& directive) {
  const protocol::DirectiveHeader& h = directive.header;
  std::vector<std::string> recipients;
  for (const auto& r : directive.recipients.entries) {
    recipients.push_back(r.agency);
  }
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::AcceptedDirective> stored, OriginalOf(h));
  std::optional<protocol::StoredDirective> original;
  if (stored) {
    original = protocol::StoredDirective{stored->wire, stored->recipients};
  }
  Status follow_up = protocol::CheckFollowUpOf(h, directive.signers, recipients, original);
  if (!follow_up) {
    return follow_up;
  }
  return protocol::CheckSignatureRuleOf(registry_->directory().verifier().signature_rule(), h,
                                        directive.distinct_signers, original);
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
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::AcceptedDirective> stored, ledger_.directives().Find(id));
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::LogPosition> position,
                          ledger_.directives().Position(id));
  if (!stored) {
    return MakeError(ErrorCode::kNotFound, "no directive " + HexEncode(id));
  }
  // The stored bytes must still be those the audit log recorded (SECURITY.md
  // 44): a damaged copy would be refused by every agency, silently.
  if (position && id.size() == protocol::kDirectiveIdSize) {
    protocol::DirectiveId directive{};
    std::copy(id.begin(), id.end(), directive.begin());
    crypto::Digest leaf = crypto::MerkleLeafHash(
        audit_->Accepted(directive, stored->issuer, stored->wire, stored->accepted_at));
    if (position->index >= ledger_.audit().size() ||
        leaf != ledger_.audit().tree().leaf(position->index)) {
      return MakeError(ErrorCode::kIoError,
                       "stored directive " + HexEncode(id) + " no longer matches audit entry " +
                           std::to_string(position->index) +
                           ": the database is damaged; it is not sent (restore the database)");
    }
  }
  TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveFanout fanout,
                          protocol::DirectiveFanout::FromWire(stored->wire));
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
    const AgencySession* session = sessions_.Find(recipient.agency);
    if (session == nullptr) {
      continue;  // offline: it gets the directive when it says hello
    }
    TOCSIN_ASSIGN_OR_RETURN(Bytes copy, fanout.CopyFor(recipient.agency));
    if (transport::SendToPeer(client_socket_, session->routing_id, copy)) {
      sent.push_back({id, recipient.agency, audit_->Sent(id, recipient.agency, at)});
    } else {
      sessions_.Forget(recipient.agency);
    }
  }
  return ledger_.directives().MarkSent(sent, at);
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
  TOCSIN_ASSIGN_OR_RETURN(std::vector<store::DeliveryRow> rows, ledger_.directives().Deliveries(id));
  std::vector<protocol::StatusRow> report;
  for (const store::DeliveryRow& row : rows) {
    if (report.size() == protocol::kMaxStatusRows || row.directive_id.size() != protocol::kDirectiveIdSize) {
      break;
    }
    protocol::StatusRow out;
    std::copy(row.directive_id.begin(), row.directive_id.end(), out.directive_id.begin());
    out.agency = row.agency;
    out.state = row.refused_at && row.state < store::DeliveryState::kDelivered
                    ? protocol::kStateRefused
                    : static_cast<std::uint8_t>(row.state);
    out.sent_at = row.sent_at;
    out.delivered_at = row.delivered_at;
    out.acknowledged_at = row.acknowledged_at;
    out.acknowledgement_recorded_at = row.acknowledgement_recorded_at;
    // Single-line on the wire, whatever an older version stored.
    out.officer = std::string(TruncateUtf8(EscapeForDisplay(row.officer), protocol::kMaxOfficerBytes));
    if (escalator_ && out.state < 3) {
      if (std::optional<Escalator::Ladder> ladder = escalator_->LadderOf(row.directive_id, row.agency)) {
        out.ladder = protocol::StatusRow::Ladder{ladder->fired, ladder->next_action, ladder->next_due};
      }
    }
    report.push_back(std::move(out));
  }
  (void)transport::SendToPeer(operator_socket_, message.routing_id,
                              protocol::EncodeUnsigned(protocol::MessageType::kStatusReport,
                                                       protocol::EncodeStatusReport(report)));
  return {};
}

Status Gateway::AnswerEvidence(transport::PeerMessage& message, const protocol::Envelope& envelope) {
  Result<protocol::EvidenceRequest> request = protocol::DecodeEvidenceRequest(envelope.body);
  if (!request) {
    Refuse(operator_socket_, message, request.error());
    return {};
  }
  Bytes id(request->reference.begin(), request->reference.end());
  protocol::EvidencePage page;
  // Stored wires are what agencies signed and the gateway verified: each
  // within kMaxEvidenceWireBytes (a receipt's note is at most 1 KiB).
  TOCSIN_ASSIGN_OR_RETURN(std::vector<store::Evidence> rows,
                          ledger_.receipts().EvidenceFor(id, request->after, protocol::kMaxEvidenceRows,
                                              protocol::kEvidencePageBytes, &page.more));
  for (store::Evidence& row : rows) {
    page.rows.push_back({std::move(row.agency), std::move(row.receipt),
                         std::move(row.acknowledgement), std::move(row.refusal)});
  }
  (void)transport::SendToPeer(operator_socket_, message.routing_id,
                              protocol::EncodeUnsigned(protocol::MessageType::kEvidence,
                                                       protocol::EncodeEvidencePage(page)));
  return {};
}

void Gateway::SendHeartbeats() {
  // The gateway's clock is paced (main.cc): a step of the wall clock does
  // not make every agency refuse the heartbeats for its length.
  UnixMillis now = clock_.NowMillis();
  Bytes wire = protocol::SignHeartbeat(
      {config_.id, ++heartbeat_sequence_, now, now + config_.heartbeat_validity_ms},
      bundle_.signing);
  sessions_.ForgetIf([&](const std::string&, const AgencySession& session) {
    return !transport::SendToPeer(client_socket_, session.routing_id, wire);  // gone: it says hello again
  });
}

Status Gateway::ReloadIfChanged(bool forced) {
  if (forced && escalator_) {
    TOCSIN_RETURN_IF_ERROR(escalator_->Load(/*initial=*/false));  // SIGHUP: the policy too
  }
  if (!crl_watch_.Due(forced, SteadyNowMillis(), clock_.NowMillis(),
                      registry_->directory().crl_current_until())) {
    return {};
  }
  crl_watch_.Loaded();
  Result<std::size_t> loaded = registry_->Reload();
  // A stale CRL is said by ObservePrincipals below; a statement not used, here.
  if (loaded && !registry_->directory().crl_currency().problem.empty()) {
    spdlog::error("the CRL freshness statement in {} is not used: {}", config_.directory,
                  registry_->directory().crl_currency().problem);
  }
  if (!loaded) {
    spdlog::error("registry reload failed, keeping the previous one: {}", loaded.error().ToString());
    return {};
  }
  sessions_.ForgetIf([&](const std::string& agency, const AgencySession&) {
    return !registry_->Active(agency, Role::kAgency);
  });
  if (bridges_) {
    TOCSIN_RETURN_IF_ERROR(bridges_->Dispatch());  // drops the routes of revoked bridges
  }
  spdlog::info("registry reloaded: {} active principals", *loaded);
  Status descriptors = RaiseDescriptorLimit(DescriptorsNeeded(registry_->Snapshot()));
  if (!descriptors) {
    spdlog::error("{}", descriptors.error().ToString());  // serving on, with what we have
  }
  return ObservePrincipals();
}

// An agency may refuse only a copy this gateway sent it: the refusal's
// digest must be that of the agency's copy (the same bytes every time).
Result<protocol::Receipt> Gateway::CheckRefusedCopy(protocol::Receipt refusal) {
  Bytes id(refusal.directive_id.begin(), refusal.directive_id.end());
  Result<const protocol::DirectiveFanout*> fanout = FanoutFor(id);
  if (!fanout) {
    return refusal;  // the ledger says "no such delivery"
  }
  Result<Bytes> copy = (*fanout)->CopyFor(refusal.agency);
  if (!copy || crypto::Sha256(*copy) != refusal.directive_digest) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "refusal names a copy this gateway did not send " + refusal.agency);
  }
  return refusal;
}

void Gateway::ReportRefusal(const std::string& agency, const protocol::Receipt& refusal) {
  ++counters_.refusals;
  LogEvent(spdlog::level::err, "copy_refused",
           {{"agency", agency}, {"directive", HexEncode(refusal.directive_id)},
            {"reason", protocol::RefusalReasonName(refusal.reason)}},
           fmt::format("REFUSED: {} refused its copy of directive {} ({}, signed at {}): it holds "
                       "nothing; escalation goes on as for a silent agency",
                       agency, HexEncode(refusal.directive_id),
                       protocol::RefusalReasonName(refusal.reason), FormatUtc(refusal.at)));
}

void Gateway::ReportDamaged(const Bytes& id, const std::string& agency, const Error& error) {
  ++counters_.damaged_directives;
  bool first = damaged_reported_.insert(id).second;
  spdlog::log(first ? spdlog::level::critical : spdlog::level::debug,
              "cannot send directive {} to {}: {}", HexEncode(id), agency, error.ToString());
}

Status Gateway::ObservePrincipals() {
  if (clock_.NowMillis() > registry_->directory().crl_current_until()) {
    // Every check fails while the CRL is stale: that says nothing about the
    // principals, and recording it as their revocation would be false.
    spdlog::error("{}: nobody is admitted until then; not recording that as revocations",
                  pki::DescribeStaleCrl(config_.directory, registry_->directory().crl_currency()));
    return {};
  }
  TOCSIN_RETURN_IF_ERROR(audit_->RecordCrl(registry_->directory().verifier()));
  return audit_->ObservePrincipals(*registry_);
}

void Gateway::WarnOfCrlExpiry() {
  crl_warner_.Check(registry_->directory().crl_current_until(), clock_.NowMillis());
}

}  // namespace tocsin::gateway
