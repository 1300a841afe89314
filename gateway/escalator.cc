#include "gateway/escalator.h"

#include "common/file_util.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "policies/fallback_text.h"
#include "policies/policy_file.h"

namespace tocsin::gateway {
namespace {

constexpr std::size_t kMaxCachedHeaders = 1024;

std::string NewCode() {
  std::string code = std::to_string(crypto::RandomBelow(100'000'000));
  return std::string(8 - code.size(), '0') + code;  // 8 digits
}

}  // namespace

Status Escalator::Load(bool initial) {
  Result<Bytes> bytes = ReadFile(path_, 1 << 20);
  Result<policies::Policy> policy =
      bytes ? policies::LoadPolicy(path_) : Result<policies::Policy>(tl::unexpected(bytes.error()));
  if (!policy) {
    if (initial) {
      return tl::unexpected(policy.error());
    }
    spdlog::error("policy reload failed, keeping the policy in force: {}",
                  policy.error().ToString());
    return {};
  }
  crypto::Digest digest = crypto::Sha256(*bytes);
  Bytes digest_bytes(digest.begin(), digest.end());
  policy_ = std::make_shared<const policies::Policy>(std::move(*policy));
  if (digest_bytes != policy_digest_) {
    policy_digest_ = digest_bytes;
    TOCSIN_RETURN_IF_ERROR(audit_.RecordPolicy(digest_bytes));
    spdlog::info("escalation policy {} in force ({} rules, sha256 {})", path_,
                 policy_->rules.size(), HexEncode(digest).substr(0, 16));
  }
  return {};
}

Result<const protocol::DirectiveHeader*> Escalator::HeaderOf(const Bytes& id) {
  auto found = headers_.find(id);
  if (found != headers_.end()) {
    return &found->second;
  }
  if (headers_.size() >= kMaxCachedHeaders) {
    headers_.clear();
  }
  TOCSIN_ASSIGN_OR_RETURN(Bytes wire, ledger_.directives().Wire(id));
  TOCSIN_ASSIGN_OR_RETURN(protocol::Envelope envelope, protocol::DecodeEnvelope(wire));
  TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveBody body, protocol::DecodeDirectiveBody(envelope.body));
  TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveHeader header,
                          protocol::DecodeDirectiveHeader(body.header));
  return &headers_.emplace(id, std::move(header)).first->second;
}

std::optional<Escalator::Ladder> Escalator::LadderOf(const Bytes& directive_id,
                                                    const std::string& agency) const {
  auto found = ladders_.find({directive_id, agency});
  return found == ladders_.end() ? std::nullopt : std::optional<Ladder>(found->second);
}

