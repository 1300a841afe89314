#include "tools/audit/verifier.h"

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "crypto/base64.h"
#include "crypto/merkle.h"
#include "pki/certificate.h"
#include "pki/directory.h"
#include "protocol/directive.h"
#include "protocol/receipts.h"
#include "protocol/signature_check.h"
#include "tools/audit/bundle.h"
#include "tools/audit/rule_history.h"

namespace tocsin::tools::audit {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxPem = 1 << 16;

tl::unexpected<Error> Bad(const std::string& where, const std::string& why) {
  return MakeError(ErrorCode::kBadSignature, where + ": " + why);
}

std::string EntryWhere(std::uint64_t index) {
  return std::string(kEntriesFile) + " line " + std::to_string(index + 1) + " (entry " +
         std::to_string(index) + ")";
}

// Only the files an export writes may be there: anything else is unaccounted.
Status CheckFileSet(const std::string& bundle) {
  std::set<std::string> purposes;
  for (pki::Purpose p : pki::kKnownPurposes) {
    purposes.insert(std::string(pki::PurposeName(p)) + ".crt");
  }
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(bundle, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    fs::path relative = fs::relative(it->path(), bundle);
    std::vector<std::string> parts(relative.begin(), relative.end());
    bool folder = it->is_directory();
    bool known =
        (parts.size() == 1 && (parts[0] == kEntriesFile || parts[0] == kCheckpointsFile ||
                               (parts[0] == kDirectoryFolder && folder))) ||
        (parts.size() == 2 && parts[0] == kDirectoryFolder &&
         (parts[1] == "root.crt" || parts[1] == "crl.pem" || (parts[1] == "principals" && folder))) ||
        (parts.size() == 3 && parts[0] == kDirectoryFolder && parts[1] == "principals" &&
         folder) ||
        (parts.size() == 4 && parts[0] == kDirectoryFolder && parts[1] == "principals" &&
         purposes.count(parts[3]) == 1);
    if (!known || (!folder && !it->is_regular_file())) {
      return Bad(relative.string(), "not part of an audit bundle");
    }
  }
  if (error) {
    return MakeError(ErrorCode::kIoError, "reading " + bundle + ": " + error.message());
  }
  return {};
}

// A PEM file must be exactly the canonical PEM of what it decodes to, so that
// no byte of it can change unnoticed.
Result<crypto::X509Ptr> CanonicalCertificate(const std::string& path, const std::string& name) {
  TOCSIN_ASSIGN_OR_RETURN(Bytes pem, ReadFile(path, kMaxPem));
  Result<crypto::X509Ptr> certificate = pki::ParseCertificatePem(pem, name);
  if (!certificate) {
    return Bad(name, "not a certificate (" + certificate.error().context + ")");
  }
  TOCSIN_ASSIGN_OR_RETURN(std::string canonical, pki::CertificateToPem(certificate->get()));
  if (canonical != AsStringView(pem)) {
    return Bad(name, "not in canonical PEM form: altered");
  }
  return certificate;
}

Status CheckCrl(const std::string& bundle, X509* root) {
  std::string name = std::string(kDirectoryFolder) + "/crl.pem";
  TOCSIN_ASSIGN_OR_RETURN(Bytes pem, ReadFile(bundle + "/" + name, kMaxPem));
  Result<crypto::X509CrlPtr> crl = pki::ParseCrlPem(pem, name);
  if (!crl) {
    return Bad(name, "not a CRL (" + crl.error().context + ")");
  }
  TOCSIN_ASSIGN_OR_RETURN(std::string canonical, pki::CrlToPem(crl->get()));
  if (canonical != AsStringView(pem)) {
    return Bad(name, "not in canonical PEM form: altered");
  }
  if (X509_CRL_verify(crl->get(), X509_get0_pubkey(root)) != 1) {
    crypto::TakeOpenSslErrors();
    return Bad(name, "not signed by the trusted root");
  }
  return {};
}

// The bundle's root must be the trusted one; every certificate in it must
// verify under that root as of the start of its validity.
Result<pki::CertificateDirectory> CheckDirectory(const std::string& bundle,
                                                 const std::string& trusted_root) {
  TOCSIN_ASSIGN_OR_RETURN(Bytes trusted, ReadFile(trusted_root, kMaxPem));
  std::string root_name = std::string(kDirectoryFolder) + "/root.crt";
  TOCSIN_ASSIGN_OR_RETURN(Bytes shipped, ReadFile(bundle + "/" + root_name, kMaxPem));
  if (trusted != shipped) {
    return Bad(root_name, "differs from the trusted root " + trusted_root);
  }
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root, pki::ParseCertificatePem(trusted, trusted_root));
  TOCSIN_RETURN_IF_ERROR(CheckCrl(bundle, root.get()));
  Result<pki::CertificateDirectory> directory = pki::CertificateDirectory::Open(
      bundle + "/" + kDirectoryFolder, std::move(root), pki::Verification::kAsOf);
  if (!directory) {
    return Bad(std::string(kDirectoryFolder), directory.error().context);
  }
  for (const std::string& id : directory->PrincipalIds()) {
    for (pki::Purpose purpose : pki::kKnownPurposes) {
      std::string name = std::string(kDirectoryFolder) + "/principals/" + id + "/" +
                         std::string(pki::PurposeName(purpose)) + ".crt";
      if (!fs::exists(bundle + "/" + name)) {
        continue;
      }
      TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr cert, CanonicalCertificate(bundle + "/" + name, name));
      Result<UnixMillis> start = pki::Asn1TimeToMillis(X509_get0_notBefore(cert.get()));
      Result<pki::CertifiedKey> verified =
          start ? directory->verifier().VerifyAsOf(cert.get(), purpose, *start + 1000)
                : Result<pki::CertifiedKey>(tl::unexpected(start.error()));
      if (!verified || verified->principal_id != id) {
        return Bad(name, verified ? "issued to " + verified->principal_id
                                  : "does not verify under the trusted root: " +
                                        verified.error().context);
      }
    }
  }
  return directory;
}

