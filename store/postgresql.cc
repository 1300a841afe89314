#include "store/postgresql.h"

#include <cstdlib>
#include <optional>

namespace tocsin::store {
namespace {

using PgResultPtr = std::unique_ptr<PGresult, CFree<&PQclear>>;

// Type OIDs of the parameters we send (pg_type.h, stable since 7.x).
constexpr Oid kInt8 = 20;
constexpr Oid kText = 25;
constexpr Oid kBytea = 17;

// Serialises schema migrations between gateways (an arbitrary constant,
// "tocsin" in ASCII).
constexpr std::string_view kMigrationLock = "SELECT pg_advisory_xact_lock(127970534681449)";

// The writer's lease (WriterClaim): one row, created with the schema.
constexpr std::string_view kWriterTable = R"sql(
CREATE TABLE IF NOT EXISTS tocsin_writer (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  epoch      BIGINT NOT NULL,
  holder     TEXT NOT NULL,
  renewed_at TIMESTAMPTZ NOT NULL,
  lease_ms   BIGINT NOT NULL  -- the holder's: a claimant judges the lease by it
);
INSERT INTO tocsin_writer VALUES (1, 0, '', '-infinity', 0) ON CONFLICT DO NOTHING;
)sql";

std::string Trimmed(const char* message) {
  std::string text = message != nullptr ? message : "no message";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  for (char& c : text) {
    c = c == '\n' ? ' ' : c;
  }
  return text;
}

tl::unexpected<Error> ResultError(const PGresult* result, PGconn* conn, std::string_view what) {
  std::string message = result != nullptr ? Trimmed(PQresultErrorMessage(result)) : "";
  if (message.empty()) {
    message = Trimmed(PQerrorMessage(conn));
  }
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state != nullptr) {
    message += std::string(" (SQLSTATE ") + state + ")";
  }
  return MakeError(ErrorCode::kIoError, std::string(what) + ": " + message);
}

