// The writer's lease and its fencing on a real PostgreSQL server
// (TOCSIN_TEST_POSTGRESQL; ctest: store:ledger_on_postgresql).
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "store/ledger.h"
#include "store/ledger_schema.h"
#include "store/postgresql.h"
#include "tests/store/test_ledger.h"

namespace tocsin::store {
namespace {

std::string Conninfo() { return TestPostgresqlConninfo(); }

// A connection to an emptied database, its schema (and lease) made.
PostgresqlConnection Fresh() {
  PostgresqlConnection admin = PostgresqlConnection::Connect(Conninfo()).value();
  REQUIRE(admin.Execute("BEGIN READ WRITE; DROP SCHEMA public CASCADE; CREATE SCHEMA public; COMMIT"));
  return PostgresqlConnection::Open(Conninfo(), {}).value();
}

PostgresqlConnection Another() { return PostgresqlConnection::Open(Conninfo(), {}).value(); }

void Sleep(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

TEST_CASE("One writer at a time: the lease is taken only once it lapses", "[.needs-postgresql]") {
  PostgresqlConnection a = Fresh();
  PostgresqlConnection b = Another();
  CHECK(a.Lease().value().epoch == 0);
  REQUIRE(a.TryBecomeWriter({"gw-a", 400}).value());
  CHECK(a.epoch() == 1);
  CHECK_FALSE(b.TryBecomeWriter({"gw-b", 400}).value());
  CHECK(b.epoch() == 0);
  WriterLease lease = b.Lease().value();
  CHECK(lease.holder == "gw-a");
  CHECK(lease.epoch == 1);
  for (int i = 0; i < 4; ++i) {  // renewed: never lapses
    Sleep(150);
    REQUIRE(a.RenewLease());
    CHECK_FALSE(b.TryBecomeWriter({"gw-b", 400}).value());
  }
  Sleep(500);  // a stops renewing
  REQUIRE(b.TryBecomeWriter({"gw-b", 400}).value());
  CHECK(b.epoch() == 2);
  Status renewed = a.RenewLease();  // a wakes up: fenced
  REQUIRE_FALSE(renewed);
  CHECK(renewed.error().context.find("fenced") != std::string::npos);
  CHECK(a.epoch() == 0);  // and knows it is no longer the writer
  CHECK(b.RenewLease());
}

TEST_CASE("A fenced writer commits nothing", "[.needs-postgresql]") {
  testing::TempDir dir;
  FreshLedger(dir);  // the schema
  Ledger old = Ledger::OpenPostgresqlWriter(Conninfo(), {"gw-a", 300}, 50,
                                            [](const WriterLease&) { return true; })
                   .value();
  CHECK(old.epoch() == 1);
  Sleep(400);
  int waited = 0;
  Ledger next = Ledger::OpenPostgresqlWriter(Conninfo(), {"gw-b", 300}, 50,
                                             [&](const WriterLease&) { return ++waited < 100; })
                    .value();
  CHECK(next.epoch() == 2);
  AcceptedDirective d{Bytes(16, 7), "op.alice", 1, 4, 1000, 100000, 5000, 1001, Bytes(32, 7),
                      Bytes{0x94, 7}, {"energy"}, ToBytes("accepted 7")};
  Status accepted = old.directives().Accept(d);
  REQUIRE_FALSE(accepted);
  CHECK(accepted.error().context.find("fenced") != std::string::npos);
  CHECK_FALSE(next.directives().Find(d.id).value());
  CHECK(next.audit().size() == 0);
  CHECK_FALSE(old.audit().AdvanceCheckpoint({1, "note", 1}, 0));
  REQUIRE(next.directives().Accept(d));
  CHECK(next.audit().size() == 1);
}

TEST_CASE("A writer that stops inside a transaction loses the lease, not the deployment",
          "[.needs-postgresql]") {
  PostgresqlConnection a = Fresh();
  PostgresqlConnection b = Another();
  REQUIRE(a.TryBecomeWriter({"gw-a", 600}).value());
  REQUIRE(a.Begin());  // holds the lease's row, then "freezes"
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(b.TryBecomeWriter({"gw-b", 600}).value());  // waits about a second, not forever
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  bool taken = false;
  for (int i = 0; i < 50 && !taken; ++i) {  // the server ends a's idle session
    Sleep(100);
    taken = b.TryBecomeWriter({"gw-b", 600}).value();
  }
  REQUIRE(taken);
  CHECK_FALSE(a.Commit());
}

TEST_CASE("A writer that stops cleanly hands the lease over at once", "[.needs-postgresql]") {
  PostgresqlConnection a = Fresh();
  PostgresqlConnection b = Another();
  REQUIRE(a.TryBecomeWriter({"gw-a", 60000}).value());
  CHECK_FALSE(b.TryBecomeWriter({"gw-b", 60000}).value());
  REQUIRE(a.ReleaseLease());
  CHECK_FALSE(a.Begin());  // a writes nothing more
  REQUIRE(b.TryBecomeWriter({"gw-b", 60000}).value());
  CHECK(b.epoch() == 2);
}

TEST_CASE("A holder's name is no key: the same name waits for the lease to lapse",
          "[.needs-postgresql]") {
  PostgresqlConnection old = Fresh();
  REQUIRE(old.TryBecomeWriter({"gw-a", 300}).value());
  PostgresqlConnection restarted = Another();
  CHECK_FALSE(restarted.TryBecomeWriter({"gw-a", 300}).value());  // perhaps a second process
  Sleep(400);
  REQUIRE(restarted.TryBecomeWriter({"gw-a", 300}).value());
  CHECK(restarted.epoch() == 2);
  CHECK_FALSE(old.RenewLease());
}

TEST_CASE("A claimant waits out the holder's lease, not its own", "[.needs-postgresql]") {
  PostgresqlConnection a = Fresh();
  PostgresqlConnection b = Another();
  REQUIRE(a.TryBecomeWriter({"gw-a", 1500}).value());
  CHECK(b.Lease().value().lease_ms == 1500);
  Sleep(400);
  CHECK_FALSE(b.TryBecomeWriter({"gw-b", 200}).value());  // b's 200 ms have passed, a's 1500 not
  Sleep(1300);
  REQUIRE(b.TryBecomeWriter({"gw-b", 200}).value());
  CHECK(b.Lease().value().lease_ms == 200);  // the new holder's, from now on
}

TEST_CASE("A lease made before its length was kept gets the longest, not none",
          "[.needs-postgresql]") {
  {
    PostgresqlConnection made = Fresh();
    REQUIRE(PostgresqlConnection::Open(Conninfo(), PostgresqlLedgerMigrations()));
    // As an earlier build left it: no lease_ms, schema version 1.
    REQUIRE(made.Execute("BEGIN READ WRITE; ALTER TABLE tocsin_writer DROP COLUMN lease_ms; "
                         "UPDATE tocsin_schema SET version = 1; COMMIT"));
  }
  Result<std::string> before = Ledger::CheckPostgresql(Conninfo());
  REQUIRE(before);
  CHECK(before->find("schema version 1 of 2 (migrated at start)") != std::string::npos);
  PostgresqlConnection writer =
      PostgresqlConnection::Open(Conninfo(), PostgresqlLedgerMigrations()).value();
  CHECK(writer.SchemaVersion().value() == 2);
  CHECK(writer.Lease().value().lease_ms == 60000);  // the longest a gateway may be given
  REQUIRE(writer.TryBecomeWriter({"gw-a", 300}).value());  // never taken: at once
  CHECK(writer.Lease().value().lease_ms == 300);
  Result<std::string> after = Ledger::CheckPostgresql(Conninfo());
  REQUIRE(after);
  CHECK(after->find("schema version 2 of 2; writer gw-a (epoch 1") != std::string::npos);
  CHECK(after->find("lease 300 ms") != std::string::npos);
}

TEST_CASE("A new writer renews its lease between the pages of the audit log it loads",
          "[.needs-postgresql]") {
  testing::TempDir dir;
  {
    Ledger ledger = FreshLedger(dir);
    for (int i = 0; i < 5; ++i) {
      REQUIRE(ledger.audit().Append(ToBytes("entry " + std::to_string(i)), 1000 + i));
    }
  }
  PostgresqlConnection writer =
      PostgresqlConnection::Open(Conninfo(), PostgresqlLedgerMigrations()).value();
  REQUIRE(writer.TryBecomeWriter({"gw-a", 400}).value());
  int renewals = 0;
  Result<AuditLog> loaded = AuditLog::Load(writer, [&] {
    ++renewals;
    Sleep(150);  // each page outlasts a third of the lease: only renewals keep it
    return writer.RenewLease();
  }, 2);
  REQUIRE(loaded);
  CHECK(loaded->size() == 5);
  CHECK(loaded->last_time() == 1004);
  CHECK(renewals == 2);  // after the two full pages of 2
  PostgresqlConnection other =
      PostgresqlConnection::Open(Conninfo(), PostgresqlLedgerMigrations()).value();
  CHECK_FALSE(other.TryBecomeWriter({"gw-b", 400}).value());

  Result<AuditLog> stopped = AuditLog::Load(writer, [] {
    return Status(MakeError(ErrorCode::kIoError, "fenced"));
  }, 2);
  REQUIRE_FALSE(stopped);
  CHECK(stopped.error().context == "fenced");
}

}  // namespace
}  // namespace tocsin::store
