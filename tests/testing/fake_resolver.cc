#include "tests/testing/fake_resolver.h"

namespace tocsin::testing {

Result<crypto::ResolvedSigner> FakeResolver::ResolveSigner(std::string_view principal_id,
                                                           UnixMillis) {
  if (revoked_.count(principal_id) != 0) {
    return MakeError(ErrorCode::kRevoked, std::string(principal_id) + " is revoked");
  }
  auto found = entries_.find(principal_id);
  if (found == entries_.end()) {
    return MakeError(ErrorCode::kNotFound, "unknown principal " + std::string(principal_id));
  }
  return found->second;
}

}  // namespace tocsin::testing
