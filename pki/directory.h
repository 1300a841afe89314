// pki/directory.h -- the published certificates, verified on demand.
//
// A CertificateDirectory reads a CA's public/ folder (principals/ID/*.crt and
// crl.pem) but trusts only the root it is given (pinned from the caller's own
// bundle), never the root.crt found beside the certificates. Each certificate
// is verified once per (principal, purpose) and the result cached while the
// certificate and the object's one CRL are both valid: load a new directory
// when the CRL or its freshness statement changes (DirectoryWatch), and
// nothing verifies once the CRL is no longer current (pki/crl_freshness.h:
// its next update, or for a long-lived CRL its latest freshness statement).
//
// For daemons (kCurrent), Open refuses a published folder or CRL that group
// or others can write, and, given a CrlFloor, a CRL older than one already
// seen (SECURITY.md 40).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "crypto/key_resolver.h"
#include "pki/crl_freshness.h"
#include "pki/identity.h"
#include "pki/verified_record.h"
#include "pki/verifier.h"

namespace tocsin::pki {

// kCurrent: a certificate must be valid, and unrevoked, at the time asked
// (what daemons need). kAsOf: evidence from the past, as the auditor checks
// it (CertificateVerifier::VerifyAsOf).
enum class Verification { kCurrent, kAsOf };

class CertificateDirectory final : public crypto::KeyResolver {
 public:
  // `now` is when the CRL's currency is judged (JudgeCrlCurrency); the
  // system clock when not given.
  static Result<CertificateDirectory> Open(const std::string& public_dir,
                                           crypto::X509Ptr trusted_root,
                                           Verification mode = Verification::kCurrent,
                                           const class CrlFloor* floor = nullptr,
                                           std::optional<UnixMillis> now = std::nullopt);

  // The verified key of `principal_id` for `purpose` at time `at`.
  Result<CertifiedKey> Resolve(std::string_view principal_id, Purpose purpose,
                               UnixMillis at);

  // Resolve for each of `ids`, in their order; the certificates not known
  // yet are verified on every core.
  std::vector<Result<CertifiedKey>> ResolveEach(const std::vector<std::string>& ids,
                                                Purpose purpose, UnixMillis at);

  // From now on (kCurrent only), looks in `record` before verifying a
  // certificate and adds to it what it verifies; nullptr stops. `record`
  // must be of TrustDigest() (VerifiedRecord::Open) and outlive its use.
  void UseRecord(VerifiedRecord* record) { record_ = record; }

  // Drops from the record in use what can no longer verify at `now`
  // (expired, or revoked by this CRL).
  void PruneRecord(UnixMillis now);

  // Ends UseRecord: prunes the record, stops using it and saves it
  // (VerifiedRecord::Save). OK when no record is in use.
  Status FinishRecord(UnixMillis now);

  // The trust anchor this directory verifies under: its pinned root.
  crypto::Digest TrustDigest() const;

  Result<crypto::ResolvedSigner> ResolveSigner(std::string_view principal_id,
                                               UnixMillis at) override;

  // Every principal id with a folder in principals/, sorted; not verified.
  std::vector<std::string> PrincipalIds() const;

  const CertificateVerifier& verifier() const { return verifier_; }

  // Until when the CRL is current, judged at Open: past it, every check
  // fails (the CRL is stale). crl_currency() says why, for messages.
  UnixMillis crl_current_until() const { return currency_.current_until; }
  const CrlCurrency& crl_currency() const { return currency_; }

 private:
  CertificateDirectory(std::string dir, CertificateVerifier verifier, Verification mode,
                       CrlCurrency currency);

  // A certificate looked up or verified, and the digest of its file when it
  // is new to the record. Thread-safe: reads verified_ and record_ only.
  struct Lookup {
    Result<CertifiedKey> key;
    std::optional<crypto::Digest> new_to_record;
  };
  Lookup LookUp(std::string_view principal_id, Purpose purpose, UnixMillis at) const;
  // A record entry may stand for a full verification of `pem` at `at`.
  bool RecordHitHolds(const CertifiedKey& known, ByteView pem, UnixMillis at) const;
  // Keeps a successful lookup in verified_ and the record.
  void Remember(const Lookup& lookup, std::string_view principal_id, Purpose purpose);

  std::string dir_;
  CertificateVerifier verifier_;
  Verification mode_;
  CrlCurrency currency_;
  std::map<std::pair<std::string, Purpose>, CertifiedKey> verified_;
  std::set<std::string> revoked_serials_;  // of the CRL, as CertifiedKey::serial_hex
  std::pair<UnixMillis, UnixMillis> trust_window_{0, 0};  // [root and CRL valid from, root until)
  VerifiedRecord* record_ = nullptr;       // not owned
};

// The CURVE key to pin for gateway `gateway_id`: the public key of its
// transport certificate, verified at `at`, whose role must be gateway.
Result<Bytes> PinnedGatewayKey(CertificateDirectory& directory, std::string_view gateway_id,
                               UnixMillis at);

}  // namespace tocsin::pki
