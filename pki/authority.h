// pki/authority.h -- the offline certificate authority behind `tocsin pki`.
//
// A CA folder (mode 0700) looks like this:
//
//   ca.toml                    organization, sectors, validity (ca_config.h)
//   private/root.key           the root's Ed25519 key, PKCS#8, 0600
//   public/root.crt            the root certificate (name-constrained to O=)
//   public/crl.pem             the current signed CRL
//   public/principals/ID/      signing.crt, encryption.crt, transport.crt
//   public/crl-freshness.crt   the delegated CRL freshness signer, if any
//   public/crl-freshness.toml  its latest statement (written by that signer)
//
//   private/crl.pem            the CA's record of the last CRL it issued
//
// public/ is what the CA publishes to the gateway and the clients; private/
// never leaves the offline machine. The CRL is the only revocation state: a
// published CRL older than the CA's record (put back by someone) is refused,
// so that no command re-issues from a state that forgot a revocation.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/principal.h"
#include "common/result.h"
#include "crypto/openssl_util.h"
#include "pki/ca_config.h"
#include "pki/identity.h"

namespace tocsin::pki {

struct RevokedSerial;  // pki/cert_builder.h

struct CaPaths {
  explicit CaPaths(std::string dir) : root(std::move(dir)) {}
  std::string Config() const { return root + "/ca.toml"; }
  std::string RootKey() const { return root + "/private/root.key"; }
  std::string Public() const { return root + "/public"; }
  std::string RootCertificate() const { return Public() + "/root.crt"; }
  std::string Crl() const { return Public() + "/crl.pem"; }
  // The CA's own copy of the last CRL it issued: the record a published CRL
  // is held to (SECURITY.md 40).
  std::string CrlRecord() const { return root + "/private/crl.pem"; }
  std::string FreshnessSigner() const { return Public() + "/crl-freshness.crt"; }
  // Every freshness signer serial this CA issued, one per line: what a new
  // delegation or a withdrawal revokes, whatever public/ holds.
  std::string FreshnessRecord() const { return root + "/private/freshness-signers"; }
  std::string Principal(std::string_view id) const {
    return Public() + "/principals/" + std::string(id);
  }
  std::string root;
};

struct EnrollRequest {
  std::string principal_id;
  Role role = Role::kAgency;
  std::optional<std::string> sector;   // required for agencies, refused otherwise
  int validity_days = 0;               // 0: the CA's leaf_validity_days
  std::optional<std::string> channel;  // required for bridges ("sms", "email"), refused otherwise
};

// The manifest of a key bundle (principal.toml): id, role, sector, channel.
std::string PrincipalManifest(const EnrollRequest& request);

// A principal as the CA sees it, derived from its certificates and the CRL.
struct PrincipalRecord {
  std::string principal_id;
  Role role = Role::kAgency;
  std::optional<std::string> sector;
  std::optional<std::string> channel;
  std::string signing_serial;
  UnixMillis not_after = 0;
  enum class State { kActive, kRevoked, kExpired } state = State::kActive;
  Arc arc = Arc::kCurrent;  // kLegacy: certificates of the first profile (docs/pki.md)
};

std::string_view StateName(PrincipalRecord::State state);

class CertificateAuthority {
 public:
  // Creates a new CA in `dir`, which must not exist or be empty: root key,
  // self-signed root certificate (10 years), empty CRL, ca.toml.
  static Status Initialize(const std::string& dir, const CaConfig& config,
                           const Clock& clock);

  // Opens an existing CA. Fails when a file is missing, the root key file is
  // readable by others, or the key does not match the root certificate.
  static Result<CertificateAuthority> Open(const std::string& dir,
                                           const Clock& clock);

  // Issues the principal's three key pairs and certificates. Writes its key
  // bundle into `bundle_dir` (created 0700; must not hold a bundle already)
  // and publishes its certificates. An id that is enrolled and not revoked
  // is refused; a revoked one may be enrolled again with new keys.
  Result<std::vector<CertifiedKey>> Enroll(const EnrollRequest& request,
                                           const std::string& bundle_dir);

