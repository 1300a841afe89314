// Escalation policies: the file format's checks and the pure decision of
// which steps are due, on a fake timeline.
#include <fstream>

#include <catch2/catch.hpp>

#include "policies/policy_file.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::policies {
namespace {

constexpr UnixMillis kMinute = 60 * 1000;

std::string Example() { return std::string(TOCSIN_SOURCE_DIR) + "/policies/examples/national.toml"; }

std::string Write(const testing::TempDir& dir, const std::string& text) {
  std::string path = dir / "policy.toml";
  std::ofstream(path) << text;
  return path;
}

constexpr const char* kMinimal = R"(
[crisis_cell]
name = "Desk"
email = "desk@centre.example"

[contacts.finance-authority]
duty_officer = { name = "Claire", phone = "+33612345678", email = "c@f.example" }

[[rule]]
severity = "critical"
ack_within = "15m"
steps = [
  { after = "1m", unless = "delivered", do = "resend", repeat = 3, every = "1m" },
  { after = "3m", do = "sms" },
  { after = "15m", do = "crisis-cell" },
]
)";

TEST_CASE("The example national policy loads", "[policies]") {
  Result<Policy> policy = LoadPolicy(Example());
  INFO((policy ? "" : policy.error().ToString()));
  REQUIRE(policy);
  CHECK(policy->contacts.size() == 5);
  CHECK(policy->rules.size() == 5);
  const Rule* energy = policy->RuleFor(4, "energy");
  const Rule* finance = policy->RuleFor(4, "finance");
  REQUIRE(energy);
  REQUIRE(finance);
  CHECK(energy->ack_within == 10 * kMinute);  // the sector's own rule wins
  CHECK(finance->ack_within == 15 * kMinute);  // the severity's default
  CHECK(policy->RuleFor(2, "energy")->ack_within == 4 * 60 * kMinute);
}

TEST_CASE("The ladder fires each step once, in order, on a fake clock", "[policies][decide]") {
  testing::TempDir dir;
  Policy policy = LoadPolicy(Write(dir, kMinimal)).value();
  const Rule& rule = *policy.RuleFor(4, "finance");
  DeliveryFacts facts{1000, 1000 + 24 * 60 * kMinute, false, false};
  std::set<std::pair<int, int>> fired;
  auto due_at = [&](UnixMillis t) { return DueSteps(rule, facts, fired, 1000 + t); };

  CHECK(due_at(59 * 1000).empty());
  auto at1 = due_at(kMinute);
  REQUIRE(at1.size() == 1);
  CHECK((at1[0].step == 0 && at1[0].repeat == 0));
  fired.insert({0, 0});
  CHECK(due_at(kMinute + 5000).empty());          // fired once, not twice
  auto at3 = due_at(3 * kMinute);                 // resend #2, #3 and the SMS
  REQUIRE(at3.size() == 3);
  CHECK((at3[0].step == 0 && at3[0].repeat == 1));
  CHECK((at3[2].step == 1));
  // Delivered: resends stop, the SMS still chases an acknowledgement.
  facts.delivered = true;
  auto delivered = due_at(3 * kMinute);
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].step == 1);
  // A restart computes the same from what was recorded: nothing is lost or repeated.
  fired.insert({1, 0});
  CHECK(due_at(14 * kMinute).empty());
  CHECK(due_at(15 * kMinute).size() == 1);
  // Acknowledged or expired: nothing more.
  facts.acknowledged = true;
  CHECK(due_at(16 * kMinute).empty());
  facts.acknowledged = false;
  facts.expires_at = 1000 + 10 * kMinute;
  CHECK(due_at(16 * kMinute).empty());
}

