// protocol/proposal.h -- the two-person rule through the gateway
// (docs/protocol.md 10.6).
//
// An operator seals a directive for more signatures than it carries, with
// the content key wrapped for each co-signer (protocol/directive.h,
// CosignerWrap), and sends it as a proposal. The gateway verifies what it
// can (signatures so far, recipients, times), holds it, and lists it to the
// cell's operators; it cannot read it. A named co-signer fetches it with
// their own wrap, reads exactly what agencies will read, and sends back
// their signature over the directive's body (an approval). Once enough
// distinct operators signed (the header's count and the CA's signature
// rule), the gateway accepts the directive as if submitted whole. The issuer
// or a co-signer may withdraw it; it lapses at its expiry. All five messages
// are unsigned control messages: CURVE's ZAP User-Id names the sender.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "protocol/directive.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

inline constexpr std::size_t kMaxCosignerWraps = kMaxSignatures - 1;
inline constexpr std::size_t kMaxProposalRows = 256;  // what a gateway holds at once

// Type 19, operator -> gateway.
struct Proposal {
  Bytes directive;                  // its envelope, signed so far, with every recipient
  std::vector<CosignerWrap> wraps;  // one per co-signer, 1..3
};

// Type 20, operator -> gateway: nil lists every held proposal; an id asks
// for that one with its envelope and the requester's own wrap.
struct ProposalRequest {
  std::optional<DirectiveId> reference;
};

struct ProposalRow {
  DirectiveId id{};
  std::string issuer;
  Severity severity = Severity::kLow;
  DirectiveAction action = DirectiveAction::kNew;
  std::uint32_t required = 1;             // the larger of the header's and the CA's rule
  std::vector<std::string> signers;       // so far, the issuer first
  std::vector<std::string> cosigners;     // who hold a wrap
  UnixMillis proposed_at = 0;
  UnixMillis expires_at = 0;              // it lapses then
  std::uint32_t recipient_count = 0;
};

// Type 21, gateway -> operator.
struct ProposalReply {
  std::vector<ProposalRow> rows;     // every held proposal, or the one asked for
  std::optional<Bytes> directive;    // the one asked for: its envelope as signed so far
  std::optional<CosignerWrap> wrap;  // and the requester's wrap, if it was given one
};

// Type 22, operator -> gateway: the sender's Ed25519 signature over the held
// directive's body, under the directive context (section 5).
struct Approval {
  DirectiveId reference{};
  crypto::Signature signature{};
};

// Type 23, operator -> gateway: by its issuer or one of its co-signers.
struct Withdrawal {
  DirectiveId reference{};
};

Bytes EncodeProposal(const Proposal& proposal);
Result<Proposal> DecodeProposal(ByteView bytes);
Bytes EncodeProposalRequest(const ProposalRequest& request);
Result<ProposalRequest> DecodeProposalRequest(ByteView bytes);
Bytes EncodeProposalReply(const ProposalReply& reply);
Result<ProposalReply> DecodeProposalReply(ByteView bytes);
Bytes EncodeApproval(const Approval& approval);
Result<Approval> DecodeApproval(ByteView bytes);
Bytes EncodeWithdrawal(const Withdrawal& withdrawal);
Result<Withdrawal> DecodeWithdrawal(ByteView bytes);

}  // namespace tocsin::protocol
