// pki/directory_watch.h -- when a daemon must load its CA folder again.
//
// A verifier holds one CRL (CertificateDirectory). It loads the published
// folder again when crl.pem, its freshness statement or the freshness
// signer's certificate changed (new inode, size, modification or change
// time: a rename over it, a copy into it, a touch, its appearing or going),
// when asked (SIGHUP), and
// once the CRL it holds has passed its next update, so that a CRL that merely
// expires is noticed, and logged, within a check interval (SECURITY.md 40),
// and again when a clock that had stepped past that next update comes back
// before it (SECURITY.md 43).
// Times are steady-clock milliseconds for the check interval and Unix
// milliseconds for the CRL's next update. Not thread-safe.
#pragma once

#include <string>
#include <tuple>
#include <vector>

#include "common/clock.h"

namespace tocsin::pki {

class DirectoryWatch {
 public:
  explicit DirectoryWatch(std::string public_dir, SteadyMillis check_every_ms = 1000);

  // True when the folder should be loaded again: `forced`, or (at most once
  // per check interval) crl.pem changed, or the held CRL's next update
  // (`crl_next_update`: until when it is current) has passed since the last load. Call Loaded() after
  // a load, successful or not.
  bool Due(bool forced, SteadyMillis steady_now, UnixMillis wall_now, UnixMillis crl_next_update);
  void Loaded();

 private:
  using FileSignature = std::tuple<long, long, long, long, long, long>;
  using Signature = std::vector<FileSignature>;
  Signature Current() const;

  std::vector<std::string> paths_;  // crl.pem, the statement, the signer's certificate
  SteadyMillis check_every_ms_;
  SteadyMillis next_check_ = 0;
  Signature loaded_{};
  bool stale_reported_ = false;  // the held CRL's expiry was already acted on
};

}  // namespace tocsin::pki
