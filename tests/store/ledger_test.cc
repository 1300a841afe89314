#include "store/ledger.h"

#include <catch2/catch.hpp>

#include "tests/store/test_ledger.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::store {
namespace {

AcceptedDirective Sample(std::uint8_t id_byte, std::uint64_t sequence,
                         std::vector<std::string> recipients = {"energy", "finance"}) {
  return {Bytes(16, id_byte), "op.alice", sequence, 4, 1000, 100000, 5000, 1001,
          Bytes(32, id_byte), Bytes{0x94, id_byte}, std::move(recipients),
          ToBytes("accepted " + std::to_string(id_byte))};
}

constexpr UnixMillis kSkew = 300000;

ReceiptRecord Receipt(std::uint8_t id_byte, const std::string& agency, bool ack = false,
                      std::uint8_t digest_byte = 0) {
  return {.directive_id = Bytes(16, id_byte),
          .agency = agency,
          .acknowledgement = ack,
          .refusal = false,
          .at = 2000,
          .recorded_at = 2001,
          .officer = ack ? "Ana" : "",
          .digest = Bytes(32, digest_byte != 0 ? digest_byte : id_byte),
          .wire = Bytes{1, 2, 3},
          .audit_entry = ToBytes((ack ? "ack " : "receipt ") + agency)};
}

TEST_CASE("Ledger stores a directive with a pending delivery per recipient", "[store][ledger]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.directives().Accept(Sample(1, 1)));
  auto found = ledger.directives().Find(Bytes(16, 1)).value();
  REQUIRE(found);
  CHECK(found->recipients == std::vector<std::string>{"energy", "finance"});
  auto rows = ledger.directives().Deliveries(Bytes(16, 1)).value();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].state == DeliveryState::kPending);
  CHECK_FALSE(ledger.directives().Find(Bytes(16, 9)).value());
}

TEST_CASE("A directive for hundreds of recipients stores every delivery, pending, once",
          "[store][ledger]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  std::vector<std::string> recipients;
  for (int i = 0; i < 300; ++i) {  // 128 + 128 + 32 + 8 + 4 rows per statement
    recipients.push_back("agency-" + std::to_string(1000 + i));
  }
  REQUIRE(ledger.directives().Accept(Sample(1, 1, recipients)));
  REQUIRE(ledger.directives().Accept(Sample(2, 2, {"one"})));
  std::vector<DeliveryRow> rows = ledger.directives().Deliveries(Bytes(16, 1)).value();
  REQUIRE(rows.size() == 300);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i].agency == recipients[i]);
    CHECK(rows[i].state == DeliveryState::kPending);
  }
  CHECK(ledger.directives().Find(Bytes(16, 1)).value()->recipients == recipients);
  CHECK(ledger.directives().Deliveries(Bytes(16, 2)).value().size() == 1);
}

TEST_CASE("Marking hundreds sent moves each pending pair once and logs it once, in order",
          "[store][ledger][audit]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  std::vector<std::string> recipients;
  for (int i = 0; i < 300; ++i) {
    recipients.push_back("agency-" + std::to_string(1000 + i));
  }
  REQUIRE(ledger.directives().Accept(Sample(1, 1, recipients)));
  std::vector<RefusedReceipt> refused;
  ReceiptRecord early = Receipt(1, "agency-1007");  // delivered before it is marked sent
  REQUIRE(ledger.receipts().Record({early}, kSkew, &refused).value() == 1);
  std::vector<SentRecord> sent;
  for (const std::string& agency : recipients) {
    sent.push_back({Bytes(16, 1), agency, ToBytes("sent " + agency)});
  }
  sent.push_back({Bytes(16, 1), "agency-1003", ToBytes("sent again agency-1003")});  // twice
  sent.push_back({Bytes(16, 9), "agency-1003", ToBytes("sent unknown")});  // no such directive
  std::uint64_t before = ledger.audit().size();
  REQUIRE(ledger.directives().MarkSent(sent, 5000));
  CHECK(ledger.audit().size() == before + 299);  // all but the delivered one, each once
  std::vector<Bytes> entries = ledger.audit().Entries(before, before + 299).value();
  REQUIRE(entries.size() == 299);
  CHECK(entries[0] == ToBytes("sent agency-1000"));
  CHECK(entries[7] == ToBytes("sent agency-1008"));  // 1007 skipped: it was delivered
  CHECK(entries[298] == ToBytes("sent agency-1299"));
  std::vector<DeliveryRow> rows = ledger.directives().Deliveries(Bytes(16, 1)).value();
  REQUIRE(rows.size() == 300);
  for (const DeliveryRow& row : rows) {
    INFO(row.agency);
    CHECK(row.state == (row.agency == "agency-1007" ? DeliveryState::kDelivered
                                                    : DeliveryState::kSent));
    CHECK(row.sent_at == (row.agency == "agency-1007" ? std::nullopt
                                                      : std::optional<UnixMillis>(5000)));
  }
  REQUIRE(ledger.directives().MarkSent(sent, 6000));  // again: nothing moves, nothing logged
  CHECK(ledger.audit().size() == before + 299);
}

