#include "gateway/bridge_desk.h"

#include <cctype>

#include "common/log.h"
#include "crypto/secret_bytes.h"

namespace tocsin::gateway {
namespace {

constexpr UnixMillis kRehandAfter = 30 * 1000;
constexpr std::size_t kTasksPerTurn = 256;
constexpr int kMaxAttempts = 5;
constexpr UnixMillis kAttemptWindow = 10 * 60 * 1000;

// "ACK 12345678", any case, any spacing; nullopt when it is not that.
std::optional<std::string> CodeIn(std::string_view text) {
  std::string letters;
  std::string digits;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      if (!digits.empty()) {
        return std::nullopt;
      }
      letters += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  if (letters != "ACK" || digits.size() != 8) {
    return std::nullopt;
  }
  return digits;
}

}  // namespace

Status BridgeDesk::Drain(const std::function<bool(const std::string&)>& authorized) {
  for (;;) {
    Result<std::optional<transport::PeerMessage>> message = transport::ReceiveFromPeer(socket_);
    if (!message) {
      ++refused_;
      spdlog::warn("bridge endpoint: {}", message.error().ToString());
      continue;
    }
    if (!message->has_value()) {
      return {};
    }
    if (!authorized((*message)->principal)) {
      ++refused_;
      spdlog::warn("dropped message from {}: not an active bridge", (*message)->principal);
      continue;
    }
    TOCSIN_RETURN_IF_ERROR(Handle(**message));
  }
}

Status BridgeDesk::Handle(const transport::PeerMessage& message) {
  Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(message.payload);
  Result<protocol::BridgeMessage> m =
      !envelope ? Result<protocol::BridgeMessage>(tl::unexpected(envelope.error()))
      : envelope->type != protocol::MessageType::kBridge
          ? Result<protocol::BridgeMessage>(
                MakeError(ErrorCode::kMalformedMessage, "not a bridge message"))
          : protocol::DecodeBridgeMessage(envelope->body);
  if (!m) {
    ++refused_;
    spdlog::warn("refused message from bridge {}: {}", message.principal, m.error().ToString());
    return {};
  }
  std::string channel;
  for (const auto& [name, route] : routes_) {
    if (route.routing_id == message.routing_id) {
      channel = name;
    }
  }
  switch (m->kind) {
    case protocol::BridgeKind::kHello: {
      // Bridges repeat their hello as a reminder: only a new route is news.
      Route& route = routes_[m->channel];
      if (route.routing_id != message.routing_id) {
        spdlog::info("{} bridge {} connected", m->channel, message.principal);
      }
      route = {message.routing_id, message.principal};
      return Dispatch();
    }
    case protocol::BridgeKind::kResult:
      if (channel.empty()) {
        ++refused_;
        return {};
      }
      return HandleResult(channel, *m, message.routing_id);
    case protocol::BridgeKind::kInbound: {
      if (channel != "sms") {
        ++refused_;
        return {};
      }
      // The bridge repeats an SMS until answered: a repeat is answered again
      // from memory, not counted as one more code attempt.
      auto key = std::make_pair(message.principal, m->reference);
      auto known = answered_.find(key);
      std::string verdict;
      if (known != answered_.end()) {
        verdict = known->second;
      } else {
        TOCSIN_ASSIGN_OR_RETURN(verdict, HandleInbound(*m));
        if (answered_.size() >= kAnsweredKept) {
          answered_.erase(answered_.begin());  // the oldest reference of the lowest bridge
        }
        answered_.emplace(key, verdict);
      }
      protocol::BridgeMessage ack;
      ack.kind = protocol::BridgeKind::kInboundAck;
      ack.reference = m->reference;
      ack.detail = verdict;
      (void)transport::SendToPeer(socket_, message.routing_id, protocol::BridgeEnvelope(ack));
      return {};
    }
    default:
      ++refused_;
      spdlog::warn("unexpected bridge message kind {} from {}", static_cast<int>(m->kind),
                   message.principal);
      return {};
  }
}

Status BridgeDesk::HandleResult(const std::string& channel, const protocol::BridgeMessage& m,
                                const Bytes& routing_id) {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::BridgeTask> task,
                          ledger_.Task(static_cast<std::int64_t>(m.task)));
  if (!task || task->channel != channel) {
    ++refused_;
    spdlog::warn("{} bridge reported on unknown task {}", channel, m.task);
    return {};
  }
  UnixMillis at = audit_.Now();
  std::string outcome(protocol::TaskOutcomeName(m.outcome));
  Bytes entry = audit_.BridgeOutcome(task->directive_id, task->agency,
                                     {m.task, channel, task->address, outcome, m.detail}, at);
  TOCSIN_RETURN_IF_ERROR(ledger_.RecordTaskOutcome(static_cast<std::int64_t>(m.task), channel,
                                                   static_cast<store::TaskOutcome>(m.outcome),
                                                   m.detail, at, entry));
  if (m.outcome != 0) {
    spdlog::info("{} to {} ({}): {} {}", channel, task->address, task->agency, outcome, m.detail);
  }
  protocol::BridgeMessage ack;
  ack.kind = protocol::BridgeKind::kResultAck;
  ack.task = m.task;
  ack.outcome = m.outcome;
  (void)transport::SendToPeer(socket_, routing_id, protocol::BridgeEnvelope(ack));
  return {};
}

