// store/directives.h -- the ledger's directives and their deliveries: what
// was accepted, for whom, and where each (directive, agency) pair stands
// (common/delivery_state.h). Part of the ledger (store/ledger.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/delivery_state.h"
#include "common/result.h"
#include "store/audit_log.h"
#include "store/ledger_store.h"

namespace tocsin::store {

using tocsin::DeliveryState;

struct AcceptedDirective {
  Bytes id;
  std::string issuer;
  std::uint64_t sequence = 0;
  int severity = 0;
  UnixMillis issued_at = 0;
  UnixMillis expires_at = 0;
  UnixMillis ack_deadline = 0;
  UnixMillis accepted_at = 0;
  Bytes digest;
  Bytes wire;  // the envelope as received, signatures included
  std::vector<std::string> recipients;
  Bytes audit_entry;  // appended with it
  // A held proposal completed: its sequence was checked and reserved when it
  // was held (Proposals::Hold), and the proposal goes in the same transaction.
  bool from_proposal = false;
};

struct SentRecord {
  Bytes directive_id;
  std::string agency;
  Bytes audit_entry;  // appended if the pair was pending
};

struct DeliveryRow {
  Bytes directive_id;
  std::string agency;
  DeliveryState state = DeliveryState::kPending;  // never kRefused: see refused_at
  std::optional<UnixMillis> sent_at;
  std::optional<UnixMillis> delivered_at;
  std::optional<UnixMillis> acknowledged_at;  // as the agency signed it
  std::string officer;
  std::optional<UnixMillis> acknowledgement_recorded_at;  // by the gateway's clock
  std::optional<UnixMillis> refused_at;  // as the agency signed its refusal, if it refused a copy
};

// Whether `error`, from Directives::Accept or Proposals::Hold, refuses the
// request (a replay, a limit reached: the caller answers its sender) rather
// than reporting a store failure, which is fatal.
inline bool IsRefusal(const Error& error) {
  return error.code == ErrorCode::kReplay || error.code == ErrorCode::kUnavailable;
}

class Directives {
 public:
  explicit Directives(LedgerStore* store) : store_(store) {}

  // Stores a directive and a pending delivery per recipient, atomically.
  // kReplay when the id is known (accepted or held as a proposal) or the
  // issuer's sequence does not increase.
  Status Accept(const AcceptedDirective& directive);

  Result<std::optional<AcceptedDirective>> Find(ByteView id);
  // The directive's wire bytes as accepted (kNotFound if unknown).
  Result<Bytes> Wire(ByteView id);
  // The audit entry that recorded the directive's acceptance (nullopt if
  // unknown, or accepted before entries were indexed).
  Result<std::optional<LogPosition>> Position(ByteView id);

  // The ids of every unexpired directive `agency` holds no copy of
  // (Undelivered), in acceptance order.
  Result<std::vector<Bytes>> Undelivered(std::string_view agency, UnixMillis now);

  // pending -> sent for each (directive id, agency), in one transaction,
  // with the entry of each pair that moved; no change in any other state.
  Status MarkSent(const std::vector<SentRecord>& sent, UnixMillis at);

  // Delivery rows for one directive, or for all when `id` is empty, newest
  // directive first.
  Result<std::vector<DeliveryRow>> Deliveries(ByteView id);

  // Inside `transaction`, for the parts that reserve ids and sequences
  // (Proposals): whether a directive `id` was accepted; kReplay unless
  // `sequence` is above the issuer's highest; raising that mark.
  static Result<bool> IsAccepted(LedgerTransaction& transaction, ByteView id);
  static Status CheckIssuerSequence(LedgerTransaction& transaction, const std::string& issuer,
                                    std::uint64_t sequence);
  static Status RaiseIssuerMark(LedgerTransaction& transaction, const std::string& issuer,
                                std::uint64_t sequence);

 private:
  LedgerStore* store_;  // not owned; outlives this
};

}  // namespace tocsin::store
