#include "tools/audit/proof.h"

#include "common/file_util.h"
#include "crypto/base64.h"
#include "crypto/key_resolver.h"
#include "crypto/merkle.h"
#include "pki/certificate.h"
#include "pki/verifier.h"
#include "protocol/receipts.h"
#include "tools/audit/bundle.h"

namespace tocsin::tools::audit {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxPem = 1 << 16;

// Resolves exactly one signer, whose certificate the caller has verified.
class OneSigner final : public crypto::KeyResolver {
 public:
  explicit OneSigner(pki::CertifiedKey key) : key_(std::move(key)) {}
  Result<crypto::ResolvedSigner> ResolveSigner(std::string_view id, UnixMillis) override {
    if (id != key_.principal_id) {
      return MakeError(ErrorCode::kNotFound, "the proof carries no certificate for " + std::string(id));
    }
    return crypto::ResolvedSigner{key_.public_key, key_.role};
  }

 private:
  pki::CertifiedKey key_;
};

Result<std::string> ReadText(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, kMaxPem));
  return std::string(AsStringView(bytes));
}

tl::unexpected<Error> Invalid(const std::string& why) {
  return MakeError(ErrorCode::kBadSignature, "proof: " + why);
}

Result<std::string> Field(const json& proof, const char* name) {
  if (!proof.contains(name) || !proof[name].is_string()) {
    return Invalid(std::string("missing ") + name);
  }
  return proof[name].get<std::string>();
}

}  // namespace

Result<json> ProveEvidence(const VerifiedLog& log, const std::string& bundle_dir,
                           std::string_view directive, std::string_view agency,
                           bool acknowledgement) {
  TOCSIN_ASSIGN_OR_RETURN(const DirectiveRecord* found, FindDirective(log, directive));
  auto delivery = found->deliveries.find(std::string(agency));
  std::optional<std::uint64_t> index;
  if (delivery != found->deliveries.end()) {
    index = acknowledgement ? delivery->second.ack_index : delivery->second.receipt_index;
  }
  if (!index) {
    return MakeError(ErrorCode::kNotFound, "the log holds no " +
                                               std::string(acknowledgement ? "acknowledgement"
                                                                           : "receipt") +
                                               " from " + std::string(agency) + " for it");
  }
  crypto::MerkleTree tree;
  for (const Bytes& entry : log.entries) {
    tree.Append(crypto::MerkleLeafHash(entry));
  }
  const protocol::Checkpoint& checkpoint = log.checkpoints.back();
  json path = json::array();
  for (const crypto::Hash& hash : tree.InclusionProof(*index, checkpoint.size)) {
    path.push_back(HexEncode(hash));
  }
  std::string directory = bundle_dir + "/" + kDirectoryFolder;
  TOCSIN_ASSIGN_OR_RETURN(std::string log_cert,
                          ReadText(directory + "/principals/" + log.gateway + "/log.crt"));
  TOCSIN_ASSIGN_OR_RETURN(std::string signer_cert,
                          ReadText(directory + "/principals/" + std::string(agency) + "/signing.crt"));
  TOCSIN_ASSIGN_OR_RETURN(std::string crl, ReadText(directory + "/crl.pem"));
  return json{{"gateway", log.gateway},
              {"entry", crypto::Base64Encode(log.entries[*index])},
              {"index", *index},
              {"tree_size", checkpoint.size},
              {"inclusion_proof", path},
              {"checkpoint", log.notes.back()},
              {"log_certificate", log_cert},
              {"signer_certificate", signer_cert},
              {"crl", crl}};
}

