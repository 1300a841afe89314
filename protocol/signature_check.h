// protocol/signature_check.h -- the deployment's two-person rule applied to
// one directive (common/signature_rule.h; docs/protocol.md 6.9).
//
// A directive needs the largest of:
//   - the rule's count for its own severity;
//   - for an update or a cancel, the count for the severity of the directive
//     it follows up (a follow-up acts on the original, so it cannot dodge the
//     rule by labelling itself low); where the checker does not hold that
//     directive, the largest severity count (it may be the most severe);
//   - for a cancel, the rule's cancel count;
//   - for an update whose severity or TLP is lower than the original's (or
//     that makes an actual directive an exercise), or
//     whose original the checker does not hold, the rule's downgrade count;
// and its header's signed required_signatures, which VerifyDirective already
// enforces. Signatures count distinct operator keys, never entries. The
// gateway, every client and the offline auditor run this same check.
#pragma once

#include <cstdint>
#include <optional>

#include "common/result.h"
#include "common/signature_rule.h"
#include "protocol/follow_up.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

std::uint32_t RuleRequirement(const SignatureRule& rule, const DirectiveHeader& header,
                              const std::optional<FollowedDirective>& original);

// OK, or kPermissionDenied saying what the rule asks and what was signed,
// e.g. "a critical directive needs 2 distinct operators' signatures under
// the CA's signature rule; it carries 1".
Status CheckSignatureRule(const SignatureRule& rule, const DirectiveHeader& header,
                          std::size_t distinct_signers,
                          const std::optional<FollowedDirective>& original);

// CheckSignatureRule against a stored original (nullopt: none held), read as
// CheckFollowUpOf reads it.
Status CheckSignatureRuleOf(const SignatureRule& rule, const DirectiveHeader& header,
                            std::size_t distinct_signers,
                            const std::optional<StoredDirective>& stored);

}  // namespace tocsin::protocol
