#include "tools/audit/rule_history.h"

#include "pki/certificate.h"
#include "pki/verifier.h"

namespace tocsin::tools::audit {

Status RuleHistory::Adopt(ByteView der, X509* root) {
  Result<crypto::X509CrlPtr> crl = pki::ParseCrlDer(der, "the adopted CRL");
  if (!crl) {
    return MakeError(ErrorCode::kMalformedMessage, crl.error().context);
  }
  Result<pki::CertificateVerifier> verifier =
      pki::CertificateVerifier::Create(crypto::X509Ptr(X509_dup(root)), std::move(*crl));
  if (!verifier) {
    return MakeError(ErrorCode::kBadSignature, "the adopted CRL: " + verifier.error().context);
  }
  if (number_ && verifier->crl_number() < *number_) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "CRL " + std::to_string(verifier->crl_number()) + " adopted after CRL " +
                         std::to_string(*number_) + ": the gateway went back to an older CRL");
  }
  number_ = verifier->crl_number();
  rule_ = verifier->signature_rule();
  return {};
}

}  // namespace tocsin::tools::audit