Result<std::string> CheckProof(const json& proof, const std::string& trusted_root) {
  TOCSIN_ASSIGN_OR_RETURN(std::string gateway, Field(proof, "gateway"));
  TOCSIN_ASSIGN_OR_RETURN(std::string entry_text, Field(proof, "entry"));
  TOCSIN_ASSIGN_OR_RETURN(std::string note, Field(proof, "checkpoint"));
  TOCSIN_ASSIGN_OR_RETURN(std::string log_pem, Field(proof, "log_certificate"));
  TOCSIN_ASSIGN_OR_RETURN(std::string signer_pem, Field(proof, "signer_certificate"));
  TOCSIN_ASSIGN_OR_RETURN(std::string crl_pem, Field(proof, "crl"));
  if (!proof.contains("index") || !proof["index"].is_number_unsigned() ||
      !proof.contains("tree_size") || !proof["tree_size"].is_number_unsigned() ||
      !proof.contains("inclusion_proof") || !proof["inclusion_proof"].is_array()) {
    return Invalid("missing index, tree_size or inclusion_proof");
  }
  std::uint64_t index = proof["index"].get<std::uint64_t>();
  std::uint64_t size = proof["tree_size"].get<std::uint64_t>();
  std::vector<crypto::Hash> path;
  for (const json& element : proof["inclusion_proof"]) {
    Result<Bytes> hash = element.is_string() ? HexDecode(element.get<std::string>())
                                             : Result<Bytes>(Invalid("bad hash"));
    if (!hash || hash->size() != crypto::kDigestSize) {
      return Invalid("an inclusion proof element is not a 32-byte hex hash");
    }
    crypto::Hash h{};
    std::copy(hash->begin(), hash->end(), h.begin());
    path.push_back(h);
  }
  std::optional<Bytes> entry = crypto::Base64Decode(entry_text);
  if (!entry) {
    return Invalid("entry is not base64");
  }

  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root, pki::LoadCertificate(trusted_root));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509CrlPtr crl, pki::ParseCrlPem(AsBytes(crl_pem), "proof crl"));
  TOCSIN_ASSIGN_OR_RETURN(pki::CertificateVerifier verifier,
                          pki::CertificateVerifier::Create(std::move(root), std::move(crl)));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr log_cert,
                          pki::ParseCertificatePem(AsBytes(log_pem), "proof log certificate"));
  TOCSIN_ASSIGN_OR_RETURN(pki::CertifiedKey log_claimed, pki::ReadCertifiedKey(log_cert.get()));
  Result<protocol::Checkpoint> checkpoint =
      protocol::VerifyCheckpoint(note, protocol::AuditOrigin(gateway), log_claimed.public_key);
  if (!checkpoint) {
    return Invalid(checkpoint.error().context);
  }
  TOCSIN_ASSIGN_OR_RETURN(pki::CertifiedKey log_key,
                          verifier.VerifyAsOf(log_cert.get(), pki::Purpose::kLog, checkpoint->time));
  if (log_key.principal_id != gateway || checkpoint->size != size) {
    return Invalid("checkpoint is not the gateway's, or not of size " + std::to_string(size));
  }
  Status included = crypto::VerifyInclusion(index, size, crypto::MerkleLeafHash(*entry), path,
                                            checkpoint->root);
  if (!included) {
    return Invalid(included.error().context);
  }
  TOCSIN_ASSIGN_OR_RETURN(protocol::AuditEntry audit, protocol::DecodeAuditEntry(*entry));
  if (audit.kind != protocol::AuditKind::kReceipt &&
      audit.kind != protocol::AuditKind::kAcknowledgement) {
    return Invalid("the entry is not a receipt or an acknowledgement");
  }
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr signer_cert,
                          pki::ParseCertificatePem(AsBytes(signer_pem), "proof signer certificate"));
  TOCSIN_ASSIGN_OR_RETURN(pki::CertifiedKey signer,
                          verifier.VerifyAsOf(signer_cert.get(), pki::Purpose::kSigning, audit.at));
  OneSigner resolver(signer);
  TOCSIN_ASSIGN_OR_RETURN(protocol::Receipt receipt,
                          protocol::VerifyReceipt(audit.data, resolver, audit.at, gateway));
  if (protocol::AuditKindOf(receipt.kind) != audit.kind) {
    return Invalid("the entry's kind is not what its evidence is (a refusal is no receipt)");
  }
  std::string what = receipt.kind == protocol::ReceiptKind::kAcknowledged
                         ? "acknowledgement by " + receipt.officer + " of "
                         : "delivery receipt of ";
  return what + receipt.agency + " for directive " + HexEncode(receipt.directive_id) +
         ", signed " + FormatUtc(receipt.at) + " and recorded " + FormatUtc(audit.at) +
         ", is entry " + std::to_string(index) + " of the audit log of " + gateway +
         ", proven against its checkpoint of size " + std::to_string(size) + " signed " +
         FormatUtc(checkpoint->time);
}

}  // namespace tocsin::tools::audit
