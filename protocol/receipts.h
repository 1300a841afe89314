// protocol/receipts.h -- signed receipts, acknowledgements and heartbeats.
//
// A receipt is an agency's non-repudiable statement that it received (or, for
// an acknowledgement, that a named officer acknowledged) the directive whose
// signed body has the given SHA-256 digest, through the given gateway.
#pragma once

#include <string_view>

#include "crypto/key_resolver.h"
#include "crypto/signing.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

// Encodes and signs `receipt` with the agency's key; the signer is
// receipt.agency. Returns the envelope's wire bytes.
Bytes SignReceipt(const Receipt& receipt, const crypto::SigningKey& agency_key);

// Verifies a receipt or acknowledgement envelope: signature by an agency
// before parsing, then that the signer is the agency the receipt names and
// the gateway is `gateway`.
Result<Receipt> VerifyReceipt(ByteView wire, crypto::KeyResolver& resolver,
                              UnixMillis now, std::string_view gateway);

Bytes SignHeartbeat(const Heartbeat& heartbeat, const crypto::SigningKey& gateway_key);

// A heartbeat may promise liveness for this long at most (heartbeat_validity_ms
// in gateway.toml is bounded by it): one captured heartbeat cannot stand in
// for a silent gateway for longer.
inline constexpr UnixMillis kMaxHeartbeatValidity = 10 * 60 * 1000;

// Verifies a heartbeat from `gateway` that is still valid at `now`, within
// kMaxClockSkew either way, and valid for at most kMaxHeartbeatValidity.
// Sequences are the receiver's to check (increasing on one connection).
Result<Heartbeat> VerifyHeartbeat(ByteView wire, crypto::KeyResolver& resolver,
                                  UnixMillis now, std::string_view gateway);

}  // namespace tocsin::protocol