bool Succeeded(const PGresult* result) {
  ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// A bytea column as PostgreSQL's text output writes it: \x and hex digits.
Bytes DecodeBytea(const char* value, int length) {
  std::string_view text(value, static_cast<std::size_t>(length));
  if (text.size() < 2 || text.substr(0, 2) != "\\x") {
    return Bytes(text.begin(), text.end());  // not bytea: a text column read as bytes
  }
  Result<Bytes> bytes = HexDecode(text.substr(2));
  return bytes ? std::move(*bytes) : Bytes();
}

class PostgresqlStatement final : public StatementImpl {
 public:
  PostgresqlStatement(PGconn* conn, PreparedStatements* prepared, std::string sql, int parameters)
      : conn_(conn), prepared_(prepared), sql_(std::move(sql)),
        values_(static_cast<std::size_t>(parameters)),
        types_(static_cast<std::size_t>(parameters), 0),
        formats_(static_cast<std::size_t>(parameters), 0) {}

  void Bind(int index, std::int64_t value) override { Set(index, std::to_string(value), kInt8, 0); }
  void Bind(int index, std::string_view text) override { Set(index, std::string(text), kText, 1); }
  void Bind(int index, ByteView blob) override {
    Set(index, std::string(blob.begin(), blob.end()), kBytea, 1);
  }
  void BindNull(int index) override {
    if (Slot(index)) {
      values_[static_cast<std::size_t>(index - 1)].reset();
    }
  }

  Result<bool> Step() override {
    if (bad_index_ != 0) {
      return MakeError(ErrorCode::kInternal,
                       "bind: no parameter " + std::to_string(bad_index_) + " in " + sql_);
    }
    if (!result_) {
      TOCSIN_RETURN_IF_ERROR(Execute());
    }
    ++row_;
    return row_ < PQntuples(result_.get());
  }

  void Reset() override {
    result_.reset();
    row_ = -1;
    changes_ = 0;
    bad_index_ = 0;
    for (std::size_t i = 0; i < values_.size(); ++i) {
      values_[i].reset();
      types_[i] = 0;
      formats_[i] = 0;
    }
  }

  int Changes() const override { return changes_; }

  std::int64_t Int(int column) const override {
    const char* value = Value(column);
    if (value == nullptr) {
      return 0;
    }
    if (value[0] == 't' || value[0] == 'f') {  // a boolean (EXISTS, a comparison)
      return value[0] == 't' ? 1 : 0;
    }
    return std::strtoll(value, nullptr, 10);
  }
  std::string Text(int column) const override {
    const char* value = Value(column);
    return value != nullptr ? std::string(value, Length(column)) : std::string();
  }
  Bytes Blob(int column) const override {
    const char* value = Value(column);
    return value != nullptr ? DecodeBytea(value, PQgetlength(result_.get(), row_, column))
                            : Bytes();
  }
  bool IsNull(int column) const override {
    return !InRow(column) || PQgetisnull(result_.get(), row_, column) != 0;
  }

 private:
  bool Slot(int index) {
    if (index < 1 || static_cast<std::size_t>(index) > values_.size()) {
      bad_index_ = bad_index_ != 0 ? bad_index_ : index;
      return false;
    }
    return true;
  }
  void Set(int index, std::string value, Oid type, int format) {
    if (Slot(index)) {
      auto i = static_cast<std::size_t>(index - 1);
      values_[i] = std::move(value);
      types_[i] = type;
      formats_[i] = format;
    }
  }

  Status Execute() {
    std::vector<const char*> values(values_.size());
    std::vector<int> lengths(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) {
      values[i] = values_[i] ? values_[i]->c_str() : nullptr;
      lengths[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
    }
    TOCSIN_ASSIGN_OR_RETURN(const std::string* name, prepared_->NameFor(conn_, sql_, types_));
    auto count = static_cast<int>(values.size());
    result_.reset(name != nullptr
                      ? PQexecPrepared(conn_, name->c_str(), count, values.data(), lengths.data(),
                                       formats_.data(), 0)
                      : PQexecParams(conn_, sql_.c_str(), count, types_.data(), values.data(),
                                     lengths.data(), formats_.data(), 0));
    if (!result_ || !Succeeded(result_.get())) {
      auto error = ResultError(result_.get(), conn_, "statement");
      result_.reset();
      return error;
    }
    const char* changed = PQcmdTuples(result_.get());
    changes_ = changed != nullptr && changed[0] != '\0' ? std::atoi(changed) : 0;
    return {};
  }

  bool InRow(int column) const {
    return result_ && row_ >= 0 && row_ < PQntuples(result_.get()) && column >= 0 &&
           column < PQnfields(result_.get());
  }
  const char* Value(int column) const {
    return InRow(column) && PQgetisnull(result_.get(), row_, column) == 0
               ? PQgetvalue(result_.get(), row_, column)
               : nullptr;
  }
  std::size_t Length(int column) const {
    return static_cast<std::size_t>(PQgetlength(result_.get(), row_, column));
  }

  PGconn* conn_;  // the connection's, which outlives its statements
  PreparedStatements* prepared_;  // the connection's, likewise
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  std::vector<int> formats_;
  PgResultPtr result_;
  int row_ = -1;
  int changes_ = 0;
  int bad_index_ = 0;
};

}  // namespace

Result<const std::string*> PreparedStatements::NameFor(PGconn* conn, const std::string& sql,
                                                       const std::vector<Oid>& types) {
  std::string key = sql;
  for (Oid type : types) {
    key += '\x1f' + std::to_string(type);
  }
  auto found = names_.find(key);
  if (found != names_.end()) {
    return &found->second;
  }
  if (names_.size() >= kMaxStatements) {
    return nullptr;
  }
  std::string name = "tocsin_" + std::to_string(names_.size() + 1);
  PgResultPtr prepared(PQprepare(conn, name.c_str(), sql.c_str(), static_cast<int>(types.size()),
                                 types.data()));
  if (!prepared || !Succeeded(prepared.get())) {
    return ResultError(prepared.get(), conn, "statement");
  }
  return &names_.emplace(std::move(key), std::move(name)).first->second;
}

namespace {

// Where the connection goes, for messages: never the password.
std::string Describe(PGconn* conn) {
  const char* host = PQhost(conn);
  const char* port = PQport(conn);
  const char* db = PQdb(conn);
  return std::string("postgresql ") + (host != nullptr ? host : "?") + ":" +
         (port != nullptr ? port : "?") + "/" + (db != nullptr ? db : "?");
}

// The server's notices (CREATE ... IF NOT EXISTS that skips, say) are not
// errors; libpq would print them on stderr.
void IgnoreNotice(void* /*context*/, const char* /*message*/) {}

}  // namespace

std::string NumberPlaceholders(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  int highest = 0;
  char quote = 0;  // ' or " while inside one
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote != 0) {
      quote = c == quote ? 0 : quote;  // a doubled quote closes and reopens: same result
      out += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    std::size_t digits = i + 1;
    while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9') {
      ++digits;
    }
    int number = 0;
    if (digits > i + 1) {
      number = std::atoi(std::string(sql.substr(i + 1, digits - i - 1)).c_str());
      i = digits - 1;
    } else {
      number = ++next;
    }
    highest = std::max(highest, number);
    out += "$" + std::to_string(number);
  }
  *count = highest;
  return out;
}