TEST_CASE("A refused copy is kept once as evidence and marks the delivery",
          "[store][ledger][refusal]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.directives().Accept(Sample(1, 1)));
  REQUIRE(ledger.directives().MarkSent({{Bytes(16, 1), "energy", ToBytes("sent")}}, 1500));
  ReceiptRecord refusal = Receipt(1, "energy", false, 0x77);  // the copy's digest, not checked
  refusal.refusal = true;
  refusal.audit_entry = ToBytes("refusal energy");
  std::vector<RefusedReceipt> refused;
  std::vector<std::optional<UnixMillis>> first;
  CHECK(ledger.receipts().Record({refusal}, kSkew, &refused, nullptr, &first).value() == 0);
  CHECK(refused.empty());
  REQUIRE(first.size() == 1);
  CHECK(first[0] == Sample(1, 1).accepted_at);  // the start of its latency
  refusal.at += 1000;  // signed again when the copy came again
  CHECK(ledger.receipts().Record({refusal}, kSkew, &refused, nullptr, &first).value() == 0);
  CHECK(first == std::vector<std::optional<UnixMillis>>{std::nullopt});  // kept once
  auto rows = ledger.directives().Deliveries(Bytes(16, 1)).value();
  CHECK(rows[0].agency == "energy");
  CHECK(rows[0].state == DeliveryState::kSent);  // escalation goes on: it holds nothing
  CHECK(rows[0].refused_at == 2000);
  // Still caught up: a cause on the agency's side (a stale CA folder, its
  // clock) heals when the copy comes again.
  CHECK(ledger.directives().Undelivered("energy", 3000).value().size() == 1);
  bool more = false;
  auto evidence = ledger.receipts().EvidenceFor(Bytes(16, 1), "", 10, 1 << 20, &more).value();
  CHECK(evidence[0].refusal == Bytes{1, 2, 3});
  CHECK_FALSE(evidence[1].refusal);
  // A copy that did verify later (a re-issue to the new key) is a receipt.
  CHECK(ledger.receipts().Record({Receipt(1, "energy")}, kSkew, &refused).value() == 1);
  CHECK(ledger.directives().Deliveries(Bytes(16, 1)).value()[0].state == DeliveryState::kDelivered);
}

TEST_CASE("Ledger refuses replays: a known id or a sequence that does not increase",
          "[store][ledger][negative]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.directives().Accept(Sample(1, 5)));
  CHECK_THAT(ledger.directives().Accept(Sample(2, 5)).error().context, Catch::Contains("sequence 5"));
  CHECK(ledger.directives().Accept(Sample(2, 5)).error().code == ErrorCode::kReplay);
  CHECK(ledger.directives().Accept(Sample(2, 4)).error().code == ErrorCode::kReplay);
  CHECK_THAT(ledger.directives().Accept(Sample(1, 6)).error().context, Catch::Contains("already accepted"));
  CHECK(ledger.directives().Accept(Sample(1, 6)).error().code == ErrorCode::kReplay);
  CHECK(ledger.directives().Accept(Sample(2, 6)));
  CHECK(ledger.directives().Deliveries({}).value().size() == 4);
}

