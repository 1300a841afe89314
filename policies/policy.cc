#include "policies/policy.h"

#include <algorithm>

namespace tocsin::policies {

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kResend: return "resend";
    case Action::kSms: return "sms";
    case Action::kEmail: return "email";
    case Action::kCrisisCell: return "crisis-cell";
  }
  return "unknown";
}

const Rule* Policy::RuleFor(int severity, const std::string& sector) const {
  const Rule* fallback = nullptr;
  for (const Rule& rule : rules) {
    if (rule.severity != severity) {
      continue;
    }
    if (std::find(rule.sectors.begin(), rule.sectors.end(), sector) != rule.sectors.end()) {
      return &rule;
    }
    if (rule.sectors.empty() && fallback == nullptr) {
      fallback = &rule;
    }
  }
  return fallback;
}

std::vector<DueStep> DueSteps(const Rule& rule, const DeliveryFacts& facts,
                              const std::set<std::pair<int, int>>& fired, UnixMillis now) {
  std::vector<DueStep> due;
  if (now >= facts.expires_at || facts.acknowledged) {
    return due;
  }
  for (std::size_t i = 0; i < rule.steps.size(); ++i) {
    const Step& step = rule.steps[i];
    if (step.unless == Unless::kDelivered && facts.delivered) {
      continue;
    }
    for (int r = 0; r < step.repeat; ++r) {
      UnixMillis at = facts.accepted_at + step.after + r * step.every;
      if (at > now) {
        break;
      }
      if (fired.count({static_cast<int>(i), r}) == 0) {
        due.push_back({static_cast<int>(i), r, at});
      }
    }
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const DueStep& a, const DueStep& b) { return a.due_at < b.due_at; });
  return due;
}

std::optional<DueStep> NextStep(const Rule& rule, const DeliveryFacts& facts,
                                const std::set<std::pair<int, int>>& fired) {
  std::vector<DueStep> due = DueSteps(rule, facts, fired, facts.expires_at - 1);
  return due.empty() ? std::nullopt : std::optional<DueStep>(due.front());
}

std::vector<Contact> StepContacts(const Policy& policy, const Step& step,
                                  const std::string& agency) {
  if (step.action == Action::kCrisisCell) {
    return {policy.crisis_cell};
  }
  auto found = policy.contacts.find(agency);
  if (found == policy.contacts.end()) {
    return {};
  }
  const AgencyContacts& c = found->second;
  std::vector<Contact> out;
  if (step.to != Recipients::kDeputy) {
    out.push_back(c.duty_officer);
  }
  if (step.to != Recipients::kDutyOfficer && c.deputy) {
    out.push_back(*c.deputy);
  }
  return out;
}

}  // namespace tocsin::policies
