// The PostgreSQL connection. The placeholder cases run everywhere; the ones
// tagged [.needs-postgresql] need a server (TOCSIN_TEST_POSTGRESQL) and run under
// tests/integration/postgresql.py (ctest: store:ledger_on_postgresql).
#include "store/postgresql.h"

#include <catch2/catch.hpp>

#include <limits>

#include "tests/store/test_ledger.h"

namespace tocsin::store {
namespace {

std::string Conninfo() { return TestPostgresqlConninfo(); }

PostgresqlConnection Connect(const std::vector<std::string_view>& migrations = {}) {
  Result<PostgresqlConnection> db = migrations.empty() ? PostgresqlConnection::Connect(Conninfo())
                                                       : PostgresqlConnection::Open(Conninfo(), migrations);
  REQUIRE(db);
  return std::move(*db);
}

PostgresqlConnection Empty() {
  PostgresqlConnection db = Connect();
  REQUIRE(db.Execute("BEGIN READ WRITE; DROP SCHEMA public CASCADE; CREATE SCHEMA public; COMMIT"));
  return Connect();
}

TEST_CASE("Placeholders are numbered as PostgreSQL writes them", "[store][postgresql]") {
  int count = 0;
  CHECK(NumberPlaceholders("SELECT ? , ?", &count) == "SELECT $1 , $2");
  CHECK(count == 2);
  CHECK(NumberPlaceholders("SELECT ?1 OR ?1", &count) == "SELECT $1 OR $1");
  CHECK(count == 1);
  CHECK(NumberPlaceholders("SELECT '?', \"a?\" FROM t WHERE x = ?", &count) ==
        "SELECT '?', \"a?\" FROM t WHERE x = $1");
  CHECK(count == 1);
  CHECK(NumberPlaceholders("SELECT 'it''s ?', ?", &count) == "SELECT 'it''s ?', $1");
  CHECK(count == 1);
  CHECK(NumberPlaceholders("SELECT 1", &count) == "SELECT 1");
  CHECK(count == 0);
}

TEST_CASE("An unreachable database is an error that names it, in bounded time",
          "[store][postgresql]") {
  Result<PostgresqlConnection> db =
      PostgresqlConnection::Connect("host=127.0.0.1 port=1 dbname=none connect_timeout=2");
  REQUIRE_FALSE(db);
  CHECK(db.error().code == ErrorCode::kIoError);
  CHECK(db.error().context.find("127.0.0.1:1/none") != std::string::npos);
}

TEST_CASE("Values go and come back exactly: bytes, UTF-8, 64-bit integers, NULL",
          "[.needs-postgresql]") {
  PostgresqlConnection db = Empty();
  REQUIRE(db.Execute("BEGIN READ WRITE; CREATE TABLE t (b BYTEA, s TEXT, i BIGINT); COMMIT"));
  Bytes every(256);
  for (std::size_t i = 0; i < every.size(); ++i) {
    every[i] = static_cast<std::uint8_t>(i);
  }
  std::int64_t low = std::numeric_limits<std::int64_t>::min();
  Transaction transaction = Transaction::Begin(db).value();
  Statement insert = db.Prepare("INSERT INTO t VALUES (?, ?, ?)").value();
  insert.Bind(1, ByteView(every)).Bind(2, "Énergie ⚡ 能源").Bind(3, low);
  REQUIRE(insert.Run());
  CHECK(insert.Changes() == 1);
  insert.Reset();
  insert.BindNull(1).BindNull(2).Bind(3, std::numeric_limits<std::int64_t>::max());
  REQUIRE(insert.Run());
  REQUIRE(transaction.Commit());
  Statement q = db.Prepare("SELECT b, s, i, i > 0 FROM t ORDER BY i").value();
  REQUIRE(q.Step().value());
  CHECK(q.Blob(0) == every);
  CHECK(q.Text(1) == "Énergie ⚡ 能源");
  CHECK(q.Int(2) == low);
  CHECK(q.Int(3) == 0);
  REQUIRE(q.Step().value());
  CHECK(q.IsNull(0));
  CHECK(q.IsNull(1));
  CHECK(q.Int(2) == std::numeric_limits<std::int64_t>::max());
  CHECK(q.Int(3) == 1);
  CHECK_FALSE(q.Step().value());
}

TEST_CASE("A statement is prepared once per session and types, and survives a rollback",
          "[.needs-postgresql]") {
  PostgresqlConnection db = Connect();
  auto run = [&db](std::string_view sql, auto value) {
    Result<Statement> q = db.Prepare(sql);
    REQUIRE(q);
    q->Bind(1, value);
    Result<bool> row = q->Step();
    REQUIRE(row);
    REQUIRE(*row);
    return q->Text(0);
  };
  const std::size_t base = db.prepared_statements();  // the session's own checks
  CHECK(run("SELECT ?::TEXT", std::int64_t{7}) == "7");
  CHECK(db.prepared_statements() == base + 1);
  CHECK(run("SELECT ?::TEXT", std::int64_t{8}) == "8");
  CHECK(db.prepared_statements() == base + 1);  // the same text and types: prepared before
  CHECK(run("SELECT ?::TEXT", std::string_view("eight")) == "eight");
  CHECK(db.prepared_statements() == base + 2);  // other types: prepared apart

  REQUIRE(db.Begin());
  CHECK(run("SELECT ?::TEXT || 'x'", std::int64_t{9}) == "9x");
  db.Rollback();
  CHECK(run("SELECT ?::TEXT || 'x'", std::int64_t{10}) == "10x");  // still prepared
  CHECK(db.prepared_statements() == base + 3);

  Result<Statement> broken = db.Prepare("SELEKT ?");
  REQUIRE(broken);
  broken->Bind(1, std::int64_t{1});
  Result<bool> failed = broken->Step();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().context.find("syntax error") != std::string::npos);
  CHECK(db.prepared_statements() == base + 3);  // not kept

