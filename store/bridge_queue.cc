#include "store/bridge_queue.h"

namespace tocsin::store {
namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE tasks (
  task            INTEGER PRIMARY KEY,
  channel         TEXT NOT NULL,
  contact         TEXT NOT NULL,
  address         TEXT NOT NULL,
  subject         TEXT NOT NULL,
  text            TEXT NOT NULL,
  received_at     INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  outcome         INTEGER NOT NULL DEFAULT 0,
  detail          TEXT NOT NULL DEFAULT '',
  reported        INTEGER NOT NULL DEFAULT -1   -- the last outcome the gateway confirmed
);
CREATE TABLE inbound (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  sender   TEXT NOT NULL,
  text     TEXT NOT NULL,
  at       INTEGER NOT NULL,
  verdict  TEXT
);
)sql";

constexpr std::string_view kTaskColumns =
    "task, channel, contact, address, subject, text, attempts, next_attempt_at, outcome, detail";

QueuedTask ReadTask(const Statement& q) {
  return {static_cast<std::uint64_t>(q.Int(0)), q.Text(1), q.Text(2), q.Text(3), q.Text(4),
          q.Text(5), static_cast<int>(q.Int(6)), q.Int(7), static_cast<int>(q.Int(8)), q.Text(9)};
}

}  // namespace

Result<BridgeQueue> BridgeQueue::Open(const std::string& path, Integrity integrity) {
  TOCSIN_ASSIGN_OR_RETURN(Database db, Database::Open(path, {kSchemaV1}, integrity));
  return BridgeQueue(std::move(db));
}

Result<bool> BridgeQueue::Add(const QueuedTask& t, UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "INSERT OR IGNORE INTO tasks (task, channel, contact, address, subject, text, received_at, "
      "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  q.Bind(1, static_cast<std::int64_t>(t.task)).Bind(2, t.channel).Bind(3, t.contact)
      .Bind(4, t.address).Bind(5, t.subject).Bind(6, t.text).Bind(7, now).Bind(8, now);
  TOCSIN_RETURN_IF_ERROR(q.Run());
  return q.Changes() == 1;
}

Result<std::vector<QueuedTask>> BridgeQueue::Due(UnixMillis now, std::size_t limit) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "SELECT " + std::string(kTaskColumns) +
      " FROM tasks WHERE outcome = 0 AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?"));
  q.Bind(1, now).Bind(2, static_cast<std::int64_t>(limit));
  std::vector<QueuedTask> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back(ReadTask(q));
  }
}

Status BridgeQueue::RecordAttempt(std::uint64_t task, bool sent, const std::string& detail,
                                  std::optional<UnixMillis> retry_at) {
  // A delivery report may land while its attempt is still being recorded
  // (Kannel calls back before sendsms has answered): a final report wins.
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "UPDATE tasks SET attempts = attempts + 1, "
      "detail = CASE WHEN outcome IN (3, 4) THEN detail ELSE ? END, "
      "outcome = CASE WHEN outcome IN (3, 4) THEN outcome ELSE ? END, "
      "next_attempt_at = COALESCE(?, next_attempt_at) WHERE task = ?"));
  int outcome = sent ? 1 : (retry_at ? 0 : 2);
  q.Bind(1, detail).Bind(2, std::int64_t{outcome});
  if (retry_at) {
    q.Bind(3, *retry_at);
  } else {
    q.BindNull(3);
  }
  q.Bind(4, static_cast<std::int64_t>(task));
  return q.Run();
}

Result<bool> BridgeQueue::RecordDeliveryReport(std::uint64_t task, int outcome,
                                               const std::string& detail) {
  // A report proves the SMSC took the message, whatever the attempt's record
  // says yet: it applies in every state but a final one (3, 4). The first
  // final report stands: a replayed one cannot turn "undelivered" into
  // "delivered" (SECURITY.md 41).
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "UPDATE tasks SET outcome = ?, detail = ? WHERE task = ? AND outcome NOT IN (3, 4)"));
  q.Bind(1, std::int64_t{outcome}).Bind(2, detail).Bind(3, static_cast<std::int64_t>(task));
  TOCSIN_RETURN_IF_ERROR(q.Run());
  return q.Changes() == 1;
}

Result<std::optional<QueuedTask>> BridgeQueue::Find(std::uint64_t task) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "SELECT " + std::string(kTaskColumns) + " FROM tasks WHERE task = ?"));
  q.Bind(1, static_cast<std::int64_t>(task));
  TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? std::optional<QueuedTask>(ReadTask(q)) : std::nullopt;
}

Result<std::vector<Report>> BridgeQueue::Unreported() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "SELECT task, outcome, detail FROM tasks WHERE outcome != reported ORDER BY task LIMIT 512"));
  std::vector<Report> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back({static_cast<std::uint64_t>(q.Int(0)), static_cast<int>(q.Int(1)), q.Text(2)});
  }
}

Status BridgeQueue::MarkReported(std::uint64_t task, int outcome) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "UPDATE tasks SET reported = ? WHERE task = ? AND outcome = ?"));
  q.Bind(1, std::int64_t{outcome}).Bind(2, static_cast<std::int64_t>(task))
      .Bind(3, std::int64_t{outcome});
  return q.Run();
}

Result<std::uint64_t> BridgeQueue::AddInbound(const std::string& from, const std::string& text,
                                              UnixMillis at) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "INSERT INTO inbound (sender, text, at) VALUES (?, ?, ?)"));
  q.Bind(1, from).Bind(2, text).Bind(3, at);
  TOCSIN_RETURN_IF_ERROR(q.Run());
  return static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_.handle()));
}

Result<std::vector<InboundSms>> BridgeQueue::UnansweredInbound() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare(
      "SELECT id, sender, text FROM inbound WHERE verdict IS NULL ORDER BY id LIMIT 256"));
  std::vector<InboundSms> out;
  for (;;) {
    TOCSIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return out;
    }
    out.push_back({static_cast<std::uint64_t>(q.Int(0)), q.Text(1), q.Text(2)});
  }
}

Status BridgeQueue::MarkInboundAnswered(std::uint64_t id, const std::string& verdict) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, db_.Prepare("UPDATE inbound SET verdict = ? WHERE id = ?"));
  q.Bind(1, verdict).Bind(2, static_cast<std::int64_t>(id));
  return q.Run();
}

Result<QueueTallies> BridgeQueue::Tallies() {
  QueueTallies tallies;
  TOCSIN_ASSIGN_OR_RETURN(Statement tasks,
                          db_.Prepare("SELECT outcome, COUNT(*), SUM(reported <> outcome) FROM tasks "
                                      "GROUP BY outcome"));
  TOCSIN_RETURN_IF_ERROR(ForEachRow(tasks, [&](const Statement& row) {
    tallies.tasks[static_cast<int>(row.Int(0))] = static_cast<std::uint64_t>(row.Int(1));
    tallies.unreported += static_cast<std::uint64_t>(row.Int(2));
  }));
  TOCSIN_ASSIGN_OR_RETURN(Statement inbound,
                          db_.Prepare("SELECT COUNT(*) FROM inbound WHERE verdict IS NULL"));
  TOCSIN_RETURN_IF_ERROR(ForEachRow(inbound, [&](const Statement& row) {
    tallies.inbound_unanswered = static_cast<std::uint64_t>(row.Int(0));
  }));
  return tallies;
}

}  // namespace tocsin::store
