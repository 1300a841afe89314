// gateway/registry.h -- who may connect, and as whom.
//
// Built from the CA's published folder: every principal whose transport
// certificate verifies against the pinned root and the current CRL. The ZAP
// handler asks it (on its own thread) which principal owns a CURVE key; the
// gateway's loop asks it, for every message, whether that principal is still
// enrolled and unrevoked (SECURITY.md, items 2 and 4). Reload() picks up a
// new CRL; a failed reload keeps the previous state.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/principal.h"
#include "pki/crl_floor.h"
#include "pki/directory.h"
#include "transport/zap_handler.h"

namespace tocsin::gateway {

// ZAP domains of the gateway's two endpoints: the role each admits.
inline constexpr std::string_view kAgencyDomain = "tocsin-agency";
inline constexpr std::string_view kOperatorDomain = "tocsin-operator";
inline constexpr std::string_view kBridgeDomain = "tocsin-bridge";

struct Principal {
  std::string id;
  Role role = Role::kAgency;
  std::optional<std::string> sector;
  crypto::PublicKey signing_key{};
  std::optional<std::string> channel;  // bridges: the one channel they may serve
};

class Registry final : public transport::ZapAuthenticator {
 public:
  // `crl_floor_path` keeps the highest CRL number accepted: an older CRL
  // is refused, at load and at every reload (pki/crl_floor.h). Given
  // `record_owner`, the certificates verified are kept at `record_path`,
  // signed by that key (pki/verified_record.h): a restart or a reload for
  // a new CRL or one new agency then re-verifies only what changed, where
  // 5,000 agencies took 5 s of the main loop.
  static Result<std::unique_ptr<Registry>> Load(const std::string& public_dir,
                                                const std::string& root_path,
                                                const Clock& clock,
                                                const std::string& crl_floor_path,
                                                const crypto::SigningKey* record_owner = nullptr,
                                                const std::string& record_path = "");

  // Re-reads certificates and the CRL. Returns the number of principals.
  Result<std::size_t> Reload();

  // The principal if it is enrolled, unrevoked and has `role`.
  std::optional<Principal> Active(std::string_view id, Role role) const;

  // Every admitted principal, by id.
  std::map<std::string, Principal, std::less<>> Snapshot() const;

  std::optional<std::string> Authenticate(std::string_view domain,
                                          ByteView curve_public_key) override;

  // Signature checks of directives and receipts. Main thread only.
  pki::CertificateDirectory& directory() { return *directory_; }

 private:
  Registry(std::string public_dir, std::string root_path, const Clock& clock,
           const std::string& crl_floor_path)
      : public_dir_(std::move(public_dir)), root_path_(std::move(root_path)), clock_(clock),
        floor_(crl_floor_path) {}

  std::string public_dir_;
  std::string root_path_;
  const Clock& clock_;
  pki::CrlFloor floor_;
  // True once the loaded CRL is no longer current; the caller holds mutex_.
  bool CrlStaleLocked() const;

  mutable std::mutex mutex_;  // guards the two maps and crl_current_until_; directory_ is main-thread only
  std::map<Bytes, Principal> by_transport_key_;
  std::map<std::string, Principal, std::less<>> by_id_;
  UnixMillis crl_current_until_ = 0;
  std::unique_ptr<pki::CertificateDirectory> directory_;
  std::optional<pki::VerifiedRecord> record_;  // main thread only
};

}  // namespace tocsin::gateway