// Parses one JSONL line and insists it is the canonical dump of its value.
Result<nlohmann::json> CanonicalJson(const BundleLine& line, const std::string& where) {
  nlohmann::json value = nlohmann::json::parse(line.text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    return Bad(where, "not a JSON object");
  }
  if (value.dump() != line.text) {
    return Bad(where, "not in canonical JSON form: altered");
  }
  return value;
}

Result<std::vector<Bytes>> ReadEntries(const std::string& bundle, crypto::MerkleTree& tree) {
  TOCSIN_ASSIGN_OR_RETURN(std::vector<BundleLine> lines, ReadLines(bundle, kEntriesFile));
  std::vector<Bytes> entries;
  entries.reserve(lines.size());
  for (const BundleLine& line : lines) {
    std::uint64_t index = line.number - 1;
    std::string where = EntryWhere(index);
    TOCSIN_ASSIGN_OR_RETURN(nlohmann::json value, CanonicalJson(line, where));
    if (value.size() != 3 || !value["index"].is_number_unsigned() ||
        value["index"].get<std::uint64_t>() != index || !value["entry"].is_string() ||
        !value["leaf_hash"].is_string()) {
      return Bad(where, "expected index " + std::to_string(index) + ", entry and leaf_hash");
    }
    std::optional<Bytes> entry = crypto::Base64Decode(value["entry"].get<std::string>());
    if (!entry) {
      return Bad(where, "entry is not base64");
    }
    crypto::Hash leaf = crypto::MerkleLeafHash(*entry);
    if (HexEncode(leaf) != value["leaf_hash"].get<std::string>()) {
      return Bad(where, "entry does not hash to its leaf_hash: one of them was altered");
    }
    tree.Append(leaf);
    entries.push_back(std::move(*entry));
  }
  return entries;
}

struct Checkpoints {
  std::string gateway;
  crypto::PublicKey log_key{};
  std::vector<protocol::Checkpoint> verified;
  std::vector<std::string> notes;
};

// The gateway is named by the checkpoints' origin, "<gateway>/audit".
Result<std::string> GatewayOf(const std::string& note, const std::string& where) {
  std::size_t newline = note.find('\n');
  std::string origin = note.substr(0, newline);
  constexpr std::string_view kSuffix = "/audit";
  if (newline == std::string::npos || !std::string_view(origin).ends_with(kSuffix)) {
    return Bad(where, "checkpoint origin is not '<gateway>/audit'");
  }
  return origin.substr(0, origin.size() - kSuffix.size());
}

