#include "client/agency_client.h"

#include <algorithm>

#include "common/log.h"
#include "common/service.h"
#include "crypto/base64.h"
#include "crypto/hash.h"
#include "protocol/directive.h"
#include "protocol/follow_up.h"
#include "protocol/receipts.h"
#include "protocol/signature_check.h"
#include "transport/curve_socket.h"
#include "transport/metrics_server.h"
#include "transport/zmq_support.h"


namespace tocsin::client {
namespace {

constexpr UnixMillis kResendEvery = 2000;
constexpr UnixMillis kHelloEvery = 1000;
constexpr std::size_t kResendsPerRound = 100;  // every kResendEvery (2 s): 50 a second
// Open promises looked at per round, and proofs asked for per round (one
// round every kTendEveryMs and after each checkpoint): well under the
// gateway's budget (docs/protocol.md 10).
constexpr std::size_t kPromisesPerCheckpoint = 256;
constexpr std::size_t kProofRequestsPerRound = 64;
constexpr SteadyMillis kTendEveryMs = 5000;
// A promise that no checkpoint covers, or that is covered and unproven after
// three requests, this long into a live link is reported: the gateway signs
// a checkpoint at least every minute while its log grows
// (checkpoint_interval_ms <= 60 s), and answers a proof request at once.
constexpr SteadyMillis kPromiseDeadlineMs = 5 * 60 * 1000;
// A log that cannot be checked (proofs from sizes we do not hold) this long
// is reported; alarms are logged and stored at most this many a minute.
constexpr SteadyMillis kUnverifiableAlarmMs = 60 * 1000;
constexpr std::size_t kMaxAlarmsPerMinute = 10;

}  // namespace

// A link silent this long is rebuilt, then after twice as long, up to a minute.
const SteadyMillis AgencyClient::kFirstRebuildAfterMs = 5000;
const SteadyMillis AgencyClient::kMaxRebuildAfterMs = 60000;

namespace {

}  // namespace

Result<std::unique_ptr<AgencyClient>> AgencyClient::Create(const ClientConfig& config,
                                                           const Clock& clock) {
  TOCSIN_RETURN_IF_ERROR(transport::CheckZmqCapabilities());
  TOCSIN_ASSIGN_OR_RETURN(pki::PrincipalBundle bundle, pki::LoadBundle(config.bundle));
  if (bundle.role != Role::kAgency) {
    return MakeError(ErrorCode::kInvalidArgument, config.bundle + " is not an agency's bundle");
  }
  TOCSIN_ASSIGN_OR_RETURN(std::unique_ptr<pki::GatewayTrust> trust,
                          pki::GatewayTrust::Open(config.directory, bundle.root_certificate.get(),
                                                  config.database + ".crl-floor", config.gateway,
                                                  clock.NowMillis()));
  TOCSIN_ASSIGN_OR_RETURN(store::Inbox inbox,
                          store::Inbox::Open(config.database, config.full_integrity_check
                                                                  ? store::Integrity::kFull
                                                                  : store::Integrity::kQuick));
  if (config.full_integrity_check) {
    spdlog::info("{} passes SQLite's integrity_check", config.database);
  }
  std::unique_ptr<AgencyClient> client(new AgencyClient(
      config, clock, std::move(bundle), std::move(trust), std::move(inbox)));
  TOCSIN_RETURN_IF_ERROR(client->LoadHeldCheckpoint());
  if (!config.notify.empty()) {
    client->notifier_ = std::make_unique<Notifier>(config.notify, config.notify_timeout_ms);
  }
  client->started_wall_ = clock.NowMillis();
  TOCSIN_ASSIGN_OR_RETURN(client->metrics_, transport::StartMetrics(config.metrics_listen));
  TOCSIN_RETURN_IF_ERROR(client->Connect());
  return client;
}

AgencyClient::~AgencyClient() = default;

Status AgencyClient::Connect() {
  // The gateway's transport key, pinned from its verified certificate.
  // The gateway sends an agency nothing larger than its copy of a directive:
  // anything larger is refused by ZeroMQ before it is read, and the queue
  // holds at most 100, so a gateway cannot grow the daemon past ~10 MiB.
  transport::SocketLimits limits;
  limits.max_message_bytes = static_cast<std::int64_t>(protocol::kMaxAgencyCopyBytes);
  limits.high_water_mark = 100;
  // No ZMTP PING: the gateway's signed heartbeats already say the link is
  // alive, and a silence rebuilds it (RebuildIfSilent), sooner than PING's
  // interval plus timeout would. Answering 5,000 agencies' PINGs cost the
  // gateway about 45 ms of CPU a second at rest (bench/README.md).
  limits.heartbeat_interval_ms = 0;
  transport::ClientConfig socket_config{config_.gateway_endpoint, trust_->pinned_key(), limits,
                                        100, 3000};
  // Watched from before it dials, so that a new connection (a restarted
  // gateway, say) gets its hello at once instead of after heartbeats have
  // gone stale, and the first one is never missed.
  TOCSIN_ASSIGN_OR_RETURN(transport::WatchedClient watched,
                          transport::MakeWatchedCurveClient(
                              context_, socket_config, bundle_.transport.public_key(),
                              bundle_.transport.secret(),
                              "tocsin-client-monitor-" + std::to_string(++connections_)));
  socket_ = std::move(watched.socket);
  monitor_.emplace(std::move(watched.monitor));
  spdlog::info("{} connecting to gateway {} at {}", bundle_.principal_id, config_.gateway,
               config_.gateway_endpoint);
  return {};
}

void AgencyClient::SendHello() {
  std::uint64_t log_size = held_log_ ? held_log_->size : 0;
  Send(protocol::EncodeUnsigned(protocol::MessageType::kHello,
                                protocol::EncodeHello({bundle_.principal_id, log_size})));
}

Status AgencyClient::LoadHeldCheckpoint() {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::LogCheckpointRecord> stored,
                          inbox_.LogCheckpoint());
  if (stored && stored->root.size() == crypto::kDigestSize) {
    HeldCheckpoint held{stored->size, {}, stored->note, 0};
    std::copy(stored->root.begin(), stored->root.end(), held.root.begin());
    Result<crypto::PublicKey> log_key = LogKey();
    if (log_key) {
      Result<protocol::Checkpoint> read = protocol::VerifyCheckpoint(
          stored->note, protocol::AuditOrigin(config_.gateway), *log_key);
      held.time = read ? read->time : 0;
    }
    held_log_ = std::move(held);
  }
  return {};
}

