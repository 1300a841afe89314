#include "pki/verifier.h"

#include "pki/cert_builder.h"
#include "pki/certificate.h"
#include "pki/crl_signature_rule.h"

namespace tocsin::pki {
namespace {

using crypto::TakeOpenSslErrors;

constexpr unsigned long kCurrentFlags =
    X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL | X509_V_FLAG_X509_STRICT;

std::string SubjectName(const CertifiedKey* subject) {
  return subject ? "certificate of " + subject->principal_id + " (" +
                       std::string(PurposeName(subject->purpose)) + ")"
                 : "certificate";
}

tl::unexpected<Error> ChainError(int error, const std::string& who) {
  std::string why = X509_verify_cert_error_string(error);
  switch (error) {
    case X509_V_ERR_CERT_REVOKED:
      return MakeError(ErrorCode::kRevoked, who + " is revoked");
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return MakeError(ErrorCode::kExpired, who + ": " + why);
    default:
      return MakeError(ErrorCode::kUntrustedCertificate, who + ": " + why);
  }
}

Status CheckKeyUsage(X509* leaf, Purpose purpose) {
  if (X509_check_ca(leaf) != 0) {
    return MakeError(ErrorCode::kUntrustedCertificate,
                     "a CA certificate cannot be a principal's certificate");
  }
  if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) == 0) {
    return MakeError(ErrorCode::kUntrustedCertificate,
                     "certificate has no key usage extension");
  }
  std::uint32_t wanted = SignsWith(purpose) ? KU_DIGITAL_SIGNATURE : KU_KEY_AGREEMENT;
  if (X509_get_key_usage(leaf) != wanted) {
    return MakeError(ErrorCode::kUntrustedCertificate,
                     std::string(PurposeName(purpose)) +
                         " certificate must have key usage " +
                         (SignsWith(purpose) ? "digitalSignature" : "keyAgreement") +
                         " and nothing else");
  }
  return {};
}

}  // namespace

Result<CertificateVerifier> CertificateVerifier::Create(crypto::X509Ptr root,
                                                        crypto::X509CrlPtr crl) {
  if (!root || !crl) {
    return MakeError(ErrorCode::kUntrustedCertificate,
                     "a root certificate and a CRL are both required");
  }
  if (X509_check_ca(root.get()) != 1 ||
      X509_check_issued(root.get(), root.get()) != X509_V_OK) {
    return MakeError(ErrorCode::kUntrustedCertificate,
                     "the root certificate is not a self-signed CA");
  }
  if (X509_CRL_verify(crl.get(), X509_get0_pubkey(root.get())) != 1) {
    return MakeError(ErrorCode::kUntrustedCertificate,
                     "the CRL is not signed by the root (" + TakeOpenSslErrors() + ")");
  }
  Result<SignatureRule> rule = ReadSignatureRule(crl.get());
  if (!rule) {
    return MakeError(ErrorCode::kUntrustedCertificate, "the CRL is unusable: " + rule.error().context);
  }
  crypto::X509StorePtr store(X509_STORE_new());
  if (!store || X509_STORE_add_cert(store.get(), root.get()) != 1 ||
      X509_STORE_add_crl(store.get(), crl.get()) != 1) {
    return MakeError(ErrorCode::kInternal,
                     "cannot build the trust store: " + TakeOpenSslErrors());
  }
  long number = ReadCrlNumber(crl.get());
  return CertificateVerifier(std::move(root), std::move(crl), std::move(store), *rule, number);
}

Result<CertificateVerifier> CertificateVerifier::Load(const std::string& root_path,
                                                      const std::string& crl_path) {
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root, LoadCertificate(root_path));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509CrlPtr crl, LoadCrl(crl_path));
  return Create(std::move(root), std::move(crl));
}

Result<CertifiedKey> CertificateVerifier::Verify(X509* leaf, Purpose purpose,
                                                 UnixMillis at) const {
  return VerifyChain(leaf, purpose, at, kCurrentFlags);
}

