#include "pki/directory_watch.h"

#include <sys/stat.h>

#include "pki/crl_freshness.h"

namespace tocsin::pki {

DirectoryWatch::DirectoryWatch(std::string public_dir, SteadyMillis check_every_ms)
    : paths_{public_dir + "/crl.pem", public_dir + "/" + std::string(kFreshnessStatementFile),
             public_dir + "/" + std::string(kFreshnessSignerFile)},
      check_every_ms_(check_every_ms) {
  loaded_ = Current();
}

DirectoryWatch::Signature DirectoryWatch::Current() const {
  Signature signature;
  for (const std::string& path : paths_) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      signature.emplace_back();  // absent
      continue;
    }
    signature.emplace_back(
        static_cast<long>(info.st_ino), static_cast<long>(info.st_size),
        static_cast<long>(info.st_mtim.tv_sec), static_cast<long>(info.st_mtim.tv_nsec),
        static_cast<long>(info.st_ctim.tv_sec), static_cast<long>(info.st_ctim.tv_nsec));
  }
  return signature;
}

bool DirectoryWatch::Due(bool forced, SteadyMillis steady_now, UnixMillis wall_now,
                         UnixMillis crl_next_update) {
  if (forced) {
    return true;
  }
  if (steady_now < next_check_) {
    return false;
  }
  next_check_ = steady_now + check_every_ms_;
  if (Current() != loaded_) {
    return true;
  }
  if (wall_now > crl_next_update && !stale_reported_) {
    stale_reported_ = true;
    return true;
  }
  if (wall_now <= crl_next_update && stale_reported_) {
    // Fresh again by this clock (it had stepped ahead, and came back): the
    // load that failed closed must not stand until the next CRL.
    stale_reported_ = false;
    return true;
  }
  return false;
}

void DirectoryWatch::Loaded() {
  Signature now = Current();
  if (now != loaded_) {
    stale_reported_ = false;  // a new file: its own expiry will be news
  }
  loaded_ = now;
}

}  // namespace tocsin::pki