  // Past the bound, statements run unnamed: still right, no longer kept.
  for (std::size_t i = db.prepared_statements(); i < PreparedStatements::kMaxStatements + 2; ++i) {
    CHECK(run("SELECT ?::TEXT || '" + std::to_string(i) + "'", std::int64_t{1}) ==
          "1" + std::to_string(i));
  }
  CHECK(db.prepared_statements() == PreparedStatements::kMaxStatements);
}

TEST_CASE("Text with a NUL byte is refused, not cut short", "[.needs-postgresql]") {
  PostgresqlConnection db = Empty();
  REQUIRE(db.Execute("BEGIN READ WRITE; CREATE TABLE t (s TEXT); COMMIT"));
  Transaction transaction = Transaction::Begin(db).value();
  Statement insert = db.Prepare("INSERT INTO t VALUES (?)").value();
  insert.Bind(1, std::string_view("a\0b", 3));
  Status ran = insert.Run();
  REQUIRE_FALSE(ran);
  CHECK(ran.error().code == ErrorCode::kIoError);
  CHECK(ran.error().context.find("0x00") != std::string::npos);
}

TEST_CASE("A write outside a transaction fails: nothing escapes the fence",
          "[.needs-postgresql]") {
  PostgresqlConnection db = Empty();
  REQUIRE(db.Execute("BEGIN READ WRITE; CREATE TABLE t (s TEXT); COMMIT"));
  Status bare = db.Execute("INSERT INTO t VALUES ('x')");
  REQUIRE_FALSE(bare);
  CHECK(bare.error().context.find("read-only transaction") != std::string::npos);
  Statement q = db.Prepare("SHOW bytea_output").value();
  REQUIRE(q.Step().value());
  CHECK(q.Text(0) == "hex");
}

TEST_CASE("A transaction that failed half-way does not commit, and says why",
          "[.needs-postgresql]") {
  PostgresqlConnection db = Empty();
  REQUIRE(db.Execute("BEGIN READ WRITE; CREATE TABLE t (k BIGINT PRIMARY KEY); COMMIT"));
  {
    Transaction transaction = Transaction::Begin(db).value();
    REQUIRE(db.Execute("INSERT INTO t VALUES (1)"));
    Status duplicate = db.Execute("INSERT INTO t VALUES (1)");
    REQUIRE_FALSE(duplicate);
    CHECK(duplicate.error().context.find("SQLSTATE 23505") != std::string::npos);
    Status committed = transaction.Commit();
    REQUIRE_FALSE(committed);
    CHECK(committed.error().context.find("rolled back") != std::string::npos);
  }
  Statement count = db.Prepare("SELECT COUNT(*) FROM t").value();
  REQUIRE(count.Step().value());
  CHECK(count.Int(0) == 0);
}

TEST_CASE("Commits are never weaker than synchronous_commit = on", "[.needs-postgresql]") {
  PostgresqlConnection db = Empty();
  REQUIRE(db.Execute("BEGIN READ WRITE; DO $$ BEGIN EXECUTE format('ALTER ROLE %I SET "
                     "synchronous_commit = off', current_user); END $$; COMMIT"));
  PostgresqlConnection weak = Connect();
  Statement level = weak.Prepare("SHOW synchronous_commit").value();
  REQUIRE(level.Step().value());
  CHECK(level.Text(0) == "on");
  REQUIRE(db.Execute("BEGIN READ WRITE; DO $$ BEGIN EXECUTE format('ALTER ROLE %I RESET "
                     "synchronous_commit', current_user); END $$; COMMIT"));
}

TEST_CASE("Migrations run once, in order; a newer schema is refused", "[.needs-postgresql]") {
  Empty();
  PostgresqlConnection db = Connect({"CREATE TABLE a (x BIGINT)", "CREATE TABLE b (x BIGINT)"});
  CHECK(db.SchemaVersion().value() == 2);
  PostgresqlConnection again =
      Connect({"CREATE TABLE a (x BIGINT)", "CREATE TABLE b (x BIGINT)"});  // no step twice
  CHECK(again.SchemaVersion().value() == 2);
  Result<PostgresqlConnection> older =
      PostgresqlConnection::Open(Conninfo(), {"CREATE TABLE a (x BIGINT)"});
  REQUIRE_FALSE(older);
  CHECK(older.error().context.find("newer than this build knows") != std::string::npos);
}

}  // namespace
}  // namespace tocsin::store
