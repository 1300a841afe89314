// Fuzzes the directive body, header, recipient set and content decoders.
#include "protocol/messages.h"
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tocsin;
  ByteView input = fuzz::Input(data, size);
  auto header = protocol::DecodeDirectiveHeader(input);
  if (header && protocol::EncodeDirectiveHeader(*header) != Bytes(data, data + size)) {
    __builtin_trap();
  }
  auto body = protocol::DecodeDirectiveBody(input);
  if (body) {
    (void)protocol::DecodeDirectiveHeader(body->header);
  }
  auto recipients = protocol::DecodeRecipientSet(input);
  if (recipients && protocol::EncodeRecipientSet(*recipients) != Bytes(data, data + size)) {
    __builtin_trap();
  }
  (void)protocol::DecodeDirectiveContent(input);
  return 0;
}