Result<crypto::PublicKey> AgencyClient::LogKey() {
  TOCSIN_ASSIGN_OR_RETURN(pki::CertifiedKey key, trust_->directory().Resolve(
                                                     config_.gateway, pki::Purpose::kLog,
                                                     clock_.NowMillis()));
  return key.public_key;
}

Status AgencyClient::HandleCheckpoint(const protocol::Envelope& envelope) {
  Result<protocol::CheckpointMessage> message = protocol::DecodeCheckpointMessage(envelope.body);
  Result<crypto::PublicKey> log_key = LogKey();
  if (!message || !log_key) {
    ++counters_.refused;
    spdlog::warn("refused checkpoint: {}",
                 (!message ? message.error() : log_key.error()).ToString());
    return {};
  }
  LogCheck check = CheckLogCheckpoint(*message, held_log_, protocol::AuditOrigin(config_.gateway),
                                      *log_key, clock_.NowMillis());
  switch (check.verdict) {
    case LogVerdict::kRefused:
      ++counters_.refused;
      spdlog::warn("refused checkpoint: {}", check.why);
      return {};
    case LogVerdict::kStale:
      spdlog::debug("checkpoint: {}", check.why);
      return Unverifiable(check.why);
    case LogVerdict::kUnchanged:
      spdlog::debug("checkpoint: {}", check.why);
      unverifiable_since_ = 0;
      return CheckPromises(*check.checkpoint);
    case LogVerdict::kInconsistent:
      // The evidence: both notes and the proof that failed (the whole message).
      return Alarm("AUDIT LOG ALARM",
                   "gateway " + config_.gateway + " " + check.why + "; keeping the checkpoint of size " +
                       std::to_string(held_log_->size),
                   held_log_->note,
                   "checkpoint message " + crypto::Base64Encode(envelope.body));
    case LogVerdict::kFirst:
    case LogVerdict::kExtended:
      unverifiable_since_ = 0;
      break;
  }
  const protocol::Checkpoint& accepted = *check.checkpoint;
  TOCSIN_RETURN_IF_ERROR(inbox_.SaveLogCheckpoint(
      {accepted.size, Bytes(accepted.root.begin(), accepted.root.end()), message->note,
       clock_.NowMillis()}));
  held_log_ = HeldCheckpoint{accepted.size, accepted.root, message->note, accepted.time};
  spdlog::info("audit log of {}: {} (size {})", config_.gateway, check.why, accepted.size);
  return CheckPromises(accepted);
}

Status AgencyClient::CheckPromiseForUs(const protocol::Promise& promise,
                                       const store::InboxEntry& entry, UnixMillis now) const {
  bool acknowledgement = promise.kind == protocol::AuditKind::kAcknowledgement;
  if (!acknowledgement && promise.kind != protocol::AuditKind::kReceipt) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "a promise of a " + std::string(protocol::AuditKindName(promise.kind)) +
                         " entry confirms nothing an agency sent");
  }
  TOCSIN_RETURN_IF_ERROR(protocol::CheckPromiseFor(
      promise, promise.kind, promise.directive_id, bundle_.principal_id,
      acknowledgement ? entry.acknowledgement : entry.receipt));
  return protocol::CheckPromiseTime(promise, now, held_log_ ? held_log_->size : 0);
}

