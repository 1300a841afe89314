#include "bridges/bridge_runner.h"

#include "pki/gateway_trust.h"

#include <algorithm>

#include "common/log.h"
#include "common/service.h"
#include "protocol/bridge_messages.h"
#include "transport/curve_socket.h"
#include "transport/zmq_support.h"

namespace tocsin::bridges {
namespace {

constexpr SteadyMillis kReportEvery = 1000;
constexpr SteadyMillis kHelloEvery = 5000;
constexpr SteadyMillis kFirstRebuildAfterMs = 5000;
constexpr SteadyMillis kMaxRebuildAfterMs = 60000;
constexpr std::size_t kAttemptsPerTurn = 16;

}  // namespace

Result<std::unique_ptr<BridgeRunner>> BridgeRunner::Create(const BridgeConfig& config,
                                                           std::string channel,
                                                           std::unique_ptr<Sender> sender,
                                                           const Clock& clock) {
  TOCSIN_RETURN_IF_ERROR(transport::CheckZmqCapabilities());
  TOCSIN_ASSIGN_OR_RETURN(pki::PrincipalBundle bundle, pki::LoadBundle(config.bundle));
  if (bundle.role != Role::kBridge) {
    return MakeError(ErrorCode::kInvalidArgument, config.bundle + " is not a bridge's bundle");
  }
  TOCSIN_ASSIGN_OR_RETURN(std::unique_ptr<pki::GatewayTrust> trust,
                          pki::GatewayTrust::Open(config.directory, bundle.root_certificate.get(),
                                                  config.database + ".crl-floor", config.gateway,
                                                  clock.NowMillis()));
  TOCSIN_ASSIGN_OR_RETURN(store::BridgeQueue queue,
                          store::BridgeQueue::Open(config.database, config.full_integrity_check
                                                                        ? store::Integrity::kFull
                                                                        : store::Integrity::kQuick));
  if (config.full_integrity_check) {
    spdlog::info("{} passes SQLite's integrity_check", config.database);
  }
  std::unique_ptr<BridgeRunner> runner(new BridgeRunner(config, std::move(channel),
                                                        std::move(sender), clock, std::move(bundle),
                                                        std::move(trust), std::move(queue)));
  runner->started_wall_ = clock.NowMillis();
  TOCSIN_ASSIGN_OR_RETURN(runner->metrics_, transport::StartMetrics(config.metrics_listen));
  TOCSIN_RETURN_IF_ERROR(runner->Connect());
  return runner;
}

BridgeRunner::BridgeRunner(BridgeConfig config, std::string channel, std::unique_ptr<Sender> sender,
                           const Clock& clock, pki::PrincipalBundle bundle,
                           std::unique_ptr<pki::GatewayTrust> trust, store::BridgeQueue queue)
    : config_(std::move(config)), channel_(std::move(channel)), sender_(std::move(sender)),
      clock_(clock), bundle_(std::move(bundle)), trust_(std::move(trust)),
      queue_(std::move(queue)) {}

Status BridgeRunner::Connect() {
  // The gateway's transport key, pinned from its verified certificate.
  transport::ClientConfig socket_config{config_.gateway_endpoint, trust_->pinned_key(), {}, 100,
                                        3000};
  TOCSIN_ASSIGN_OR_RETURN(transport::WatchedClient watched,
                          transport::MakeWatchedCurveClient(
                              context_, socket_config, bundle_.transport.public_key(),
                              bundle_.transport.secret(),
                              "bridge-monitor-" + std::to_string(++connections_)));
  socket_ = std::move(watched.socket);
  monitor_.emplace(std::move(watched.monitor));
  linked_ = false;
  unlinked_since_ = SteadyNowMillis();
  spdlog::info("{} bridge {} connecting to gateway {} at {}", channel_, bundle_.principal_id,
               config_.gateway, config_.gateway_endpoint);
  return {};
}

void BridgeRunner::Hello() {
  protocol::BridgeMessage hello;
  hello.kind = protocol::BridgeKind::kHello;
  hello.channel = channel_;
  (void)transport::SendToServer(socket_, protocol::BridgeEnvelope(hello));
}

UnixMillis BridgeRunner::RetryDelay(int attempts) const {
  UnixMillis delay = config_.retry_initial_ms;
  for (int i = 1; i < attempts && delay < config_.retry_max_ms; ++i) {
    delay *= 2;
  }
  return std::min<UnixMillis>(delay, config_.retry_max_ms);
}

Status BridgeRunner::DrainGateway() {
  for (;;) {
    Result<std::optional<Bytes>> wire = transport::ReceiveFromServer(socket_);
    if (!wire || !*wire) {
      return {};
    }
    Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(**wire);
    Result<protocol::BridgeMessage> m =
        envelope && envelope->type == protocol::MessageType::kBridge
            ? protocol::DecodeBridgeMessage(envelope->body)
            : Result<protocol::BridgeMessage>(
                  MakeError(ErrorCode::kMalformedMessage, "not a bridge message"));
    if (!m) {
      spdlog::warn("refused message from the gateway: {}", m.error().ToString());
      continue;
    }
    switch (m->kind) {
      case protocol::BridgeKind::kTask: {
        if (m->channel != channel_) {
          spdlog::warn("refused a {} task on the {} bridge", m->channel, channel_);
          continue;
        }
        store::QueuedTask task{m->task, m->channel, m->contact, m->address, m->subject, m->text,
                               0, 0, 0, ""};
        TOCSIN_ASSIGN_OR_RETURN(bool added, queue_.Add(task, clock_.NowMillis()));
        counters_.received += added ? 1 : 0;
        next_report_ = 0;  // confirm at once
        break;
      }
      case protocol::BridgeKind::kResultAck:
        TOCSIN_RETURN_IF_ERROR(queue_.MarkReported(m->task, static_cast<int>(m->outcome)));
        break;
      case protocol::BridgeKind::kInboundAck:
        TOCSIN_RETURN_IF_ERROR(queue_.MarkInboundAnswered(m->reference, m->detail));
        ++counters_.inbound;
        spdlog::info("gateway on SMS reply {}: {}", m->reference, m->detail);
        break;
      default:
        spdlog::warn("unexpected bridge message from the gateway");
    }
  }
}

Status BridgeRunner::Attempt() {
  UnixMillis now = clock_.NowMillis();
  TOCSIN_ASSIGN_OR_RETURN(std::vector<store::QueuedTask> due, queue_.Due(now, kAttemptsPerTurn));
  for (const store::QueuedTask& task : due) {
    Result<std::string> sent = sender_->Send(task);
    int attempts = task.attempts + 1;
    if (sent) {
      ++counters_.sent;
      spdlog::info("{} task {} to {}: sent ({})", channel_, task.task, task.address, *sent);
      TOCSIN_RETURN_IF_ERROR(queue_.RecordAttempt(task.task, true, *sent, std::nullopt));
    } else if (attempts < config_.max_attempts) {
      ++counters_.retried;
      UnixMillis retry_at = clock_.NowMillis() + RetryDelay(attempts);
      spdlog::warn("{} task {} to {}: attempt {} failed, retry at {}: {}", channel_, task.task,
                   task.address, attempts, FormatUtc(retry_at), sent.error().ToString());
      TOCSIN_RETURN_IF_ERROR(
          queue_.RecordAttempt(task.task, false, sent.error().ToString(), retry_at));
    } else {
      ++counters_.failed;
      spdlog::error("{} task {} to {}: failed after {} attempts: {}", channel_, task.task,
                    task.address, attempts, sent.error().ToString());
      TOCSIN_RETURN_IF_ERROR(
          queue_.RecordAttempt(task.task, false, sent.error().ToString(), std::nullopt));
    }
    next_report_ = 0;
  }
  return {};
}

Status BridgeRunner::Report() {
  TOCSIN_ASSIGN_OR_RETURN(std::vector<store::Report> reports, queue_.Unreported());
  for (const store::Report& r : reports) {
    protocol::BridgeMessage m;
    m.kind = protocol::BridgeKind::kResult;
    m.task = r.task;
    m.outcome = static_cast<std::uint64_t>(r.outcome);
    m.detail = r.detail.substr(0, 1024);
    (void)transport::SendToServer(socket_, protocol::BridgeEnvelope(m));
  }
  TOCSIN_ASSIGN_OR_RETURN(std::vector<store::InboundSms> inbound, queue_.UnansweredInbound());
  for (const store::InboundSms& sms : inbound) {
    protocol::BridgeMessage m;
    m.kind = protocol::BridgeKind::kInbound;
    m.reference = sms.id;
    m.from = sms.from;
    m.text = sms.text.substr(0, 1024);
    (void)transport::SendToServer(socket_, protocol::BridgeEnvelope(m));
  }
  return {};
}

Status BridgeRunner::WatchLink(bool* handshake_succeeded) {
  transport::HandshakeMonitor::Events events = monitor_->Take();
  SteadyMillis now = SteadyNowMillis();
  *handshake_succeeded = events.handshake_succeeded;
  if (events.handshake_succeeded) {
    linked_ = true;
    rebuild_after_ = kFirstRebuildAfterMs;
  }
  if (!events.last_problem.empty()) {
    if (events.last_problem != link_problem_) {
      spdlog::warn("link to gateway {}: {}", config_.gateway, events.last_problem);
    }
    link_problem_ = events.last_problem;
    linked_ = false;
    unlinked_since_ = now;
  }
  if (linked_ || now - unlinked_since_ < rebuild_after_) {
    return {};
  }
  spdlog::warn("no link to gateway {} for {} s ({}); dialling again on a fresh socket",
               config_.gateway, (now - unlinked_since_) / 1000,
               link_problem_.empty() ? "never connected" : link_problem_);
  rebuild_after_ = std::min(2 * rebuild_after_, kMaxRebuildAfterMs);
  monitor_.reset();
  socket_.close();
  return Connect();
}

Status BridgeRunner::Run(const std::atomic<bool>& stop, std::atomic<bool>& reload) {
  service::Ready("bridge serving channel " + channel_);
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
    bool forced = reload.exchange(false);
    trust_->Refresh(forced, clock_.NowMillis());  // CRL validity: wall time
    if (forced) {
      spdlog::info("SIGHUP: the CA folder was loaded again (the configuration is read at start)");
    }
    bool handshake_succeeded = false;
    TOCSIN_RETURN_IF_ERROR(WatchLink(&handshake_succeeded));
    SteadyMillis now = SteadyNowMillis();
    if (!trust_->gateway_trusted()) {
      // A gateway we no longer trust gets nothing, and nothing from it is
      // taken; what is queued already is still sent (it came from a trusted one).
      while (true) {
        Result<std::optional<Bytes>> dropped = transport::ReceiveFromServer(socket_);
        if (!dropped || !*dropped) {
          break;
        }
      }
      TOCSIN_RETURN_IF_ERROR(Attempt());
      continue;
    }
    if (handshake_succeeded || now >= next_hello_) {
      Hello();  // a new connection, or a reminder: the gateway routes by it
      next_hello_ = now + kHelloEvery;
      next_report_ = 0;
    }
    TOCSIN_RETURN_IF_ERROR(DrainGateway());
    TOCSIN_RETURN_IF_ERROR(Attempt());
    if (SteadyNowMillis() >= next_report_) {
      TOCSIN_RETURN_IF_ERROR(Report());
      next_report_ = SteadyNowMillis() + kReportEvery;
    }
    if (metrics_ && metrics_->Wanted()) {
      PublishMetrics();
    }
  }
  service::Stopping();
  spdlog::info("stopping: {} messages received, {} sent, {} retried, {} failed, {} inbound",
               counters_.received, counters_.sent, counters_.retried, counters_.failed,
               counters_.inbound);
  return {};
}

}  // namespace tocsin::bridges
