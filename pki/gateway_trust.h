// pki/gateway_trust.h -- what a daemon that talks to one gateway (an agency
// client, a bridge) holds of its CA folder, kept current (SECURITY.md 40).
//
// It owns the CertificateDirectory, the daemon's CRL floor and its
// DirectoryWatch, and the gateway's transport key pinned at start. Refresh()
// loads the folder again when it is due (crl.pem changed, SIGHUP, the CRL
// expired): revoked keys drop out of the cache at once, an older CRL or a
// broken folder is refused loudly and the previous state kept, and once the
// gateway's certificate no longer verifies (or names another key than the
// pinned one) gateway_trusted() turns false: the daemon then sends the
// gateway nothing. Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/openssl_util.h"
#include "pki/crl_expiry.h"
#include "pki/crl_floor.h"
#include "pki/directory.h"
#include "pki/directory_watch.h"

namespace tocsin::pki {

class GatewayTrust {
 public:
  // Opens `public_dir` under `root` (the caller's pinned root, copied) with
  // the floor at `floor_path`, and pins `gateway_id`'s transport key.
  static Result<std::unique_ptr<GatewayTrust>> Open(const std::string& public_dir, X509* root,
                                                    const std::string& floor_path,
                                                    const std::string& gateway_id,
                                                    UnixMillis now);

  CertificateDirectory& directory() { return directory_; }
  const Bytes& pinned_key() const { return pinned_key_; }
  bool gateway_trusted() const { return gateway_trusted_; }

  // Loads the folder again if it is due (or `forced`). Never fails: what
  // goes wrong is logged and the previous state kept. Warns of the CRL's
  // coming expiry (CrlExpiryWarner).
  void Refresh(bool forced, UnixMillis now);

 private:
  GatewayTrust(std::string public_dir, crypto::X509Ptr root, std::string floor_path,
               std::string gateway_id, CertificateDirectory directory, Bytes pinned_key)
      : public_dir_(public_dir), root_(std::move(root)), floor_(std::move(floor_path)),
        gateway_id_(std::move(gateway_id)), directory_(std::move(directory)),
        watch_(public_dir), warner_(std::move(public_dir)), pinned_key_(std::move(pinned_key)) {}

  std::string public_dir_;
  crypto::X509Ptr root_;
  CrlFloor floor_;
  std::string gateway_id_;
  CertificateDirectory directory_;
  DirectoryWatch watch_;
  CrlExpiryWarner warner_;
  Bytes pinned_key_;
  bool gateway_trusted_ = true;
};

}  // namespace tocsin::pki