Status Escalator::Tick(const Resend& resend) {
  ladders_.clear();
  if (!policy_) {
    return {};
  }
  UnixMillis now = clock_.NowMillis();
  TOCSIN_ASSIGN_OR_RETURN(auto open, ledger_.escalations().OpenDeliveries(now));
  if (open.empty()) {
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(auto fired, ledger_.escalations().FiredSteps(now));
  for (store::OpenDelivery& d : open) {
    std::optional<Principal> agency = registry_.Active(d.agency, Role::kAgency);
    const policies::Rule* rule =
        policy_->RuleFor(d.severity, agency && agency->sector ? *agency->sector : "");
    if (rule == nullptr) {
      continue;
    }
    policies::DeliveryFacts facts{d.accepted_at, d.expires_at,
                                  d.state >= store::DeliveryState::kDelivered, false};
    std::set<std::pair<int, int>>& done = fired[{d.directive_id, d.agency}];
    for (const policies::DueStep& due : policies::DueSteps(*rule, facts, done, now)) {
      TOCSIN_RETURN_IF_ERROR(Fire(d, *rule, due.step, due.repeat, resend));
      done.insert({due.step, due.repeat});
    }
    Ladder ladder{done.size(), std::nullopt, std::nullopt};
    if (std::optional<policies::DueStep> next = policies::NextStep(*rule, facts, done)) {
      ladder.next_action = std::string(
          policies::ActionName(rule->steps[static_cast<std::size_t>(next->step)].action));
      ladder.next_due = next->due_at;
    }
    // `d` is done with: its id and agency move into the key.
    ladders_.insert_or_assign({std::move(d.directive_id), std::move(d.agency)}, std::move(ladder));
  }
  return {};
}

Result<std::vector<store::BridgeTask>> Escalator::Messages(const store::OpenDelivery& d,
                                                           const policies::Step& step) {
  TOCSIN_ASSIGN_OR_RETURN(const protocol::DirectiveHeader* h, HeaderOf(d.directive_id));
  bool crisis = step.action == policies::Action::kCrisisCell;
  std::string code;
  if (!crisis) {
    TOCSIN_ASSIGN_OR_RETURN(code, ledger_.escalations().AckCode(d.directive_id, d.agency, d.expires_at, NewCode));
  }
  policies::FallbackMessage message = policies::ComposeFallback(
      {HexEncode(d.directive_id), std::string(protocol::SeverityName(h->severity)),
       std::string(protocol::TlpName(h->tlp)), h->ack_deadline, h->summary, d.agency, code,
       crisis, policy_->sms_reply_number});
  std::vector<store::BridgeTask> tasks;
  for (const policies::Contact& contact : policies::StepContacts(*policy_, step, d.agency)) {
    bool sms = step.action == policies::Action::kSms || (crisis && !contact.phone.empty());
    bool email = step.action == policies::Action::kEmail || (crisis && !contact.email.empty());
    if (sms && !contact.phone.empty()) {
      tasks.push_back({0, "sms", d.directive_id, d.agency, contact.name, contact.phone,
                       message.subject, message.text});
    }
    if (email && !contact.email.empty()) {
      tasks.push_back({0, "email", d.directive_id, d.agency, contact.name, contact.email,
                       message.subject, message.text});
    }
  }
  return tasks;
}

Status Escalator::Fire(const store::OpenDelivery& d, const policies::Rule& rule, int step_index,
                       int repeat, const Resend& resend) {
  const policies::Step& step = rule.steps[static_cast<std::size_t>(step_index)];
  std::string action(policies::ActionName(step.action));
  std::vector<store::BridgeTask> tasks;
  std::string outcome;
  if (step.action == policies::Action::kResend) {
    outcome = resend(d.directive_id, d.agency) ? "resent" : "agency not connected";
  } else {
    TOCSIN_ASSIGN_OR_RETURN(tasks, Messages(d, step));
    outcome = tasks.empty() ? "no contact in the policy for " + d.agency
                            : "queued " + std::to_string(tasks.size()) + " message(s)";
  }
  UnixMillis at = audit_.Now();
  Bytes entry = audit_.Escalation(d.directive_id, d.agency,
                                  {static_cast<std::uint64_t>(step_index),
                                   static_cast<std::uint64_t>(repeat), action, outcome},
                                  at);
  Status recorded = ledger_.escalations().RecordStep(
      {d.directive_id, d.agency, step_index, repeat, action, at, outcome, std::move(tasks), entry});
  if (!recorded && recorded.error().code != ErrorCode::kInvalidArgument) {
    return recorded;
  }
  LogEvent(spdlog::level::warn, "escalation_step",
           {{"directive", HexEncode(d.directive_id)}, {"agency", d.agency}, {"step", step_index + 1},
            {"repeat", repeat + 1}, {"action", action}, {"outcome", outcome}},
           fmt::format("escalation: directive {} to {}: step {} ({}{}) {}",
                       HexEncode(d.directive_id).substr(0, 8), d.agency, step_index + 1, action,
                       repeat > 0 ? " #" + std::to_string(repeat + 1) : "", outcome));
  return {};
}

}  // namespace tocsin::gateway
