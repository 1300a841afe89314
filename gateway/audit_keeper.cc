#include "gateway/audit_keeper.h"

#include <algorithm>

#include "common/file_util.h"
#include "common/log.h"
#include "pki/certificate.h"

namespace tocsin::gateway {

UnixMillis AuditKeeper::Now() const {
  return std::max(clock_.NowMillis(), ledger_.audit().last_time());
}

Bytes AuditKeeper::Accepted(const protocol::DirectiveId& id, const std::string& issuer,
                            ByteView wire, UnixMillis at) const {
  return protocol::EncodeAuditEntry({protocol::AuditKind::kDirectiveAccepted, at, id, issuer,
                                     Bytes(wire.begin(), wire.end())});
}

Bytes AuditKeeper::Sent(ByteView id, const std::string& agency, UnixMillis at) const {
  protocol::DirectiveId directive{};
  std::copy(id.begin(), id.end(), directive.begin());
  return protocol::EncodeAuditEntry({protocol::AuditKind::kSent, at, directive, agency, {}});
}

Bytes AuditKeeper::Evidence(const protocol::Receipt& receipt, ByteView wire,
                            UnixMillis at) const {
  return protocol::EncodeAuditEntry(
      {protocol::AuditKindOf(receipt.kind), at, receipt.directive_id, receipt.agency,
       Bytes(wire.begin(), wire.end())});
}

namespace {

protocol::DirectiveId IdOf(ByteView id) {
  protocol::DirectiveId directive{};
  std::copy(id.begin(), id.end(), directive.begin());
  return directive;
}

}  // namespace

Bytes AuditKeeper::Escalation(ByteView id, const std::string& agency,
                              const protocol::EscalationData& step, UnixMillis at) const {
  return protocol::EncodeAuditEntry({protocol::AuditKind::kEscalation, at, IdOf(id), agency,
                                     protocol::EncodeEscalationData(step)});
}

Bytes AuditKeeper::BridgeOutcome(ByteView id, const std::string& agency,
                                 const protocol::BridgeOutcomeData& outcome, UnixMillis at) const {
  return protocol::EncodeAuditEntry({protocol::AuditKind::kBridgeOutcome, at, IdOf(id), agency,
                                     protocol::EncodeBridgeOutcomeData(outcome)});
}

Bytes AuditKeeper::CodeAcknowledgement(ByteView id, const std::string& agency,
                                       const std::string& phone, UnixMillis at) const {
  return protocol::EncodeAuditEntry(
      {protocol::AuditKind::kCodeAcknowledgement, at, IdOf(id), agency, ToBytes(phone)});
}

Bytes AuditKeeper::Promise(protocol::AuditKind kind, const protocol::DirectiveId& directive_id,
                           const std::string& principal,
                           const store::LogPosition& position) const {
  return protocol::SignPromise({gateway_id_, kind, directive_id, principal, position.index,
                                position.at, ledger_.audit().tree().leaf(position.index)},
                               log_key_);
}

Result<Bytes> AuditKeeper::InclusionProof(const protocol::ProofRequest& request) const {
  const crypto::MerkleTree& tree = ledger_.audit().tree();
  if (request.tree_size > tree.size() || request.index >= request.tree_size) {
    return MakeError(ErrorCode::kNotFound,
                     "no entry " + std::to_string(request.index) + " in a log of size " +
                         std::to_string(request.tree_size) + " (the log holds " +
                         std::to_string(tree.size()) + ")");
  }
  protocol::InclusionProofMessage message{request.index, request.tree_size,
                                          tree.leaf(request.index),
                                          tree.InclusionProof(request.index, request.tree_size)};
  return protocol::EncodeUnsigned(protocol::MessageType::kInclusionProof,
                                  protocol::EncodeInclusionProof(message));
}

Status AuditKeeper::IndexLegacyConfirmations() {
  TOCSIN_ASSIGN_OR_RETURN(bool needed, ledger_.audit().HasUnindexedConfirmations());
  if (!needed) {
    return {};
  }
  using What = store::IndexedConfirmation::What;
  std::vector<store::IndexedConfirmation> found;
  constexpr std::uint64_t kChunk = 4096;
  for (std::uint64_t from = 0; from < ledger_.audit().size(); from += kChunk) {
    TOCSIN_ASSIGN_OR_RETURN(std::vector<Bytes> entries,
                            ledger_.audit().Entries(from, from + kChunk));
    for (std::size_t i = 0; i < entries.size(); ++i) {
      TOCSIN_ASSIGN_OR_RETURN(protocol::AuditEntry e, protocol::DecodeAuditEntry(entries[i]));
      if (!protocol::IsPromisedKind(e.kind)) {
        continue;
      }
      What what = e.kind == protocol::AuditKind::kDirectiveAccepted ? What::kDirective
                  : e.kind == protocol::AuditKind::kReceipt         ? What::kReceipt
                                                                    : What::kAcknowledgement;
      found.push_back({what, Bytes(e.directive_id->begin(), e.directive_id->end()), e.principal,
                       from + i});
    }
  }
  TOCSIN_RETURN_IF_ERROR(ledger_.audit().IndexConfirmations(found));
  spdlog::info("audit log: indexed {} confirmation(s) recorded before log promises",
               found.size());
  return {};
}

Status AuditKeeper::RecordPolicy(const Bytes& digest) {
  UnixMillis at = Now();
  Bytes entry = protocol::EncodeAuditEntry(
      {protocol::AuditKind::kPolicyChanged, at, std::nullopt, gateway_id_, digest});
  return ledger_.audit().Append(entry, at);
}

Status AuditKeeper::RecordCrl(const pki::CertificateVerifier& verifier) {
  if (recorded_crl_ == verifier.crl_number()) {
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(Bytes der, pki::CrlToDer(verifier.crl()));
  UnixMillis at = Now();
  Bytes entry = protocol::EncodeAuditEntry(
      {protocol::AuditKind::kCrlAdopted, at, std::nullopt, gateway_id_, std::move(der)});
  TOCSIN_RETURN_IF_ERROR(ledger_.audit().Append(entry, at));
  recorded_crl_ = verifier.crl_number();
  spdlog::info("audit log: CRL {} adopted (signature rule: {})", verifier.crl_number(),
               DescribeSignatureRule(verifier.signature_rule()));
  return {};
}

Status AuditKeeper::ObservePrincipals(const Registry& registry) {
  TOCSIN_ASSIGN_OR_RETURN(auto recorded, ledger_.registry().Principals());
  auto admitted = registry.Snapshot();
  UnixMillis at = Now();
  std::vector<store::PrincipalChange> changes;
  for (const auto& [id, principal] : admitted) {
    Bytes key(principal.signing_key.begin(), principal.signing_key.end());
    auto before = recorded.find(id);
    if (before == recorded.end() || !before->second.active || before->second.signing_key != key) {
      changes.push_back({id, key, true,
                         protocol::EncodeAuditEntry({protocol::AuditKind::kPrincipalEnrolled, at,
                                                     std::nullopt, id, key})});
    }
  }
  for (const auto& [id, before] : recorded) {
    if (before.active && admitted.find(id) == admitted.end()) {
      changes.push_back({id, before.signing_key, false,
                         protocol::EncodeAuditEntry({protocol::AuditKind::kPrincipalRevoked, at,
                                                     std::nullopt, id, before.signing_key})});
    }
  }
  if (!changes.empty()) {
    spdlog::info("audit log: recorded {} enrolment or revocation event(s)", changes.size());
  }
  return ledger_.registry().RecordChanges(changes, at);
}

Result<std::optional<std::uint64_t>> AuditKeeper::LostCheckpointRace(std::uint64_t signed_size) {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::StoredCheckpoint> stored,
                          ledger_.audit().LatestCheckpoint());
  const crypto::MerkleTree& tree = ledger_.audit().tree();
  auto refused = [&](const std::string& why) {
    return MakeError(ErrorCode::kInternal,
                     "audit log: the checkpoint of size " + std::to_string(signed_size) +
                         " lost its compare-and-swap, and the ledger's latest checkpoint " + why +
                         ": another writer, or a damaged ledger");
  };
  if (!stored) {
    return refused("is none");
  }
  if (stored->size < latest_size_) {
    return refused("(size " + std::to_string(stored->size) + ") is older than the one published (size " +
                   std::to_string(latest_size_) + ")");
  }
  if (stored->size > tree.size()) {
    return refused("(size " + std::to_string(stored->size) + ") covers entries this log of " +
                   std::to_string(tree.size()) + " does not hold");
  }
  Result<protocol::Checkpoint> checked =
      protocol::VerifyCheckpoint(stored->note, origin_, log_key_.public_key());
  if (!checked || checked->size != stored->size || checked->root != tree.RootAt(stored->size)) {
    return refused("(size " + std::to_string(stored->size) +
                   ") is not this log's, signed by its log key");
  }
  spdlog::warn("audit log: checkpoint of size {} not stored: the ledger's latest became size {} "
               "meanwhile; publishing that one", signed_size, stored->size);
  latest_size_ = stored->size;
  latest_note_ = stored->note;
  latest_signed_at_ = stored->signed_at;
  messages_.clear();
  return std::optional<std::uint64_t>(stored->size);
}

Result<std::optional<std::uint64_t>> AuditKeeper::Checkpoint() {
  if (latest_note_.empty()) {
    TOCSIN_ASSIGN_OR_RETURN(std::optional<store::StoredCheckpoint> stored,
                            ledger_.audit().LatestCheckpoint());
    if (stored) {
      latest_size_ = stored->size;
      latest_note_ = stored->note;
      latest_signed_at_ = stored->signed_at;
    }
  }
  std::uint64_t size = ledger_.audit().size();
  if (size == 0 || (size == latest_size_ && !latest_note_.empty())) {
    return std::optional<std::uint64_t>();
  }
  // Now(), not the clock: a checkpoint is never dated before an entry it covers.
  protocol::Checkpoint checkpoint{origin_, size, ledger_.audit().tree().Root(), Now()};
  std::string note = protocol::SignCheckpoint(checkpoint, log_key_);
  TOCSIN_ASSIGN_OR_RETURN(bool stored, ledger_.audit().AdvanceCheckpoint(
                                           {size, note, checkpoint.time}, latest_size_));
  if (!stored) {
    // Another checkpoint was stored since this keeper read the latest: the
    // deployment's is the one stored, never this one.
    return LostCheckpointRace(size);
  }
  if (!seal_path_.empty()) {  // durable before any agency sees the checkpoint
    TOCSIN_RETURN_IF_ERROR(WriteFileDurably(seal_path_, AsBytes(note), 0600, Overwrite::kYes));
  }
  latest_size_ = size;
  latest_note_ = std::move(note);
  latest_signed_at_ = checkpoint.time;
  messages_.clear();
  return std::optional<std::uint64_t>(size);
}

Status AuditKeeper::CheckSeal() const {
  if (seal_path_.empty()) {
    return {};
  }
  Result<Bytes> sealed = ReadFile(seal_path_, 16384);
  if (!sealed && sealed.error().code == ErrorCode::kNotFound) {
    if (ledger_.audit().size() > 0) {
      spdlog::warn("{} is missing: the next checkpoint writes it again", seal_path_);
    }
    return {};
  }
  TOCSIN_RETURN_IF_ERROR(sealed);
  Result<protocol::Checkpoint> last =
      protocol::VerifyCheckpoint(AsStringView(*sealed), origin_, log_key_.public_key());
  if (!last) {
    return WithContext(last.error(), seal_path_ + " is not a checkpoint signed by our log key");
  }
  const crypto::MerkleTree& tree = ledger_.audit().tree();
  if (tree.size() < last->size || tree.RootAt(last->size) != last->root) {
    return MakeError(ErrorCode::kIoError,
                     "the database holds " + std::to_string(tree.size()) +
                         " audit entries, but the checkpoint last signed (" + seal_path_ +
                         ", " + FormatUtc(last->time) + ") covers " + std::to_string(last->size) +
                         (tree.size() < last->size ? "" : " with another root") +
                         ": confirmed history is lost or changed (a torn WAL?). Restore a "
                         "database that holds it; only if none does, move " + seal_path_ +
                         " aside, knowing that agencies will raise AUDIT LOG ALARM for what was "
                         "lost");
  }
  return {};
}

Result<std::optional<Bytes>> AuditKeeper::MessageFor(std::uint64_t from_size) {
  if (latest_note_.empty()) {
    return std::optional<Bytes>();
  }
  auto cached = messages_.find(from_size);
  if (cached != messages_.end()) {
    return std::optional<Bytes>(cached->second);
  }
  protocol::CheckpointMessage message{latest_note_, from_size, {}};
  if (from_size > 0 && from_size < latest_size_) {
    message.proof = ledger_.audit().tree().ConsistencyProof(from_size, latest_size_);
  }
  Bytes wire = protocol::EncodeUnsigned(protocol::MessageType::kCheckpoint,
                                        protocol::EncodeCheckpointMessage(message));
  if (messages_.size() > 64) {
    messages_.clear();
  }
  messages_.emplace(from_size, wire);
  return std::optional<Bytes>(std::move(wire));
}

std::string AuditKeeper::CheckAgencyView(const protocol::Receipt& receipt) const {
  if (receipt.log_size == 0 || !receipt.log_root) {
    return {};
  }
  if (agreed_view_ && agreed_view_->first == receipt.log_size &&
      agreed_view_->second == *receipt.log_root) {
    return {};
  }
  const crypto::MerkleTree& tree = ledger_.audit().tree();
  if (receipt.log_size > tree.size()) {
    return "holds a checkpoint of size " + std::to_string(receipt.log_size) +
           ", beyond this log's " + std::to_string(tree.size());
  }
  if (tree.RootAt(receipt.log_size) != *receipt.log_root) {
    return "holds root " + HexEncode(*receipt.log_root).substr(0, 16) + "… at size " +
           std::to_string(receipt.log_size) + ", where this log has " +
           HexEncode(tree.RootAt(receipt.log_size)).substr(0, 16) + "…";
  }
  agreed_view_.emplace(receipt.log_size, *receipt.log_root);
  return {};
}

}  // namespace tocsin::gateway
