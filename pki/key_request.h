// pki/key_request.h -- keys made where they are used: a principal generates
// its own key pairs and asks the CA to certify the public halves, so that the
// CA host never holds an agency's or an operator's private key and receipts
// and acknowledgements stay non-repudiable against the centre itself
// (docs/pki.md, "Keys made where they are used").
//
// The request names the principal (id, role, sector or channel) and its
// public keys, and is signed by each Ed25519 key it certifies (signing; for a
// gateway the log key too) over KeyRequestSignedBytes, with context
// "tocsin/key-request/v1\0": proof that whoever asks holds those keys. The
// X25519 keys (encryption, transport) cannot sign; the signing key's
// signature binds them, and whoever certified a key they do not hold could
// only lose their own mail (the holder reads it) or fail every handshake.
// The fingerprint, read out loud between the principal and the CA's
// custodian, is what ties the request to the person.
#pragma once

#include <optional>
#include <string>

#include "common/bytes.h"
#include "crypto/sodium.h"
#include "pki/authority.h"

namespace tocsin::pki {

inline constexpr std::string_view kKeyRequestContext{"tocsin/key-request/v1\0", 22};

struct KeyRequest {
  EnrollRequest who;  // validity is the CA's to choose
  PrincipalKeys keys;
  crypto::Signature by_signing{};
  std::optional<crypto::Signature> by_log;  // gateways
};

// Length-prefixed and unambiguous: the context is added by the signature.
Bytes KeyRequestSignedBytes(const KeyRequest& request);

// SHA-256 of the signed bytes, its first 16 bytes as 8 groups of 4 hex digits.
std::string KeyRequestFingerprint(const KeyRequest& request);

// Generates the principal's keys into `bundle_dir` (new, 0700; keys 0600),
// with `root_certificate` (the CA's root, as obtained from the CA: pinned
// from now on) and the manifest, and returns the signed request. The
// certificates come later (InstallCertificates).
Result<KeyRequest> GenerateKeyRequest(const EnrollRequest& who, const std::string& bundle_dir,
                                      const std::string& root_certificate);

// The request file (TOML; public).
std::string RenderKeyRequest(const KeyRequest& request);

// Reads a request file and checks its proofs of possession (kBadSignature
// when a signature does not verify).
Result<KeyRequest> LoadKeyRequest(const std::string& path);

// Installs the certificates `certs_dir` holds (CertificateAuthority::Certify's
// output) into `bundle_dir`, after checking each against the root the bundle
// pinned and the CRL given with them: issued by that root, valid now, for
// this principal, and certifying exactly the bundle's own key. Then the
// bundle is complete (LoadBundle).
Status InstallCertificates(const std::string& bundle_dir, const std::string& certs_dir,
                           UnixMillis now);

}  // namespace tocsin::pki
