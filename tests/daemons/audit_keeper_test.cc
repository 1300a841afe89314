// The gateway's side of the audit log: promises that name the committed
// entry, inclusion proofs on request, and rows of an earlier version given
// their entry's index (gateway/audit_keeper.h, SECURITY.md 39).
#include "gateway/audit_keeper.h"

#include <catch2/catch.hpp>

#include "crypto/merkle.h"
#include "protocol/audit.h"
#include "protocol/directive.h"
#include "store/sqlite.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::gateway {
namespace {

constexpr UnixMillis kAt = 1795861800000;

struct Fixture {
  testing::TempDir dir;
  FakeClock clock{kAt};
  crypto::SigningKey log_key = crypto::SigningKey::FromSeed(Bytes(32, 0x44)).value();
  std::string path = dir / "gw.db";
  store::Ledger ledger = store::Ledger::Open(path).value();
  AuditKeeper keeper{"gw.test", log_key, ledger, clock};
  protocol::DirectiveId id{};
  Bytes directive_wire{0x95, 0x02, 0x01};
  Bytes receipt_wire{0x95, 0x02, 0x02};

  // A directive for finance, sent, and finance's receipt: entries 0 to 2.
  void Record() {
    id.fill(0x21);
    Bytes raw(id.begin(), id.end());
    REQUIRE(ledger.directives().Accept({raw, "op.alice", 1, 4, kAt, kAt + 100000, kAt + 50000, kAt, Bytes(32, 9),
                           directive_wire, {"finance"},
                           keeper.Accepted(id, "op.alice", directive_wire, kAt)}));
    REQUIRE(ledger.directives().MarkSent({{raw, "finance", keeper.Sent(raw, "finance", kAt + 1)}}, kAt + 1));
    protocol::Receipt receipt{protocol::ReceiptKind::kDelivered, id, {}, "finance", "gw.test",
                              kAt + 2, 0, std::nullopt, "", std::nullopt};
    REQUIRE(ledger.receipts().Record({{.directive_id = raw, .agency = "finance",
                                    .acknowledgement = false, .at = kAt + 2,
                                    .recorded_at = kAt + 3, .officer = "",
                                    .digest = Bytes(32, 9), .wire = receipt_wire,
                                    .audit_entry = keeper.Evidence(receipt, receipt_wire, kAt + 3)}},
                                  protocol::kMaxClockSkew, nullptr));
  }
};

TEST_CASE("A promise names the committed entry that records exactly the bytes sent",
          "[audit][promise]") {
  Fixture f;
  f.Record();
  auto position = f.ledger.directives().Position(Bytes(f.id.begin(), f.id.end())).value();
  REQUIRE(position);
  Bytes wire = f.keeper.Promise(protocol::AuditKind::kDirectiveAccepted, f.id, "op.alice", *position);
  protocol::Promise promise =
      protocol::VerifyPromise(wire, "gw.test", f.log_key.public_key()).value();
  CHECK(promise.index == 0);
  CHECK(protocol::CheckPromiseFor(promise, protocol::AuditKind::kDirectiveAccepted, f.id,
                                  "op.alice", f.directive_wire));

  // Asked for, the proof of that entry verifies against the tree's root.
  Bytes answer = f.keeper.InclusionProof({0, 3}).value();
  protocol::Envelope envelope = protocol::DecodeEnvelope(answer).value();
  protocol::InclusionProofMessage proof = protocol::DecodeInclusionProof(envelope.body).value();
  protocol::Checkpoint checkpoint{"gw.test/audit", 3, f.ledger.audit().tree().Root(), kAt + 5};
  CHECK(protocol::JudgePromise(promise, checkpoint, &proof).verdict ==
        protocol::PromiseVerdict::kKept);
  CHECK(f.keeper.InclusionProof({0, 4}).error().code == ErrorCode::kNotFound);  // beyond the log
}

TEST_CASE("Rows of an earlier version get their entry's index back from the log",
          "[audit][promise]") {
  Fixture f;
  f.Record();
  {
    // As an earlier version left them: no index (one no-op per schema version).
    store::Database raw = store::Database::Open(f.path, {"", "", "", "", "", ""}).value();
    REQUIRE(raw.Execute("UPDATE directives SET audit_idx = NULL; "
                        "UPDATE receipts SET audit_idx = NULL"));
    // And one from before the audit log existed: no entry records it.
    REQUIRE(raw.Execute("INSERT INTO receipts (directive_id, agency, kind, signed_at, "
                        "recorded_at, wire) VALUES (x'21212121212121212121212121212121', "
                        "'health', 0, 1, 1, x'00')"));
  }
  Bytes directive(f.id.begin(), f.id.end());
  CHECK_FALSE(f.ledger.directives().Position(directive).value());
  CHECK(f.ledger.audit().HasUnindexedConfirmations().value());
  REQUIRE(f.keeper.IndexLegacyConfirmations());
  CHECK_FALSE(f.ledger.audit().HasUnindexedConfirmations().value());  // once: the orphan is marked too
  CHECK(f.ledger.directives().Position(directive).value()->index == 0);
  std::vector<std::optional<store::LogPosition>> logged;
  std::vector<store::RefusedReceipt> refused;
  REQUIRE(f.ledger.receipts().Record({{.directive_id = directive, .agency = "finance",
                                    .acknowledgement = false, .at = kAt + 2,
                                    .recorded_at = kAt + 9, .officer = "",
                                    .digest = Bytes(32, 9), .wire = f.receipt_wire,
                                    .audit_entry = {}}},
                                  protocol::kMaxClockSkew, &refused, &logged));
  REQUIRE(logged[0]);
  CHECK(logged[0]->index == 2);
  CHECK(logged[0]->at == kAt + 3);
}

TEST_CASE("A checkpoint that loses its compare-and-swap is not published; the stored one is",
          "[audit][checkpoint]") {
  Fixture f;
  f.Record();
  REQUIRE(f.keeper.Checkpoint().value() == std::optional<std::uint64_t>(3));
  REQUIRE(f.ledger.audit().Append(ToBytes("one more"), kAt + 10));
  std::string theirs;
  {
    // Another writer of the same log stores its checkpoint of size 4 first,
    // dated ahead of this gateway's clock.
    store::Ledger other = store::Ledger::Open(f.path).value();
    REQUIRE(other.audit().size() == 4);
    theirs = protocol::SignCheckpoint(
        {protocol::AuditOrigin("gw.test"), 4, other.audit().tree().Root(), kAt + 5000}, f.log_key);
    REQUIRE(other.audit().AdvanceCheckpoint({4, theirs, kAt + 5000}, 3).value());
  }
  f.clock.Advance(20);
  CHECK(f.keeper.Checkpoint().value() == std::optional<std::uint64_t>(4));  // adopted
  CHECK(f.keeper.latest_size() == 4);
  CHECK(f.keeper.latest_signed_at() == kAt + 5000);
  CHECK(f.ledger.audit().last_time() == kAt + 5000);  // the log's clock covers it
  std::vector<store::StoredCheckpoint> stored = f.ledger.audit().Checkpoints().value();
  REQUIRE(stored.size() == 2);
  CHECK(stored[1].note == theirs);  // one note for size 4, never two
  CHECK_FALSE(f.keeper.Checkpoint().value());  // nothing new to sign
}

TEST_CASE("A stored checkpoint that is not this log's is refused, not adopted",
          "[audit][checkpoint]") {
  Fixture f;
  f.Record();
  REQUIRE(f.keeper.Checkpoint().value() == std::optional<std::uint64_t>(3));
  REQUIRE(f.ledger.audit().Append(ToBytes("one more"), kAt + 10));
  {
    store::Ledger other = store::Ledger::Open(f.path).value();
    crypto::Digest wrong{};
    wrong.fill(0x77);
    REQUIRE(other.audit().AdvanceCheckpoint(
        {4, protocol::SignCheckpoint({protocol::AuditOrigin("gw.test"), 4, wrong, kAt + 11},
                                     f.log_key),
         kAt + 11},
        3).value());
  }
  Result<std::optional<std::uint64_t>> signed_now = f.keeper.Checkpoint();
  REQUIRE_FALSE(signed_now);
  CHECK(signed_now.error().context.find("is not this log's") != std::string::npos);
  CHECK(f.keeper.latest_size() == 3);  // still publishing what it had
}

TEST_CASE("Checkpoints are never dated before the entries they follow", "[audit][clock]") {
  Fixture f;
  f.Record();  // entries dated up to kAt + 3
  REQUIRE(f.keeper.Checkpoint().value());
  UnixMillis signed_at = f.ledger.audit().LatestCheckpoint().value()->signed_at;
  CHECK(signed_at >= kAt + 3);
  f.clock.Set(kAt - 3600 * 1000);  // the wall clock steps back an hour
  CHECK(f.keeper.Now() >= signed_at);
}

}  // namespace
}  // namespace tocsin::gateway
