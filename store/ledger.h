// store/ledger.h -- the gateway's durable state: accepted directives and the
// delivery state of every (directive, agency) pair.
//
// Delivery: pending -> sent -> delivered -> acknowledged. Only a verified,
// signed receipt moves a pair to delivered (the caller verifies; the ledger
// stores the receipt bytes as evidence). Every method that returns OK has
// committed with synchronous=FULL: callers may answer peers after it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "store/sqlite.h"

namespace tocsin::store {

enum class DeliveryState { kPending = 0, kSent = 1, kDelivered = 2, kAcknowledged = 3 };
std::string_view DeliveryStateName(DeliveryState state);

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
};

struct DeliveryRow {
  Bytes directive_id;
  std::string agency;
  DeliveryState state = DeliveryState::kPending;
  std::optional<UnixMillis> sent_at;
  std::optional<UnixMillis> delivered_at;
  std::optional<UnixMillis> acknowledged_at;
  std::string officer;
};

struct ReceiptRecord {
  Bytes directive_id;
  std::string agency;
  bool acknowledgement = false;
  UnixMillis at = 0;        // the time the agency signed
  UnixMillis recorded_at = 0;
  std::string officer;      // acknowledgements
  Bytes wire;               // the signed receipt, kept as evidence
};

class Ledger {
 public:
  static Result<Ledger> Open(const std::string& path);

  // Stores a directive and a pending delivery per recipient, atomically.
  // kInvalidArgument when the id is known or the issuer's sequence does not
  // increase (a replay).
  Status Accept(const AcceptedDirective& directive);

  Result<std::optional<AcceptedDirective>> Find(ByteView id);

  // The ids of every unexpired directive `agency` has not receipted, in
  // acceptance order.
  Result<std::vector<Bytes>> Undelivered(std::string_view agency, UnixMillis now);

  // The directive's wire bytes as accepted (kNotFound if unknown).
  Result<Bytes> Wire(ByteView id);

  // pending -> sent for each (directive id, agency), in one transaction; no
  // change in any other state.
  Status MarkSent(const std::vector<std::pair<Bytes, std::string>>& sent, UnixMillis at);

  // Records verified receipts in one transaction (group commit). A receipt
  // for an unknown pair or a digest that does not match is refused and
  // reported in `out_refused` (index, reason); the others are stored.
  // Returns how many changed a state.
  Result<int> RecordReceipts(const std::vector<ReceiptRecord>& receipts,
                             const std::vector<Bytes>& digests,
                             std::vector<std::pair<std::size_t, std::string>>* out_refused);

  // Delivery rows for one directive, or for all when `id` is empty, newest
  // directive first.
  Result<std::vector<DeliveryRow>> Deliveries(ByteView id);

 private:
  explicit Ledger(Database db) : db_(std::move(db)) {}
  Database db_;
};

}  // namespace tocsin::store