TEST_CASE("The next step is the earliest still to come, none once closed", "[policies][decide]") {
  testing::TempDir dir;
  Policy policy = LoadPolicy(Write(dir, kMinimal)).value();
  const Rule& rule = *policy.RuleFor(4, "finance");
  DeliveryFacts facts{1000, 1000 + 24 * 60 * kMinute, false, false};
  std::set<std::pair<int, int>> fired;
  std::optional<DueStep> next = NextStep(rule, facts, fired);
  REQUIRE(next);
  CHECK((next->step == 0 && next->repeat == 0 && next->due_at == 1000 + kMinute));
  fired = {{0, 0}, {0, 1}};
  next = NextStep(rule, facts, fired);
  REQUIRE(next);
  CHECK((next->step == 0 && next->repeat == 2 && next->due_at == 1000 + 3 * kMinute));
  facts.delivered = true;  // resends are over: the SMS comes next
  next = NextStep(rule, facts, fired);
  REQUIRE(next);
  CHECK((next->step == 1 && next->due_at == 1000 + 3 * kMinute));
  fired.insert({1, 0});
  CHECK(NextStep(rule, facts, fired)->step == 2);
  fired.insert({2, 0});
  CHECK_FALSE(NextStep(rule, facts, fired));  // the ladder is done
  fired.erase({2, 0});
  facts.expires_at = 1000 + 10 * kMinute;  // the crisis-cell step would come after expiry
  CHECK_FALSE(NextStep(rule, facts, fired));
  facts.expires_at = 1000 + 24 * 60 * kMinute;
  facts.acknowledged = true;
  CHECK_FALSE(NextStep(rule, facts, fired));
}

TEST_CASE("Steps address the right contacts", "[policies]") {
  Policy policy = LoadPolicy(Example()).value();
  const Rule& rule = *policy.RuleFor(4, "finance");
  CHECK(StepContacts(policy, rule.steps[1], "finance-authority").size() == 1);
  CHECK(StepContacts(policy, rule.steps[2], "finance-authority").size() == 2);
  CHECK(StepContacts(policy, rule.steps[3], "finance-authority")[0].name == "Paul Durand");
  CHECK(StepContacts(policy, rule.steps[4], "finance-authority")[0].name ==
        "National crisis cell duty desk");
  CHECK(StepContacts(policy, rule.steps[1], "unknown-authority").empty());
}

TEST_CASE("Policy errors name file, line and field", "[policies][negative]") {
  testing::TempDir dir;
  auto refused = [&](const std::string& text, const std::string& where, const std::string& why) {
    Result<Policy> policy = LoadPolicy(Write(dir, text));
    REQUIRE_FALSE(policy);
    INFO(policy.error().context);
    CHECK_THAT(policy.error().context, Catch::Contains(dir / "policy.toml"));
    CHECK_THAT(policy.error().context, Catch::Contains(where));
    CHECK_THAT(policy.error().context, Catch::Contains(why));
  };
  std::string base = kMinimal;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = base;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  refused(with("severity = \"critical\"", "severity = \"urgent\""), ":10: rule[0].severity",
          "low, moderate, high or critical");
  refused(with("after = \"3m\"", "after = \"3 minutes\""), "rule[0].steps[1].after", "");
  refused(with("do = \"sms\"", "do = \"fax\""), "rule[0].steps[1].do", "resend, sms");
  refused(with("do = \"sms\"", "do = \"sms\", to = \"boss\""), "steps[1].to", "duty_officer");
  refused(with("repeat = 3, every = \"1m\"", "repeat = 3"), "steps[0].every", "required");
  refused(with("after = \"15m\"", "after = \"2m\""), "steps[2].after", "order");
  refused(with("phone = \"+33612345678\"", "phone = \"0612345678\""),
          ":7: contacts.finance-authority.duty_officer.phone", "E.164");
  refused(with("ack_within = \"15m\"", "ack_within = \"15m\"\nescalate = true"),
          "rule[0].escalate", "unknown setting");
  refused(with("phone = \"+33612345678\", ", ""), ":14: step", "has no phone");
  refused(with("[crisis_cell]", "[crisis_desk]"), "crisis_desk", "unknown setting");
  refused(base + "\n[[rule]]\nseverity = \"critical\"\nack_within = \"1h\"\nsteps = [{ after = "
                 "\"1m\", do = \"resend\" }]\n",
          ": rule:", "second rule for the same severity");
  refused("[crisis_cell\n", "policy.toml:1", "");
  refused("sms_reply_number = \"12345\"\n" + base, ":1: sms_reply_number", "E.164");
  Result<Policy> numbered = LoadPolicy(Write(dir, "sms_reply_number = \"+33700000001\"\n" + base));
  REQUIRE(numbered);
  CHECK(numbered->sms_reply_number == "+33700000001");
}

}  // namespace
}  // namespace tocsin::policies
