#include "store/inbox.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "store/sqlite.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::store {
namespace {

InboxEntry Entry(std::uint8_t id_byte, std::uint64_t sequence) {
  InboxEntry e;
  e.id = Bytes(16, id_byte);
  e.issuer = "op.alice";
  e.sequence = sequence;
  e.severity = "critical";
  e.tlp = "RED";
  e.status = "actual";
  e.title = "Title";
  e.body = "Body";
  e.digest = Bytes(32, id_byte);
  e.wire = Bytes{1};
  e.receipt = Bytes{2, id_byte};
  return e;
}

TEST_CASE("Inbox stores a directive once, with its issuer's high-water mark", "[store][inbox]") {
  testing::TempDir dir;
  Inbox inbox = Inbox::Open(dir / "agency.db").value();
  CHECK(inbox.Add(Entry(1, 7)).value());
  CHECK_FALSE(inbox.Add(Entry(1, 7)).value());
  CHECK(inbox.Add(Entry(2, 3)).value());
  CHECK(inbox.IssuerMark("op.alice").value() == 7u);
  CHECK_FALSE(inbox.IssuerMark("op.bob").value());
  CHECK(inbox.List().value().size() == 2);
  struct stat info {};
  REQUIRE(::stat((dir / "agency.db").c_str(), &info) == 0);
  CHECK((info.st_mode & 077) == 0);
}

TEST_CASE("Inbox finds by a unique hex prefix and refuses ambiguous or short ones",
          "[store][inbox][negative]") {
  testing::TempDir dir;
  Inbox inbox = Inbox::Open(dir / "agency.db").value();
  InboxEntry a = Entry(0xab, 1);
  InboxEntry b = Entry(0xab, 2);
  b.id.back() = 0xcd;
  REQUIRE(inbox.Add(a).value());
  REQUIRE(inbox.Add(b).value());
  CHECK_THAT(inbox.FindByHexPrefix("abababab").error().context, Catch::Contains("ambiguous"));
  CHECK(inbox.FindByHexPrefix(HexEncode(b.id)).value()->sequence == 2);
  CHECK(inbox.FindByHexPrefix("ABABABABABABABABABABABABABABABAB").value()->sequence == 1);
  CHECK_FALSE(inbox.FindByHexPrefix("abab"));
  CHECK_FALSE(inbox.FindByHexPrefix("zzzzzzzz"));
  CHECK_FALSE(inbox.FindByHexPrefix("01010101").value());
}

TEST_CASE("Acknowledgements are recorded once and confirmations tracked", "[store][inbox]") {
  testing::TempDir dir;
  Inbox inbox = Inbox::Open(dir / "agency.db").value();
  REQUIRE(inbox.Add(Entry(1, 1)).value());
  CHECK(inbox.ListUnconfirmed().value().size() == 1);
  REQUIRE(inbox.Acknowledge(Bytes(16, 1), 5000, "Ana", "done", Bytes{9}));
  CHECK_THAT(inbox.Acknowledge(Bytes(16, 1), 6000, "Bob", "", Bytes{8}).error().context,
             Catch::Contains("already acknowledged"));
  CHECK(inbox.Acknowledge(Bytes(16, 2), 6000, "Bob", "", Bytes{8}).error().code ==
        ErrorCode::kNotFound);
  auto pending = inbox.ListUnconfirmed().value();
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].acknowledgement);  // a person waits on it: first
  REQUIRE(inbox.Add(Entry(3, 2)).value());
  auto limited = inbox.ListUnconfirmed(2).value();
  REQUIRE(limited.size() == 2);
  CHECK(limited[0].acknowledgement);
  REQUIRE(inbox.Confirm(Bytes(16, 1), false));
  REQUIRE(inbox.Confirm(Bytes(16, 1), true));
  REQUIRE(inbox.Confirm(Bytes(16, 3), false));
  CHECK(inbox.ListUnconfirmed().value().empty());
  InboxEntry e = inbox.Find(Bytes(16, 1)).value().value();
  CHECK(e.officer == "Ana");
  CHECK(e.acknowledged_at == 5000);
  CHECK(e.acknowledgement_confirmed);
}

TEST_CASE("A database from a newer build is refused", "[store][sqlite][negative]") {
  testing::TempDir dir;
  {
    Database db = Database::Open(dir / "x.db", {"CREATE TABLE a(x)", "CREATE TABLE b(x)"}).value();
  }
  auto older = Database::Open(dir / "x.db", {"CREATE TABLE a(x)"});
  REQUIRE_FALSE(older);
  CHECK_THAT(older.error().context, Catch::Contains("newer than this build"));
  CHECK(Database::Open(dir / "x.db", {"CREATE TABLE a(x)", "CREATE TABLE b(x)",
                                      "CREATE TABLE c(x)"}));
}

}  // namespace
}  // namespace tocsin::store