Result<FreshnessSigner> CertificateVerifier::VerifyFreshnessSigner(X509* leaf,
                                                                   UnixMillis at) const {
  TOCSIN_RETURN_IF_ERROR(VerifyPath(leaf, at, kCurrentFlags, "CRL freshness signer certificate"));
  TOCSIN_RETURN_IF_ERROR(CheckKeyUsage(leaf, Purpose::kCrlFreshness));
  return ReadFreshnessSigner(leaf);
}

Status CertificateVerifier::VerifyPath(X509* leaf, UnixMillis at, unsigned long flags,
                                       const std::string& who) const {
  crypto::X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!context ||
      X509_STORE_CTX_init(context.get(), store_.get(), leaf, nullptr) != 1) {
    return MakeError(ErrorCode::kInternal, "X509_STORE_CTX_init failed");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  X509_VERIFY_PARAM_set_flags(param, flags);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at / 1000));
  if (X509_verify_cert(context.get()) != 1) {
    int error = X509_STORE_CTX_get_error(context.get());
    TakeOpenSslErrors();  // the store context holds the reason; clear the queue
    return ChainError(error, who);
  }
  return {};
}

Result<CertifiedKey> CertificateVerifier::VerifyAsOf(X509* leaf, Purpose purpose,
                                                     UnixMillis at) const {
  TOCSIN_ASSIGN_OR_RETURN(CertifiedKey key,
                          VerifyChain(leaf, purpose, at, X509_V_FLAG_X509_STRICT));
  X509_REVOKED* revoked = nullptr;
  if (X509_CRL_get0_by_serial(crl_.get(), &revoked, X509_get0_serialNumber(leaf)) == 1 &&
      revoked != nullptr) {
    const ASN1_TIME* revoked_at = X509_REVOKED_get0_revocationDate(revoked);
    crypto::Asn1TimePtr signed_at(ASN1_TIME_set(nullptr, static_cast<time_t>(at / 1000)));
    int days = 0;
    int seconds = 0;  // signed_at - revoked_at, as days and seconds of one sign
    bool before_revocation = signed_at &&
                             ASN1_TIME_diff(&days, &seconds, revoked_at, signed_at.get()) == 1 &&
                             (days < 0 || seconds < 0);
    if (!before_revocation) {
      return MakeError(ErrorCode::kRevoked, "certificate of " + key.principal_id + " (" +
                                                std::string(PurposeName(purpose)) +
                                                ") was revoked before " + FormatUtc(at));
    }
  }
  return key;
}

Result<CertifiedKey> CertificateVerifier::VerifyChain(X509* leaf, Purpose purpose, UnixMillis at,
                                                      unsigned long flags) const {
  // Parse first only to name the subject in errors; nothing is trusted yet.
  Result<CertifiedKey> claimed = ReadCertifiedKey(leaf);
  TOCSIN_RETURN_IF_ERROR(VerifyPath(leaf, at, flags, SubjectName(claimed ? &*claimed : nullptr)));
  TOCSIN_RETURN_IF_ERROR(CheckKeyUsage(leaf, purpose));
  if (!claimed) {
    return tl::unexpected(claimed.error());
  }
  if (claimed->purpose != purpose) {
    return MakeError(ErrorCode::kUntrustedCertificate,
                     "certificate of " + claimed->principal_id + " is for " +
                         std::string(PurposeName(claimed->purpose)) + ", not " +
                         std::string(PurposeName(purpose)));
  }
  if (purpose == Purpose::kLog && claimed->role != Role::kGateway) {
    return MakeError(ErrorCode::kUntrustedCertificate,
                     "log certificate of " + claimed->principal_id + " is not a gateway's");
  }
  return claimed;
}

bool CertificateVerifier::IsRevoked(const std::string& serial_hex) const {
  return CrlListsSerial(crl_.get(), serial_hex);
}

}  // namespace tocsin::pki