Result<PostgresqlConnection> PostgresqlConnection::Open(
    const std::string& conninfo, const std::vector<std::string_view>& migrations) {
  TOCSIN_ASSIGN_OR_RETURN(PostgresqlConnection connection, Connect(conninfo));
  TOCSIN_RETURN_IF_ERROR(connection.Migrate(migrations));
  return connection;
}

Result<PostgresqlConnection> PostgresqlConnection::Connect(const std::string& conninfo) {
  // Bounded waits first; the operator's connection string (expanded from
  // dbname) overrides any of them.
  const char* keywords[] = {"connect_timeout", "keepalives",       "keepalives_idle",
                            "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                            "client_encoding", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "1", "5", "2", "3", "10000", "UTF8", "tocsin-gateway",
                          conninfo.c_str(), nullptr};
  PgConnPtr conn(PQconnectdbParams(keywords, values, 1));
  if (!conn) {
    return MakeError(ErrorCode::kIoError, "postgresql: out of memory");
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return MakeError(ErrorCode::kIoError,
                     "connect to " + Describe(conn.get()) + ": " + Trimmed(PQerrorMessage(conn.get())));
  }
  PQsetNoticeProcessor(conn.get(), &IgnoreNotice, nullptr);
  std::string description = Describe(conn.get());
  PostgresqlConnection connection(std::move(conn), std::move(description));
  TOCSIN_RETURN_IF_ERROR(connection.RequireSessionSettings());
  TOCSIN_RETURN_IF_ERROR(connection.RequireDurableCommits());
  return connection;
}

Status PostgresqlConnection::RequireSessionSettings() {
  // Text travels in binary format, so the database must store UTF-8 as is.
  const char* encoding = PQparameterStatus(conn_.get(), "server_encoding");
  if (encoding == nullptr || std::string_view(encoding) != "UTF8") {
    return MakeError(ErrorCode::kInvalidArgument,
                     description_ + ": the database's encoding is " +
                         (encoding != nullptr ? encoding : "unknown") +
                         ", not UTF8: create it with ENCODING 'UTF8'");
  }
  // Bytes come back as \x and hex whatever the role's default; and nothing
  // is written outside an explicit (fenced) BEGIN READ WRITE.
  return Execute("SET bytea_output = hex; SET default_transaction_read_only = on");
}