TEST_CASE("Delivery moves pending, sent, delivered, acknowledged, never back",
          "[store][ledger]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.directives().Accept(Sample(1, 1)));
  REQUIRE(ledger.directives().MarkSent({{Bytes(16, 1), "finance", ToBytes("sent")}}, 1500));
  std::vector<RefusedReceipt> refused;
  CHECK(ledger.receipts().Record({Receipt(1, "finance", true)}, kSkew, &refused).value() == 1);
  CHECK(ledger.receipts().Record({Receipt(1, "finance")}, kSkew, &refused).value() == 0);
  REQUIRE(ledger.directives().MarkSent({{Bytes(16, 1), "finance", ToBytes("sent again")}}, 9000));
  auto rows = ledger.directives().Deliveries(Bytes(16, 1)).value();
  CHECK(rows[1].agency == "finance");
  CHECK(rows[1].state == DeliveryState::kAcknowledged);
  CHECK(rows[1].sent_at == 1500);
  CHECK(rows[1].officer == "Ana");
  CHECK(refused.empty());
}

TEST_CASE("An acknowledgement by code is not a delivery; a later receipt is, and moves nothing back",
          "[store][ledger]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.directives().Accept(Sample(1, 1)));
  REQUIRE(ledger.escalations().RecordCodeAcknowledgement(Bytes(16, 1), "finance", "+33600000001",
                                                         1800, ToBytes("code ack")));
  auto rows = ledger.directives().Deliveries(Bytes(16, 1)).value();
  REQUIRE(rows[1].agency == "finance");
  CHECK(rows[1].state == DeliveryState::kAcknowledged);
  CHECK_FALSE(rows[1].delivered_at);
  CHECK(rows[1].officer == "SMS code from +33600000001");
  Status again = ledger.escalations().RecordCodeAcknowledgement(
      Bytes(16, 1), "finance", "+33600000001", 1900, ToBytes("code ack again"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kInvalidArgument);

  std::vector<RefusedReceipt> refused;
  CHECK(ledger.receipts().Record({Receipt(1, "finance")}, kSkew, &refused).value() == 0);
  CHECK(ledger.receipts().Record({Receipt(1, "finance", true)}, kSkew, &refused).value() == 0);
  rows = ledger.directives().Deliveries(Bytes(16, 1)).value();
  CHECK(rows[1].state == DeliveryState::kAcknowledged);
  CHECK(rows[1].delivered_at == 2001);  // the receipt's, recorded
  CHECK(rows[1].officer == "SMS code from +33600000001");
  CHECK(refused.empty());
  CHECK(ledger.audit().size() == 4);  // accepted, the code, the receipt, the signed acknowledgement
}

TEST_CASE("Receipts for unknown pairs or with a wrong digest are refused, others kept",
          "[store][ledger][negative]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.directives().Accept(Sample(1, 1)));
  std::vector<RefusedReceipt> refused;
  int changed = ledger
                    .receipts().Record({Receipt(1, "health"), Receipt(1, "energy", false, 7),
                                     Receipt(1, "finance")},
                                    kSkew, &refused)
                    .value();
  CHECK(changed == 1);
  REQUIRE(refused.size() == 2);
  CHECK(refused[0].index == 0);
  CHECK(refused[0].reason == "not a recipient of such a directive");
  CHECK(refused[0].code == ErrorCode::kPermissionDenied);
  CHECK(refused[1].index == 1);
  CHECK_THAT(refused[1].reason, Catch::Contains("digest"));
  CHECK(refused[1].code == ErrorCode::kBadSignature);
}

TEST_CASE("Receipts signed before acceptance or in the future are refused",
          "[store][ledger][negative]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.directives().Accept(Sample(1, 1)));  // accepted at 1001
  ReceiptRecord early = Receipt(1, "energy", true);
  early.at = 1001 - kSkew - 1;
  ReceiptRecord late = Receipt(1, "finance", true);
  late.at = late.recorded_at + kSkew + 1;
  std::vector<RefusedReceipt> refused;
  CHECK(ledger.receipts().Record({early, late}, kSkew, &refused).value() == 0);
  REQUIRE(refused.size() == 2);
  CHECK_THAT(refused[0].reason, Catch::Contains("before the gateway accepted"));
  CHECK_THAT(refused[1].reason, Catch::Contains("future"));
  CHECK(refused[0].code == ErrorCode::kExpired);
  CHECK(refused[1].code == ErrorCode::kExpired);
  early.at = 1001 - kSkew;  // at the edge of the tolerance: kept
  CHECK(ledger.receipts().Record({early}, kSkew, &refused).value() == 1);
}

TEST_CASE("Undelivered lists unexpired, unreceipted directives in acceptance order",
          "[store][ledger]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.directives().Accept(Sample(3, 1)));
  REQUIRE(ledger.directives().Accept(Sample(1, 2)));
  AcceptedDirective expired = Sample(2, 3);
  expired.expires_at = 50;
  REQUIRE(ledger.directives().Accept(expired));
  REQUIRE(ledger.receipts().Record({Receipt(3, "energy")}, kSkew, nullptr));
  auto energy = ledger.directives().Undelivered("energy", 60).value();
  REQUIRE(energy.size() == 1);
  CHECK(energy[0] == Bytes(16, 1));
  auto finance = ledger.directives().Undelivered("finance", 60).value();
  REQUIRE(finance.size() == 2);
  CHECK(finance[0] == Bytes(16, 3));
  CHECK(finance[1] == Bytes(16, 1));
  CHECK(ledger.directives().Wire(Bytes(16, 3)).value() == Sample(3, 1).wire);
  CHECK(ledger.directives().Wire(Bytes(16, 8)).error().code == ErrorCode::kNotFound);
}

TEST_CASE("Ledger state survives reopening the file", "[store][ledger]") {
  testing::TempDir dir;
  {
    Ledger ledger = FreshLedger(dir);
    REQUIRE(ledger.directives().Accept(Sample(1, 1)));
  }
  Ledger reopened = ReopenLedger(dir);
  CHECK(reopened.directives().Find(Bytes(16, 1)).value());
  CHECK_FALSE(reopened.directives().Accept(Sample(1, 2)));
}


TEST_CASE("The audit log loads page by page, in order, whatever the page size",
          "[store][ledger][audit]") {
  testing::TempDir dir;
  crypto::Hash root{};
  {
    Ledger ledger = FreshLedger(dir);
    for (int i = 0; i < 7; ++i) {
      REQUIRE(ledger.audit().Append(ToBytes("entry " + std::to_string(i)), 1000 + i));
    }
    root = ledger.audit().tree().Root();
  }
  std::unique_ptr<Connection> db = TestConnection(dir);
  for (std::size_t page : std::vector<std::size_t>{1, 2, 3, 7, 8, 65536}) {
    INFO("page " << page);
    std::size_t calls = 0;
    Result<AuditLog> log = AuditLog::Load(*db, [&] {
      ++calls;
      return Status();
    }, page);
    REQUIRE(log);
    CHECK(log->size() == 7);
    CHECK(log->tree().Root() == root);
    CHECK(log->last_time() == 1006);
    CHECK(calls == 7 / page);  // once after each full page
  }
}

TEST_CASE("Each effective change appends its audit entry, and only then", "[store][ledger][audit]") {
  testing::TempDir dir;
  crypto::Hash root;
  {
    Ledger ledger = FreshLedger(dir);
    REQUIRE(ledger.directives().Accept(Sample(1, 1)));                       // 1 entry
    CHECK_FALSE(ledger.directives().Accept(Sample(1, 1)));                   // replay: none
    REQUIRE(ledger.directives().MarkSent({{Bytes(16, 1), "finance", ToBytes("sent")}}, 1500));  // 1
    REQUIRE(ledger.directives().MarkSent({{Bytes(16, 1), "finance", ToBytes("again")}}, 1600)); // none
    std::vector<RefusedReceipt> refused;
    REQUIRE(ledger.receipts().Record({Receipt(1, "finance"), Receipt(1, "health")}, kSkew, &refused));  // 1 (health refused)
    REQUIRE(ledger.receipts().Record({Receipt(1, "finance")}, kSkew, &refused));  // none
    CHECK(ledger.audit().size() == 3);
    CHECK(ledger.audit().last_time() == 2001);
    std::vector<Bytes> entries = ledger.audit().Entries(0, 10).value();
    REQUIRE(entries.size() == 3);
    CHECK(entries[0] == ToBytes("accepted 1"));
    CHECK(entries[1] == ToBytes("sent"));
    CHECK(entries[2] == ToBytes("receipt finance"));
    crypto::MerkleTree expected;
    for (const Bytes& e : entries) {
      expected.Append(crypto::MerkleLeafHash(e));
    }
    root = ledger.audit().tree().Root();
    CHECK(root == expected.Root());
    REQUIRE(ledger.audit().AdvanceCheckpoint({3, "note at 3", 2500}, 0).value());
    REQUIRE(ledger.registry().RecordChanges(
        {{"finance", Bytes(32, 7), true, ToBytes("enrolled finance")}}, 2600));
  }
  Ledger reopened = ReopenLedger(dir);
  CHECK(reopened.audit().size() == 4);
  CHECK(reopened.audit().tree().RootAt(3) == root);  // rebuilt from the stored leaves
  CHECK(reopened.audit().LatestCheckpoint().value()->note == "note at 3");
  CHECK(reopened.audit().Checkpoints().value().size() == 1);
  auto principals = reopened.registry().Principals().value();
  REQUIRE(principals.count("finance") == 1);
  CHECK(principals["finance"].active);
  CHECK(principals["finance"].signing_key == Bytes(32, 7));
}

TEST_CASE("Each confirmation knows the entry that records it, first time and after",
          "[store][ledger][audit][promise]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.directives().Accept(Sample(1, 1)));  // entry 0, at 1001
  auto directive = ledger.directives().Position(Bytes(16, 1)).value();
  REQUIRE(directive);
  CHECK(directive->index == 0);
  CHECK(directive->at == 1001);
  CHECK_FALSE(ledger.directives().Position(Bytes(16, 9)).value());
  REQUIRE(ledger.directives().MarkSent({{Bytes(16, 1), "finance", ToBytes("sent")}}, 1500));  // entry 1
  std::vector<RefusedReceipt> refused;
  std::vector<std::optional<LogPosition>> logged;
  // A refused receipt, a new one, and the same one twice in one batch.
  REQUIRE(ledger.receipts().Record({Receipt(1, "health"), Receipt(1, "finance"),
                                 Receipt(1, "finance")}, kSkew, &refused, &logged));
  REQUIRE(logged.size() == 3);
  CHECK_FALSE(logged[0]);
  REQUIRE(logged[1]);
  CHECK(logged[1]->index == 2);
  CHECK(logged[1]->at == 2001);
  REQUIRE(logged[2]);
  CHECK(logged[2]->index == 2);  // the entry that recorded it, not a new one
  ReceiptRecord again = Receipt(1, "finance");
  again.recorded_at = 9000;  // resent much later: still the first entry and its time
  REQUIRE(ledger.receipts().Record({again, Receipt(1, "finance", true)}, kSkew, &refused, &logged));
  CHECK(logged[0]->index == 2);
  CHECK(logged[0]->at == 2001);
  CHECK(logged[1]->index == 3);
  CHECK(ledger.audit().size() == 4);
}

TEST_CASE("Checkpoints advance by compare-and-swap: one per size, only growing",
          "[store][ledger][audit]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.audit().AdvanceCheckpoint({3, "first at 3", 100}, 0).value());
  CHECK_FALSE(ledger.audit().AdvanceCheckpoint({3, "second at 3", 101}, 0).value());  // stale
  CHECK_FALSE(ledger.audit().AdvanceCheckpoint({3, "again at 3", 102}, 3).value());   // not larger
  CHECK_FALSE(ledger.audit().AdvanceCheckpoint({2, "back at 2", 103}, 3).value());    // smaller
  REQUIRE(ledger.audit().AdvanceCheckpoint({5, "at 5", 104}, 3).value());
  CHECK_FALSE(ledger.audit().AdvanceCheckpoint({6, "from 3", 105}, 3).value());  // 5 came between
  std::vector<StoredCheckpoint> stored = ledger.audit().Checkpoints().value();
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].note == "first at 3");
  CHECK(stored[1].note == "at 5");
  CHECK(ledger.audit().last_time() == 104);  // what was refused did not move the log's clock
}

