// Writes the seed corpus of every fuzz target: valid messages of each kind
// (made with the fixed keys of fuzz_keys.h) and a few hostile classics.
// Usage: make_corpus OUTPUT_DIR   (then commit tests/fuzz/corpus)
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/file_util.h"
#include "pki/authority.h"
#include "pki/certificate.h"
#include "protocol/audit.h"
#include "protocol/promise.h"
#include "protocol/proposal.h"
#include "protocol/bridge_messages.h"
#include "protocol/directive.h"
#include "protocol/fanout.h"
#include "protocol/receipts.h"
#include "tests/fuzz/fuzz_keys.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::fuzz {
namespace {

void Write(const std::string& dir, const std::string& name, ByteView bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

protocol::SealedDirective Seal(FuzzKeys& keys) {
  protocol::DirectiveDraft d;
  d.header.issuer = "op.alice";
  d.header.gateway = "gw";
  d.header.sequence = 1;
  d.header.issued_at = kFuzzNow;
  d.header.ack_deadline = kFuzzNow + 3600000;
  d.header.expires_at = kFuzzNow + 86400000;
  d.header.sectors = {"finance"};
  d.header.summary = "summary";
  d.content = {"Title", "Body"};
  // Three recipients, so that a per-agency copy carries a real proof.
  const crypto::PublicKey& key = keys.agency_encryption.public_key();
  return protocol::SealDirective(
             d, {{"energy-authority", key}, {"finance-authority", key}, {"health-authority", key}},
             keys.operator_signing)
      .value();
}

void WriteProtocolSeeds(const std::string& out) {
  FuzzKeys keys;
  protocol::SealedDirective sealed = Seal(keys);
  Bytes directive_wire = protocol::EncodeEnvelope(sealed.envelope);
  protocol::DirectiveBody body = protocol::DecodeDirectiveBody(sealed.envelope.body).value();
  protocol::Receipt receipt{protocol::ReceiptKind::kDelivered, sealed.id, sealed.digest,
                            "finance-authority", "gw", kFuzzNow, 0, std::nullopt, "", std::nullopt};
  protocol::Receipt ack = receipt;
  ack.kind = protocol::ReceiptKind::kAcknowledged;
  ack.officer = "duty officer";
  ack.note = "done";
  protocol::Heartbeat heartbeat{"gw", 1, kFuzzNow, kFuzzNow + 5000};
  protocol::ErrorReply error{protocol::WireError::kReplay, sealed.id, "seen"};

  Write(out + "/envelope", "directive", directive_wire);
  Write(out + "/envelope", "receipt", protocol::SignReceipt(receipt, keys.agency_signing));
  Write(out + "/envelope", "acknowledgement", protocol::SignReceipt(ack, keys.agency_signing));
  Write(out + "/envelope", "heartbeat", protocol::SignHeartbeat(heartbeat, keys.operator_signing));
  Write(out + "/envelope", "huge-array", HexDecode("ddffffffff").value());
  Write(out + "/envelope", "huge-bin", HexDecode("9502c6ffffffff").value());
  Write(out + "/directive", "header", body.header);
  Write(out + "/directive", "body", sealed.envelope.body);
  Write(out + "/directive", "content", protocol::EncodeDirectiveContent({"Title", "Body"}));
  Write(out + "/directive", "non-minimal", HexDecode("dc0001cc05").value());
  Write(out + "/directive", "recipients-whole", *sealed.envelope.recipients);
  Bytes copy = protocol::DirectiveFanout::FromEnvelope(sealed.envelope)
                   .value()
                   .CopyFor("finance-authority")
                   .value();
  Write(out + "/directive", "recipients-single",
        *protocol::DecodeEnvelope(copy).value().recipients);
  Write(out + "/small_messages", "receipt", protocol::EncodeReceipt(receipt));
  Write(out + "/small_messages", "acknowledgement", protocol::EncodeReceipt(ack));
  Write(out + "/small_messages", "heartbeat", protocol::EncodeHeartbeat(heartbeat));
  Write(out + "/small_messages", "error", protocol::EncodeErrorReply(error));
  Write(out + "/small_messages", "duplicate-keys", HexDecode("82a16101a16102").value());
  Write(out + "/small_messages", "hello", protocol::EncodeHello({"finance-authority", 12}));
  Write(out + "/small_messages", "audit-entry",
        protocol::EncodeAuditEntry({protocol::AuditKind::kReceipt, kFuzzNow, sealed.id,
                                    "finance-authority", Bytes{0x95, 0x02}}));
  std::string note = protocol::SignCheckpoint(
      {"gw/audit", 12, sealed.digest, kFuzzNow}, keys.operator_signing);
  Write(out + "/small_messages", "checkpoint-note", AsBytes(note));
  protocol::BridgeMessage task;
  task.kind = protocol::BridgeKind::kTask;
  task.task = 3;
  task.channel = "sms";
  task.contact = "Claire";
  task.address = "+33612345678";
  task.subject = "s";
  task.text = "TOCSIN: notice. ACK 12345678";
  Write(out + "/small_messages", "bridge-task", protocol::EncodeBridgeMessage(task));
  Write(out + "/small_messages", "escalation",
        protocol::EncodeEscalationData({1, 0, "sms", "queued 1 message(s)"}));
  Write(out + "/small_messages", "checkpoint",
        protocol::EncodeCheckpointMessage({note, 5, {sealed.digest, sealed.digest}}));
  protocol::Promise promise{"gw.test", protocol::AuditKind::kReceipt, sealed.id,
                            "finance-authority", 12, 1795861800000, sealed.digest};
  Write(out + "/small_messages", "promise", protocol::EncodePromise(promise));
  Write(out + "/small_messages", "proof-request", protocol::EncodeProofRequest({12, 14}));
  Write(out + "/small_messages", "inclusion-proof",
        protocol::EncodeInclusionProof({12, 14, sealed.digest, {sealed.digest, sealed.digest}}));
  Write(out + "/small_messages", "evidence-request",
        protocol::EncodeEvidenceRequest({sealed.id, "energy-authority"}));
  Write(out + "/small_messages", "evidence",
        protocol::EncodeEvidencePage(
            {{{"finance-authority", protocol::SignReceipt(receipt, keys.agency_signing), std::nullopt,
               std::nullopt}},
             true}));
  protocol::Receipt refusal = receipt;
  refusal.kind = protocol::ReceiptKind::kRefused;
  refusal.reason = protocol::RefusalReason::kKeyCommitment;
  Write(out + "/small_messages", "refusal", protocol::SignReceipt(refusal, keys.agency_signing));
  protocol::CosignerWrap wrap{sealed.id, "op.bob", Bytes(crypto::kWrappedKeySize, 0x42)};
  Write(out + "/small_messages", "proposal", protocol::EncodeProposal({directive_wire, {wrap}}));
  Write(out + "/small_messages", "proposal-request", protocol::EncodeProposalRequest({sealed.id}));
  Write(out + "/small_messages", "proposals",
        protocol::EncodeProposalReply(
            {{{sealed.id, "op.alice", protocol::Severity::kCritical, protocol::DirectiveAction::kNew,
               2, {"op.alice"}, {"op.bob"}, kFuzzNow, kFuzzNow + 3600000, 1}},
             directive_wire,
             wrap}));
  Write(out + "/small_messages", "approval",
        protocol::EncodeApproval({sealed.id, crypto::Signature{}}));
  Write(out + "/open_directive", "directive", directive_wire);
  Write(out + "/open_directive", "copy", copy);
  Bytes truncated(directive_wire.begin(), directive_wire.end() - 3);
  Write(out + "/open_directive", "truncated", truncated);
}

void WriteCertificateSeeds(const std::string& out) {
  testing::TempDir dir;
  SystemClock clock;
  pki::CaConfig config{"Fuzz Centre", pki::DefaultSectors(), 30, 24, 0, {}};
  if (!pki::CertificateAuthority::Initialize(dir / "ca", config, clock)) {
    std::abort();
  }
  pki::CertificateAuthority ca = pki::CertificateAuthority::Open(dir / "ca", clock).value();
  ca.Enroll({"finance-authority", Role::kAgency, "finance", 0, std::nullopt}, dir / "b").value();
  ca.Revoke("finance-authority").value();
  Write(out + "/certificate", "encryption.crt", ReadFile(dir / "b/encryption.crt", 1 << 16).value());
  Write(out + "/certificate", "root.crt", ReadFile(dir / "ca/public/root.crt", 1 << 16).value());
  Write(out + "/certificate", "crl.pem", ReadFile(dir / "ca/public/crl.pem", 1 << 16).value());
}

}  // namespace
}  // namespace tocsin::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus OUTPUT_DIR\n");
    return 2;
  }
  tocsin::fuzz::WriteProtocolSeeds(argv[1]);
  tocsin::fuzz::WriteCertificateSeeds(argv[1]);
  std::printf("corpus written to %s\n", argv[1]);
  return 0;
}
