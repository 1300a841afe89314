// store/inbox.h -- an agency client's durable inbox.
//
// Holds every directive the agency verified and opened, the signed receipt it
// returned, the officer's signed acknowledgement, and whether the gateway has
// confirmed each. Also the seen ids and per-issuer high-water marks that make
// replays harmless across restarts (SECURITY.md, item 14). Every method that
// returns OK has committed with synchronous=FULL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "store/sqlite.h"

namespace tocsin::store {

struct InboxEntry {
  Bytes id;
  std::string issuer;
  std::uint64_t sequence = 0;
  std::string severity;
  std::string tlp;
  std::string status;
  std::string title;
  std::string body;
  std::string summary;
  UnixMillis issued_at = 0;
  UnixMillis expires_at = 0;
  UnixMillis ack_deadline = 0;
  UnixMillis received_at = 0;
  bool out_of_order = false;   // arrived after a higher sequence of its issuer
  Bytes digest;
  Bytes wire;                  // the directive as received
  Bytes receipt;               // our signed delivery receipt
  bool receipt_confirmed = false;
  std::optional<UnixMillis> acknowledged_at;
  std::string officer;
  std::string note;
  Bytes acknowledgement;       // our signed acknowledgement, once made
  bool acknowledgement_confirmed = false;
  bool notified = true;        // false until the notify hook has run successfully
};

// The last audit-log checkpoint the agency accepted (client/log_watch.h).
struct LogCheckpointRecord {
  std::uint64_t size = 0;
  Bytes root;
  std::string note;
  UnixMillis received_at = 0;
};

// A log promise the gateway made for one of our receipts or
// acknowledgements (protocol/promise.h), and what became of it.
enum class PromiseState { kOpen = 0, kKept = 1, kBroken = 2 };

struct PromiseRecord {
  int kind = 0;  // the audit entry kind: 3 receipt, 4 acknowledgement
  Bytes directive_id;
  std::uint64_t index = 0;
  UnixMillis at = 0;
  Bytes wire;  // the signed promise, as received
  PromiseState state = PromiseState::kOpen;
  std::string why;  // how it was settled
  UnixMillis received_at = 0;
};

// Every checkpoint accepted is kept as evidence, up to this many (the first
// and the newest).
inline constexpr std::size_t kMaxHeldCheckpoints = 4096;

// An outgoing message the gateway has not confirmed yet.
struct Unconfirmed {
  Bytes id;
  bool acknowledgement = false;
  Bytes wire;
};

// What the client's metrics show of its inbox.
struct InboxTallies {
  std::uint64_t stored = 0;
  std::uint64_t unacknowledged = 0;  // not acknowledged, not expired
  std::uint64_t unconfirmed = 0;     // a receipt or acknowledgement the gateway has not confirmed
};

class Inbox {
 public:
  // Checks the file first (kQuick: quick_check; kFull: integrity_check).
  static Result<Inbox> Open(const std::string& path, Integrity integrity = Integrity::kQuick);

  // Stores a new entry (its receipt included). Returns false, storing
  // nothing, when the id is already in the inbox.
  Result<bool> Add(const InboxEntry& entry);

  Result<std::optional<InboxEntry>> Find(ByteView id);
  // Finds by a unique prefix of the hex id (at least 8 characters).
  Result<std::optional<InboxEntry>> FindByHexPrefix(std::string_view prefix);
  Result<std::vector<InboxEntry>> List();
  Result<InboxTallies> Tallies(UnixMillis now);

  // The highest sequence seen from `issuer`, if any.
  Result<std::optional<std::uint64_t>> IssuerMark(std::string_view issuer);

  // Records the officer's acknowledgement. kInvalidArgument if already
  // acknowledged, kNotFound for an unknown id.
  Status Acknowledge(ByteView id, UnixMillis at, std::string_view officer,
                     std::string_view note, ByteView wire);

  Status Confirm(ByteView id, bool acknowledgement);

  // The gateway's clock minus this machine's, as last measured (by this
  // machine's clock at `measured_at`).
  Status SaveClockOffset(UnixMillis offset, UnixMillis measured_at);
  Result<std::optional<std::pair<UnixMillis, UnixMillis>>> ClockOffset();

  // Directives whose notify hook has not succeeded yet, oldest first.
  Result<std::vector<Bytes>> Unnotified(std::size_t limit);
  Status MarkNotified(ByteView id);
  // At most `limit` receipts and acknowledgements the gateway has not
  // confirmed, acknowledgements first (a person is waiting on those).
  Result<std::vector<Unconfirmed>> ListUnconfirmed(std::size_t limit = 1000);

  Result<std::optional<LogCheckpointRecord>> LogCheckpoint();
  // Holds `checkpoint` as the latest and keeps it among the held ones.
  Status SaveLogCheckpoint(const LogCheckpointRecord& checkpoint);
  // The checkpoints held, by size (at most kMaxHeldCheckpoints).
  Result<std::vector<std::string>> HeldCheckpoints();

  // Keeps a verified promise; false (nothing stored) when one for the same
  // receipt or acknowledgement is already held.
  Result<bool> SavePromise(const PromiseRecord& promise);
  // Promises in `state` (all when nullopt), by index, at most `limit`.
  Result<std::vector<PromiseRecord>> Promises(std::optional<PromiseState> state,
                                              std::size_t limit);
  // The open promise of log entry `index`, if we hold one.
  Result<std::optional<PromiseRecord>> OpenPromiseAt(std::uint64_t index);
  Status SettlePromise(int kind, ByteView directive_id, PromiseState state, std::string_view why);
  // Keeps the evidence of an inconsistent log: the note we held and the one
  // that contradicted it.
  Status RecordLogAlarm(UnixMillis at, std::string_view why, std::string_view held_note,
                        std::string_view offending_note);
  Result<std::int64_t> LogAlarmCount();

 private:
  explicit Inbox(Database db) : db_(std::move(db)) {}
  Result<std::vector<InboxEntry>> Query(std::string_view where, ByteView key);
  Database db_;
};

}  // namespace tocsin::store
