// pki/crl_freshness.h -- keeping a CRL current without bringing the root
// online every day (SECURITY.md 43; docs/pki.md, "CRL freshness").
//
// A CA may delegate one narrow power to a CRL freshness signer: an Ed25519
// key, certified by the root for the crl-freshness purpose only, that lives
// on an automated host. The root then issues long-lived CRLs (ca.toml
// `freshness_crl_validity_days`, 2 to 31 days), and the signer, once a day or
// more often, signs a statement that one exact CRL (its number and SHA-256)
// is still the current one, valid for at most kMaxStatementLifetime.
//
// The rule every verifier applies (JudgeCrlCurrency):
//   - a CRL whose own window (next update - this update) is at most 24 hours
//     is current until its next update, as before: no statement is needed;
//   - a longer-lived CRL is current for its first 24 hours, and after that
//     only until the latest valid statement for it says, never past its own
//     next update.
// A statement is valid when the signer's certificate (crl-freshness.crt
// beside the CRL) verifies under the pinned root against that same CRL (so
// revoking the signer ends it), its signature verifies with context
// "tocsin/crl-freshness/v1\0", it names this CRL's number and digest, it was
// issued no earlier than the CRL and at most kMaxClockSkew ahead of now, and
// it lives at most kMaxStatementLifetime.
//
// What the signer can do: keep the latest CRL it has seen current up to that
// CRL's next update. It cannot add or remove a revocation, and verifiers
// never go back to an older CRL (CrlFloor); a stolen signer key, until the
// root revokes it, holds back a newer CRL only from verifiers that have not
// seen it, for at most freshness_crl_validity_days.
#pragma once

#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/hash.h"
#include "crypto/openssl_util.h"
#include "crypto/signing.h"
#include "pki/verifier.h"

namespace tocsin::pki {

inline constexpr std::string_view kCrlFreshnessContext{"tocsin/crl-freshness/v1\0", 24};
inline constexpr UnixMillis kDailyCrlWindow = 24LL * 3600 * 1000;
inline constexpr UnixMillis kMaxStatementLifetime = 24LL * 3600 * 1000;
// The one tolerance for signed times (protocol::kMaxClockSkew is the same).
inline constexpr UnixMillis kFreshnessClockSkew = 5 * 60 * 1000;

// File names beside crl.pem in a published folder.
inline constexpr std::string_view kFreshnessStatementFile = "crl-freshness.toml";
inline constexpr std::string_view kFreshnessSignerFile = "crl-freshness.crt";

struct CrlFreshnessStatement {
  std::uint64_t crl_number = 0;
  crypto::Digest crl_sha256{};  // of the CRL's DER encoding
  UnixMillis issued_at = 0;
  UnixMillis valid_until = 0;
  crypto::PublicKey signer{};  // must be the key crl-freshness.crt certifies
  crypto::Signature signature{};
};

// 8-byte big-endian number, the digest, two 8-byte big-endian times, the
// signer's key; the context is added by the signature.
Bytes CrlFreshnessSignedBytes(const CrlFreshnessStatement& statement);

// SHA-256 of `crl`'s DER encoding.
Result<crypto::Digest> CrlDigest(X509_CRL* crl);

// Signs a statement that `crl` is current from `now` until `until`.
Result<CrlFreshnessStatement> SignCrlFreshness(X509_CRL* crl, const crypto::SigningKey& signer,
                                               UnixMillis now, UnixMillis until);

// The statement file (TOML, public), and reading one back: format, fields
// and signature (under the key it names) are checked; whether that key may
// sign, and for which CRL, is JudgeCrlCurrency's.
std::string RenderCrlFreshness(const CrlFreshnessStatement& statement);
Result<CrlFreshnessStatement> LoadCrlFreshness(const std::string& path);

struct CrlCurrency {
  UnixMillis this_update = 0;
  UnixMillis next_update = 0;    // the CRL's own
  UnixMillis current_until = 0;  // what every check uses
  bool long_lived = false;       // window over 24 h: needs statements after its first day
  std::optional<UnixMillis> statement_until;  // a valid statement's end
  std::string problem;  // why a statement present in the folder was not used
};

// Judges the CRL `verifier` holds (its signature already checked) with the
// statement and signer certificate found in `public_dir`, at `now`. Never
// fails: a missing or invalid statement only shortens currency, and says why
// in `problem` when one was there.
CrlCurrency JudgeCrlCurrency(const CertificateVerifier& verifier, const std::string& public_dir,
                             UnixMillis now);

// What the freshness signer's host does once a day or more often (`tocsin
// pki refresh`): reads `public_dir`/crl.pem, checks it against the root in
// `signer_dir` and the signer's CRL floor (it never vouches for a CRL older
// than one it has seen), checks its own certificate verifies against that
// CRL, and writes a statement valid `lifetime` (at most 24 h, never past the
// CRL's next update) as `public_dir`/crl-freshness.toml, with its
// certificate beside it when missing.
//   signer_dir: crl-freshness.key, crl-freshness.crt, root.crt, crl-floor
Result<CrlFreshnessStatement> RefreshCrlFreshness(const std::string& signer_dir,
                                                  const std::string& public_dir, UnixMillis now,
                                                  UnixMillis lifetime);

// Why the CRL of `where` is no longer current, for an error a person reads
// (kExpired); IsStaleCrlError tells such an error from other expiries.
inline constexpr std::string_view kStaleCrlMarker = "is not current since";
std::string DescribeStaleCrl(const std::string& where, const CrlCurrency& currency);
bool IsStaleCrlError(const Error& error);

}  // namespace tocsin::pki
