// Fuzzes the receipt, acknowledgement, heartbeat and error reply decoders.
#include "protocol/messages.h"
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tocsin;
  ByteView input = fuzz::Input(data, size);
  for (auto kind : {protocol::ReceiptKind::kDelivered, protocol::ReceiptKind::kAcknowledged}) {
    auto receipt = protocol::DecodeReceipt(input, kind);
    if (receipt && protocol::EncodeReceipt(*receipt) != Bytes(data, data + size)) {
      __builtin_trap();
    }
  }
  (void)protocol::DecodeHeartbeat(input);
  (void)protocol::DecodeErrorReply(input);
  return 0;
}
