// Fuzzes the whole recipient path: envelope, signature check, body, header,
// unwrap, decrypt. Keys are fixed so that seeds from make_corpus verify and
// the fuzzer can reach past the signature check by mutating unsigned parts.
#include "crypto/key_agreement.h"
#include "crypto/signing.h"
#include "protocol/directive.h"
#include "tests/fuzz/fuzz_targets.h"
#include "tests/fuzz/fuzz_keys.h"
#include "tests/testing/fake_resolver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tocsin;
  static fuzz::FuzzKeys* keys = new fuzz::FuzzKeys();
  protocol::DirectiveChecks checks{"gw", fuzz::kFuzzNow, 1};
  (void)protocol::OpenDirective(fuzz::Input(data, size), keys->resolver, checks,
                                "finance-authority", keys->agency_encryption);
  return 0;
}
