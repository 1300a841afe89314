// tests/testing/fake_resolver.h -- a KeyResolver over an in-memory table,
// with principals that can be marked revoked.
#pragma once

#include <map>
#include <string>

#include "crypto/key_resolver.h"
#include "crypto/signing.h"

namespace tocsin::testing {

class FakeResolver final : public crypto::KeyResolver {
 public:
  void Add(const std::string& id, Role role, const crypto::PublicKey& key) {
    entries_[id] = {key, role};
  }
  void Revoke(const std::string& id) { revoked_[id] = true; }

  Result<crypto::ResolvedSigner> ResolveSigner(std::string_view principal_id,
                                               UnixMillis at) override;

 private:
  std::map<std::string, crypto::ResolvedSigner, std::less<>> entries_;
  std::map<std::string, bool, std::less<>> revoked_;
};

}  // namespace tocsin::testing