Result<Checkpoints> ReadCheckpoints(const std::string& bundle, pki::CertificateDirectory& directory,
                                    const crypto::MerkleTree& tree,
                                    const std::vector<Bytes>& entries) {
  TOCSIN_ASSIGN_OR_RETURN(std::vector<BundleLine> lines, ReadLines(bundle, kCheckpointsFile));
  if (lines.empty()) {
    return Bad(kCheckpointsFile, "no checkpoint: nothing vouches for the entries");
  }
  Checkpoints out;
  for (const BundleLine& line : lines) {
    std::string where = std::string(kCheckpointsFile) + " line " + std::to_string(line.number);
    TOCSIN_ASSIGN_OR_RETURN(nlohmann::json value, CanonicalJson(line, where));
    if (value.size() != 2 || !value["note"].is_string() || !value["size"].is_number_unsigned()) {
      return Bad(where, "expected note and size");
    }
    std::string note = value["note"].get<std::string>();
    TOCSIN_ASSIGN_OR_RETURN(std::string gateway, GatewayOf(note, where));
    if (out.gateway.empty()) {
      out.gateway = gateway;
    } else if (gateway != out.gateway) {
      return Bad(where, "checkpoint of another log (" + gateway + ")");
    }
    // CheckDirectory verified this certificate under the root; whether it was
    // valid when the checkpoint was signed is checked once its time is known.
    Result<crypto::X509Ptr> log_cert = pki::LoadCertificate(
        bundle + "/" + kDirectoryFolder + "/principals/" + gateway + "/log.crt");
    if (!log_cert) {
      return Bad(where, "no log certificate for gateway " + gateway);
    }
    TOCSIN_ASSIGN_OR_RETURN(pki::CertifiedKey claimed, pki::ReadCertifiedKey(log_cert->get()));
    Result<protocol::Checkpoint> checkpoint =
        protocol::VerifyCheckpoint(note, protocol::AuditOrigin(gateway), claimed.public_key);
    if (!checkpoint) {
      return Bad(where, checkpoint.error().context);
    }
    out.log_key = claimed.public_key;
    Result<pki::CertifiedKey> valid_then =
        directory.Resolve(gateway, pki::Purpose::kLog, checkpoint->time);
    if (!valid_then) {
      return Bad(where, "log certificate not valid when the checkpoint was signed: " +
                            valid_then.error().context);
    }
    if (checkpoint->size != value["size"].get<std::uint64_t>()) {
      return Bad(where, "size field differs from the signed size");
    }
    if (!out.verified.empty() && (checkpoint->size < out.verified.back().size ||
                                  checkpoint->time < out.verified.back().time)) {
      return Bad(where, "checkpoints out of order: the log shrank or time ran backwards");
    }
    if (checkpoint->size > tree.size()) {
      return Bad(where, "checkpoint covers " + std::to_string(checkpoint->size) +
                            " entries; the bundle has " + std::to_string(tree.size()));
    }
    if (checkpoint->root != tree.RootAt(checkpoint->size)) {
      return Bad(where, "the entries do not hash to the signed root of size " +
                            std::to_string(checkpoint->size));
    }
    for (std::uint64_t i = out.verified.empty() ? 0 : out.verified.back().size;
         i < checkpoint->size; ++i) {
      Result<protocol::AuditEntry> entry = protocol::DecodeAuditEntry(entries[i]);
      if (entry && entry->at > checkpoint->time) {
        return Bad(EntryWhere(i), "recorded after the checkpoint that covers it");
      }
    }
    out.verified.push_back(*checkpoint);
    out.notes.push_back(std::move(note));
  }
  if (out.verified.back().size != tree.size()) {
    return Bad(kEntriesFile, std::to_string(tree.size() - out.verified.back().size) +
                                 " entries after the last checkpoint: unverifiable");
  }
  return out;
}

// Replays the delivery state machine of every directive, in log order.
class Replay {
 public:
  Replay(pki::CertificateDirectory& directory, std::string gateway, const crypto::MerkleTree& tree)
      : directory_(directory), gateway_(std::move(gateway)), tree_(tree) {}

  Status Apply(std::uint64_t index, ByteView bytes) {
    std::string where = EntryWhere(index);
    Result<protocol::AuditEntry> entry = protocol::DecodeAuditEntry(bytes);
    if (!entry) {
      return Bad(where, entry.error().context);
    }
    if (entry->at < last_at_) {
      return Bad(where, "recorded at " + FormatUtc(entry->at) + ", before the entry above it");
    }
    last_at_ = entry->at;
    Status applied = Dispatch(index, *entry);
    if (!applied) {
      return Bad(where, std::string(protocol::AuditKindName(entry->kind)) + ": " +
                            applied.error().context);
    }
    return {};
  }