Status AgencyClient::HandlePromise(const Bytes& wire) {
  Result<crypto::PublicKey> log_key = LogKey();
  Result<protocol::Promise> promise =
      log_key ? protocol::VerifyPromise(wire, config_.gateway, *log_key)
              : Result<protocol::Promise>(tl::unexpected(log_key.error()));
  std::optional<store::InboxEntry> entry;
  if (promise) {
    TOCSIN_ASSIGN_OR_RETURN(entry, inbox_.Find(Bytes(promise->directive_id.begin(),
                                                     promise->directive_id.end())));
  }
  bool acknowledgement = promise && promise->kind == protocol::AuditKind::kAcknowledgement;
  Status matches = !promise ? Status(tl::unexpected(promise.error()))
                   : !entry ? Status(MakeError(ErrorCode::kNotFound,
                                               "promise for a directive not in the inbox"))
                            : CheckPromiseForUs(*promise, *entry, clock_.NowMillis());
  if (!matches) {
    // Not a confirmation: what it would confirm stays unconfirmed and is resent.
    ++counters_.refused;
    spdlog::warn("refused promise: {}", matches.error().ToString());
    return {};
  }
  store::PromiseRecord record{static_cast<int>(promise->kind), entry->id, promise->index,
                              promise->at, wire, store::PromiseState::kOpen, "",
                              clock_.NowMillis()};
  TOCSIN_ASSIGN_OR_RETURN(bool kept_now, inbox_.SavePromise(record));
  if (kept_now && held_log_ && held_log_->time != 0) {
    // Judged at once against what we hold: a promise that the held
    // checkpoint already contradicts confirms nothing.
    protocol::Checkpoint held{protocol::AuditOrigin(config_.gateway), held_log_->size,
                              held_log_->root, held_log_->time};
    protocol::PromiseJudgement judgement = protocol::JudgePromise(*promise, held, nullptr);
    if (judgement.verdict == protocol::PromiseVerdict::kBroken) {
      return SettlePromise(record, *promise, judgement);
    }
  }
  return inbox_.Confirm(entry->id, acknowledgement);
}

namespace {

Result<protocol::Promise> StoredPromise(const store::PromiseRecord& record) {
  Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(record.wire);
  Result<protocol::Promise> promise =
      envelope ? protocol::DecodePromise(envelope->body)
               : Result<protocol::Promise>(tl::unexpected(envelope.error()));
  if (!promise) {
    return MakeError(ErrorCode::kInternal,
                     "a stored promise no longer decodes: " + promise.error().ToString());
  }
  return promise;
}

}  // namespace

Status AgencyClient::CheckPromises(const protocol::Checkpoint& checkpoint) {
  TOCSIN_ASSIGN_OR_RETURN(std::vector<store::PromiseRecord> open,
                          inbox_.Promises(store::PromiseState::kOpen, kPromisesPerCheckpoint));
  for (const store::PromiseRecord& record : open) {
    TOCSIN_ASSIGN_OR_RETURN(protocol::Promise promise, StoredPromise(record));
    protocol::PromiseJudgement judgement = protocol::JudgePromise(promise, checkpoint, nullptr);
    if (judgement.verdict == protocol::PromiseVerdict::kBroken) {
      TOCSIN_RETURN_IF_ERROR(SettlePromise(record, promise, judgement));
    }
  }
  next_tend_ = 0;  // ask for the proofs it allows now
  return TendPromises();
}

Status AgencyClient::TendPromises() {
  SteadyMillis now = SteadyNowMillis();
  if (now < next_tend_) {
    return {};
  }
  next_tend_ = now + kTendEveryMs;
  TOCSIN_ASSIGN_OR_RETURN(std::vector<store::PromiseRecord> open,
                          inbox_.Promises(store::PromiseState::kOpen, kPromisesPerCheckpoint));
  std::vector<std::pair<SteadyMillis, const store::PromiseRecord*>> due;  // last request, promise
  for (const store::PromiseRecord& record : open) {
    Tracking& t = tracking_.try_emplace(record.index, Tracking{now}).first->second;
    if (frozen_) {
      t = Tracking{now};  // the clocks run only while the link is alive
      continue;
    }
    bool covered = held_log_ && held_log_->size > record.index;
    if (!covered) {
      if (!t.reported && now - t.since > kPromiseDeadlineMs) {
        t.reported = true;
        TOCSIN_RETURN_IF_ERROR(RaisePromiseAlarm(
            record, "no checkpoint has covered entry " + std::to_string(record.index) + " for " +
                        std::to_string((now - t.since) / 1000) + " s"));
      }
      continue;
    }
    if (!t.reported && t.requests >= 3 && now - t.first_request > kPromiseDeadlineMs) {
      t.reported = true;
      TOCSIN_RETURN_IF_ERROR(RaisePromiseAlarm(
          record, "entry " + std::to_string(record.index) + " not proven after " +
                      std::to_string(t.requests) + " requests over " +
                      std::to_string((now - t.first_request) / 1000) + " s"));
    }
    if (now - t.last_request >= kTendEveryMs) {
      due.emplace_back(t.last_request, &record);
    }
  }
  // The longest-waiting first, so that a large backlog is paged through.
  std::sort(due.begin(), due.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < due.size() && i < kProofRequestsPerRound; ++i) {
    const store::PromiseRecord& record = *due[i].second;
    Tracking& t = tracking_[record.index];
    t.first_request = t.first_request == 0 ? now : t.first_request;
    t.last_request = now;
    ++t.requests;
    Send(protocol::EncodeUnsigned(protocol::MessageType::kProofRequest,
                                  protocol::EncodeProofRequest({record.index, held_log_->size})));
  }
  return {};
}

