#include "common/signature_rule.h"

namespace tocsin {

std::uint32_t SignatureRule::ForSeverity(std::uint8_t level) const {
  if (level < 1 || level > kRuleSeverityLevels) {
    return 1;
  }
  return by_severity[level - 1];
}

std::uint32_t* RuleField(SignatureRule& rule, std::string_view name) {
  for (std::size_t i = 0; i < kRuleSeverityLevels; ++i) {
    if (name == kSignatureRuleFields[i]) {
      return &rule.by_severity[i];
    }
  }
  if (name == "cancel") {
    return &rule.cancel;
  }
  if (name == "downgrade") {
    return &rule.downgrade;
  }
  return nullptr;
}

std::uint32_t RuleFieldValue(const SignatureRule& rule, std::string_view name) {
  SignatureRule copy = rule;
  const std::uint32_t* field = RuleField(copy, name);
  return field != nullptr ? *field : 0;
}

Status ValidateSignatureRule(const SignatureRule& rule) {
  for (std::string_view name : kSignatureRuleFields) {
    std::uint32_t value = RuleFieldValue(rule, name);
    if (value < 1 || value > kMaxRuleSignatures) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "signature rule: " + std::string(name) + " is " + std::to_string(value) +
                           "; it must be 1 to " + std::to_string(kMaxRuleSignatures));
    }
  }
  return {};
}

std::string DescribeSignatureRule(const SignatureRule& rule) {
  std::string out;
  for (std::string_view name : kSignatureRuleFields) {
    out += (out.empty() ? "" : ", ") + std::string(name) + " " +
           std::to_string(RuleFieldValue(rule, name));
  }
  return out;
}

}  // namespace tocsin
