// common/signature_rule.h -- the two-person rule of a deployment: how many
// distinct operators must sign a directive, by severity and by action.
//
// The CA signs it into every CRL it issues (pki/cert_builder.h), so that
// every verifier reads the same rule and no gateway setting can lower it:
// a client refuses a directive signed by fewer operators than the rule asks
// for its severity, even when the gateway let it through (docs/pki.md, "The
// signature rule"; protocol/signature_check.h applies it).
//
// Severities are indexed by their wire values (docs/protocol.md 6.2):
// 1 low, 2 moderate, 3 high, 4 critical. Every count is 1 to
// kMaxRuleSignatures; a rule nobody set is 1 everywhere.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tocsin {

inline constexpr std::uint32_t kMaxRuleSignatures = 4;  // = protocol's kMaxSignatures
inline constexpr std::size_t kRuleSeverityLevels = 4;

struct SignatureRule {
  // by_severity[level - 1]: signatures a directive of that severity needs.
  std::array<std::uint32_t, kRuleSeverityLevels> by_severity{1, 1, 1, 1};
  std::uint32_t cancel = 1;     // at least this for a cancel
  std::uint32_t downgrade = 1;  // at least this for an update lowering severity, TLP or status

  std::uint32_t ForSeverity(std::uint8_t level) const;  // 1 for a level out of range
  bool IsDefault() const { return *this == SignatureRule{}; }
  bool operator==(const SignatureRule&) const = default;
};

// The names of the rule's fields, as ca.toml and `tocsin pki signature-rule`
// spell them: "low", "moderate", "high", "critical", "cancel", "downgrade".
inline constexpr std::array<std::string_view, 6> kSignatureRuleFields{
    "low", "moderate", "high", "critical", "cancel", "downgrade"};

// The count a field names, for reading and writing by name (nullptr for an
// unknown name).
std::uint32_t* RuleField(SignatureRule& rule, std::string_view name);
std::uint32_t RuleFieldValue(const SignatureRule& rule, std::string_view name);

// kInvalidArgument naming the first count outside 1..kMaxRuleSignatures.
Status ValidateSignatureRule(const SignatureRule& rule);

// "low 1, moderate 1, high 1, critical 2, cancel 1, downgrade 2".
std::string DescribeSignatureRule(const SignatureRule& rule);

}  // namespace tocsin