Status AgencyClient::RaisePromiseAlarm(const store::PromiseRecord& record,
                                       const std::string& why) {
  return Alarm("AUDIT LOG ALARM",
               "gateway " + config_.gateway + " has not kept its promise yet: " + why,
               held_log_ ? held_log_->note : "", "promise " + crypto::Base64Encode(record.wire));
}

Status AgencyClient::Unverifiable(const std::string& why) {
  // Not proof of anything (a proof from a size we do not hold), but a log
  // we cannot check for long is reported, and we ask again meanwhile.
  SteadyMillis now = SteadyNowMillis();
  if (unverifiable_since_ == 0) {
    unverifiable_since_ = now;
  }
  if (++unverifiable_answers_ % 3 == 0) {
    SendHello();  // asks for a proof from the size we hold
  }
  if (now - unverifiable_since_ < kUnverifiableAlarmMs) {
    return {};
  }
  unverifiable_since_ = now;  // again after as long, if it lasts
  return Alarm("AUDIT LOG UNVERIFIABLE",
               "gateway " + config_.gateway + ": no checkpoint could be checked against the one "
                   "held (size " + std::to_string(held_log_ ? held_log_->size : 0) + ") for " +
                   std::to_string(kUnverifiableAlarmMs / 1000) + " s (" + why + ")",
               held_log_ ? held_log_->note : "", why);
}

Status AgencyClient::Alarm(std::string_view label, const std::string& why,
                           const std::string& held, const std::string& offending) {
  ++counters_.log_alarms;
  // The same evidence twice is one alarm; the log and the database are
  // bounded whatever a gateway sends (SECURITY.md 37).
  crypto::Digest key = crypto::Sha256(AsBytes(std::string(label) + "\n" + why + "\n" + offending));
  if (!alarms_seen_.insert(key).second) {
    ++alarms_suppressed_;
    return {};
  }
  if (alarms_seen_.size() > 4096) {
    alarms_seen_.clear();
  }
  SteadyMillis now = SteadyNowMillis();
  if (now >= alarm_window_end_) {
    if (alarms_suppressed_ > 0) {
      spdlog::critical("{} more alarm(s) in the last minute were repeats or over the limit; see "
                       "log_alarms in {}", alarms_suppressed_, config_.database);
    }
    alarm_window_end_ = now + 60000;
    alarms_in_window_ = 0;
    alarms_suppressed_ = 0;
  }
  if (++alarms_in_window_ > kMaxAlarmsPerMinute) {
    ++alarms_suppressed_;
    return {};
  }
  spdlog::critical("{}: {}", label, why);
  return inbox_.RecordLogAlarm(clock_.NowMillis(), std::string(label) + ": " + why, held,
                               offending);
}

Status AgencyClient::HandleInclusionProof(const protocol::Envelope& envelope) {
  Result<protocol::InclusionProofMessage> proof = protocol::DecodeInclusionProof(envelope.body);
  if (!proof || !held_log_ || proof->tree_size != held_log_->size) {
    ++counters_.refused;
    spdlog::debug("ignored inclusion proof: {}",
                  proof ? "not for the checkpoint we hold" : proof.error().ToString());
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::PromiseRecord> record,
                          inbox_.OpenPromiseAt(proof->index));
  if (!record) {
    return {};  // a promise settled already, or none of ours
  }
  TOCSIN_ASSIGN_OR_RETURN(protocol::Promise promise, StoredPromise(*record));
  protocol::Checkpoint held{protocol::AuditOrigin(config_.gateway), held_log_->size,
                            held_log_->root, held_log_->time};
  protocol::PromiseJudgement judgement = protocol::JudgePromise(promise, held, &*proof);
  if (judgement.verdict == protocol::PromiseVerdict::kOpen) {
    ++counters_.refused;
    spdlog::warn("inclusion proof from gateway {}: {}", config_.gateway, judgement.why);
    return {};
  }
  return SettlePromise(*record, promise, judgement);
}

