#include "protocol/signature_check.h"

#include <algorithm>
#include <string>

namespace tocsin::protocol {
namespace {

std::uint32_t ForSeverity(const SignatureRule& rule, Severity severity) {
  return rule.ForSeverity(static_cast<std::uint8_t>(severity));
}

// Lower severity, lower TLP, or an actual directive turned into an exercise
// (which stands its agencies down).
bool LowersLabels(const DirectiveHeader& update, const FollowedDirective& original) {
  return update.severity < original.severity || update.tlp < original.tlp ||
         (original.status == DirectiveStatus::kActual &&
          update.status == DirectiveStatus::kExercise);
}

// What asks for the count, for the error a person reads.
std::string Reason(const SignatureRule& rule, const DirectiveHeader& header,
                   const std::optional<FollowedDirective>& original, std::uint32_t needed) {
  if (header.action == DirectiveAction::kCancel && rule.cancel == needed) {
    return "a cancel needs";
  }
  if (header.action == DirectiveAction::kUpdate && original && LowersLabels(header, *original) &&
      rule.downgrade == needed) {
    return "an update lowering severity, TLP or status needs";
  }
  if (header.action != DirectiveAction::kNew && !original) {
    return "a follow-up of a directive not held here (it may be the most severe) needs";
  }
  if (original && ForSeverity(rule, original->severity) == needed &&
      ForSeverity(rule, header.severity) != needed) {
    return "a follow-up of a " + std::string(SeverityName(original->severity)) +
           " directive needs";
  }
  return "a " + std::string(SeverityName(header.severity)) + " directive needs";
}

}  // namespace

std::uint32_t RuleRequirement(const SignatureRule& rule, const DirectiveHeader& header,
                              const std::optional<FollowedDirective>& original) {
  std::uint32_t needed = ForSeverity(rule, header.severity);
  if (header.action == DirectiveAction::kNew) {
    return needed;
  }
  if (original) {
    needed = std::max(needed, ForSeverity(rule, original->severity));
  } else {
    // Not held here: it may follow up the most severe directive, and lower it.
    for (std::uint32_t count : rule.by_severity) {
      needed = std::max(needed, count);
    }
  }
  if (header.action == DirectiveAction::kCancel) {
    needed = std::max(needed, rule.cancel);
  }
  if (header.action == DirectiveAction::kUpdate && (!original || LowersLabels(header, *original))) {
    needed = std::max(needed, rule.downgrade);
  }
  return needed;
}

Status CheckSignatureRule(const SignatureRule& rule, const DirectiveHeader& header,
                          std::size_t distinct_signers,
                          const std::optional<FollowedDirective>& original) {
  std::uint32_t needed = RuleRequirement(rule, header, original);
  if (distinct_signers >= needed) {
    return {};
  }
  return MakeError(ErrorCode::kPermissionDenied,
                   Reason(rule, header, original, needed) + " " + std::to_string(needed) +
                       " distinct operators' signatures under the CA's signature rule; it carries " +
                       std::to_string(distinct_signers));
}

Status CheckSignatureRuleOf(const SignatureRule& rule, const DirectiveHeader& header,
                            std::size_t distinct_signers,
                            const std::optional<StoredDirective>& stored) {
  Result<std::optional<FollowedDirective>> original = ReadStoredOriginal(stored);
  if (!original) {
    return tl::unexpected(original.error());
  }
  return CheckSignatureRule(rule, header, distinct_signers, *original);
}

}  // namespace tocsin::protocol