TEST_CASE("The log's clock never goes back, past entries or past checkpoints",
          "[store][ledger][audit][clock]") {
  testing::TempDir dir;
  {
    Ledger ledger = FreshLedger(dir);
    REQUIRE(ledger.directives().Accept(Sample(1, 1)));  // at 1001
    REQUIRE(ledger.audit().AdvanceCheckpoint({1, "note at 1", 50000}, 0).value());  // a clock ahead, then stepped back
    CHECK(ledger.audit().last_time() == 50000);
  }
  Ledger reopened = ReopenLedger(dir);
  CHECK(reopened.audit().last_time() == 50000);  // from the stored checkpoint
}

}  // namespace
}  // namespace tocsin::store

namespace tocsin::store {
namespace {

TEST_CASE("Tallies count open deliveries by state, directives by their least advanced delivery",
          "[store][ledger][metrics]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.directives().Accept(Sample(1, 1, {"energy", "finance", "health"})));
  REQUIRE(ledger.directives().Accept(Sample(2, 2, {"energy"})));
  REQUIRE(ledger.directives().MarkSent({{Bytes(16, 1), "energy", ToBytes("sent")},
                           {Bytes(16, 1), "finance", ToBytes("sent")},
                           {Bytes(16, 1), "health", ToBytes("sent")}}, 1500));
  ReceiptRecord refusal = Receipt(1, "health", false, 0x77);
  refusal.refusal = true;
  std::vector<RefusedReceipt> refused;
  REQUIRE(ledger.receipts().Record({Receipt(1, "energy"), Receipt(1, "finance", true), refusal},
                                kSkew, &refused));
  REQUIRE(refused.empty());
  REQUIRE(ledger.escalations().RecordStep({.directive_id = Bytes(16, 2), .agency = "energy", .step = 0,
                                   .repeat = 0, .action = "sms", .fired_at = 3000,
                                   .outcome = "queued",
                                   .tasks = {{.channel = "sms", .directive_id = Bytes(16, 2),
                                              .agency = "energy", .contact = "Duty",
                                              .address = "+33600000000", .subject = "s",
                                              .text = "t"}},
                                   .audit_entry = ToBytes("escalation")}));

  LedgerTallies open = ledger.Tallies(50000).value();
  // directive 1: energy delivered, finance acknowledged, health refused; directive 2: pending
  CHECK(open.deliveries == std::array<std::uint64_t, 5>{1, 0, 1, 1, 1});
  CHECK(open.directives == std::array<std::uint64_t, 4>{1, 1, 0, 0});  // least: pending, sent
  CHECK(open.expired_directives == 0);
  CHECK(open.escalations == std::map<std::string, std::uint64_t>{{"sms", 1}});
  CHECK(open.bridge_tasks ==
        std::map<std::pair<std::string, int>, std::uint64_t>{{{"sms", LedgerTallies::kTaskWaiting}, 1}});

  LedgerTallies later = ledger.Tallies(100000).value();  // both expired (expires_at 100000)
  CHECK(later.deliveries == std::array<std::uint64_t, 5>{});
  CHECK(later.expired_directives == 2);
  CHECK(later.escalations.at("sms") == 1);  // history stays
}

}  // namespace
}  // namespace tocsin::store

