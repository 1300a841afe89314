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

TEST_CASE("Multi-row statements take the largest power of two that fits", "[store][delivery]") {
  CHECK(RowsPerStatement(300, 128) == 128);
  CHECK(RowsPerStatement(44, 128) == 32);
  CHECK(RowsPerStatement(7, 64) == 4);
  CHECK(RowsPerStatement(1, 64) == 1);
  CHECK(RowsPerStatement(0, 64) == 1);  // never 0: a caller's loop always moves on
}

}  // namespace
}  // namespace tocsin::store
