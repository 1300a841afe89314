#include "protocol/receipts.h"

#include <catch2/catch.hpp>

#include "protocol/signed_envelope.h"
#include "protocol/strict_msgpack.h"
#include "tests/protocol/protocol_fixture.h"

namespace tocsin::protocol {
namespace {

using testing::kNow;
using testing::ProtocolFixture;

Receipt Delivered(const SealedDirective& sealed, const std::string& agency) {
  Receipt r;
  r.directive_id = sealed.id;
  r.directive_digest = sealed.digest;
  r.agency = agency;
  r.gateway = "gw";
  r.at = kNow + 1500;
  return r;
}

TEST_CASE("Signed receipts and acknowledgements verify at the gateway",
          "[protocol][receipt]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  Receipt delivered = Delivered(sealed, "finance-authority");
  Bytes wire = SignReceipt(delivered, f["finance-authority"].signing);
  Receipt back = VerifyReceipt(wire, f.resolver, kNow, "gw").value();
  CHECK(back.kind == ReceiptKind::kDelivered);
  CHECK(back.directive_digest == sealed.digest);

  Receipt ack = delivered;
  ack.kind = ReceiptKind::kAcknowledged;
  ack.officer = "Claire Martin, duty officer";
  ack.note = "Segment B isolated at 10:41";
  Receipt ack_back = VerifyReceipt(SignReceipt(ack, f["finance-authority"].signing),
                                   f.resolver, kNow, "gw").value();
  CHECK(ack_back.kind == ReceiptKind::kAcknowledged);
  CHECK(ack_back.officer == ack.officer);
  CHECK(ack_back.note == ack.note);
}

TEST_CASE("A receipt must be signed by the agency it names", "[protocol][receipt][negative]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  Receipt r = Delivered(sealed, "finance-authority");
  // energy-authority signs a receipt that claims finance-authority received it.
  Envelope forged = SignBody(MessageType::kReceipt, EncodeReceipt(r), "energy-authority",
                             f["energy-authority"].signing);
  Result<Receipt> v = VerifyReceipt(EncodeEnvelope(forged), f.resolver, kNow, "gw");
  REQUIRE_FALSE(v);
  CHECK(v.error().code == ErrorCode::kPermissionDenied);
  // An operator, or the gateway itself, cannot make receipts either.
  r.agency = "gw";
  CHECK(VerifyReceipt(SignReceipt(r, f["gw"].signing), f.resolver, kNow, "gw").error().code ==
        ErrorCode::kPermissionDenied);
}

TEST_CASE("A delivery receipt cannot be replayed as an acknowledgement",
          "[protocol][receipt][negative]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  Bytes wire = SignReceipt(Delivered(sealed, "finance-authority"), f["finance-authority"].signing);
  Envelope e = DecodeEnvelope(wire).value();
  e.type = MessageType::kAcknowledgement;
  Result<Receipt> v = VerifyReceipt(EncodeEnvelope(e), f.resolver, kNow, "gw");
  REQUIRE_FALSE(v);
  CHECK(v.error().code == ErrorCode::kBadSignature);
}

TEST_CASE("A signed refusal names the copy, the reason and the agency's log view",
          "[protocol][receipt][refusal]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  Receipt refusal = Delivered(sealed, "finance-authority");
  refusal.kind = ReceiptKind::kRefused;
  refusal.directive_digest.fill(0x5a);  // the digest of the copy as received
  refusal.reason = RefusalReason::kKeyCommitment;
  refusal.log_size = 7;
  refusal.log_root.emplace().fill(0x33);
  Bytes wire = SignReceipt(refusal, f["finance-authority"].signing);
  CHECK(DecodeEnvelope(wire).value().type == MessageType::kRefusal);
  Receipt back = VerifyReceipt(wire, f.resolver, kNow, "gw").value();
  CHECK(back.kind == ReceiptKind::kRefused);
  CHECK(back.reason == RefusalReason::kKeyCommitment);
  CHECK(back.log_size == 7);
  CHECK(RefusalReasonName(back.reason) == "key-commitment");
  // Its own context: a refusal's signature makes no receipt, nor the reverse.
  Envelope e = DecodeEnvelope(wire).value();
  e.type = MessageType::kReceipt;
  CHECK(VerifyReceipt(EncodeEnvelope(e), f.resolver, kNow, "gw").error().code ==
        ErrorCode::kBadSignature);
  // Reasons outside the table are refused before anything else is believed.
  Writer bad;
  bad.Array(8).Bin(refusal.directive_id).Bin(refusal.directive_digest).Text("finance-authority")
      .Text("gw").Uint(static_cast<std::uint64_t>(kNow)).Uint(0).Nil().Uint(kMaxRefusalReason + 1);
  CHECK_THAT(DecodeReceipt(bad.Take(), ReceiptKind::kRefused).error().context,
             Catch::Contains("refusal.reason"));
}

TEST_CASE("Receipts for another gateway, or with two signatures, are refused",
          "[protocol][receipt][negative]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  Bytes wire = SignReceipt(Delivered(sealed, "finance-authority"), f["finance-authority"].signing);
  CHECK(VerifyReceipt(wire, f.resolver, kNow, "gw2").error().code == ErrorCode::kPermissionDenied);
  Envelope e = DecodeEnvelope(wire).value();
  AddSignature(e, "finance-authority", f["finance-authority"].signing);
  CHECK(VerifyReceipt(EncodeEnvelope(e), f.resolver, kNow, "gw").error().code ==
        ErrorCode::kMalformedMessage);
  CHECK_FALSE(VerifyReceipt(EncodeEnvelope(sealed.envelope), f.resolver, kNow, "gw"));
}

TEST_CASE("Heartbeats verify while fresh, within the clock tolerance, from their gateway only",
          "[protocol][heartbeat]") {
  ProtocolFixture f;
  Heartbeat hb{"gw", 42, kNow, kNow + 5000};
  Bytes wire = SignHeartbeat(hb, f["gw"].signing);
  CHECK(VerifyHeartbeat(wire, f.resolver, kNow + 4999, "gw").value().sequence == 42);
  // A receiver 3 minutes fast still takes it (SECURITY.md 43: one tolerance).
  CHECK(VerifyHeartbeat(wire, f.resolver, kNow + 3 * 60 * 1000, "gw"));
  CHECK(VerifyHeartbeat(wire, f.resolver, kNow + 5000 + kMaxClockSkew, "gw").error().code ==
        ErrorCode::kExpired);
  // A heartbeat that claims liveness for more than 10 minutes proves nothing.
  Heartbeat long_lived{"gw", 43, kNow, kNow + kMaxHeartbeatValidity + 1};
  CHECK_THAT(VerifyHeartbeat(SignHeartbeat(long_lived, f["gw"].signing), f.resolver, kNow, "gw")
                 .error()
                 .context,
             Catch::Contains("more than the"));
  // A receiver more than the tolerance slow sees it as from the future.
  CHECK(VerifyHeartbeat(wire, f.resolver, kNow - kMaxClockSkew - 1, "gw").error().code ==
        ErrorCode::kExpired);
  CHECK_FALSE(VerifyHeartbeat(wire, f.resolver, kNow, "gw2"));
  Heartbeat by_operator{"op.alice", 1, kNow, kNow + 5000};
  CHECK(VerifyHeartbeat(SignHeartbeat(by_operator, f["op.alice"].signing), f.resolver, kNow,
                        "op.alice")
            .error()
            .code == ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace tocsin::protocol
