#include "protocol/signature_check.h"

#include <catch2/catch.hpp>

namespace tocsin::protocol {
namespace {

SignatureRule TwoForCritical() {
  SignatureRule rule;
  rule.by_severity = {1, 1, 1, 2};
  return rule;
}

DirectiveHeader Header(Severity severity, DirectiveAction action = DirectiveAction::kNew,
                       Tlp tlp = Tlp::kAmber) {
  DirectiveHeader h;
  h.severity = severity;
  h.tlp = tlp;
  h.action = action;
  if (action != DirectiveAction::kNew) {
    h.references = DirectiveId{};
  }
  return h;
}

FollowedDirective Original(Severity severity, Tlp tlp = Tlp::kAmber) {
  return {DirectiveAction::kNew, {"op.alice"}, std::nullopt, severity, tlp};
}

TEST_CASE("The rule nobody set asks one signature of everything", "[protocol][signature-rule]") {
  SignatureRule rule;
  CHECK(rule.IsDefault());
  for (Severity s : {Severity::kLow, Severity::kModerate, Severity::kHigh, Severity::kCritical}) {
    CHECK(RuleRequirement(rule, Header(s), std::nullopt) == 1);
    CHECK(CheckSignatureRule(rule, Header(s, DirectiveAction::kCancel), 1, Original(s)));
  }
}

TEST_CASE("A directive needs its severity's count", "[protocol][signature-rule]") {
  SignatureRule rule = TwoForCritical();
  CHECK(CheckSignatureRule(rule, Header(Severity::kHigh), 1, std::nullopt));
  Status one = CheckSignatureRule(rule, Header(Severity::kCritical), 1, std::nullopt);
  REQUIRE_FALSE(one);
  CHECK(one.error().code == ErrorCode::kPermissionDenied);
  CHECK(one.error().context ==
        "a critical directive needs 2 distinct operators' signatures under the CA's signature "
        "rule; it carries 1");
  CHECK(CheckSignatureRule(rule, Header(Severity::kCritical), 2, std::nullopt));
  CHECK(CheckSignatureRule(rule, Header(Severity::kCritical), 3, std::nullopt));
}

TEST_CASE("A follow-up cannot dodge the rule by labelling itself lower",
          "[protocol][signature-rule][negative]") {
  SignatureRule rule = TwoForCritical();
  // An update of a critical directive, labelled low: the original's count.
  DirectiveHeader update = Header(Severity::kLow, DirectiveAction::kUpdate);
  CHECK(RuleRequirement(rule, update, Original(Severity::kCritical)) == 2);
  Status alone = CheckSignatureRule(rule, update, 1, Original(Severity::kCritical));
  REQUIRE_FALSE(alone);
  CHECK_THAT(alone.error().context,
             Catch::StartsWith("a follow-up of a critical directive needs 2"));
  // Not held here (a client that has not received it, or not yet: a gateway
  // may send the follow-up first): the strictest count, and the downgrade's.
  CHECK(RuleRequirement(rule, update, std::nullopt) == 2);
  Status unheld = CheckSignatureRule(rule, update, 1, std::nullopt);
  REQUIRE_FALSE(unheld);
  CHECK_THAT(unheld.error().context, Catch::StartsWith("a follow-up of a directive not held here"));
  SignatureRule downgrade;
  downgrade.downgrade = 3;
  CHECK(RuleRequirement(downgrade, update, std::nullopt) == 3);
  CHECK(RuleRequirement(downgrade, Header(Severity::kLow, DirectiveAction::kCancel), std::nullopt) == 1);
}

TEST_CASE("A cancel needs the cancel count", "[protocol][signature-rule]") {
  SignatureRule rule;
  rule.cancel = 2;
  DirectiveHeader cancel = Header(Severity::kLow, DirectiveAction::kCancel);
  CHECK(RuleRequirement(rule, cancel, Original(Severity::kLow)) == 2);
  CHECK(RuleRequirement(rule, cancel, std::nullopt) == 2);  // the action is its own
  rule.by_severity = {1, 1, 1, 3};
  CHECK(RuleRequirement(rule, cancel, std::nullopt) == 3);  // it may cancel a critical one
  rule.by_severity = {1, 1, 1, 1};
  Status alone = CheckSignatureRule(rule, cancel, 1, std::nullopt);
  REQUIRE_FALSE(alone);
  CHECK_THAT(alone.error().context, Catch::StartsWith("a cancel needs 2"));
  CHECK(RuleRequirement(rule, Header(Severity::kLow, DirectiveAction::kUpdate),
                        Original(Severity::kLow)) == 1);
}

TEST_CASE("An update lowering severity or TLP needs the downgrade count",
          "[protocol][signature-rule]") {
  SignatureRule rule;
  rule.downgrade = 3;
  FollowedDirective red_high = Original(Severity::kHigh, Tlp::kRed);
  auto update = [](Severity s, Tlp t) { return Header(s, DirectiveAction::kUpdate, t); };
  CHECK(RuleRequirement(rule, update(Severity::kModerate, Tlp::kRed), red_high) == 3);
  CHECK(RuleRequirement(rule, update(Severity::kHigh, Tlp::kAmber), red_high) == 3);
  CHECK(RuleRequirement(rule, update(Severity::kHigh, Tlp::kRed), red_high) == 1);
  CHECK(RuleRequirement(rule, update(Severity::kCritical, Tlp::kRed), red_high) == 1);  // raises
  Status lowered = CheckSignatureRule(rule, update(Severity::kHigh, Tlp::kGreen), 2, red_high);
  REQUIRE_FALSE(lowered);
  CHECK_THAT(lowered.error().context,
             Catch::StartsWith("an update lowering severity, TLP or status needs 3"));
  DirectiveHeader exercise = update(Severity::kHigh, Tlp::kRed);
  exercise.status = DirectiveStatus::kExercise;  // an actual alert turned into a drill
  CHECK(RuleRequirement(rule, exercise, red_high) == 3);
  // A cancel is not a downgrade: it has a count of its own.
  CHECK(RuleRequirement(rule, Header(Severity::kLow, DirectiveAction::kCancel), red_high) == 1);
}

TEST_CASE("The largest applicable count wins", "[protocol][signature-rule]") {
  SignatureRule rule;
  rule.by_severity = {1, 2, 3, 4};
  rule.cancel = 2;
  rule.downgrade = 2;
  CHECK(RuleRequirement(rule, Header(Severity::kLow, DirectiveAction::kCancel),
                        Original(Severity::kCritical)) == 4);
  CHECK(RuleRequirement(rule, Header(Severity::kHigh, DirectiveAction::kCancel),
                        Original(Severity::kLow)) == 3);
}

TEST_CASE("A stored original that no longer decodes refuses the follow-up",
          "[protocol][signature-rule][negative]") {
  Bytes garbage{0x01, 0x02};
  Status refused = CheckSignatureRuleOf(SignatureRule{}, Header(Severity::kLow,
                                                                DirectiveAction::kCancel),
                                        4, StoredDirective{garbage, std::nullopt});
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().context, Catch::Contains("no longer decodes"));
}

TEST_CASE("The rule's own checks", "[common][signature-rule]") {
  SignatureRule rule;
  CHECK(ValidateSignatureRule(rule));
  rule.by_severity[3] = 5;
  Status high = ValidateSignatureRule(rule);
  REQUIRE_FALSE(high);
  CHECK(high.error().context == "signature rule: critical is 5; it must be 1 to 4");
  rule.by_severity[3] = 2;
  rule.cancel = 0;
  CHECK_FALSE(ValidateSignatureRule(rule));
  rule.cancel = 1;
  CHECK(DescribeSignatureRule(rule) ==
        "low 1, moderate 1, high 1, critical 2, cancel 1, downgrade 1");
  CHECK(rule.ForSeverity(0) == 1);
  CHECK(rule.ForSeverity(4) == 2);
  CHECK(rule.ForSeverity(9) == 1);
}

}  // namespace
}  // namespace tocsin::protocol