Result<std::string> BridgeDesk::HandleInbound(const protocol::BridgeMessage& m) {
  UnixMillis now = clock_.NowMillis();
  TOCSIN_ASSIGN_OR_RETURN(int attempts, ledger_.CountCodeAttempt(m.from, now, now - kAttemptWindow));
  if (attempts > kMaxAttempts) {
    spdlog::warn("SMS from {}: too many attempts, ignored", m.from);
    return std::string("refused: too many attempts, try again later");
  }
  std::optional<std::string> code = CodeIn(m.text);
  std::shared_ptr<const policies::Policy> policy = policy_();
  if (!code || !policy) {
    return std::string("refused: send ACK and the 8-digit code from the alert");
  }
  for (const auto& [agency, contacts] : policy->contacts) {
    bool known = contacts.duty_officer.phone == m.from ||
                 (contacts.deputy && contacts.deputy->phone == m.from);
    if (!known) {
      continue;
    }
    TOCSIN_ASSIGN_OR_RETURN(auto codes, ledger_.AckCodes(agency, now));
    for (const auto& [directive_id, expected] : codes) {
      if (!crypto::ConstantTimeEquals(AsBytes(*code), AsBytes(expected))) {
        continue;
      }
      UnixMillis at = audit_.Now();
      Status recorded = ledger_.RecordCodeAcknowledgement(
          directive_id, agency, m.from, at, audit_.CodeAcknowledgement(directive_id, agency, m.from, at));
      if (!recorded && recorded.error().code != ErrorCode::kInvalidArgument) {
        return tl::unexpected(recorded.error());
      }
      std::string id = HexEncode(directive_id).substr(0, 8);
      spdlog::info("directive {} acknowledged by SMS code for {} from {}", id, agency, m.from);
      return recorded ? "acknowledged directive " + id + " for " + agency
                      : "directive " + id + " was already acknowledged";
    }
  }
  spdlog::warn("SMS from {}: no matching code", m.from);
  return std::string("refused: no open directive with this code for this phone");
}

Status BridgeDesk::Dispatch() {
  UnixMillis now = clock_.NowMillis();
  for (auto& [channel, route] : routes_) {
    TOCSIN_ASSIGN_OR_RETURN(std::vector<store::BridgeTask> tasks,
                            ledger_.PendingTasks(channel, now - kRehandAfter, kTasksPerTurn));
    std::vector<std::int64_t> handed;
    for (const store::BridgeTask& t : tasks) {
      protocol::BridgeMessage m;
      m.kind = protocol::BridgeKind::kTask;
      m.task = static_cast<std::uint64_t>(t.id);
      m.channel = t.channel;
      m.contact = t.contact;
      m.address = t.address;
      m.subject = t.subject;
      m.text = t.text;
      if (!transport::SendToPeer(socket_, route.routing_id, protocol::BridgeEnvelope(m))) {
        break;  // gone or full: handed again later
      }
      handed.push_back(t.id);
    }
    TOCSIN_RETURN_IF_ERROR(ledger_.MarkTasksHanded(handed, now));
  }
  return {};
}

}  // namespace tocsin::gateway
