#include "pki/setup_check.h"

#include <unistd.h>

#include <filesystem>

#include "pki/bundle.h"
#include "pki/crl_expiry.h"
#include "pki/directory.h"

namespace tocsin::pki {
namespace {

tl::unexpected<Error> Wrong(const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, what);
}

}  // namespace

Result<std::vector<std::string>> CheckSetup(const SetupCheck& check, UnixMillis now) {
  std::vector<std::string> facts;
  Result<PrincipalBundle> bundle = LoadBundle(check.bundle);
  if (!bundle) {
    return WithContext(bundle.error(), "bundle " + check.bundle);
  }
  const std::string id = check.id.empty() ? bundle->principal_id : check.id;
  if (bundle->role != check.role || bundle->principal_id != id) {
    return Wrong("bundle " + check.bundle + " holds " + std::string(RoleName(bundle->role)) + " " +
                 bundle->principal_id + ", not " + std::string(RoleName(check.role)) + " " + id);
  }
  facts.push_back("bundle " + check.bundle + ": " + std::string(RoleName(check.role)) + " " + id +
                  ", keys match their certificates");
  Result<CertificateDirectory> directory = CertificateDirectory::Open(
      check.directory, crypto::X509Ptr(X509_dup(bundle->root_certificate.get())),
      Verification::kCurrent, /*floor=*/nullptr, now);
  if (!directory) {
    return WithContext(directory.error(), "CA folder " + check.directory);
  }
  CrlExpiry expiry = JudgeCrlExpiry(directory->crl_current_until(), now);
  if (expiry.freshness == CrlFreshness::kExpired) {
    return MakeError(ErrorCode::kExpired, DescribeStaleCrl(check.directory, directory->crl_currency()));
  }
  facts.push_back("CA folder " + check.directory + ": " + DescribeCrlExpiry(expiry, check.directory) +
                  ", " + std::to_string(directory->PrincipalIds().size()) + " principal(s) published");
  UnixMillis valid_until = 0;
  for (Purpose purpose : PurposesFor(check.role)) {
    Result<CertifiedKey> own = directory->Resolve(id, purpose, now);
    if (!own) {
      return WithContext(own.error(), "the published " + std::string(PurposeName(purpose)) +
                                          " certificate of " + id);
    }
    valid_until = valid_until == 0 ? own->not_after : std::min(valid_until, own->not_after);
    if (check.channel && own->channel != check.channel) {
      return Wrong("bridge " + id + " is enrolled for channel " + own->channel.value_or("none") +
                   ", not " + *check.channel + ": run the other bridge, or enrol this one");
    }
  }
  facts.push_back("certificates of " + id + " verify now, valid until " +
                  FormatUtc(valid_until));
  if (check.gateway) {
    Result<Bytes> pinned = PinnedGatewayKey(*directory, *check.gateway, now);
    if (!pinned) {
      return WithContext(pinned.error(), "gateway " + *check.gateway);
    }
    facts.push_back("gateway " + *check.gateway + ": its transport certificate verifies (key " +
                    HexEncode(*pinned).substr(0, 16) + "…)");
  }
  return facts;
}

Status CheckWritableFolderOf(const std::string& path) {
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) {
    folder = ".";
  }
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error) || ::access(folder.c_str(), W_OK | X_OK) != 0) {
    return MakeError(ErrorCode::kIoError, path + ": its folder " + folder.string() +
                                              " does not exist or is not writable by this user");
  }
  return {};
}

}  // namespace tocsin::pki
