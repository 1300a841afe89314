#include "pki/directory.h"

#include <algorithm>
#include <filesystem>

#include "common/file_util.h"
#include "pki/certificate.h"
#include "pki/crl_floor.h"

namespace tocsin::pki {

Result<CertificateDirectory> CertificateDirectory::Open(const std::string& public_dir,
                                                        crypto::X509Ptr trusted_root,
                                                        Verification mode,
                                                        const CrlFloor* floor,
                                                        std::optional<UnixMillis> now) {
  std::string crl_path = public_dir + "/crl.pem";
  if (mode == Verification::kCurrent) {
    for (const std::string& path : {public_dir, public_dir + "/principals", crl_path}) {
      TOCSIN_RETURN_IF_ERROR(CheckTrustedPath(path));
    }
  }
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509CrlPtr crl, LoadCrl(crl_path));
  if (X509_CRL_get0_nextUpdate(crl.get()) == nullptr) {
    return MakeError(ErrorCode::kUntrustedCertificate, crl_path + " has no next update");
  }
  // The verifier checks the CRL's signature against the pinned root: only
  // then may its number raise the floor (a forged CRL must not).
  TOCSIN_ASSIGN_OR_RETURN(CertificateVerifier verifier,
                          CertificateVerifier::Create(std::move(trusted_root),
                                                      std::move(crl)));
  if (floor != nullptr) {
    TOCSIN_RETURN_IF_ERROR(floor->Admit(verifier.crl(), crl_path));
  }
  CrlCurrency currency =
      JudgeCrlCurrency(verifier, public_dir, now ? *now : SystemClock().NowMillis());
  return CertificateDirectory(public_dir, std::move(verifier), mode, std::move(currency));
}

Result<CertifiedKey> CertificateDirectory::Resolve(std::string_view principal_id,
                                                   Purpose purpose, UnixMillis at) {
  TOCSIN_RETURN_IF_ERROR(ValidatePrincipalId(principal_id));
  auto key = std::make_pair(std::string(principal_id), purpose);
  auto cached = verified_.find(key);
  if (mode_ == Verification::kCurrent && cached != verified_.end() &&
      at >= cached->second.not_before && at <= cached->second.not_after &&
      at <= currency_.current_until) {
    return cached->second;
  }
  if (mode_ == Verification::kCurrent && at > currency_.current_until) {
    return MakeError(ErrorCode::kExpired, DescribeStaleCrl(dir_, currency_));
  }
  std::string path = dir_ + "/principals/" + std::string(principal_id) + "/" +
                     std::string(PurposeName(purpose)) + ".crt";
  Result<crypto::X509Ptr> certificate = LoadCertificate(path);
  if (!certificate) {
    return MakeError(ErrorCode::kNotFound,
                     "no " + std::string(PurposeName(purpose)) +
                         " certificate for principal '" + std::string(principal_id) + "'");
  }
  TOCSIN_ASSIGN_OR_RETURN(CertifiedKey verified,
                          mode_ == Verification::kCurrent
                              ? verifier_.Verify(certificate->get(), purpose, at)
                              : verifier_.VerifyAsOf(certificate->get(), purpose, at));
  if (verified.principal_id != principal_id) {
    return MakeError(ErrorCode::kUntrustedCertificate,
                     path + " is issued to '" + verified.principal_id + "'");
  }
  verified_[key] = verified;
  return verified;
}

Result<crypto::ResolvedSigner> CertificateDirectory::ResolveSigner(
    std::string_view principal_id, UnixMillis at) {
  TOCSIN_ASSIGN_OR_RETURN(CertifiedKey key, Resolve(principal_id, Purpose::kSigning, at));
  return crypto::ResolvedSigner{key.public_key, key.role};
}

Result<Bytes> PinnedGatewayKey(CertificateDirectory& directory, std::string_view gateway_id,
                               UnixMillis at) {
  TOCSIN_ASSIGN_OR_RETURN(CertifiedKey gateway,
                          directory.Resolve(gateway_id, Purpose::kTransport, at));
  if (gateway.role != Role::kGateway) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(gateway_id) + " is not a gateway");
  }
  return Bytes(gateway.public_key.begin(), gateway.public_key.end());
}

std::vector<std::string> CertificateDirectory::PrincipalIds() const {
  std::vector<std::string> ids;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir_ + "/principals", error)) {
    if (entry.is_directory() && ValidatePrincipalId(entry.path().filename().string())) {
      ids.push_back(entry.path().filename().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace tocsin::pki