Status AgencyClient::SettlePromise(const store::PromiseRecord& record,
                                   const protocol::Promise& promise,
                                   const protocol::PromiseJudgement& judgement) {
  tracking_.erase(promise.index);
  if (judgement.verdict == protocol::PromiseVerdict::kKept) {
    ++counters_.promises_kept;
    spdlog::info("audit log of {}: promise kept: {}", config_.gateway, judgement.why);
    return inbox_.SettlePromise(record.kind, record.directive_id, store::PromiseState::kKept,
                                judgement.why);
  }
  ++counters_.promises_broken;
  TOCSIN_RETURN_IF_ERROR(inbox_.SettlePromise(record.kind, record.directive_id,
                                              store::PromiseState::kBroken, judgement.why));
  return Alarm("AUDIT LOG ALARM", "gateway " + config_.gateway + " broke its promise: " + judgement.why,
               held_log_ ? held_log_->note : "", "promise " + crypto::Base64Encode(record.wire));
}

void AgencyClient::DrainMonitor() {
  transport::HandshakeMonitor::Events events = monitor_->Take();
  if (events.handshake_succeeded) {
    LogEvent(spdlog::level::info, "gateway_connected", {{"gateway", config_.gateway}},
             fmt::format("connected to gateway {}", config_.gateway));
    link_problem_.clear();
    last_heartbeat_sequence_ = 0;  // a new connection: perhaps a restarted gateway
    SendHello();
  }
  if (!events.last_problem.empty()) {
    SteadyMillis now = SteadyNowMillis();
    if (events.last_problem != link_problem_ || now >= next_problem_log_) {
      spdlog::warn("link to gateway {} at {}: {}", config_.gateway, config_.gateway_endpoint,
                   events.last_problem);
      next_problem_log_ = now + 30000;
    }
    link_problem_ = events.last_problem;
  }
}

Status AgencyClient::RebuildIfSilent() {
  SteadyMillis now = SteadyNowMillis();
  SteadyMillis quiet_since = std::max({last_heartbeat_, started_at_, last_rebuild_});
  if (now - quiet_since < rebuild_after_) {
    return {};
  }
  // libzmq may stop redialling after a refused handshake or a protocol
  // error on an established link: a fresh socket always dials again.
  spdlog::warn("no signed heartbeat from gateway {} for {} s ({}); rebuilding the connection, "
               "next in {} s if it stays silent",
               config_.gateway, (now - std::max(last_heartbeat_, started_at_)) / 1000,
               link_problem_.empty() ? "no connection" : link_problem_,
               std::min(2 * rebuild_after_, kMaxRebuildAfterMs) / 1000);
  monitor_.reset();
  socket_.close();
  TOCSIN_RETURN_IF_ERROR(Connect());
  last_heartbeat_sequence_ = 0;
  last_rebuild_ = now;
  rebuild_after_ = std::min(2 * rebuild_after_, kMaxRebuildAfterMs);
  return {};
}

Status AgencyClient::Run(const std::atomic<bool>& stop, std::atomic<bool>& reload) {
  started_at_ = SteadyNowMillis();
  service::Ready("agency client, gateway " + config_.gateway_endpoint);
  while (!stop) {
    service::Alive();
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                               {monitor_->handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(100));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) {
        return MakeError(ErrorCode::kInternal, std::string("poll: ") + e.what());
      }
    }
    DrainMonitor();
    TOCSIN_RETURN_IF_ERROR(Drain());
    SteadyMillis now = SteadyNowMillis();
    if (now >= next_hello_) {
      // Until heartbeats flow, keep saying hello: after a gateway restart
      // this is how it learns our connection again and sends the backlog.
      bool alive = last_heartbeat_ != 0 && now - last_heartbeat_ < 2 * kHelloEvery + 1000;
      if (!alive) {
        SendHello();
      }
      next_hello_ = now + kHelloEvery;
    }
    if (now >= next_resend_) {
      TOCSIN_RETURN_IF_ERROR(ResendUnconfirmed());
      next_resend_ = now + kResendEvery;
    }
    CheckFreshness();
    TOCSIN_RETURN_IF_ERROR(RebuildIfSilent());
    trust_->Refresh(reload.exchange(false), clock_.NowMillis());  // CRL validity: wall time
    TOCSIN_RETURN_IF_ERROR(PollNotifications());
    TOCSIN_RETURN_IF_ERROR(TendPromises());
    if (metrics_ && metrics_->Wanted()) {
      PublishMetrics();
    }
  }
  service::Stopping();
  spdlog::info("stopping: {} directives stored, {} duplicates, {} refused, {} freeze alarms, "
               "{} audit-log alarms, log promises {} kept and {} broken, notify hook {} "
               "succeeded and {} failed",
               counters_.directives_stored, counters_.duplicates, counters_.refused,
               counters_.freeze_alarms, counters_.log_alarms, counters_.promises_kept,
               counters_.promises_broken, notifier_ ? notifier_->succeeded() : 0,
               notifier_ ? notifier_->failed_runs() : 0);
  return {};
}

