// Fuzzes the receipt, acknowledgement, refusal, heartbeat, error reply, hello,
// checkpoint message, audit entry, bridge message, log promise, proof and
// evidence decoders, the proposal messages, and the checkpoint note and
// promise verifiers.
#include "protocol/audit.h"
#include "protocol/bridge_messages.h"
#include "protocol/messages.h"
#include "protocol/promise.h"
#include "protocol/proposal.h"
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tocsin;
  ByteView input = fuzz::Input(data, size);
  for (auto kind : {protocol::ReceiptKind::kDelivered, protocol::ReceiptKind::kAcknowledged,
                    protocol::ReceiptKind::kRefused}) {
    auto receipt = protocol::DecodeReceipt(input, kind);
    if (receipt && protocol::EncodeReceipt(*receipt) != Bytes(data, data + size)) {
      __builtin_trap();
    }
  }
  (void)protocol::DecodeHeartbeat(input);
  (void)protocol::DecodeErrorReply(input);
  (void)protocol::DecodeHello(input);
  auto entry = protocol::DecodeAuditEntry(input);
  if (entry && protocol::EncodeAuditEntry(*entry) != Bytes(data, data + size)) {
    __builtin_trap();
  }
  auto checkpoint = protocol::DecodeCheckpointMessage(input);
  if (checkpoint) {
    (void)protocol::VerifyCheckpoint(checkpoint->note, "gw/audit", crypto::PublicKey{});
  }
  (void)protocol::VerifyCheckpoint(AsStringView(input), "gw/audit", crypto::PublicKey{});
  auto bridge = protocol::DecodeBridgeMessage(input);
  if (bridge && protocol::EncodeBridgeMessage(*bridge) != Bytes(data, data + size)) {
    __builtin_trap();
  }
  auto promise = protocol::DecodePromise(input);
  if (promise && protocol::EncodePromise(*promise) != Bytes(data, data + size)) {
    __builtin_trap();
  }
  (void)protocol::VerifyPromise(input, "gw", crypto::PublicKey{});
  (void)protocol::DecodeProofRequest(input);
  auto proof = protocol::DecodeInclusionProof(input);
  if (proof && protocol::EncodeInclusionProof(*proof) != Bytes(data, data + size)) {
    __builtin_trap();
  }
  (void)protocol::DecodeEvidenceRequest(input);
  auto evidence = protocol::DecodeEvidencePage(input);
  if (evidence && protocol::EncodeEvidencePage(*evidence) != Bytes(data, data + size)) {
    __builtin_trap();
  }
  (void)protocol::DecodeEscalationData(input);
  (void)protocol::DecodeBridgeOutcomeData(input);
  // Proposals: every accepted form re-encodes to the same bytes.
  Bytes same(data, data + size);
  auto proposal = protocol::DecodeProposal(input);
  auto request = protocol::DecodeProposalRequest(input);
  auto reply = protocol::DecodeProposalReply(input);
  auto approval = protocol::DecodeApproval(input);
  auto withdrawal = protocol::DecodeWithdrawal(input);
  if ((proposal && protocol::EncodeProposal(*proposal) != same) ||
      (request && protocol::EncodeProposalRequest(*request) != same) ||
      (reply && protocol::EncodeProposalReply(*reply) != same) ||
      (approval && protocol::EncodeApproval(*approval) != same) ||
      (withdrawal && protocol::EncodeWithdrawal(*withdrawal) != same)) {
    __builtin_trap();
  }
  return 0;
}