  // Certifies keys a principal made itself (`tocsin pki request`, whose
  // proofs the caller has checked): publishes the certificates and writes
  // them, with root.crt and crl.pem, into `out_dir` (new) for the principal
  // to install. The CA never holds the private keys.
  Result<std::vector<CertifiedKey>> Certify(const EnrollRequest& request, const PrincipalKeys& keys,
                                            const std::string& out_dir);

  // Puts every certificate of `principal_id` on the CRL and re-issues it.
  // Returns how many certificates were newly revoked (0 when all already were).
  Result<int> Revoke(const std::string& principal_id);

  // Re-issues the CRL with a fresh validity window and the next CRL number:
  // crl_validity_hours, or freshness_crl_validity_days while a freshness
  // signer is delegated and not revoked.
  Status ReissueCrl();

  // Writes `rule` into ca.toml and re-issues the CRL, which then carries it
  // (pki/crl_signature_rule.h): from there it reaches the gateway and every
  // agency with the CRL.
  Status SetSignatureRule(const SignatureRule& rule);

  // Delegates CRL freshness (pki/crl_freshness.h) to a new Ed25519 key:
  // writes it with its certificate (valid `days`) and root.crt into
  // `out_dir` (new, 0700), publishes the certificate as public/
  // crl-freshness.crt, puts the previous signer (if any) on the CRL and
  // re-issues the CRL, now long-lived. Needs freshness_crl_validity_days.
  Result<FreshnessSigner> DelegateFreshness(const std::string& out_dir, int days);

  // Puts the current freshness signer on the CRL and withdraws its
  // certificate; CRLs are daily again. kNotFound when there is none.
  Status RevokeFreshnessSigner();

  Result<std::vector<PrincipalRecord>> List() const;

  // The CRL this CA last issued (the record in private/, which public/crl.pem
  // must equal for Open to succeed).
  struct CrlInfo {
    long number = 0;
    UnixMillis this_update = 0;
    UnixMillis next_update = 0;
    SignatureRule signature_rule;  // the rule this CRL carries
  };
  Result<CrlInfo> Crl() const;

  const CaConfig& config() const { return config_; }
  const CaPaths& paths() const { return paths_; }

 private:
  CertificateAuthority(CaPaths paths, CaConfig config, const Clock& clock,
                       crypto::EvpPkeyPtr key, crypto::X509Ptr root,
                       crypto::X509CrlPtr crl)
      : paths_(std::move(paths)), config_(std::move(config)), clock_(&clock),
        key_(std::move(key)), root_(std::move(root)), crl_(std::move(crl)) {}

  Status WriteCrl(const std::vector<std::string>& new_serials);
  // The serials of FreshnessRecord(), and of a published signer missing from it.
  Result<std::vector<std::string>> FreshnessSerials() const;
  // How long the next CRL is valid, given the serials it will list.
  UnixMillis CrlLifetime(const std::vector<RevokedSerial>& revoked) const;
  // Checks the request, that the id is not enrolled (or was revoked), and
  // that `out_dir` is new; issues and publishes the certificates of `keys`.
  Result<std::vector<std::pair<Purpose, crypto::X509Ptr>>> Issue(const EnrollRequest& request,
                                                                 const PrincipalKeys& keys,
                                                                 const std::string& out_dir);
  // Writes issued certificates, root.crt and the manifest into `dir`.
  Result<std::vector<CertifiedKey>> WriteIssued(
      const std::vector<std::pair<Purpose, crypto::X509Ptr>>& issued, const std::string& dir);

  CaPaths paths_;
  CaConfig config_;
  const Clock* clock_;  // not owned; outlives this object
  crypto::EvpPkeyPtr key_;
  crypto::X509Ptr root_;
  crypto::X509CrlPtr crl_;
};

}  // namespace tocsin::pki
