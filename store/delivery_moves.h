// store/delivery_moves.h -- the one place the ledger changes a delivery's
// state (deliveries.state), and the SQL spelling of the state sets its
// queries select by. Both follow common/delivery_state.h, where the state
// machine is defined: no other ledger file writes a state number.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/delivery_state.h"
#include "common/result.h"
#include "store/ledger_store.h"

namespace tocsin::store {

// `column IN (...)`: the stored states for which `in` holds, e.g.
// StatesWhere("v.state", Undelivered) is "v.state IN (0, 1)"; FALSE when
// there is none.
std::string StatesWhere(std::string_view column, bool (*in)(DeliveryState));

// The number the ledger stores for `state` (an SQL literal).
std::string StateNumber(DeliveryState state);

// A signed receipt's kind, as receipts.kind stores it.
enum class ReceiptKind : std::int64_t { kDelivery = 0, kAcknowledgement = 1, kRefusal = 2 };
std::string KindNumber(ReceiptKind kind);

// The state changes of one transaction, each a transition of the state
// machine; statements are prepared on first use and reused for a batch.
class DeliveryMoves {
 public:
  explicit DeliveryMoves(LedgerTransaction& transaction) : transaction_(transaction) {}

  // pending -> sent for `agencies` of one directive, up to kRowsPerMove per
  // statement: the agencies whose delivery moved (a pair in another state
  // stays), each once.
  static constexpr std::size_t kRowsPerMove = 128;
  Result<std::vector<std::string>> Send(ByteView directive_id,
                                        const std::vector<std::string>& agencies, UnixMillis at);
  // -> delivered from pending or sent, on a verified receipt; the first
  // delivery time is kept, and set if an earlier acknowledgement by code
  // left it empty.
  Status Deliver(ByteView directive_id, std::string_view agency, UnixMillis recorded_at);
  // -> acknowledged from any earlier state, on a verified signed
  // acknowledgement, which also proves delivery (delivered_at set if empty).
  Status Acknowledge(ByteView directive_id, std::string_view agency, UnixMillis signed_at,
                     std::string_view officer, UnixMillis recorded_at);
  // -> acknowledged by a one-time code: not delivered, since only a signed
  // receipt says the client holds the directive. True if it moved.
  Result<bool> AcknowledgeByCode(ByteView directive_id, std::string_view agency, UnixMillis at,
                                 std::string_view officer);

 private:
  Result<Statement*> Prepared(std::optional<Statement>& slot, const std::string& sql);

  LedgerTransaction& transaction_;
  std::optional<Statement> deliver_, acknowledge_, acknowledge_by_code_;
};

}  // namespace tocsin::store