  std::vector<DirectiveRecord> TakeDirectives() { return std::move(directives_); }
  std::vector<PrincipalEvent> TakePrincipals() { return std::move(principals_); }
  std::vector<PolicyEvent> TakePolicies() { return std::move(policies_); }

 private:
  Status Dispatch(std::uint64_t index, const protocol::AuditEntry& e) {
    switch (e.kind) {
      case protocol::AuditKind::kDirectiveAccepted: return Accepted(index, e);
      case protocol::AuditKind::kSent: return Sent(e);
      case protocol::AuditKind::kReceipt:
      case protocol::AuditKind::kAcknowledgement: return Evidence(index, e);
      case protocol::AuditKind::kPrincipalEnrolled:
      case protocol::AuditKind::kPrincipalRevoked:
        principals_.push_back(
            {index, e.at, e.principal, e.kind == protocol::AuditKind::kPrincipalEnrolled});
        return {};
      case protocol::AuditKind::kCodeAcknowledgement: return CodeAcknowledgement(e);
      case protocol::AuditKind::kEscalation: return Escalation(index, e);
      case protocol::AuditKind::kBridgeOutcome: return BridgeOutcome(index, e);
      case protocol::AuditKind::kRefusal: return Refusal(index, e);
      case protocol::AuditKind::kPolicyChanged:
        policies_.push_back({index, e.at, HexEncode(e.data)});
        return {};
      case protocol::AuditKind::kCrlAdopted: return AdoptCrl(e);
    }
    return MakeError(ErrorCode::kMalformedMessage, "unknown kind");
  }

  Status Accepted(std::uint64_t index, const protocol::AuditEntry& e) {
    TOCSIN_ASSIGN_OR_RETURN(protocol::VerifiedDirective d,
                            protocol::VerifyDirective(e.data, directory_, {gateway_, e.at, 1}));
    if (!d.complete()) {
      return MakeError(ErrorCode::kMalformedMessage, "directive logged without every recipient");
    }
    if (d.header.id != *e.directive_id || d.header.issuer != e.principal) {
      return MakeError(ErrorCode::kMalformedMessage, "entry names another directive or issuer");
    }
    if (by_id_.count(d.header.id) != 0) {
      return MakeError(ErrorCode::kMalformedMessage, "directive accepted twice");
    }
    std::optional<protocol::FollowedDirective> original;
    if (d.header.references) {
      auto followed = by_id_.find(*d.header.references);
      if (followed == by_id_.end()) {
        return MakeError(ErrorCode::kNotFound, "references a directive the log never accepted");
      }
      const DirectiveRecord& was = directives_[followed->second];
      original = protocol::FollowedOf(was.header, was.signers);
    }
    // The rule of the CRL the gateway last adopted before it (docs/audit.md):
    // a directive accepted with fewer signatures is a breach of it.
    TOCSIN_RETURN_IF_ERROR(protocol::CheckSignatureRule(rules_.InForce(), d.header,
                                                        d.distinct_signers, original));
    DirectiveRecord record{d.header, d.signers, d.digest, e.at, index, {}};
    for (const protocol::RecipientWrap& r : d.recipients.entries) {
      record.deliveries[r.agency].agency = r.agency;
    }
    by_id_[d.header.id] = directives_.size();
    directives_.push_back(std::move(record));
    return {};
  }

  Status AdoptCrl(const protocol::AuditEntry& e) {
    if (e.principal != gateway_) {
      return MakeError(ErrorCode::kMalformedMessage, "a CRL adopted by another gateway");
    }
    return rules_.Adopt(e.data, directory_.verifier().root());
  }

  Result<DeliveryRecord*> Delivery(const protocol::DirectiveId& id, const std::string& agency) {
    auto found = by_id_.find(id);
    if (found == by_id_.end()) {
      return MakeError(ErrorCode::kNotFound, "for a directive not accepted before it");
    }
    DirectiveRecord& directive = directives_[found->second];
    auto delivery = directive.deliveries.find(agency);
    if (delivery == directive.deliveries.end()) {
      return MakeError(ErrorCode::kPermissionDenied, agency + " is not a recipient");
    }
    return &delivery->second;
  }

