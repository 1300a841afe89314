// policies/policy.h -- escalation policies: who to chase, how, and when.
//
// A policy is written in advance by the crisis centre (policies/*.toml,
// docs/policies.md): each agency's contacts, the centre's own duty desk, and
// per severity (optionally narrowed to sectors) an acknowledgement deadline
// and an ordered ladder of steps. The decision of which steps are due is a
// pure function of the policy, the delivery's state and the time, so a
// restarted gateway recomputes exactly where each ladder stood from its store.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace tocsin::policies {

struct Contact {
  std::string name;
  std::string phone;  // E.164, "+" and 8 to 15 digits; may be empty
  std::string email;  // may be empty
};

struct AgencyContacts {
  Contact duty_officer;
  std::optional<Contact> deputy;
};

enum class Action { kResend, kSms, kEmail, kCrisisCell };
enum class Unless { kDelivered, kAcknowledged };
enum class Recipients { kDutyOfficer, kDeputy, kBoth };

std::string_view ActionName(Action action);  // "resend", "sms", "email", "crisis-cell"

struct Step {
  UnixMillis after = 0;  // from the directive's acceptance
  Unless unless = Unless::kAcknowledged;
  Action action = Action::kResend;
  Recipients to = Recipients::kDutyOfficer;  // sms and email
  int repeat = 1;        // how many times in all
  UnixMillis every = 0;  // between repeats (required when repeat > 1)
  int line = 0;          // in the policy file, for messages
};

struct Rule {
  int severity = 0;                  // protocol::Severity value, 1..4
  std::vector<std::string> sectors;  // empty: every sector
  UnixMillis ack_within = 0;
  std::vector<Step> steps;           // in file order
  int line = 0;
};

struct Policy {
  std::string source;  // the file it came from
  Contact crisis_cell;
  // The number duty officers text "ACK <code>" to (the SMS bridge's Kannel
  // SMSC number, E.164); empty: messages say to reply to the SMS.
  std::string sms_reply_number;
  std::map<std::string, AgencyContacts> contacts;  // by agency id
  std::vector<Rule> rules;

  // The rule for a severity and an agency's sector: one naming the sector
  // wins over the severity's default rule. nullptr when none applies.
  const Rule* RuleFor(int severity, const std::string& sector) const;
};

// What the ladder needs to know about one (directive, agency) pair.
struct DeliveryFacts {
  UnixMillis accepted_at = 0;
  UnixMillis expires_at = 0;
  bool delivered = false;
  bool acknowledged = false;
};

struct DueStep {
  int step = 0;    // index in Rule::steps
  int repeat = 0;  // 0-based
  UnixMillis due_at = 0;
};

// The steps due at `now` that have not fired yet (`fired` holds (step,
// repeat) pairs), in the order they fell due. Nothing is due once the
// directive has expired, nor for a step whose `unless` condition holds.
std::vector<DueStep> DueSteps(const Rule& rule, const DeliveryFacts& facts,
                              const std::set<std::pair<int, int>>& fired, UnixMillis now);

// The first step still to come (`fired` holds (step, repeat) pairs), due
// now or later, before the directive expires; nullopt when the ladder is
// done or closed (acknowledged, or expired).
std::optional<DueStep> NextStep(const Rule& rule, const DeliveryFacts& facts,
                                const std::set<std::pair<int, int>>& fired);

// The contacts a step addresses (crisis-cell: the centre's duty desk).
std::vector<Contact> StepContacts(const Policy& policy, const Step& step,
                                  const std::string& agency);

}  // namespace tocsin::policies