namespace tocsin::store {
namespace {

HeldProposal Held(std::uint8_t id_byte, std::uint64_t sequence, UnixMillis expires_at = 50000,
                  const std::string& issuer = "op.alice") {
  return {Bytes(16, id_byte), issuer, sequence, Bytes{0x94, id_byte}, 1000, expires_at,
          {{"op.bob", Bytes{7, id_byte}}}, 4, 0, 2, {issuer}, 3};
}

TEST_CASE("A held proposal reserves its sequence; completing it skips the check once",
          "[store][ledger][proposal]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.proposals().Hold(Held(1, 5), 16));
  CHECK_FALSE(ledger.proposals().Hold(Held(2, 5), 16));  // its sequence is taken
  CHECK_FALSE(ledger.proposals().Hold(Held(1, 6), 16));  // and its id
  CHECK_FALSE(ledger.directives().Accept(Sample(3, 5)));           // a directive cannot take it either
  REQUIRE(ledger.directives().Accept(Sample(3, 6)));               // the issuer goes on
  auto held = ledger.proposals().Find(Bytes(16, 1)).value();
  REQUIRE(held);
  CHECK(held->wraps == std::vector<std::pair<std::string, Bytes>>{{"op.bob", Bytes{7, 1}}});
  REQUIRE(ledger.proposals().ReplaceWire(Bytes(16, 1), Bytes{0x94, 9}, {"op.alice", "op.bob"}));
  auto signed_twice = ledger.proposals().Find(Bytes(16, 1)).value();
  CHECK(signed_twice->wire == Bytes{0x94, 9});
  CHECK(signed_twice->signers == std::vector<std::string>{"op.alice", "op.bob"});
  CHECK(signed_twice->required == 2);
  CHECK(signed_twice->recipient_count == 3);
  // Listed without envelopes or wraps, its co-signers named.
  auto listed = ledger.proposals().List().value();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].wire.empty());
  CHECK(listed[0].wraps == std::vector<std::pair<std::string, Bytes>>{{"op.bob", Bytes{}}});
  CHECK(listed[0].severity == 4);
  // Its id is taken while it is held: a directive under it is a replay.
  AcceptedDirective squatter = Sample(1, 7);
  Status squatted = ledger.directives().Accept(squatter);
  REQUIRE_FALSE(squatted);
  CHECK_THAT(squatted.error().context, Catch::Contains("held as a proposal"));
  AcceptedDirective completed = Sample(1, 5);
  completed.from_proposal = true;
  REQUIRE(ledger.directives().Accept(completed));  // sequence 5 < 6, checked when it was held
  CHECK_FALSE(ledger.proposals().Find(Bytes(16, 1)).value());  // gone in the same transaction
  CHECK(ledger.directives().Find(Bytes(16, 1)).value());
  CHECK_FALSE(ledger.proposals().Hold(Held(4, 6), 16));  // the mark stayed at 6
  CHECK_FALSE(ledger.proposals().ReplaceWire(Bytes(16, 1), Bytes{1}, {"op.alice"}));
}

