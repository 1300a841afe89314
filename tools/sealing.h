// tools/sealing.h -- what `directive seal` and `issue` share: options, the
// recipients an operator may encrypt to, the draft, the issuer's sequence.
#pragma once

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "pki/bundle.h"
#include "pki/directory.h"
#include "protocol/directive.h"
#include "protocol/follow_up.h"

namespace tocsin::tools {

// Where in an operator's bundle the record of certificates it verified is
// kept (pki/verified_record.h).
inline constexpr std::string_view kVerifiedRecordFile = "verified-certificates";

struct DirectiveOptions {
  std::string bundle;
  std::string directory;
  std::string gateway;
  std::vector<std::string> sectors;
  std::vector<std::string> agencies;
  std::string severity;  // empty: "high", or for an update or cancel the original's
  std::string tlp;       // empty: "AMBER", or the original's
  std::string title;
  std::string body;
  std::string body_file;
  std::string summary;
  std::string ack_within = "1h";
  std::string expires_in = "1d";
  bool exercise = false;
  std::string in;
  std::string out;
  std::size_t min_signatures = 1;
  bool json = false;
  // Talking to a gateway (issue, status, cancel, update):
  std::string endpoint;
  int timeout_ms = 10000;
  bool timeout_set = false;  // --timeout-ms given: the profile's does not apply
  std::string profile;       // --profile: the operator profile to read (operator_profile.h)
  bool watch = false;
  std::string reference;  // hex id of the directive to update or cancel
  std::string promise_out;  // where issue, update and cancel keep the gateway's log promise
  int retries = 2;          // issue, update, cancel: resends of the same sealed bytes
  // The two-person rule (directive seal, cosign):
  std::uint32_t required_signatures = 1;  // signed into the header
  std::vector<std::string> cosigners;     // operators who get the content key to read it
  std::string cosigner_key;               // cosign: the key file sealed for this operator
  bool yes = false;                       // cosign: do not ask before signing
};

struct SealOutcome {
  protocol::SealedDirective sealed;  // with a co-signer wrap per --cosigner
  std::vector<std::string> recipients;
  std::vector<std::string> skipped;  // "id: reason", sector members not usable
  std::uint64_t sequence = 0;
};

// What an update or cancel follows up: its id, and what its issuer signed.
struct FollowUpOf {
  protocol::DirectiveId id{};
  protocol::FollowedDirective original;
};

// Resolves recipients (explicit agencies must verify; failing sector members
// are skipped and reported), builds the draft (a follow-up of `follows` when
// given), checks it against the CA's signature rule before anything is
// taken, takes the issuer's next sequence number durably, and seals.
Result<SealOutcome> SealFromOptions(const DirectiveOptions& options,
                                    const pki::PrincipalBundle& issuer,
                                    pki::CertificateDirectory& directory, UnixMillis now,
                                    protocol::DirectiveAction action = protocol::DirectiveAction::kNew,
                                    const std::optional<FollowUpOf>& follows = std::nullopt);

// OK when `header`, signed by `signatures` distinct operators, meets the
// CA's signature rule of `directory`'s CRL; otherwise an error that says
// what the rule asks and how to get the second signature.
Status CheckRuleForOperator(pki::CertificateDirectory& directory,
                            const protocol::DirectiveHeader& header, std::size_t signatures,
                            const std::optional<protocol::FollowedDirective>& original);

// What a co-signer is shown before signing: everything every recipient will
// read, as the header and the committed content key make it, and how many
// signatures the CA's rule asks (`rule_needs`).
// Written to `out` (stderr when stdout carries --json).
void ShowForCosigner(const protocol::VerifiedDirective& v, const protocol::DirectiveContent& content,
                     std::uint32_t rule_needs, std::ostream& out = std::cout);

// What a co-signer checks before reading on: the header asks at least what
// the CA's signature rule asks for it (else every agency would refuse it,
// kPermissionDenied). Returns the rule's count.
// A follow-up without `original` is held to the strictest count (as an
// agency that does not hold its original holds it).
Result<std::uint32_t> CheckCosignable(pki::CertificateDirectory& directory,
                                      const protocol::DirectiveHeader& header,
                                      const std::optional<protocol::FollowedDirective>& original =
                                          std::nullopt);

// Prints the outcome for people, or as JSON with --json; warns on stderr
// about each skipped sector member.
void PrintSealed(const SealOutcome& outcome, const DirectiveOptions& options,
                 std::string_view verb, const std::string& where,
                 const nlohmann::json& extra = nlohmann::json::object());

// Parses a full 32-hex-digit directive id.
Result<protocol::DirectiveId> ParseDirectiveId(std::string_view hex);

}  // namespace tocsin::tools
