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

void BridgeDesk::Refused(const std::string& principal, const std::string& why) {
  ++refused_;
  if (accounting_.CountRefusal(principal, "refused")) {
    spdlog::warn("refused message from bridge {}: {} (more are summed up)", principal, why);
  }
}

Status BridgeDesk::Drain(std::size_t max_messages) {
  for (std::size_t taken = 0; taken < max_messages; ++taken) {
    Result<std::optional<transport::PeerMessage>> message = transport::ReceiveFromPeer(socket_);
    if (!message) {
      ++refused_;
      continue;
    }
    if (!message->has_value()) {
      break;
    }
    const transport::PeerMessage& m = **message;
    std::optional<std::string> channel = authority_.channel_of(m.principal);
    if (!channel) {
      std::erase_if(routes_, [&](const auto& route) { return route.second.principal == m.principal; });
      Refused(m.principal, "not an active bridge");
      continue;
    }
    if (!accounting_.Admit(m.principal, SteadyNowMillis()).admitted) {
      continue;
    }
    if (!m.shape_error.empty()) {
      Refused(m.principal, m.shape_error);
      continue;
    }
    TOCSIN_RETURN_IF_ERROR(Handle(m, *channel));
  }
  for (const std::string& line : accounting_.TakeSummary(SteadyNowMillis())) {
    spdlog::warn("{}", line);
  }
  return {};
}

void BridgeDesk::PruneRoutes() {
  std::erase_if(routes_, [&](const auto& route) {
    std::optional<std::string> enrolled = authority_.channel_of(route.second.principal);
    if (enrolled == route.first) {
      return false;
    }
    spdlog::warn("{} bridge {} is no longer enrolled for it: route dropped", route.first,
                 route.second.principal);
    return true;
  });
}

Status BridgeDesk::Handle(const transport::PeerMessage& message,
                          const std::string& enrolled_channel) {
  Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(message.payload);
  Result<protocol::BridgeMessage> m =
      !envelope ? Result<protocol::BridgeMessage>(tl::unexpected(envelope.error()))
      : envelope->type != protocol::MessageType::kBridge
          ? Result<protocol::BridgeMessage>(
                MakeError(ErrorCode::kMalformedMessage, "not a bridge message"))
          : protocol::DecodeBridgeMessage(envelope->body);
  if (!m) {
    Refused(message.principal, m.error().ToString());
    return {};
  }
  // The channel this connection serves: its enrolled one, once its hello
  // made it the route.
  std::string channel;
  auto current = routes_.find(enrolled_channel);
  if (current != routes_.end() && current->second.routing_id == message.routing_id &&
      current->second.principal == message.principal) {
    channel = enrolled_channel;
  }
  switch (m->kind) {
    case protocol::BridgeKind::kHello: {
      if (m->channel != enrolled_channel) {
        Refused(message.principal, "hello for channel '" + m->channel + "', but enrolled for '" +
                                       enrolled_channel + "'");
        return {};
      }
      authority_.hello_accepted(message);
      // Bridges repeat their hello as a reminder: only a new route is news.
      Route& route = routes_[m->channel];
      bool new_route = route.routing_id != message.routing_id;
      if (new_route) {
        LogEvent(spdlog::level::info, "bridge_connected",
                 {{"channel", m->channel}, {"bridge", message.principal}},
                 fmt::format("{} bridge {} connected", m->channel, message.principal));
      }
      route = {message.routing_id, message.principal};
      return Dispatch(new_route ? m->channel : "");
    }
    case protocol::BridgeKind::kResult:
      if (channel.empty()) {
        Refused(message.principal, "result from a connection that serves no channel");
        return {};
      }
      return HandleResult(channel, *m, message.routing_id);
    case protocol::BridgeKind::kInbound: {
      if (channel != "sms") {
        Refused(message.principal, "inbound SMS from a connection that is not the SMS route");
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
      Refused(message.principal,
              "unexpected bridge message kind " + std::to_string(static_cast<int>(m->kind)));
      return {};
  }
}

Status BridgeDesk::HandleResult(const std::string& channel, const protocol::BridgeMessage& m,
                                const Bytes& routing_id) {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::BridgeTask> task,
                          ledger_.escalations().Task(static_cast<std::int64_t>(m.task)));
  if (!task || task->channel != channel) {
    Refused(routes_[channel].principal,
            channel + " bridge reported on unknown task " + std::to_string(m.task));
    return {};
  }
  UnixMillis at = audit_.Now();
  std::string outcome(protocol::TaskOutcomeName(m.outcome));
  Bytes entry = audit_.BridgeOutcome(task->directive_id, task->agency,
                                     {m.task, channel, task->address, outcome, m.detail}, at);
  TOCSIN_RETURN_IF_ERROR(ledger_.escalations().RecordTaskOutcome(static_cast<std::int64_t>(m.task), channel,
                                                   static_cast<store::TaskOutcome>(m.outcome),
                                                   m.detail, at, entry));
  if (m.outcome != 0) {
    LogEvent(spdlog::level::info, "bridge_outcome",
             {{"channel", channel}, {"task", m.task}, {"agency", task->agency},
              {"directive", HexEncode(task->directive_id)}, {"outcome", outcome}},
             fmt::format("{} to {} ({}): {} {}", channel, task->address, task->agency, outcome,
                         m.detail));
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
  // Only a well-formed code is an attempt: any other text neither counts
  // toward the limit nor can lock the officer out.
  std::optional<std::string> code = CodeIn(m.text);
  std::shared_ptr<const policies::Policy> policy = policy_();
  if (!code || !policy) {
    return std::string("refused: send ACK and the 8-digit code from the alert");
  }
  TOCSIN_ASSIGN_OR_RETURN(int attempts, ledger_.escalations().CountCodeAttempt(m.from, now, now - kAttemptWindow));
  if (attempts > kMaxAttempts) {
    spdlog::warn("SMS from {}: too many attempts, ignored", m.from);
    return std::string("refused: too many attempts, try again later");
  }
  for (const auto& [agency, contacts] : policy->contacts) {
    bool known = contacts.duty_officer.phone == m.from ||
                 (contacts.deputy && contacts.deputy->phone == m.from);
    if (!known || !authority_.agency_active(agency)) {
      continue;  // a revoked agency's codes die with it (SECURITY.md 38)
    }
    TOCSIN_ASSIGN_OR_RETURN(auto codes, ledger_.escalations().AckCodes(agency, now));
    for (const auto& [directive_id, expected] : codes) {
      if (!crypto::ConstantTimeEquals(AsBytes(*code), AsBytes(expected))) {
        continue;
      }
      UnixMillis at = audit_.Now();
      Status recorded = ledger_.escalations().RecordCodeAcknowledgement(
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

Status BridgeDesk::Dispatch(const std::string& new_route) {
  PruneRoutes();
  UnixMillis now = clock_.NowMillis();
  for (auto& [channel, route] : routes_) {
    UnixMillis stale_before = channel == new_route ? now + 1 : now - kRehandAfter;
    TOCSIN_ASSIGN_OR_RETURN(std::vector<store::BridgeTask> tasks,
                            ledger_.escalations().PendingTasks(channel, stale_before, kTasksPerTurn));
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
    TOCSIN_RETURN_IF_ERROR(ledger_.escalations().MarkTasksHanded(handed, now));
  }
  return {};
}

}  // namespace tocsin::gateway