TEST_CASE("Proposals are bounded per issuer, dropped, and lapse", "[store][ledger][proposal]") {
  testing::TempDir dir;
  Ledger ledger = FreshLedger(dir);
  REQUIRE(ledger.proposals().Hold(Held(1, 1, 2000), 2));
  REQUIRE(ledger.proposals().Hold(Held(2, 2, 9000), 2));
  Status third = ledger.proposals().Hold(Held(3, 3), 2);
  REQUIRE_FALSE(third);
  CHECK(third.error().code == ErrorCode::kUnavailable);
  CHECK_THAT(third.error().context, Catch::Contains("too many proposals held (2 of op.alice"));
  REQUIRE(ledger.proposals().Hold(Held(4, 1, 9000, "op.bob"), 2));  // another issuer's own budget
  CHECK(ledger.proposals().List().value().size() == 3);
  CHECK(ledger.proposals().DropExpired(1999).value().empty());
  CHECK(ledger.proposals().DropExpired(2000).value() == std::vector<Bytes>{Bytes(16, 1)});
  REQUIRE(ledger.proposals().Drop(Bytes(16, 2)));
  auto left = ledger.proposals().List().value();
  REQUIRE(left.size() == 1);
  CHECK(left[0].issuer == "op.bob");
  CHECK(left[0].wraps.size() == 1);  // its wraps, not the dropped ones'
  REQUIRE(ledger.proposals().Hold(Held(5, 3), 2));  // room again
}

}  // namespace
}  // namespace tocsin::store
