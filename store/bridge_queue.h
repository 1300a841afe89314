// store/bridge_queue.h -- a bridge's durable queue (SQLite, WAL,
// synchronous=FULL).
//
// A task is stored before the bridge tells the gateway it has it; each
// attempt, its outcome and the delivery report are stored before they are
// reported; the gateway's acknowledgement of each report is stored too, so a
// restarted bridge resends exactly what the gateway has not confirmed. Inbound
// SMS are kept the same way until the gateway has answered them. One Database
// connection per object; a second object on the same file (another thread)
// is safe.
#pragma once

#include <cstdint>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/sqlite.h"

namespace tocsin::store {

struct QueuedTask {
  std::uint64_t task = 0;  // the gateway's id
  std::string channel;
  std::string contact;
  std::string address;
  std::string subject;
  std::string text;
  int attempts = 0;
  UnixMillis next_attempt_at = 0;
  int outcome = 0;           // 0 accepted, 1 sent, 2 failed, 3 delivered, 4 undelivered
  std::string detail;        // message id, SMSC answer, or the last error
};

struct Report {
  std::uint64_t task = 0;
  int outcome = 0;
  std::string detail;
};

struct InboundSms {
  std::uint64_t id = 0;
  std::string from;
  std::string text;
};

// What a bridge's metrics show of its queue.
struct QueueTallies {
  std::map<int, std::uint64_t> tasks;  // by outcome (0 accepted: still to attempt, 1 sent, ...)
  std::uint64_t unreported = 0;        // outcomes the gateway has not confirmed yet
  std::uint64_t inbound_unanswered = 0;
};

class BridgeQueue {
 public:
  // Checks the file first (kQuick: quick_check; kFull: integrity_check).
  static Result<BridgeQueue> Open(const std::string& path,
                                  Integrity integrity = Integrity::kQuick);

  // Stores a task from the gateway; false if it was known (a re-hand).
  Result<bool> Add(const QueuedTask& task, UnixMillis now);
  // Tasks still to attempt (outcome accepted) whose next attempt is due.
  Result<std::vector<QueuedTask>> Due(UnixMillis now, std::size_t limit);
  // After an attempt: sent with its detail, or a failure to retry at
  // `retry_at` (nullopt: no retry left, the task has failed). A delivery
  // report already stored is kept.
  Status RecordAttempt(std::uint64_t task, bool sent, const std::string& detail,
                       std::optional<UnixMillis> retry_at);
  // A delivery report (SMS): outcome 3 delivered or 4 undelivered. It
  // applies even before the attempt that produced it is recorded, and that
  // record then keeps it; the first final report stands. False if the task
  // is unknown or its outcome already final.
  Result<bool> RecordDeliveryReport(std::uint64_t task, int outcome, const std::string& detail);
  Result<std::optional<QueuedTask>> Find(std::uint64_t task);

  // Outcomes the gateway has not confirmed, and its confirmation of one.
  Result<std::vector<Report>> Unreported();
  Status MarkReported(std::uint64_t task, int outcome);

  Result<std::uint64_t> AddInbound(const std::string& from, const std::string& text, UnixMillis at);
  Result<std::vector<InboundSms>> UnansweredInbound();
  Result<QueueTallies> Tallies();
  Status MarkInboundAnswered(std::uint64_t id, const std::string& verdict);

 private:
  explicit BridgeQueue(Database db) : db_(std::move(db)) {}
  Database db_;
};

}  // namespace tocsin::store
