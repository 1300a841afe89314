// common/delivery_state.h -- the life of one (directive, agency) pair, defined
// once: the gateway's ledger stores it (deliveries.state), status reports
// carry it (docs/protocol.md, status-report rows), the tools and the metrics
// name it.
//
//   pending --sent--> sent --receipt--> delivered --acknowledgement--> acknowledged
//      \________________________________________/--acknowledgement-----^
//
// A state only moves forward. kRefused is never stored: a status report
// shows it for a delivery whose agency signed a refusal of its copy (it
// holds nothing, and stays undelivered in the ledger, so it is sent again).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tocsin {

enum class DeliveryState : std::uint8_t {
  kPending = 0,       // accepted, not yet sent to the agency
  kSent = 1,          // handed to its connection, no receipt yet
  kDelivered = 2,     // a verified receipt: the agency holds it
  kAcknowledged = 3,  // a verified acknowledgement by a named officer
  kRefused = 4,       // status reports only (see above)
};

inline constexpr DeliveryState kDeliveryStates[] = {
    DeliveryState::kPending, DeliveryState::kSent, DeliveryState::kDelivered,
    DeliveryState::kAcknowledged, DeliveryState::kRefused};

// "pending", "sent", "delivered", "acknowledged", "refused".
constexpr std::string_view DeliveryStateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kPending: return "pending";
    case DeliveryState::kSent: return "sent";
    case DeliveryState::kDelivered: return "delivered";
    case DeliveryState::kAcknowledged: return "acknowledged";
    case DeliveryState::kRefused: return "refused";
  }
  return "unknown";
}

// The state a stored or received number names; nullopt for any other.
constexpr std::optional<DeliveryState> DeliveryStateFromNumber(std::uint64_t number) {
  return number <= static_cast<std::uint64_t>(DeliveryState::kRefused)
             ? std::optional<DeliveryState>(static_cast<DeliveryState>(number))
             : std::nullopt;
}

// The agency holds the directive (its receipt, or its acknowledgement).
constexpr bool HoldsDirective(DeliveryState state) {
  return state == DeliveryState::kDelivered || state == DeliveryState::kAcknowledged;
}

// No agency signature stands behind it yet: neither held nor refused.
constexpr bool Unconfirmed(DeliveryState state) {
  return state == DeliveryState::kPending || state == DeliveryState::kSent;
}

// Not yet delivered: what a hello's catch-up sends again.
constexpr bool Undelivered(DeliveryState state) {
  return state == DeliveryState::kPending || state == DeliveryState::kSent ||
         state == DeliveryState::kRefused;
}

// Still waiting for an acknowledgement: what escalation watches.
constexpr bool AwaitsAcknowledgement(DeliveryState state) {
  return state != DeliveryState::kAcknowledged;
}

// The states the gateway's ledger stores (every one but kRefused).
constexpr bool Stored(DeliveryState state) { return state != DeliveryState::kRefused; }

// Whether a stored delivery in `from` moves on to `to`: states only move
// forward, and never to kRefused.
constexpr bool MovesOn(DeliveryState from, DeliveryState to) {
  return Stored(from) && Stored(to) && static_cast<int>(from) < static_cast<int>(to);
}

}  // namespace tocsin