  Status CodeAcknowledgement(const protocol::AuditEntry& e) {
    TOCSIN_ASSIGN_OR_RETURN(DeliveryRecord * d, Delivery(*e.directive_id, e.principal));
    if (d->acknowledged_at) {
      return MakeError(ErrorCode::kMalformedMessage, "acknowledged twice");
    }
    d->acknowledged_at = e.at;
    d->acknowledged_by_code = true;
    d->officer = "SMS code from " + std::string(AsStringView(e.data));
    return {};
  }

  Status Escalation(std::uint64_t index, const protocol::AuditEntry& e) {
    TOCSIN_ASSIGN_OR_RETURN(protocol::EscalationData step, protocol::DecodeEscalationData(e.data));
    TOCSIN_ASSIGN_OR_RETURN(DeliveryRecord * d, Delivery(*e.directive_id, e.principal));
    if (d->acknowledged_at && !d->acknowledged_by_code) {
      return MakeError(ErrorCode::kMalformedMessage, "escalated after a signed acknowledgement");
    }
    d->escalations.push_back({index, e.at,
                              "step " + std::to_string(step.step + 1) + " " + step.action +
                                  (step.repeat > 0 ? " #" + std::to_string(step.repeat + 1) : "") +
                                  ": " + step.outcome});
    return {};
  }

  Status BridgeOutcome(std::uint64_t index, const protocol::AuditEntry& e) {
    TOCSIN_ASSIGN_OR_RETURN(protocol::BridgeOutcomeData outcome,
                            protocol::DecodeBridgeOutcomeData(e.data));
    TOCSIN_ASSIGN_OR_RETURN(DeliveryRecord * d, Delivery(*e.directive_id, e.principal));
    d->escalations.push_back({index, e.at,
                              outcome.channel + " " + outcome.address + ": " + outcome.outcome +
                                  (outcome.detail.empty() ? "" : " (" + outcome.detail + ")")});
    return {};
  }

  // The agency signed the checkpoint it held: it must be this log's, and
  // older than the entry recording the signature. Anything else proves the
  // agency was shown another log (protocol.md 7).
  Status CheckView(std::uint64_t index, const protocol::Receipt& r) const {
    if (r.log_size == 0) {
      return {};
    }
    if (r.log_size > index) {
      return MakeError(ErrorCode::kBadSignature,
                       "SPLIT VIEW: " + r.agency + " signed that it held a checkpoint of size " +
                           std::to_string(r.log_size) + ", but this entry is number " +
                           std::to_string(index) + ": it was shown another log");
    }
    if (tree_.RootAt(r.log_size) != *r.log_root) {
      return MakeError(ErrorCode::kBadSignature,
                       "SPLIT VIEW: " + r.agency + " signed that the log's root at size " +
                           std::to_string(r.log_size) + " was " + HexEncode(*r.log_root) +
                           "; this log's is " + HexEncode(tree_.RootAt(r.log_size)) +
                           ": it was shown another log");
    }
    return {};
  }

  // A refusal is the agency's signed word that a copy did not verify: it
  // names what it received (a digest of that copy), not the directive.
  Status Refusal(std::uint64_t index, const protocol::AuditEntry& e) {
    TOCSIN_ASSIGN_OR_RETURN(protocol::Receipt r,
                            protocol::VerifyReceipt(e.data, directory_, e.at, gateway_));
    if (r.kind != protocol::ReceiptKind::kRefused || r.agency != e.principal ||
        r.directive_id != *e.directive_id) {
      return MakeError(ErrorCode::kMalformedMessage, "entry and signed refusal disagree");
    }
    TOCSIN_ASSIGN_OR_RETURN(DeliveryRecord * d, Delivery(r.directive_id, r.agency));
    TOCSIN_RETURN_IF_ERROR(CheckView(index, r));
    if (d->refusal_index) {
      return MakeError(ErrorCode::kMalformedMessage, "refused twice");
    }
    if (!d->sent_at) {
      return MakeError(ErrorCode::kMalformedMessage, "refused a copy the log never sent");
    }
    d->refused_at = r.at;
    d->refusal_reason = std::string(protocol::RefusalReasonName(r.reason));
    d->refusal_index = index;
    return {};
  }

  Status Sent(const protocol::AuditEntry& e) {
    TOCSIN_ASSIGN_OR_RETURN(DeliveryRecord * d, Delivery(*e.directive_id, e.principal));
    if (d->sent_at || d->delivered_at || d->acknowledged_at) {
      return MakeError(ErrorCode::kMalformedMessage, "sent to " + e.principal + " twice, or after delivery");
    }
    d->sent_at = e.at;
    return {};
  }

