// store/receipts.h -- the signed receipts, acknowledgements and refusals the
// agencies returned, kept as evidence, and the delivery states they move.
// Part of the ledger (store/ledger.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "store/audit_log.h"
#include "store/ledger_store.h"

namespace tocsin::store {

struct ReceiptRecord {
  Bytes directive_id;
  std::string agency;
  bool acknowledgement = false;
  // A signed refusal of a copy: the first is kept as evidence and logged,
  // the delivery then shown refused while not delivered; it stays
  // undelivered (caught up as before: a cause on the agency's side, a stale
  // CA folder or clock, heals by itself). `digest` is that of the copy as
  // received, which the caller checked against what it sent.
  bool refusal = false;
  UnixMillis at = 0;        // the time the agency signed
  UnixMillis recorded_at = 0;
  std::string officer;      // acknowledgements
  Bytes digest;             // the directive digest the receipt cites
  Bytes wire;               // the signed receipt, kept as evidence
  Bytes audit_entry;        // appended the first time this receipt is stored
};

// A receipt Receipts::Record did not record: its index in the batch, and
// why (kPermissionDenied: no such delivery; kBadSignature: it signs another
// digest; kExpired: dated outside the tolerance).
struct RefusedReceipt {
  std::size_t index = 0;
  ErrorCode code = ErrorCode::kPermissionDenied;
  std::string reason;
};

// One recipient's signed evidence for a directive.
struct Evidence {
  std::string agency;
  std::optional<Bytes> receipt;
  std::optional<Bytes> acknowledgement;
  std::optional<Bytes> refusal;
};

class Receipts {
 public:
  explicit Receipts(LedgerStore* store) : store_(store) {}

  // Records verified receipts in one transaction (group commit). A receipt
  // for an unknown pair, with a digest that does not match, or signed at a
  // time before the directive was accepted or after it was recorded (each
  // beyond `max_skew` ms) is refused and reported in `out_refused` in batch
  // order; the others are stored. Returns how many changed a state.
  // `out_logged`, if given, gets one element per receipt in batch order: the
  // audit entry that records it (now or before), nullopt if refused or stored
  // before entries were indexed. `out_first_seen`, likewise: for a receipt
  // stored for the first time, its directive's acceptance time (a latency's
  // start), else nullopt.
  Result<int> Record(const std::vector<ReceiptRecord>& receipts, UnixMillis max_skew,
                     std::vector<RefusedReceipt>* out_refused,
                     std::vector<std::optional<LogPosition>>* out_logged = nullptr,
                     std::vector<std::optional<UnixMillis>>* out_first_seen = nullptr);

  // The signed receipts and acknowledgements recorded for directive `id`,
  // for its recipients after `after_agency` in agency order, until `limit`
  // rows or about `max_bytes` of wire (at least one row); `more` tells
  // whether rows remain.
  Result<std::vector<Evidence>> EvidenceFor(ByteView id, const std::string& after_agency,
                                            std::size_t limit, std::size_t max_bytes, bool* more);

 private:
  LedgerStore* store_;  // not owned; outlives this
};

}  // namespace tocsin::store
