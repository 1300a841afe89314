#include "gateway/registry.h"

#include <spdlog/spdlog.h>

#include "pki/certificate.h"

namespace tocsin::gateway {

Result<std::unique_ptr<Registry>> Registry::Load(const std::string& public_dir,
                                                 const std::string& root_path,
                                                 const Clock& clock,
                                                 const std::string& crl_floor_path,
                                                 const crypto::SigningKey* record_owner,
                                                 const std::string& record_path) {
  std::unique_ptr<Registry> registry(new Registry(public_dir, root_path, clock, crl_floor_path));
  if (record_owner != nullptr) {
    TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root, pki::LoadCertificate(root_path));
    std::string discarded;
    registry->record_.emplace(pki::VerifiedRecord::Open(
        record_path, *record_owner, pki::TrustDigest(root.get()), &discarded));
    if (!discarded.empty()) {
      spdlog::warn("verifying every certificate again: {}", discarded);
    }
  }
  TOCSIN_RETURN_IF_ERROR(registry->Reload());
  return registry;
}

Result<std::size_t> Registry::Reload() {
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root, pki::LoadCertificate(root_path_));
  UnixMillis now = clock_.NowMillis();
  TOCSIN_ASSIGN_OR_RETURN(pki::CertificateDirectory directory,
                          pki::CertificateDirectory::Open(public_dir_, std::move(root),
                                                          pki::Verification::kCurrent, &floor_,
                                                          now));
  std::map<Bytes, Principal> by_key;
  std::map<std::string, Principal, std::less<>> by_id;
  if (record_) {
    record_->Retrust(directory.TrustDigest());
    directory.UseRecord(&*record_);
  }
  std::vector<std::string> ids = directory.PrincipalIds();
  std::vector<Result<pki::CertifiedKey>> transports =
      directory.ResolveEach(ids, pki::Purpose::kTransport, now);
  std::vector<Result<pki::CertifiedKey>> signings =
      directory.ResolveEach(ids, pki::Purpose::kSigning, now);
  // A convenience: without it every reload verifies everything again.
  if (Status kept = directory.FinishRecord(now); !kept) {
    spdlog::warn("the certificates verified are not kept for the next reload: {}",
                 kept.error().ToString());
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string& id = ids[i];
    const Result<pki::CertifiedKey>& transport = transports[i];
    const Result<pki::CertifiedKey>& signing = signings[i];
    if (!transport || !signing) {
      continue;  // revoked, expired or broken: not admitted
    }
    Principal principal{id, transport->role, transport->sector, signing->public_key,
                        transport->channel};
    by_key[Bytes(transport->public_key.begin(), transport->public_key.end())] = principal;
    by_id[id] = principal;
  }
  auto fresh = std::make_unique<pki::CertificateDirectory>(std::move(directory));
  std::lock_guard<std::mutex> lock(mutex_);
  by_transport_key_ = std::move(by_key);
  by_id_ = std::move(by_id);
  crl_current_until_ = fresh->crl_current_until();
  directory_ = std::move(fresh);
  return by_id_.size();
}

std::optional<Principal> Registry::Active(std::string_view id, Role role) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = by_id_.find(id);
  if (found == by_id_.end() || found->second.role != role || CrlStaleLocked()) {
    return std::nullopt;
  }
  return found->second;
}

bool Registry::CrlStaleLocked() const {  // mutex_ held by the caller
  // Admission follows the CRL's currency, not the last reload's outcome: a
  // reload that failed after the CRL went stale must not leave everyone in.
  return clock_.NowMillis() > crl_current_until_;
}

std::map<std::string, Principal, std::less<>> Registry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return by_id_;
}

std::optional<std::string> Registry::Authenticate(std::string_view domain,
                                                  ByteView curve_public_key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = by_transport_key_.find(Bytes(curve_public_key.begin(), curve_public_key.end()));
  if (found == by_transport_key_.end() || CrlStaleLocked()) {
    return std::nullopt;
  }
  std::optional<Role> wanted;
  if (domain == kOperatorDomain) {
    wanted = Role::kOperator;
  } else if (domain == kAgencyDomain) {
    wanted = Role::kAgency;
  } else if (domain == kBridgeDomain) {
    wanted = Role::kBridge;
  }
  if (!wanted || found->second.role != *wanted) {
    return std::nullopt;
  }
  return found->second.id;
}

}  // namespace tocsin::gateway
