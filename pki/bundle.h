// pki/bundle.h -- a principal's key bundle: its keys and certificates.
//
//   principal.toml      id, role, sector (informative; certificates rule)
//   signing.key/.crt    Ed25519: signs directives, receipts, checkpoints
//   encryption.key/.crt X25519: receives wrapped content keys
//   transport.key/.crt  X25519: ZeroMQ CURVE
//   root.crt            the trust anchor it was enrolled under
//
// The folder is 0700 and each key 0600. LoadBundle refuses keys that do not
// match their certificates.
#pragma once

#include <optional>
#include <string>

#include "common/principal.h"
#include "common/result.h"
#include "crypto/key_agreement.h"
#include "crypto/openssl_util.h"
#include "crypto/signing.h"
#include "pki/identity.h"

namespace tocsin::pki {

struct BundlePaths {
  explicit BundlePaths(std::string dir) : root(std::move(dir)) {}
  std::string Key(Purpose purpose) const {
    return root + "/" + std::string(PurposeName(purpose)) + ".key";
  }
  std::string Certificate(Purpose purpose) const {
    return root + "/" + std::string(PurposeName(purpose)) + ".crt";
  }
  std::string RootCertificate() const { return root + "/root.crt"; }
  std::string Manifest() const { return root + "/principal.toml"; }
  std::string root;
};

// A loaded bundle. Certificates are parsed, not verified: callers verify them
// with a CertificateVerifier when they need to trust them.
struct PrincipalBundle {
  std::string principal_id;
  Role role = Role::kAgency;
  std::optional<std::string> sector;
  crypto::SigningKey signing;
  crypto::X25519KeyPair encryption;
  crypto::X25519KeyPair transport;
  crypto::X509Ptr signing_certificate;
  crypto::X509Ptr encryption_certificate;
  crypto::X509Ptr transport_certificate;
  crypto::X509Ptr root_certificate;
  // Gateways only: the key that signs audit-log checkpoints and nothing else.
  std::optional<crypto::SigningKey> log_signing;
  crypto::X509Ptr log_certificate;
};

Result<PrincipalBundle> LoadBundle(const std::string& dir);

// A principal's fresh key pairs: signing, encryption, transport, and for a
// gateway its log key. Written into a new bundle folder (0700) as 0600
// PKCS#8 files; the certificates come separately.
struct PrincipalKeyPairs {
  crypto::SigningKey signing;
  crypto::X25519KeyPair encryption;
  crypto::X25519KeyPair transport;
  std::optional<crypto::SigningKey> log;

  static Result<PrincipalKeyPairs> Generate(Role role);
  PrincipalKeys Public() const;
  Status WriteInto(const std::string& bundle_dir) const;
};

}  // namespace tocsin::pki
