// pki/crl_floor.h -- revocation state never goes back (SECURITY.md 40).
//
// Every verifier (gateway, agency client, bridge, operator command line, the
// CA itself) keeps, durably and in a file of its own, the highest CRL number
// it has accepted. A CRL with a lower number is refused loudly: someone put
// an older, still-valid CRL back, which would re-admit whoever it does not
// list. A higher number raises the floor (written and fsynced) before the CRL
// is used. The file holds one decimal number and a newline; a missing file is
// a floor of 0 (the first CRL is trusted on first use).
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "crypto/openssl_util.h"

namespace tocsin::pki {

class CrlFloor {
 public:
  explicit CrlFloor(std::string path) : path_(std::move(path)) {}

  // OK when `crl` (read from `origin`) is not older than the floor, after
  // raising the floor to its number. kRevoked, naming both numbers, the file
  // and the fix, when it is older.
  Status Admit(X509_CRL* crl, const std::string& origin) const;

  // The highest CRL number accepted so far (0: none).
  Result<std::uint64_t> Highest() const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Where a command-line user keeps the floor: in their own key bundle folder.
inline std::string CrlFloorOf(const std::string& bundle_dir) { return bundle_dir + "/crl-floor"; }

}  // namespace tocsin::pki
