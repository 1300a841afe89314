#include "pki/gateway_trust.h"

#include "common/log.h"

namespace tocsin::pki {

Result<std::unique_ptr<GatewayTrust>> GatewayTrust::Open(const std::string& public_dir, X509* root,
                                                         const std::string& floor_path,
                                                         const std::string& gateway_id,
                                                         UnixMillis now) {
  CrlFloor floor(floor_path);
  TOCSIN_ASSIGN_OR_RETURN(CertificateDirectory directory,
                          CertificateDirectory::Open(public_dir, crypto::X509Ptr(X509_dup(root)),
                                                     Verification::kCurrent, &floor, now));
  TOCSIN_ASSIGN_OR_RETURN(Bytes pinned, PinnedGatewayKey(directory, gateway_id, now));
  return std::unique_ptr<GatewayTrust>(new GatewayTrust(public_dir, crypto::X509Ptr(X509_dup(root)),
                                                        floor_path, gateway_id,
                                                        std::move(directory), std::move(pinned)));
}

void GatewayTrust::Refresh(bool forced, UnixMillis now) {
  warner_.Check(directory_.crl_current_until(), now);
  if (!watch_.Due(forced, SteadyNowMillis(), now, directory_.crl_current_until())) {
    return;
  }
  watch_.Loaded();
  Result<CertificateDirectory> fresh = CertificateDirectory::Open(
      public_dir_, crypto::X509Ptr(X509_dup(root_.get())), Verification::kCurrent, &floor_, now);
  if (!fresh) {
    spdlog::error("CA folder {} not reloaded, keeping the previous one: {}", public_dir_,
                  fresh.error().ToString());
    return;
  }
  directory_ = std::move(*fresh);
  if (now > directory_.crl_current_until()) {
    spdlog::error("{}: nothing verifies until then",
                  DescribeStaleCrl(public_dir_, directory_.crl_currency()));
    return;
  }
  if (!directory_.crl_currency().problem.empty()) {
    spdlog::error("the CRL freshness statement in {} is not used: {}", public_dir_,
                  directory_.crl_currency().problem);
  }
  Result<Bytes> gateway = PinnedGatewayKey(directory_, gateway_id_, now);
  if (!gateway) {
    gateway_trusted_ = false;
    spdlog::critical("gateway {} is no longer trusted: {}; nothing it sends is accepted and "
                     "nothing is sent to it", gateway_id_, gateway.error().ToString());
    return;
  }
  if (*gateway != pinned_key_) {
    gateway_trusted_ = false;
    spdlog::critical("gateway {} now has another transport key than the one pinned at start: "
                     "restart to connect to it", gateway_id_);
    return;
  }
  gateway_trusted_ = true;
  spdlog::info("CA folder reloaded: the new CRL is in force");
}

}  // namespace tocsin::pki
