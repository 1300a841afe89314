// pki/identity.h -- what a verified certificate says about its subject.
//
// Each principal holds three certificates, one per key purpose, and a
// gateway a fourth for its audit-log checkpoints (SECURITY.md, item 16). A certificate binds: the principal id (subject CN),
// its role (OU), for agencies its sector and for bridges their channel
// (businessCategory), the purpose (an
// extended key usage under Tocsin's OID arc) and one 32-byte public key.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/principal.h"
#include "crypto/sodium.h"

namespace tocsin::pki {

enum class Purpose {
  kSigning,     // Ed25519, keyUsage digitalSignature
  kEncryption,  // X25519, keyUsage keyAgreement: end-to-end key wrapping
  kTransport,   // X25519, keyUsage keyAgreement: ZeroMQ CURVE
  kLog,         // Ed25519, keyUsage digitalSignature: gateways' log checkpoints only
  // Ed25519, keyUsage digitalSignature: the CA's delegated CRL freshness
  // signer (pki/crl_freshness.h). Not a principal's purpose: no principal
  // certificate may name it, and this certificate names nothing else.
  kCrlFreshness,
};

// The purposes every principal holds.
inline constexpr Purpose kAllPurposes[] = {Purpose::kSigning, Purpose::kEncryption,
                                           Purpose::kTransport};
// Every purpose a certificate may name.
inline constexpr Purpose kKnownPurposes[] = {Purpose::kSigning, Purpose::kEncryption,
                                             Purpose::kTransport, Purpose::kLog};

// True for the purposes whose key is an Ed25519 signing key.
inline bool SignsWith(Purpose purpose) {
  return purpose == Purpose::kSigning || purpose == Purpose::kLog ||
         purpose == Purpose::kCrlFreshness;
}

// The purposes a principal of `role` holds: a gateway adds kLog.
std::vector<Purpose> PurposesFor(Role role);

// "signing", "encryption", "transport", "log", "crl-freshness": also the
// certificate and key file stems.
std::string_view PurposeName(Purpose purpose);

// Tocsin's OID arc (docs/pki.md): the UUID e9bae17e-756e-418b-ae4f-13e592100f41
// under Microsoft's arc for UUID-made identifiers, 1.2.840.113556.1.8000.2554,
// its hex groups read as numbers: every arc under 2^24, so that the X.509
// libraries of Python, Go, Java and Rust parse it. Usages end .1 to .5,
// the CRL's signature rule .6.
inline constexpr const char* kTocsinArc =
    "1.2.840.113556.1.8000.2554.59834.57726.30062.16779.44623.1303954.1052481";
// The first profile's arc, the same UUID as one 128-bit number under 2.25
// (X.667), which those libraries refuse. Read, never written, until no
// deployment holds a certificate or CRL that uses it.
inline constexpr const char* kLegacyTocsinArc = "2.25.310680463794825212268379717065694515009";

enum class Arc { kCurrent, kLegacy };

// "ARC.leaf" under kTocsinArc or kLegacyTocsinArc.
std::string TocsinOid(int leaf, Arc arc = Arc::kCurrent);

// The dotted OID of the extended key usage that marks `purpose` (the
// current arc unless asked).
std::string PurposeOid(Purpose purpose, Arc arc = Arc::kCurrent);

struct CertifiedKey {
  std::string principal_id;
  Role role = Role::kAgency;
  std::optional<std::string> sector;   // agencies only
  std::optional<std::string> channel;  // bridges only: "sms" or "email"
  Purpose purpose = Purpose::kSigning;
  Arc arc = Arc::kCurrent;  // under which its extended key usage sits
  crypto::PublicKey public_key{};
  std::string serial_hex;  // upper-case hex, as `openssl x509 -serial` prints
  UnixMillis not_before = 0;
  UnixMillis not_after = 0;
};

// The CA's delegated CRL freshness signer, as its verified certificate says.
struct FreshnessSigner {
  crypto::PublicKey public_key{};
  std::string serial_hex;
  UnixMillis not_before = 0;
  UnixMillis not_after = 0;
};

// The public keys a principal's certificates certify.
struct PrincipalKeys {
  crypto::PublicKey signing{};
  crypto::PublicKey encryption{};
  crypto::PublicKey transport{};
  std::optional<crypto::PublicKey> log;  // gateways only
};

}  // namespace tocsin::pki
