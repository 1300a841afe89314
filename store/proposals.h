// store/proposals.h -- directives held until co-signed (protocol/proposal.h),
// with the co-signers' wraps. Part of the ledger (store/ledger.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "store/ledger_store.h"

namespace tocsin::store {

inline constexpr std::size_t kMaxHeldProposals = 256;  // = protocol::kMaxProposalRows

// The wraps are the co-signers' encoded wraps (EncodeCosignerWrap), opaque here.
struct HeldProposal {
  Bytes id;
  std::string issuer;
  std::uint64_t sequence = 0;
  Bytes wire;  // its envelope, with the signatures so far (empty in a listing)
  UnixMillis proposed_at = 0;
  UnixMillis expires_at = 0;
  std::vector<std::pair<std::string, Bytes>> wraps;  // co-signer, wrap (empty wrap in a listing)
  // What a listing shows, kept beside the envelope so that none is decoded.
  int severity = 0;
  int action = 0;
  std::uint32_t required = 0;
  std::vector<std::string> signers;  // so far, the issuer first
  std::uint32_t recipient_count = 0;
};

class Proposals {
 public:
  explicit Proposals(LedgerStore* store) : store_(store) {}

  // Holds a proposal, reserving the issuer's sequence as Directives::Accept
  // would, so that the directives the issuer sends meanwhile go on; kReplay
  // when the sequence is not above the issuer's or the id is already held or
  // accepted, kUnavailable past `max_per_issuer` held for its issuer or
  // kMaxHeldProposals in all.
  Status Hold(const HeldProposal& proposal, std::size_t max_per_issuer);
  // Every held proposal, by the time it was held, without envelopes or wraps
  // (their co-signers named): what a listing costs is its rows.
  Result<std::vector<HeldProposal>> List();
  // One, whole, by its id.
  Result<std::optional<HeldProposal>> Find(ByteView id);
  // With one more signature: its envelope and its signers.
  Status ReplaceWire(ByteView id, ByteView wire, const std::vector<std::string>& signers);
  Status Drop(ByteView id);
  // Drops every proposal whose expires_at is at or before `now`; their ids.
  Result<std::vector<Bytes>> DropExpired(UnixMillis now);

  // Inside `transaction`, for Directives::Accept: whether `id` is held, and
  // dropping it once it is accepted.
  static Result<bool> IsHeld(LedgerTransaction& transaction, ByteView id);
  static Status Release(LedgerTransaction& transaction, ByteView id);

 private:
  LedgerStore* store_;  // not owned; outlives this
};

}  // namespace tocsin::store
