// tools/status_evidence.h -- what the agencies' own signatures say about a
// directive's status, checked on the operator's side (SECURITY.md 42).
//
// A status report is the gateway's word. StatusVerifier holds every row it
// claims against what backs it: the directive as its issuer signed it (the
// recipients), and each agency's signed receipt and acknowledgement (an
// evidence-request). A row is then:
//   kNothingClaimed  pending or sent: there is nothing an agency signs yet;
//   kSigned          every state it claims is backed by a valid signature of
//                    that agency over this directive's digest (for REFUSED,
//                    its signed refusal of a copy of this directive);
//   kGatewayWord     acknowledged by an SMS code: only the gateway saw it;
//   kUnverified      a claim the signatures do not back (and why).
// Recipients the report leaves out are listed too. Not thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "crypto/key_resolver.h"
#include "protocol/messages.h"

namespace tocsin::tools {

enum class Backing { kNothingClaimed, kSigned, kGatewayWord, kUnverified };

// "none", "signed", "gateway-word", "unverified": the JSON values.
const char* BackingName(Backing backing);

struct RowCheck {
  Backing backing = Backing::kNothingClaimed;
  std::string problem;                // kUnverified: why
  std::optional<std::string> officer;  // from the signed acknowledgement
  std::optional<std::string> refusal;  // the signed refusal's reason (state REFUSED)
};

struct DirectiveCheck {
  std::map<std::string, RowCheck> rows;       // by agency
  std::vector<std::string> missing;            // signed recipients the report leaves out
  std::string problem;  // non-empty: the directive itself could not be checked
  // The header as the issuer signed it (deadline, labels); absent with `problem`.
  std::optional<protocol::DirectiveHeader> header;
};

// The check of `row` in `checks` (a default, nothing claimed, when absent).
const RowCheck& CheckOf(const std::map<protocol::DirectiveId, DirectiveCheck>& checks,
                        const protocol::StatusRow& row);

class StatusVerifier {
 public:
  // Both fetch from the gateway: the directive's stored envelope, and one
  // page of evidence after an agency ("" for the first page).
  using FetchDirective = std::function<Result<Bytes>(const protocol::DirectiveId&)>;
  using FetchEvidence = std::function<Result<protocol::EvidencePage>(
      const protocol::DirectiveId&, const std::string& after)>;

  // `resolver` verifies signatures as of the time they carry (an as-of
  // certificate directory); it must outlive this object.
  StatusVerifier(std::string gateway, crypto::KeyResolver& resolver, FetchDirective directive,
                 FetchEvidence evidence)
      : gateway_(std::move(gateway)), resolver_(&resolver), fetch_directive_(std::move(directive)),
        fetch_evidence_(std::move(evidence)) {}

  // Checks `rows` (any number of directives); the result by directive id.
  // Fails only when the gateway cannot be asked at all.
  Result<std::map<protocol::DirectiveId, DirectiveCheck>> Check(
      const std::vector<protocol::StatusRow>& rows);

  // Every pair of agencies whose signed receipts name two roots for one log
  // size (protocol.md 7): proof that the gateway showed them different logs.
  const std::vector<std::string>& split_views() const { return split_views_; }

 private:
  struct Original {
    crypto::Digest digest{};
    std::vector<std::string> recipients;  // sorted
    std::optional<protocol::DirectiveHeader> header;
    std::string problem;
  };
  Result<const Original*> OriginalOf(const protocol::DirectiveId& id);
  Result<std::map<std::string, protocol::EvidenceRow>> EvidenceOf(const protocol::DirectiveId& id);
  RowCheck CheckRow(const protocol::StatusRow& row, const Original& original,
                    const protocol::EvidenceRow* evidence);

  std::string gateway_;
  crypto::KeyResolver* resolver_;  // not owned
  FetchDirective fetch_directive_;
  FetchEvidence fetch_evidence_;
  std::map<protocol::DirectiveId, Original> originals_;  // a directive never changes
  // Rows already backed, with the claim they backed: `status --watch` asks
  // for evidence again only when a claim changes.
  struct Backed {
    std::uint8_t state;
    std::string officer;
    std::optional<UnixMillis> acknowledged_at;
    RowCheck check;
  };
  std::map<std::pair<protocol::DirectiveId, std::string>, Backed> backed_;
  // Log views the verified evidence signed: size -> (root, the first agency).
  std::map<std::uint64_t, std::pair<crypto::Digest, std::string>> views_;
  std::vector<std::string> split_views_;
  void NoteView(const protocol::Receipt& signed_evidence);
};

}  // namespace tocsin::tools
