// Audit-log entries and checkpoints (docs/audit.md).
#include "protocol/audit.h"

#include <catch2/catch.hpp>

#include "crypto/base64.h"

namespace tocsin::protocol {
namespace {

constexpr UnixMillis kAt = 1795861800000;

crypto::SigningKey FixedKey(std::uint8_t seed) {
  return crypto::SigningKey::FromSeed(Bytes(32, seed)).value();
}

TEST_CASE("Audit entries round-trip and carry what their kind requires", "[protocol][audit]") {
  DirectiveId id;
  id.fill(0x11);
  std::vector<AuditEntry> entries = {
      {AuditKind::kDirectiveAccepted, kAt, id, "op.alice", Bytes{0x95, 0x02}},
      {AuditKind::kSent, kAt, id, "finance-authority", {}},
      {AuditKind::kReceipt, kAt, id, "finance-authority", Bytes{0x95}},
      {AuditKind::kAcknowledgement, kAt, id, "finance-authority", Bytes{0x95}},
      {AuditKind::kRefusal, kAt, id, "energy-authority", Bytes{0x95}},
      {AuditKind::kPrincipalEnrolled, kAt, std::nullopt, "energy-authority", Bytes(32, 7)},
      {AuditKind::kPrincipalRevoked, kAt, std::nullopt, "energy-authority", Bytes(32, 7)},
      {AuditKind::kCrlAdopted, kAt, std::nullopt, "gw", Bytes{0x30, 0x00}},
  };
  for (const AuditEntry& entry : entries) {
    Bytes encoded = EncodeAuditEntry(entry);
    Result<AuditEntry> back = DecodeAuditEntry(encoded);
    INFO(AuditKindName(entry.kind) << ": " << (back ? "" : back.error().ToString()));
    REQUIRE(back);
    CHECK(EncodeAuditEntry(*back) == encoded);
  }
  auto refused = [](AuditEntry e, std::string_view why) {
    Result<AuditEntry> r = DecodeAuditEntry(EncodeAuditEntry(e));
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().context, Catch::Contains(std::string(why)));
  };
  refused({AuditKind::kSent, kAt, std::nullopt, "finance-authority", {}}, "directive_id");
  refused({AuditKind::kPrincipalEnrolled, kAt, id, "finance-authority", Bytes(32, 1)},
          "directive_id");
  refused({AuditKind::kReceipt, kAt, id, "finance-authority", {}}, "evidence missing");
  refused({AuditKind::kSent, kAt, id, "finance-authority", Bytes{1}}, "carries no data");
  refused({AuditKind::kPrincipalRevoked, kAt, std::nullopt, "x", Bytes(31, 1)}, "32 bytes");
  refused({AuditKind::kRefusal, kAt, id, "energy-authority", {}}, "evidence missing");
  refused({static_cast<AuditKind>(kMaxAuditKind + 1), kAt, id, "finance-authority", Bytes{1}},
          "audit entry.kind");
  refused({AuditKind::kCrlAdopted, kAt, id, "gw", Bytes{0x30}}, "directive_id");
  refused({AuditKind::kCrlAdopted, kAt, std::nullopt, "gw", {}}, "evidence missing");
  refused({AuditKind::kSent, 0, id, "finance-authority", {}}, "audit entry.at");
}

TEST_CASE("A checkpoint is a C2SP signed note that verifies with the log key only",
          "[protocol][audit][checkpoint]") {
  crypto::SigningKey log = FixedKey(0x21);
  crypto::SigningKey other = FixedKey(0x22);
  Checkpoint c{AuditOrigin("gw.national"), 42, {}, kAt};
  c.root.fill(0xab);
  std::string note = SignCheckpoint(c, log);
  // origin, size, root, time; a blank line; one signature line with an em dash.
  CHECK(note.starts_with("gw.national/audit\n42\n" + crypto::Base64Encode(c.root) +
                         "\ntime 1795861800000\n\n\u2014 gw.national/audit "));
  Result<Checkpoint> back = VerifyCheckpoint(note, "gw.national/audit", log.public_key());
  REQUIRE(back);
  CHECK(back->size == 42);
  CHECK(back->root == c.root);
  CHECK(back->time == kAt);

  CHECK(VerifyCheckpoint(note, "gw.national/audit", other.public_key()).error().code ==
        ErrorCode::kBadSignature);
  CHECK(VerifyCheckpoint(note, "gw.other/audit", log.public_key()).error().code ==
        ErrorCode::kMalformedMessage);
  // A witness's extra signature line is tolerated; ours must still verify.
  std::string cosigned = note + "\u2014 witness.example AAAA\n";
  CHECK(VerifyCheckpoint(cosigned, "gw.national/audit", log.public_key()));
  // Every single-byte change of the note is refused.
  for (std::size_t i = 0; i < note.size(); ++i) {
    std::string tampered = note;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    INFO("byte " << i);
    CHECK_FALSE(VerifyCheckpoint(tampered, "gw.national/audit", log.public_key()));
  }
}

TEST_CASE("Checkpoint bodies with bad numbers are refused", "[protocol][audit][checkpoint]") {
  crypto::SigningKey log = FixedKey(0x21);
  auto with_body = [&](const std::string& body) {
    crypto::Signature sig = log.SignNote(AsBytes(body));
    Bytes tagged;
    Append(tagged, NoteKeyId("gw/audit", log.public_key()));
    Append(tagged, sig);
    return body + "\n\u2014 gw/audit " + crypto::Base64Encode(tagged) + "\n";
  };
  std::string root = crypto::Base64Encode(Bytes(32, 1));
  CHECK(VerifyCheckpoint(with_body("gw/audit\n7\n" + root + "\ntime 5\n"), "gw/audit",
                         log.public_key()));
  for (const std::string& body :
       {"gw/audit\n07\n" + root + "\ntime 5\n", "gw/audit\n-7\n" + root + "\ntime 5\n",
        "gw/audit\n7\n" + root + "\n", "gw/audit\n7\n" + root + "\ntime 0\n",
        std::string("gw/audit\n7\nAAAA\ntime 5\n"), "gw/audit\n7\n" + root + "\ntime 5\nextra\n"}) {
    INFO(body);
    CHECK(VerifyCheckpoint(with_body(body), "gw/audit", log.public_key()).error().code ==
          ErrorCode::kMalformedMessage);
  }
}

}  // namespace
}  // namespace tocsin::protocol