  Status Evidence(std::uint64_t index, const protocol::AuditEntry& e) {
    TOCSIN_ASSIGN_OR_RETURN(protocol::Receipt r,
                            protocol::VerifyReceipt(e.data, directory_, e.at, gateway_));
    bool ack = e.kind == protocol::AuditKind::kAcknowledgement;
    if (protocol::AuditKindOf(r.kind) != e.kind || r.agency != e.principal ||
        r.directive_id != *e.directive_id) {
      return MakeError(ErrorCode::kMalformedMessage, "entry and signed evidence disagree");
    }
    TOCSIN_ASSIGN_OR_RETURN(DeliveryRecord * d, Delivery(r.directive_id, r.agency));
    const DirectiveRecord& directive = directives_[by_id_[r.directive_id]];
    if (r.directive_digest != directive.digest) {
      return MakeError(ErrorCode::kBadSignature, "signed for another version of the directive");
    }
    TOCSIN_RETURN_IF_ERROR(CheckView(index, r));
    if (ack) {
      if (d->ack_index) {
        return MakeError(ErrorCode::kMalformedMessage, "acknowledged twice");
      }
      d->acknowledged_at = e.at;
      d->ack_signed_at = r.at;
      d->officer = r.officer;
      d->note = r.note;
      d->ack_index = index;
    } else {
      if (d->receipt_index) {
        return MakeError(ErrorCode::kMalformedMessage, "receipted twice");
      }
      d->receipt_index = index;
    }
    if (!d->delivered_at) {
      d->delivered_at = e.at;  // an acknowledgement also proves delivery
    }
    return {};
  }

  pki::CertificateDirectory& directory_;
  std::string gateway_;
  RuleHistory rules_;
  const crypto::MerkleTree& tree_;  // every entry of the bundle
  UnixMillis last_at_ = 0;
  std::vector<DirectiveRecord> directives_;
  std::map<protocol::DirectiveId, std::size_t> by_id_;
  std::vector<PrincipalEvent> principals_;
  std::vector<PolicyEvent> policies_;
};

}  // namespace

Result<VerifiedLog> VerifyBundle(const std::string& bundle, const std::string& trusted_root) {
  if (!fs::is_directory(bundle)) {
    return MakeError(ErrorCode::kNotFound, bundle + " is not an audit bundle folder");
  }
  TOCSIN_RETURN_IF_ERROR(CheckFileSet(bundle));
  TOCSIN_ASSIGN_OR_RETURN(pki::CertificateDirectory directory, CheckDirectory(bundle, trusted_root));
  crypto::MerkleTree tree;
  VerifiedLog log;
  TOCSIN_ASSIGN_OR_RETURN(log.entries, ReadEntries(bundle, tree));
  TOCSIN_ASSIGN_OR_RETURN(Checkpoints checkpoints,
                          ReadCheckpoints(bundle, directory, tree, log.entries));
  log.gateway = checkpoints.gateway;
  log.log_key = checkpoints.log_key;
  log.checkpoints = std::move(checkpoints.verified);
  log.notes = std::move(checkpoints.notes);
  Replay replay(directory, log.gateway, tree);
  for (std::uint64_t i = 0; i < log.entries.size(); ++i) {
    TOCSIN_RETURN_IF_ERROR(replay.Apply(i, log.entries[i]));
  }
  log.directives = replay.TakeDirectives();
  log.principals = replay.TakePrincipals();
  log.policies = replay.TakePolicies();
  for (DirectiveRecord& d : log.directives) {
    for (auto& [agency, delivery] : d.deliveries) {
      Result<pki::CertifiedKey> key = directory.Resolve(agency, pki::Purpose::kSigning,
                                                        d.accepted_at);
      delivery.sector = key && key->sector ? *key->sector : "";
    }
  }
  return log;
}

Result<const DirectiveRecord*> FindDirective(const VerifiedLog& log, std::string_view reference) {
  const DirectiveRecord* found = nullptr;
  for (const DirectiveRecord& d : log.directives) {
    if (!reference.empty() && HexEncode(d.header.id).starts_with(reference)) {
      if (found != nullptr) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "directive prefix " + std::string(reference) +
                             " is ambiguous: give more hex digits");
      }
      found = &d;
    }
  }
  if (found == nullptr) {
    return MakeError(ErrorCode::kNotFound,
                     "no directive " + std::string(reference) + " in the log");
  }
  return found;
}

}  // namespace tocsin::tools::audit
