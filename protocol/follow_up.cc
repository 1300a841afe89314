#include "protocol/follow_up.h"

#include <algorithm>

#include "common/bytes.h"

namespace tocsin::protocol {

Result<FollowedDirective> ReadFollowedDirective(ByteView stored_wire) {
  TOCSIN_ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(stored_wire));
  TOCSIN_ASSIGN_OR_RETURN(DirectiveBody body, DecodeDirectiveBody(envelope.body));
  TOCSIN_ASSIGN_OR_RETURN(DirectiveHeader header, DecodeDirectiveHeader(body.header));
  std::vector<std::string> signers;
  for (const SignatureEntry& signature : envelope.signatures) {
    signers.push_back(signature.signer);
  }
  return FollowedOf(header, std::move(signers));
}

FollowedDirective FollowedOf(const DirectiveHeader& header, std::vector<std::string> signers,
                             std::optional<std::vector<std::string>> recipients) {
  return {header.action, std::move(signers), std::move(recipients), header.severity, header.tlp,
          header.status};
}

Status CheckFollowUp(const DirectiveHeader& follow_up, const std::vector<std::string>& signers,
                     const std::vector<std::string>& recipients,
                     const std::optional<FollowedDirective>& original) {
  if (follow_up.action == DirectiveAction::kNew) {
    return {};
  }
  std::string what = std::string(ActionName(follow_up.action)) + " of " +
                     HexEncode(*follow_up.references).substr(0, 12);
  if (!original) {
    return MakeError(ErrorCode::kNotFound, what + ": no such directive here");
  }
  if (original->action == DirectiveAction::kCancel) {
    return MakeError(ErrorCode::kPermissionDenied, what + ": a cancel cannot be followed up");
  }
  bool by_a_signer = std::any_of(signers.begin(), signers.end(), [&](const std::string& s) {
    return std::find(original->signers.begin(), original->signers.end(), s) !=
           original->signers.end();
  });
  std::vector<std::string> distinct = signers;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (!by_a_signer && distinct.size() < 2) {
    std::string owners;
    for (const std::string& s : original->signers) {
      owners += (owners.empty() ? "" : ", ") + s;
    }
    return MakeError(ErrorCode::kPermissionDenied,
                     what + ": only its signers (" + owners +
                         ") may follow it up alone; anyone else needs a second operator's signature");
  }
  if (original->recipients) {
    for (const std::string& agency : recipients) {
      if (std::find(original->recipients->begin(), original->recipients->end(), agency) ==
          original->recipients->end()) {
        return MakeError(ErrorCode::kPermissionDenied,
                         what + ": " + agency + " did not receive the directive it follows up");
      }
    }
  }
  return {};
}

Result<std::optional<FollowedDirective>> ReadStoredOriginal(
    const std::optional<StoredDirective>& stored) {
  if (!stored) {
    return std::optional<FollowedDirective>();
  }
  Result<FollowedDirective> read = ReadFollowedDirective(stored->wire);
  if (!read) {
    return MakeError(ErrorCode::kInternal,  // what the gateway holds, not what was sent
                     "the directive it follows up no longer decodes (" + read.error().ToString() +
                         "): issue a new directive");
  }
  read->recipients = stored->recipients;
  return std::optional<FollowedDirective>(std::move(*read));
}

Status CheckFollowUpOf(const DirectiveHeader& follow_up, const std::vector<std::string>& signers,
                       const std::vector<std::string>& recipients,
                       const std::optional<StoredDirective>& stored) {
  Result<std::optional<FollowedDirective>> original = ReadStoredOriginal(stored);
  if (!original) {
    return tl::unexpected(original.error());
  }
  return CheckFollowUp(follow_up, signers, recipients, *original);
}

}  // namespace tocsin::protocol
