#include "protocol/receipts.h"

#include "protocol/signed_envelope.h"

namespace tocsin::protocol {
namespace {

MessageType TypeOf(ReceiptKind kind) {
  return kind == ReceiptKind::kAcknowledged ? MessageType::kAcknowledgement
         : kind == ReceiptKind::kRefused    ? MessageType::kRefusal
                                            : MessageType::kReceipt;
}

Status CheckNamed(std::string_view field, std::string_view named, std::string_view expected) {
  if (named != expected) {
    return MakeError(ErrorCode::kPermissionDenied, std::string(field) + " is " +
                                                       std::string(named) + ", expected " +
                                                       std::string(expected));
  }
  return {};
}

}  // namespace

Bytes SignReceipt(const Receipt& receipt, const crypto::SigningKey& agency_key) {
  return EncodeEnvelope(
      SignBody(TypeOf(receipt.kind), EncodeReceipt(receipt), receipt.agency, agency_key));
}

Result<Receipt> VerifyReceipt(ByteView wire, crypto::KeyResolver& resolver, UnixMillis now,
                              std::string_view gateway) {
  TOCSIN_ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(wire));
  if (envelope.type != MessageType::kReceipt &&
      envelope.type != MessageType::kAcknowledgement && envelope.type != MessageType::kRefusal) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "expected a receipt, got a " + std::string(MessageTypeName(envelope.type)));
  }
  if (envelope.signatures.size() != 1) {
    return MakeError(ErrorCode::kMalformedMessage, "a receipt carries exactly one signature");
  }
  TOCSIN_RETURN_IF_ERROR(VerifyEnvelope(envelope, resolver, now, {Role::kAgency, 1}));
  ReceiptKind kind = envelope.type == MessageType::kAcknowledgement ? ReceiptKind::kAcknowledged
                     : envelope.type == MessageType::kRefusal       ? ReceiptKind::kRefused
                                                                    : ReceiptKind::kDelivered;
  TOCSIN_ASSIGN_OR_RETURN(Receipt receipt, DecodeReceipt(envelope.body, kind));
  TOCSIN_RETURN_IF_ERROR(CheckNamed("receipt.agency", receipt.agency,
                                    envelope.signatures.front().signer));
  TOCSIN_RETURN_IF_ERROR(CheckNamed("receipt.gateway", receipt.gateway, gateway));
  return receipt;
}

Bytes SignHeartbeat(const Heartbeat& heartbeat, const crypto::SigningKey& gateway_key) {
  return EncodeEnvelope(SignBody(MessageType::kHeartbeat, EncodeHeartbeat(heartbeat),
                                 heartbeat.gateway, gateway_key));
}

Result<Heartbeat> VerifyHeartbeat(ByteView wire, crypto::KeyResolver& resolver, UnixMillis now,
                                  std::string_view gateway) {
  TOCSIN_ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(wire));
  if (envelope.type != MessageType::kHeartbeat || envelope.signatures.size() != 1) {
    return MakeError(ErrorCode::kMalformedMessage, "expected a heartbeat with one signature");
  }
  TOCSIN_RETURN_IF_ERROR(CheckNamed("heartbeat signer", envelope.signatures.front().signer, gateway));
  TOCSIN_RETURN_IF_ERROR(VerifyEnvelope(envelope, resolver, now, {Role::kGateway, 1}));
  TOCSIN_ASSIGN_OR_RETURN(Heartbeat heartbeat, DecodeHeartbeat(envelope.body));
  TOCSIN_RETURN_IF_ERROR(CheckNamed("heartbeat.gateway", heartbeat.gateway, gateway));
  // The receiver's clock may run up to kMaxClockSkew ahead of the gateway's;
  // freshness itself is the receiver's own monotonic measure of when it last
  // accepted one (client/agency_client.h).
  if (now >= heartbeat.valid_until + kMaxClockSkew) {
    return MakeError(ErrorCode::kExpired, "heartbeat expired at " + FormatUtc(heartbeat.valid_until) +
                                              " (and the clock tolerance with it)");
  }
  if (heartbeat.valid_until - heartbeat.sent_at > kMaxHeartbeatValidity) {
    return MakeError(ErrorCode::kExpired, "heartbeat valid for " +
                                              std::to_string(heartbeat.valid_until - heartbeat.sent_at) +
                                              " ms, more than the " +
                                              std::to_string(kMaxHeartbeatValidity) + " allowed");
  }
  if (heartbeat.sent_at > now + kMaxClockSkew) {
    return MakeError(ErrorCode::kExpired,
                     "heartbeat sent at " + FormatUtc(heartbeat.sent_at) + ", in the future");
  }
  return heartbeat;
}

}  // namespace tocsin::protocol
