// store/escalations.h -- the escalation ladders' state: the steps fired for
// each open delivery, the messages queued for the SMS and e-mail bridges
// (claimed by the one writer, docs/policies.md), and the one-time
// acknowledgement codes. Part of the ledger (store/ledger.h).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/delivery_state.h"
#include "common/result.h"
#include "store/ledger_store.h"

namespace tocsin::store {

// A delivery still waiting for its acknowledgement, with what the ladder needs.
struct OpenDelivery {
  Bytes directive_id;
  std::string agency;
  int severity = 0;
  UnixMillis accepted_at = 0;
  UnixMillis expires_at = 0;
  UnixMillis ack_deadline = 0;
  DeliveryState state = DeliveryState::kPending;
};

// A message for a bridge to send (sms or email).
struct BridgeTask {
  std::int64_t id = 0;  // assigned by the ledger
  std::string channel;  // "sms" or "email"
  Bytes directive_id;
  std::string agency;
  std::string contact;  // the person's name
  std::string address;  // phone number or e-mail address
  std::string subject;
  std::string text;
};

struct EscalationRecord {
  Bytes directive_id;
  std::string agency;
  int step = 0;
  int repeat = 0;
  std::string action;
  UnixMillis fired_at = 0;
  std::string outcome;
  std::vector<BridgeTask> tasks;  // queued with it
  Bytes audit_entry;
};

enum class TaskOutcome { kAccepted = 0, kSent = 1, kFailed = 2, kDelivered = 3, kUndelivered = 4 };

class Escalations {
 public:
  explicit Escalations(LedgerStore* store) : store_(store) {}

  // Deliveries not acknowledged (AwaitsAcknowledgement), of directives not
  // expired at `now`.
  Result<std::vector<OpenDelivery>> OpenDeliveries(UnixMillis now);
  // (step, repeat) pairs fired, per (directive id, agency), for open directives.
  Result<std::map<std::pair<Bytes, std::string>, std::set<std::pair<int, int>>>> FiredSteps(
      UnixMillis now);
  // The step, its tasks and its audit entry, in one transaction. A step
  // recorded before is not recorded again (kInvalidArgument).
  Status RecordStep(const EscalationRecord& record);

  // Tasks for `channel` not handed to a bridge, or handed before `stale_before`
  // and never accepted; at most `limit`, oldest first.
  Result<std::vector<BridgeTask>> PendingTasks(const std::string& channel,
                                               UnixMillis stale_before, std::size_t limit);
  Status MarkTasksHanded(const std::vector<std::int64_t>& ids, UnixMillis at);
  Result<std::optional<BridgeTask>> Task(std::int64_t id);
  // Applies a bridge's report on a task (idempotent: the same outcome twice
  // changes nothing and appends no entry). kNotFound for an unknown task or
  // one of another channel.
  Status RecordTaskOutcome(std::int64_t id, const std::string& channel, TaskOutcome outcome,
                           const std::string& detail, UnixMillis at, const Bytes& audit_entry);

  // The one-time acknowledgement code of a (directive, agency) pair, made on
  // first use. `make_code` is called only then.
  Result<std::string> AckCode(ByteView directive_id, const std::string& agency,
                              UnixMillis expires_at, const std::function<std::string()>& make_code);
  // Every unexpired code of `agency` (an SMS names no directive).
  Result<std::vector<std::pair<Bytes, std::string>>> AckCodes(const std::string& agency,
                                                              UnixMillis now);
  // Counts an attempt from `phone` and returns how many it made since `since`.
  Result<int> CountCodeAttempt(const std::string& phone, UnixMillis at, UnixMillis since);
  // Acknowledged by code: weaker than a signed acknowledgement, recorded as
  // such (DeliveryMoves::AcknowledgeByCode); kInvalidArgument if it was
  // acknowledged already.
  Status RecordCodeAcknowledgement(ByteView directive_id, const std::string& agency,
                                   const std::string& phone, UnixMillis at,
                                   const Bytes& audit_entry);

 private:
  LedgerStore* store_;  // not owned; outlives this
};

}  // namespace tocsin::store