Status PostgresqlConnection::RequireDurableCommits() {
  TOCSIN_ASSIGN_OR_RETURN(Statement level, Prepare("SHOW synchronous_commit"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, level.Step());
  std::string value = row ? level.Text(0) : "";
  if (value == "on" || value == "remote_apply") {
    return {};
  }
  return Execute("SET synchronous_commit TO on");
}

Status PostgresqlConnection::Migrate(const std::vector<std::string_view>& migrations) {
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*this));
  TOCSIN_RETURN_IF_ERROR(Execute(kMigrationLock));
  // DDL only when the tables are missing: afterwards the role needs no
  // CREATE right (IF NOT EXISTS would still ask for it).
  TOCSIN_ASSIGN_OR_RETURN(bool made, SchemaMade());
  if (!made) {
    TOCSIN_RETURN_IF_ERROR(Execute("CREATE TABLE IF NOT EXISTS tocsin_schema (version BIGINT NOT NULL)"));
    TOCSIN_RETURN_IF_ERROR(Execute(kWriterTable));
  }
  TOCSIN_ASSIGN_OR_RETURN(std::size_t current, SchemaVersion());
  if (current == migrations.size()) {
    return transaction.Commit();
  }
  if (current > migrations.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     description_ + " has schema version " + std::to_string(current) +
                         ", newer than this build knows (" + std::to_string(migrations.size()) +
                         ")");
  }
  for (; current < migrations.size(); ++current) {
    TOCSIN_RETURN_IF_ERROR(Execute(migrations[current]));
  }
  TOCSIN_RETURN_IF_ERROR(Execute("DELETE FROM tocsin_schema"));
  TOCSIN_RETURN_IF_ERROR(
      Execute("INSERT INTO tocsin_schema VALUES (" + std::to_string(current) + ")"));
  return transaction.Commit();
}

Result<bool> PostgresqlConnection::SchemaMade() {
  TOCSIN_ASSIGN_OR_RETURN(Statement made, Prepare(
      "SELECT to_regclass('tocsin_schema') IS NOT NULL AND to_regclass('tocsin_writer') IS NOT NULL"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, made.Step());
  return row && made.Int(0) != 0;
}

Result<std::size_t> PostgresqlConnection::SchemaVersion() {
  TOCSIN_ASSIGN_OR_RETURN(Statement version,
                          Prepare("SELECT COALESCE(MAX(version), 0) FROM tocsin_schema"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, version.Step());
  return row ? static_cast<std::size_t>(version.Int(0)) : 0;
}

Status PostgresqlConnection::Execute(std::string_view sql) {
  PgResultPtr result(PQexec(conn_.get(), std::string(sql).c_str()));
  if (!result || !Succeeded(result.get())) {
    return ResultError(result.get(), conn_.get(), description_);
  }
  return {};
}

Result<Statement> PostgresqlConnection::Prepare(std::string_view sql) {
  int parameters = 0;
  std::string numbered = NumberPlaceholders(sql, &parameters);
  return Statement(std::make_unique<PostgresqlStatement>(conn_.get(), prepared_.get(),
                                                         std::move(numbered), parameters));
}

Status PostgresqlConnection::Begin() {
  if (fenced_) {
    return FencedError();
  }
  TOCSIN_RETURN_IF_ERROR(Execute("BEGIN READ WRITE"));
  if (epoch_ == 0) {
    return {};
  }
  Status fenced = Fence();
  if (!fenced) {
    Rollback();
  }
  return fenced;
}

Status PostgresqlConnection::Fence() {
  TOCSIN_ASSIGN_OR_RETURN(Statement renew, Prepare(
      "UPDATE tocsin_writer SET renewed_at = clock_timestamp() "
      "WHERE id = 1 AND epoch = ? AND holder = ?"));
  renew.Bind(1, epoch_).Bind(2, holder_);
  TOCSIN_RETURN_IF_ERROR(renew.Run());
  if (renew.Changes() == 1) {
    return {};
  }
  fenced_ = true;  // for good: no later transaction of this connection writes
  return FencedError();
}

tl::unexpected<Error> PostgresqlConnection::FencedError() const {
  return MakeError(ErrorCode::kIoError,
                   description_ + ": fenced: the writer's epoch is no longer " +
                       std::to_string(epoch_) + " (another gateway has taken over); this "
                       "gateway must not write and steps down");
}

Result<bool> PostgresqlConnection::TryBecomeWriter(const WriterClaim& claim) {
  if (fenced_ || epoch_ != 0) {
    return MakeError(ErrorCode::kInternal, description_ + ": a connection claims the lease once");
  }
  // A writer's open transaction holds the row: wait for it only briefly,
  // then report "not yet" and let the caller try again.
  TOCSIN_RETURN_IF_ERROR(Execute("SET lock_timeout = '1s'"));
  TOCSIN_ASSIGN_OR_RETURN(Statement take, Prepare(
      "UPDATE tocsin_writer SET epoch = epoch + 1, holder = ?, lease_ms = ?, "
      "renewed_at = clock_timestamp() "
      "WHERE id = 1 AND renewed_at < clock_timestamp() - lease_ms * interval '1 ms' "
      "RETURNING epoch"));
  take.Bind(1, claim.holder).Bind(2, claim.lease_ms);
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*this));
  Result<bool> taken = take.Step();
  if (!taken) {
    if (taken.error().context.find("SQLSTATE 55P03") != std::string::npos) {
      return false;  // lock_not_available: a writer is in a transaction
    }
    return tl::unexpected(taken.error());
  }
  if (!*taken) {
    return false;
  }
  std::int64_t epoch = take.Int(0);
  TOCSIN_RETURN_IF_ERROR(transaction.Commit());
  epoch_ = epoch;
  holder_ = claim.holder;
  // A writer paused inside a transaction holds the row; the server ends its
  // session after this long idle in it, which releases the row and rolls
  // the transaction back.
  TOCSIN_RETURN_IF_ERROR(Execute("SET idle_in_transaction_session_timeout = " +
                                 std::to_string(claim.lease_ms) + "; SET lock_timeout = 0"));
  return true;
}

