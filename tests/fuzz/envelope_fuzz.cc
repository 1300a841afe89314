// Fuzzes the outer envelope decoder and, for what decodes, re-encoding.
#include "protocol/messages.h"
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tocsin;
  auto envelope = protocol::DecodeEnvelope(fuzz::Input(data, size));
  if (envelope) {
    // A value that decodes re-encodes to exactly the input (canonical form).
    Bytes again = protocol::EncodeEnvelope(*envelope);
    if (again != Bytes(data, data + size)) {
      __builtin_trap();
    }
  }
  return 0;
}
