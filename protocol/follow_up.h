// protocol/follow_up.h -- who may follow a directive up, and how
// (SECURITY.md 42; docs/protocol.md 6.8).
//
// An update or a cancel references a directive that the checker holds. It
// may follow up a new directive or an update, never a cancel; it is signed by
// one of the referenced directive's own signers (its issuer or a
// co-signer), or by at least two distinct operators (a colleague taking
// over needs a second pair of eyes); and, where the checker knows them, its
// recipients are among the referenced directive's recipients (a follow-up
// never reaches an agency that did not receive what it follows up). The
// gateway and every client run the same rule.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

// What the checker holds of the referenced directive.
struct FollowedDirective {
  DirectiveAction action = DirectiveAction::kNew;
  std::vector<std::string> signers;
  std::optional<std::vector<std::string>> recipients;  // nullopt: not known here (a client)
  Severity severity = Severity::kLow;  // its labels, for the signature rule
  Tlp tlp = Tlp::kRed;
  DirectiveStatus status = DirectiveStatus::kActual;
};

// What `header`, signed by `signers`, is to a follow-up of it.
FollowedDirective FollowedOf(const DirectiveHeader& header, std::vector<std::string> signers,
                             std::optional<std::vector<std::string>> recipients = std::nullopt);

// What the checker holds of a stored directive: its action, labels and signers,
// read from the wire it verified when it stored it.
Result<FollowedDirective> ReadFollowedDirective(ByteView stored_wire);

// OK, or kPermissionDenied / kNotFound naming the rule broken. A new
// directive always passes.
Status CheckFollowUp(const DirectiveHeader& follow_up, const std::vector<std::string>& signers,
                     const std::vector<std::string>& recipients,
                     const std::optional<FollowedDirective>& original);

// What the checker holds of the referenced directive, as it stored it.
struct StoredDirective {
  ByteView wire;                                       // as verified when stored
  std::optional<std::vector<std::string>> recipients;  // nullopt: not known here
};

// What the checker holds of a stored original (nullopt: none held). A wire
// that no longer decodes under the current rules (stored by an older
// version) is kInvalidArgument, said so that the follow-up is refused.
Result<std::optional<FollowedDirective>> ReadStoredOriginal(
    const std::optional<StoredDirective>& stored);

// CheckFollowUp against a stored directive (nullopt: none held). A stored
// wire that no longer decodes under the current rules (stored by an older
// version) refuses the follow-up; it is never the caller's failure.
Status CheckFollowUpOf(const DirectiveHeader& follow_up, const std::vector<std::string>& signers,
                       const std::vector<std::string>& recipients,
                       const std::optional<StoredDirective>& stored);

}  // namespace tocsin::protocol
