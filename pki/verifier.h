// pki/verifier.h -- the one place a certificate becomes trusted.
//
// A certificate is accepted only when X509_verify_cert() returns exactly 1
// against the Tocsin root alone (never a partial chain), with the CRL checked
// for every certificate of the chain, X509 strict mode, and an explicit
// verification time; then its key usage, extended key usage, key type and
// subject are checked in code (SECURITY.md, items 21 and 22).
#pragma once

#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "common/signature_rule.h"
#include "crypto/openssl_util.h"
#include "pki/identity.h"

namespace tocsin::pki {

class CertificateVerifier {
 public:
  // Takes the root certificate and the CRL it signed. Fails with
  // kUntrustedCertificate when the root is not a self-signed CA or the CRL's
  // signature does not verify under it. A CRL is mandatory: without one,
  // verification fails closed.
  static Result<CertificateVerifier> Create(crypto::X509Ptr root,
                                            crypto::X509CrlPtr crl);
  static Result<CertificateVerifier> Load(const std::string& root_path,
                                          const std::string& crl_path);

  // Verifies `leaf` for `purpose` at time `at`. Errors: kRevoked,
  // kExpired (certificate or CRL out of its validity window),
  // kUntrustedCertificate (anything else), each naming the reason.
  Result<CertifiedKey> Verify(X509* leaf, Purpose purpose, UnixMillis at) const;

  // For evidence signed in the past (the offline auditor): chain, validity
  // and usage are checked at `at`, but the CRL's own validity window is not
  // (today's CRL was not yet issued then), and the certificate counts as
  // revoked only if the CRL says it was revoked at or before `at`.
  Result<CertifiedKey> VerifyAsOf(X509* leaf, Purpose purpose, UnixMillis at) const;

  // Verifies the CA's CRL freshness signer certificate at `at`: the same
  // chain and CRL checks as Verify, key usage digitalSignature only, and the
  // subject and sole usage ReadFreshnessSigner requires.
  Result<FreshnessSigner> VerifyFreshnessSigner(X509* leaf, UnixMillis at) const;

  X509* root() const { return root_.get(); }
  X509_CRL* crl() const { return crl_.get(); }
  // The two-person rule the CRL carries (pki/crl_signature_rule.h), read
  // once its signature verified: the default when it carries none.
  const SignatureRule& signature_rule() const { return signature_rule_; }
  long crl_number() const { return crl_number_; }
  // Upper-case hex serials on the CRL.
  bool IsRevoked(const std::string& serial_hex) const;

 private:
  CertificateVerifier(crypto::X509Ptr root, crypto::X509CrlPtr crl, crypto::X509StorePtr store,
                      SignatureRule signature_rule, long crl_number)
      : root_(std::move(root)),
        crl_(std::move(crl)),
        store_(std::move(store)),
        signature_rule_(signature_rule),
        crl_number_(crl_number) {}

  Result<CertifiedKey> VerifyChain(X509* leaf, Purpose purpose, UnixMillis at,
                                   unsigned long flags) const;
  // X509_verify_cert() == 1 at `at` with `flags`; `who` names the subject in errors.
  Status VerifyPath(X509* leaf, UnixMillis at, unsigned long flags, const std::string& who) const;

  crypto::X509Ptr root_;
  crypto::X509CrlPtr crl_;
  crypto::X509StorePtr store_;  // holds root_ and crl_; read-only after Create
  SignatureRule signature_rule_;
  long crl_number_ = 0;
};

}  // namespace tocsin::pki