Result<WriterLease> PostgresqlConnection::Lease() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, Prepare(
      "SELECT epoch, holder, CASE WHEN renewed_at = '-infinity' THEN 0 ELSE "
      "(extract(epoch FROM clock_timestamp() - renewed_at) * 1000)::bigint END, lease_ms "
      "FROM tocsin_writer WHERE id = 1"));
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return MakeError(ErrorCode::kIoError, description_ + ": the table tocsin_writer has no row");
  }
  return WriterLease{q.Int(0), q.Text(1), q.Int(2), q.Int(3)};
}

Status PostgresqlConnection::ReleaseLease() {
  if (fenced_ || epoch_ == 0) {
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*this));  // fenced
  TOCSIN_ASSIGN_OR_RETURN(Statement release, Prepare(
      "UPDATE tocsin_writer SET renewed_at = '-infinity' WHERE id = 1 AND epoch = ? AND holder = ?"));
  release.Bind(1, epoch_).Bind(2, holder_);
  Status released = release.Run();
  if (released) {
    released = transaction.Commit();
  }
  fenced_ = true;  // whatever the answer: this connection is done writing
  return released;
}

Status PostgresqlConnection::RenewLease() {
  if (fenced_) {
    return FencedError();
  }
  if (epoch_ == 0) {
    return MakeError(ErrorCode::kIoError, description_ + ": not the writer: no lease to renew");
  }
  TOCSIN_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*this));
  return transaction.Commit();
}

Status PostgresqlConnection::Commit() {
  // COMMIT of a transaction that failed earlier answers ROLLBACK, not an
  // error: that is a failure here.
  PgResultPtr result(PQexec(conn_.get(), "COMMIT"));
  if (!result || !Succeeded(result.get())) {
    return ResultError(result.get(), conn_.get(), description_ + ": commit");
  }
  if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
    return MakeError(ErrorCode::kIoError,
                     description_ + ": commit was rolled back (an earlier statement failed)");
  }
  return {};
}

void PostgresqlConnection::Rollback() { (void)Execute("ROLLBACK"); }

}  // namespace tocsin::store
