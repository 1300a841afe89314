// The delivery state machine (common/delivery_state.h) and the SQL the
// ledger derives from it (store/delivery_moves.h).
#include "store/delivery_moves.h"

#include <catch2/catch.hpp>

#include "tests/store/test_ledger.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::store {
namespace {

using S = DeliveryState;

TEST_CASE("A delivery only moves forward through stored states", "[store][delivery]") {
  // Row: from; column: to (pending, sent, delivered, acknowledged, refused).
  constexpr bool kExpected[5][5] = {
      {false, true, true, true, false},     // pending
      {false, false, true, true, false},    // sent
      {false, false, false, true, false},   // delivered
      {false, false, false, false, false},  // acknowledged
      {false, false, false, false, false},  // refused: shown, never stored
  };
  for (std::size_t from = 0; from < 5; ++from) {
    for (std::size_t to = 0; to < 5; ++to) {
      INFO(DeliveryStateName(kDeliveryStates[from]) << " -> "
                                                    << DeliveryStateName(kDeliveryStates[to]));
      CHECK(MovesOn(kDeliveryStates[from], kDeliveryStates[to]) == kExpected[from][to]);
    }
  }
}

TEST_CASE("The ledger's state sets are spelled from the one definition", "[store][delivery]") {
  CHECK(StatesWhere("v.state", Undelivered) == "v.state IN (0, 1)");
  CHECK(StatesWhere("state", AwaitsAcknowledgement) == "state IN (0, 1, 2)");
  CHECK(StatesWhere("state", HoldsDirective) == "state IN (2, 3)");
  CHECK(StatesWhere("state", Unconfirmed) == "state IN (0, 1)");
  CHECK(StateNumber(S::kRefused) == "4");
  CHECK(KindNumber(ReceiptKind::kRefusal) == "2");
}

}  // namespace
}  // namespace tocsin::store