Status AgencyClient::Drain() {
  for (;;) {
    Result<std::optional<Bytes>> message = transport::ReceiveFromServer(socket_);
    if (!message) {
      ++counters_.refused;
      spdlog::warn("from gateway: {}", message.error().ToString());
      continue;
    }
    if (!message->has_value()) {
      return {};
    }
    Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(**message);
    if (!envelope) {
      ++counters_.refused;
      spdlog::warn("refused message from gateway: {}", envelope.error().ToString());
      continue;
    }
    if (envelope->type == protocol::MessageType::kDirective) {
      TOCSIN_RETURN_IF_ERROR(HandleDirective(**message));
    } else {
      TOCSIN_RETURN_IF_ERROR(HandleControl(**message, *envelope));
    }
  }
}

Result<Status> AgencyClient::CheckRules(const protocol::VerifiedDirective& directive,
                                        protocol::RefusalReason& why) {
  const protocol::DirectiveHeader& h = directive.header;
  std::optional<protocol::StoredDirective> original;
  std::optional<store::InboxEntry> held;
  if (h.references) {
    TOCSIN_ASSIGN_OR_RETURN(held, inbox_.Find(Bytes(h.references->begin(), h.references->end())));
    if (held) {
      original = protocol::StoredDirective{held->wire, std::nullopt};
    } else {
      // Who may follow it up is not ours to judge (it may have expired
      // before we came online; the gateway checked it against the directive
      // it follows up); the signature rule is, at its strictest, below.
      spdlog::warn("directive {} follows up {}, which this agency never received",
                   HexEncode(h.id), HexEncode(*h.references));
    }
  }
  if (original) {
    why = protocol::RefusalReason::kFollowUpRule;
    Status follow_up = protocol::CheckFollowUpOf(h, directive.signers, {}, original);
    if (!follow_up) {
      return follow_up;
    }
  }
  why = protocol::RefusalReason::kSignatureRule;
  return protocol::CheckSignatureRuleOf(trust_->directory().verifier().signature_rule(), h,
                                        directive.distinct_signers, original);
}

namespace {

// The id a directive envelope claims, decoded without any crypto (not yet
// verified: only for finding a copy already stored).
std::optional<Bytes> ClaimedId(ByteView wire) {
  Result<protocol::DirectiveHeader> header = protocol::PeekDirectiveHeader(wire);
  if (!header) {
    return std::nullopt;
  }
  return Bytes(header->id.begin(), header->id.end());
}

}  // namespace

void AgencyClient::Refuse(const Bytes& wire, const std::optional<Bytes>& claimed_id,
                          protocol::RefusalReason reason, const Error& error) {
  ++counters_.refused;
  crypto::Digest digest = crypto::Sha256(wire);
  spdlog::warn("refused directive {}: {} ({}){}",
               claimed_id ? HexEncode(*claimed_id) : std::string("(unreadable id)"),
               error.ToString(), protocol::RefusalReasonName(reason),
               claimed_id ? "; the gateway is told, signed" : "");
  if (!claimed_id || claimed_id->size() != protocol::kDirectiveIdSize) {
    return;  // nothing to name: the gateway cannot tie a refusal to a delivery
  }
  protocol::Receipt refusal;
  refusal.kind = protocol::ReceiptKind::kRefused;
  std::copy(claimed_id->begin(), claimed_id->end(), refusal.directive_id.begin());
  refusal.directive_digest = digest;
  refusal.agency = bundle_.principal_id;
  refusal.gateway = config_.gateway;
  refusal.at = clock_.NowMillis();
  refusal.reason = reason;
  if (held_log_ && held_log_->size > 0) {
    refusal.log_size = held_log_->size;
    refusal.log_root = held_log_->root;
  }
  ++counters_.refusals_sent;
  Send(protocol::SignReceipt(refusal, bundle_.signing));
}

