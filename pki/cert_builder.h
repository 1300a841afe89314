// pki/cert_builder.h -- X.509 construction for the CA (OpenSSL 3.0).
//
// Internal to pki/: CertificateAuthority is the only caller. Every
// certificate and CRL is signed with Ed25519 and carries the extensions that
// X509 strict mode expects (SKID, AKID, CRL number).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/principal.h"
#include "common/result.h"
#include "common/signature_rule.h"
#include "crypto/openssl_util.h"
#include "pki/identity.h"

namespace tocsin::pki {

struct LeafSpec {
  std::string organization;
  std::string principal_id;
  Role role = Role::kAgency;
  std::optional<std::string> sector;   // agencies
  Purpose purpose = Purpose::kSigning;
  crypto::PublicKey public_key{};
  UnixMillis not_before = 0;
  UnixMillis not_after = 0;
  std::optional<std::string> channel;  // bridges
  // The CA writes the current arc; kLegacy only makes the first profile's
  // certificates for tests of the migration (docs/pki.md).
  Arc arc = Arc::kCurrent;
};

struct RevokedSerial {
  std::string serial_hex;
  UnixMillis revoked_at = 0;
};

// An Ed25519 EVP_PKEY from a 32-byte seed, for OpenSSL signing.
Result<crypto::EvpPkeyPtr> Ed25519PrivateKey(ByteView seed);

// A self-signed root: CA:TRUE pathlen 0, keyCertSign|cRLSign, and the name
// constraint permitted;dirName:O=<organization>, all critical.
Result<crypto::X509Ptr> BuildRootCertificate(EVP_PKEY* key,
                                             const std::string& organization,
                                             UnixMillis now);

Result<crypto::X509Ptr> BuildLeafCertificate(X509* root, EVP_PKEY* root_key,
                                             const LeafSpec& spec);

// The CA's CRL freshness signer: O=<organization>, OU=CN=crl-freshness,
// keyUsage digitalSignature and the crl-freshness usage only.
Result<crypto::X509Ptr> BuildFreshnessSignerCertificate(X509* root, EVP_PKEY* root_key,
                                                        const std::string& organization,
                                                        const crypto::PublicKey& public_key,
                                                        UnixMillis not_before,
                                                        UnixMillis not_after);

// A CRL carrying the deployment's signature rule (pki/crl_signature_rule.h).
// With `legacy_rule_arc`, the rule is written under both arcs (identical).
Result<crypto::X509CrlPtr> BuildCrl(X509* root, EVP_PKEY* root_key,
                                    const std::vector<RevokedSerial>& revoked,
                                    long number, UnixMillis this_update,
                                    UnixMillis next_update, const SignatureRule& rule,
                                    bool legacy_rule_arc = false);

// The entries and the CRL number of an existing CRL.
std::vector<RevokedSerial> ReadRevokedSerials(X509_CRL* crl);
long ReadCrlNumber(X509_CRL* crl);

}  // namespace tocsin::pki
