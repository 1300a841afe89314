// tests/conformance/conformance_keys.h -- the fixed principals, times and
// sample messages the vectors are made of (make_vectors only: the replay
// test reads keys from the vector files, as another implementation would).
// Keys derive from their principal's id, so every generation signs with the
// same keys: SHA-256("tocsin-conformance/" id "/signing" or "/encryption").
#pragma once

#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/key_agreement.h"
#include "crypto/signing.h"
#include "pki/cert_builder.h"
#include "pki/certificate.h"
#include "protocol/directive.h"

namespace tocsin::conformance {

inline constexpr UnixMillis kNow = 1798761600000;  // 2027-01-01T00:00:00Z
inline constexpr UnixMillis kDay = 24LL * 3600 * 1000;
inline const std::string kGateway = "gw.national";
inline const std::string kOtherGateway = "gw.other";
inline const std::string kAgency = "finance-authority";
inline const std::string kOtherAgency = "energy-authority";
inline const std::string kOperator = "op.alice";

struct Principal {
  std::string id;
  Role role;
};
inline const Principal kPrincipals[] = {{kGateway, Role::kGateway},
                                        {kOtherGateway, Role::kGateway},
                                        {kAgency, Role::kAgency},
                                        {kOtherAgency, Role::kAgency},
                                        {kOperator, Role::kOperator}};

inline crypto::Digest Derived(const std::string& id, const char* purpose) {
  return crypto::Sha256(AsBytes("tocsin-conformance/" + id + "/" + purpose));
}
inline crypto::SigningKey SigningKeyOf(const std::string& id) {
  return crypto::SigningKey::FromSeed(Derived(id, "signing")).value();
}
inline crypto::X25519KeyPair EncryptionKeyOf(const std::string& id) {
  return crypto::X25519KeyPair::FromSecret(Derived(id, "encryption")).value();
}
// A gateway's audit-log key (its log.crt, docs/audit.md).
inline crypto::SigningKey LogKeyOf(const std::string& id) {
  return crypto::SigningKey::FromSeed(Derived(id, "log")).value();
}

inline protocol::Receipt SampleReceipt(protocol::ReceiptKind kind) {
  protocol::Receipt r;
  r.kind = kind;
  r.directive_id = {0x3f, 0x1c, 0x2a, 0x77, 0x01, 0x02, 0x03, 0x04,
                    0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};
  r.directive_digest = crypto::Sha256(AsBytes("the directive's body"));
  r.agency = kAgency;
  r.gateway = kGateway;
  r.at = kNow - 2000;
  r.log_size = 12;
  r.log_root = crypto::Sha256(AsBytes("a checkpoint's root"));
  if (kind == protocol::ReceiptKind::kAcknowledged) {
    r.officer = "M. Duty Officer";
    r.note = "Segment B isolated at 10:52.";
  }
  if (kind == protocol::ReceiptKind::kRefused) {
    r.reason = protocol::RefusalReason::kUndecryptable;
  }
  return r;
}

inline protocol::DirectiveDraft SampleDraft() {
  protocol::DirectiveDraft d;
  d.header.issuer = kOperator;
  d.header.gateway = kGateway;
  d.header.sequence = 7;
  d.header.issued_at = kNow - 60000;
  d.header.ack_deadline = kNow + 3600 * 1000;
  d.header.expires_at = kNow + kDay;
  d.header.severity = protocol::Severity::kHigh;
  d.header.tlp = protocol::Tlp::kAmber;
  d.header.summary = "Cyber crisis: national coordination activated";
  d.content = {"Ransomware on payment systems", "Isolate segment B; report by 11:00."};
  return d;
}

// A CA of `organization`: its root (valid from 30 days before kNow) and key.
struct Ca {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr root;
};
inline Ca MakeCa(const std::string& organization) {
  crypto::SigningKey seed = SigningKeyOf("ca/" + organization);
  Ca ca{pki::Ed25519PrivateKey(seed.seed()).value(), nullptr};
  ca.root = pki::BuildRootCertificate(ca.key.get(), organization, kNow - 30 * kDay).value();
  return ca;
}

// A CRL of `ca` numbered `number`, from `this_update` (default an hour before
// kNow) for a day.
inline std::string CrlPem(const Ca& ca, const std::vector<pki::RevokedSerial>& revoked,
                          long number, UnixMillis this_update = kNow - 3600 * 1000) {
  return pki::CrlToPem(pki::BuildCrl(ca.root.get(), ca.key.get(), revoked, number, this_update,
                                     this_update + kDay, SignatureRule{})
                           .value()
                           .get())
      .value();
}

inline std::string SerialOfPem(const std::string& pem) {
  crypto::X509Ptr certificate = pki::ParseCertificatePem(AsBytes(pem), "leaf").value();
  return pki::SerialHex(X509_get0_serialNumber(certificate.get()));
}

}  // namespace tocsin::conformance