Status AgencyClient::HandleDirective(const Bytes& wire) {
  // A copy seen before, byte for byte, is answered with the stored receipt
  // before any signature check or decryption: resends cost nothing.
  std::optional<Bytes> claimed = ClaimedId(wire);
  if (claimed) {
    TOCSIN_ASSIGN_OR_RETURN(std::optional<store::InboxEntry> stored, inbox_.Find(*claimed));
    if (stored && stored->wire == wire) {
      ++counters_.duplicates;
      Send(stored->receipt);
      return {};
    }
  }
  UnixMillis now = clock_.NowMillis();
  protocol::DirectiveChecks checks{config_.gateway, now,
                                   static_cast<std::size_t>(config_.min_signatures)};
  protocol::RefusalReason why = protocol::RefusalReason::kMalformed;
  Result<protocol::OpenedDirective> opened = protocol::OpenDirective(
      wire, trust_->directory(), checks, bundle_.principal_id, bundle_.encryption, &why);
  if (!opened) {
    Refuse(wire, claimed, why, opened.error());
    return {};
  }
  const protocol::DirectiveHeader& h = opened->verified.header;
  Bytes id(h.id.begin(), h.id.end());
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::InboxEntry> existing, inbox_.Find(id));
  if (existing) {
    if (Bytes(opened->verified.digest.begin(), opened->verified.digest.end()) != existing->digest) {
      // One id, two signed contents: whoever signed both (or the gateway
      // that substituted one) is showing agencies different directives.
      return Alarm("DIRECTIVE ALARM",
                   "directive " + HexEncode(id) + " arrived again with another signed content "
                   "(digest " + HexEncode(opened->verified.digest) + ", stored " +
                   HexEncode(existing->digest) + "); keeping both as evidence, acting on the first",
                   crypto::Base64Encode(existing->wire), crypto::Base64Encode(wire));
    }
    ++counters_.duplicates;  // at-least-once: answer with the stored receipt
    Send(existing->receipt);
    return {};
  }
  protocol::RefusalReason broken = protocol::RefusalReason::kFollowUpRule;
  TOCSIN_ASSIGN_OR_RETURN(Status ruled, CheckRules(opened->verified, broken));
  if (!ruled) {
    Refuse(wire, id, broken, ruled.error());
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(std::optional<std::uint64_t> mark, inbox_.IssuerMark(h.issuer));
  protocol::Receipt receipt{protocol::ReceiptKind::kDelivered, h.id, opened->verified.digest,
                            bundle_.principal_id, config_.gateway, now, 0, std::nullopt, "",
                            std::nullopt};
  if (held_log_ && held_log_->size > 0) {  // our view of the log, signed into the receipt
    receipt.log_size = held_log_->size;
    receipt.log_root = held_log_->root;
  }
  store::InboxEntry entry;
  entry.id = id;
  entry.issuer = h.issuer;
  entry.sequence = h.sequence;
  entry.severity = std::string(protocol::SeverityName(h.severity));
  entry.tlp = std::string(protocol::TlpName(h.tlp));
  entry.status = std::string(protocol::StatusName(h.status));
  entry.title = opened->content.title;
  entry.body = opened->content.body;
  entry.summary = h.summary.value_or("");
  entry.issued_at = h.issued_at;
  entry.expires_at = h.expires_at;
  entry.ack_deadline = h.ack_deadline;
  entry.received_at = now;
  entry.out_of_order = mark && h.sequence <= *mark;
  entry.digest.assign(opened->verified.digest.begin(), opened->verified.digest.end());
  entry.wire = wire;
  entry.receipt = protocol::SignReceipt(receipt, bundle_.signing);
  entry.notified = notifier_ == nullptr;
  // Durable before anything is said: the receipt promises we hold it.
  TOCSIN_ASSIGN_OR_RETURN(bool added, inbox_.Add(entry));
  if (added) {
    ++counters_.directives_stored;
    spdlog::info("stored directive {} from {} ({}, TLP:{}){}", HexEncode(id), h.issuer,
                 entry.severity, entry.tlp, entry.out_of_order ? " out of order" : "");
    Notify(entry);
  }
  Send(entry.receipt);
  return {};
}

Status AgencyClient::HandleControl(const Bytes& wire, const protocol::Envelope& envelope) {
  switch (envelope.type) {
    case protocol::MessageType::kHeartbeat: {
      Result<protocol::Heartbeat> heartbeat =
          protocol::VerifyHeartbeat(wire, trust_->directory(), clock_.NowMillis(), config_.gateway);
      if (!heartbeat) {
        ++counters_.refused;
        spdlog::warn("refused heartbeat: {}", heartbeat.error().ToString());
        return {};
      }
      if (heartbeat->sequence <= last_heartbeat_sequence_) {
        // A heartbeat replayed on this connection proves nothing.
        ++counters_.refused;
        spdlog::debug("refused heartbeat {}: not above {}", heartbeat->sequence,
                      last_heartbeat_sequence_);
        return {};
      }
      last_heartbeat_sequence_ = heartbeat->sequence;
      last_heartbeat_ = SteadyNowMillis();
      rebuild_after_ = kFirstRebuildAfterMs;
      TOCSIN_RETURN_IF_ERROR(CheckClockSkew(*heartbeat));
      if (frozen_) {
        frozen_ = false;
        spdlog::info("link to gateway {} restored", config_.gateway);
      }
      return {};
    }
    case protocol::MessageType::kAccepted:
      // Only its promise confirms a receipt (SECURITY.md 39): an unsigned
      // "accepted" names no log position that anyone could hold to account.
      return {};
    // A store that cannot record what these decide is fatal (Run stops loudly).
    case protocol::MessageType::kPromise:
      return HandlePromise(wire);
    case protocol::MessageType::kInclusionProof:
      return HandleInclusionProof(envelope);
    case protocol::MessageType::kCheckpoint:
      return HandleCheckpoint(envelope);
    case protocol::MessageType::kError: {
      Result<protocol::ErrorReply> error = protocol::DecodeErrorReply(envelope.body);
      spdlog::warn("gateway refused: {}", error ? error->message : error.error().ToString());
      return {};
    }
    default:
      ++counters_.refused;
      spdlog::warn("unexpected {} from gateway", protocol::MessageTypeName(envelope.type));
      return {};
  }
}

