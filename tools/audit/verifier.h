// tools/audit/verifier.h -- the offline auditor (SECURITY.md 28).
//
// From a bundle and a trusted root alone: every byte of the bundle is
// accounted for, every certificate verifies under the root, every
// checkpoint's signature verifies under the gateway's log certificate and its
// root matches the entries, every directive, receipt and acknowledgement
// signature verifies as of the time it was recorded, and each directive's
// delivery state machine is replayed in log order with its timings. The
// first problem found is returned, naming the file, the line or entry index,
// and why.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "protocol/audit.h"
#include "protocol/messages.h"

namespace tocsin::tools::audit {

// A step of an escalation ladder, or a bridge's report on one of its messages.
struct EscalationEvent {
  std::uint64_t index = 0;
  UnixMillis at = 0;
  std::string what;  // e.g. "step 2 sms: queued 1 message(s)", "sms +336…: delivered"
};

struct DeliveryRecord {
  std::string agency;
  std::optional<UnixMillis> sent_at;          // recorded by the gateway
  std::optional<UnixMillis> delivered_at;     // receipt recorded
  std::optional<UnixMillis> acknowledged_at;  // acknowledgement recorded
  std::optional<UnixMillis> ack_signed_at;    // as the agency signed it
  std::string officer;
  std::optional<std::string> note;
  std::optional<std::uint64_t> receipt_index;  // entries, for `audit prove`
  std::optional<std::uint64_t> ack_index;
  bool acknowledged_by_code = false;  // an SMS code: unsigned, weaker
  // The agency's signed refusal of a copy it was sent, if any: when, and why.
  std::optional<UnixMillis> refused_at;  // as the agency signed it
  std::string refusal_reason;            // protocol::RefusalReasonName
  std::optional<std::uint64_t> refusal_index;
  std::vector<EscalationEvent> escalations;
  // The sector its certificate named when the directive was accepted (""
  // when that certificate did not resolve then).
  std::string sector;
};

struct DirectiveRecord {
  protocol::DirectiveHeader header;
  std::vector<std::string> signers;
  crypto::Digest digest{};
  UnixMillis accepted_at = 0;
  std::uint64_t index = 0;
  std::map<std::string, DeliveryRecord> deliveries;  // by agency
};

struct PrincipalEvent {
  std::uint64_t index = 0;
  UnixMillis at = 0;
  std::string principal;
  bool enrolled = true;  // false: revoked or no longer admitted
};

struct PolicyEvent {
  std::uint64_t index = 0;
  UnixMillis at = 0;
  std::string digest_hex;  // SHA-256 of the policy file
};

struct VerifiedLog {
  std::string gateway;
  crypto::PublicKey log_key{};  // from the bundle's log certificate, verified under the root
  std::vector<Bytes> entries;  // raw, in log order
  std::vector<protocol::Checkpoint> checkpoints;
  std::vector<std::string> notes;  // the signed checkpoint notes, same order
  std::vector<DirectiveRecord> directives;  // in acceptance order
  std::vector<PrincipalEvent> principals;
  std::vector<PolicyEvent> policies;
};

// The directive `reference` names: its id, or a unique prefix of its hex.
Result<const DirectiveRecord*> FindDirective(const VerifiedLog& log, std::string_view reference);

// `trusted_root` is the path of the root certificate the auditor trusts,
// obtained independently of the bundle.
Result<VerifiedLog> VerifyBundle(const std::string& bundle_dir, const std::string& trusted_root);

}  // namespace tocsin::tools::audit