void AgencyClient::Notify(const store::InboxEntry& entry) {
  if (notifier_ == nullptr) {
    return;
  }
  // The hook gets metadata in its environment and nothing inherited; the
  // body stays in the inbox.
  std::string action = "new";
  std::string references;
  Result<protocol::DirectiveHeader> header = protocol::PeekDirectiveHeader(entry.wire);
  if (header) {
    action = std::string(protocol::ActionName(header->action));
    references = header->references ? HexEncode(*header->references) : "";
  }
  notifier_->Enqueue({entry.id,
                      {"TOCSIN_ID=" + HexEncode(entry.id), "TOCSIN_AGENCY=" + bundle_.principal_id,
                       "TOCSIN_ISSUER=" + entry.issuer, "TOCSIN_ACTION=" + action,
                       "TOCSIN_REFERENCES=" + references, "TOCSIN_SEVERITY=" + entry.severity,
                       "TOCSIN_TLP=" + entry.tlp, "TOCSIN_STATUS=" + entry.status,
                       "TOCSIN_TITLE=" + entry.title,
                       "TOCSIN_ACK_DEADLINE=" + FormatUtc(entry.ack_deadline),
                       "PATH=/usr/local/bin:/usr/bin:/bin"}});
}

Status AgencyClient::PollNotifications() {
  if (notifier_ == nullptr) {
    return {};
  }
  SteadyMillis now = SteadyNowMillis();
  if (now >= next_resume_) {
    TOCSIN_RETURN_IF_ERROR(ResumeNotifications());
    next_resume_ = now + 60000;
  }
  for (const Bytes& id : notifier_->Poll(now)) {
    TOCSIN_RETURN_IF_ERROR(inbox_.MarkNotified(id));
  }
  return {};
}

Status AgencyClient::ResumeNotifications() {
  TOCSIN_ASSIGN_OR_RETURN(std::vector<Bytes> ids, inbox_.Unnotified(Notifier::kMaxRunning * 8));
  for (const Bytes& id : ids) {
    TOCSIN_ASSIGN_OR_RETURN(std::optional<store::InboxEntry> entry, inbox_.Find(id));
    if (entry) {
      Notify(*entry);  // queued once: the notifier ignores one it already holds
    }
  }
  return {};
}

Status AgencyClient::ResendUnconfirmed() {
  // Paced well under the gateway's per-agency budget (docs/protocol.md 10),
  // acknowledgements first: a backlog of receipts never holds one back.
  TOCSIN_ASSIGN_OR_RETURN(std::vector<store::Unconfirmed> pending,
                          inbox_.ListUnconfirmed(kResendsPerRound));
  for (const store::Unconfirmed& item : pending) {
    Send(item.wire);
  }
  return {};
}

void AgencyClient::Send(ByteView wire) {
  if (!trust_->gateway_trusted()) {
    return;  // kept in the inbox: nothing goes to a gateway we no longer trust
  }
  Status sent = transport::SendToServer(socket_, wire);
  if (!sent) {
    spdlog::debug("not sent now, will retry: {}", sent.error().ToString());
  }
}

Status AgencyClient::CheckClockSkew(const protocol::Heartbeat& heartbeat) {
  constexpr UnixMillis kWarnAbove = 60 * 1000;
  UnixMillis wall = wall_clock_.NowMillis();  // this machine's, as `tocsin-client ack` reads it
  UnixMillis ahead = wall - heartbeat.sent_at;  // transit adds milliseconds
  SteadyMillis now = SteadyNowMillis();
  if (std::abs(-ahead - saved_offset_) > 1000 || now >= next_offset_save_) {
    TOCSIN_RETURN_IF_ERROR(inbox_.SaveClockOffset(-ahead, wall));
    saved_offset_ = -ahead;
    next_offset_save_ = now + 10 * 60 * 1000;
  }
  if (std::abs(ahead) <= kWarnAbove || now < next_skew_warning_) {
    return {};
  }
  next_skew_warning_ = now + 10 * 60 * 1000;
  spdlog::error("CLOCK: this machine's clock is {} s {} gateway {}'s; beyond {} s the gateway "
                "refuses what this agency signs (receipts, acknowledgements): fix the time "
                "service (NTP)",
                std::abs(ahead) / 1000, ahead > 0 ? "ahead of" : "behind", config_.gateway,
                protocol::kMaxClockSkew / 1000);
  return {};
}

void AgencyClient::CheckFreshness() {
  SteadyMillis silent = SteadyNowMillis() - std::max(last_heartbeat_, started_at_);
  if (!frozen_ && silent > config_.heartbeat_alarm_ms) {
    frozen_ = true;
    ++counters_.freeze_alarms;
    std::string why = link_problem_.empty() ? "no connection yet, or the gateway is silent"
                                            : link_problem_;
    LogEvent(spdlog::level::err, "freeze_alarm",
             {{"gateway", config_.gateway}, {"silent_ms", silent}, {"why", why}},
             fmt::format("FREEZE ALARM: no fresh signed heartbeat from gateway {} for {} ms ({})",
                         config_.gateway, silent, why));
  }
}

}  // namespace tocsin::client
