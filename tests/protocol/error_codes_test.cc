// The error reply of docs/protocol.md section 9: codes, names, what every
// internal error maps to, and the directive a refused message names.
#include <catch2/catch.hpp>

#include "protocol/messages.h"
#include "protocol/proposal.h"
#include "protocol/reference.h"
#include "protocol/signed_envelope.h"
#include "protocol/strict_msgpack.h"
#include "tests/protocol/protocol_fixture.h"

namespace tocsin::protocol {
namespace {

using testing::ProtocolFixture;

TEST_CASE("Every error code has its section 9 name and survives the trip back",
          "[protocol][errors]") {
  const std::pair<WireError, const char*> table[] = {
      {WireError::kMalformed, "malformed"},       {WireError::kBadSignature, "bad-signature"},
      {WireError::kUnauthorized, "unauthorized"}, {WireError::kExpired, "expired"},
      {WireError::kReplay, "replay"},             {WireError::kTooLarge, "too-large"},
      {WireError::kNotFound, "not-found"},        {WireError::kUnavailable, "unavailable"},
      {WireError::kInternal, "internal"}};
  std::uint8_t expected = 1;
  for (const auto& [code, name] : table) {
    INFO(name);
    CHECK(static_cast<std::uint8_t>(code) == expected++);
    CHECK(WireErrorName(code) == name);
    CHECK(ToWireError(FromWireError(code)) == code);
  }
}

TEST_CASE("Internal errors map to the codes the page gives them", "[protocol][errors]") {
  CHECK(ToWireError(ErrorCode::kInvalidArgument) == WireError::kMalformed);
  CHECK(ToWireError(ErrorCode::kMalformedMessage) == WireError::kMalformed);
  CHECK(ToWireError(ErrorCode::kRevoked) == WireError::kUnauthorized);
  CHECK(ToWireError(ErrorCode::kUntrustedCertificate) == WireError::kUnauthorized);
  CHECK(ToWireError(ErrorCode::kReplay) == WireError::kReplay);
  CHECK(ToWireError(ErrorCode::kTooLarge) == WireError::kTooLarge);
  CHECK(ToWireError(ErrorCode::kNotFound) == WireError::kNotFound);
  CHECK(ToWireError(ErrorCode::kIoError) == WireError::kInternal);
}

TEST_CASE("A code of a later version reads as internal; 0 and over 255 are refused",
          "[protocol][errors]") {
  auto reply = [](std::uint64_t code) {
    Writer w;
    w.Array(3).Uint(code).Nil().Text("x");
    return DecodeErrorReply(w.Take());
  };
  CHECK(reply(5).value().code == WireError::kReplay);
  CHECK(reply(10).value().code == WireError::kInternal);
  CHECK(reply(255).value().code == WireError::kInternal);
  CHECK_FALSE(reply(0));
  CHECK_FALSE(reply(256));
}

TEST_CASE("NamedDirective reads the directive a message names, signed or not",
          "[protocol][errors]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  Bytes wire = EncodeEnvelope(sealed.envelope);
  CHECK(NamedDirective(wire) == sealed.id);
  // A signature that does not verify does not hide the id.
  Envelope spoiled = sealed.envelope;
  spoiled.signatures[0].signature[0] ^= 1;
  CHECK(NamedDirective(EncodeEnvelope(spoiled)) == sealed.id);
  // Inside a proposal.
  Bytes proposal = EncodeUnsigned(MessageType::kProposal,
                                  EncodeProposal({wire, {{sealed.id, "op.bob", Bytes(48, 7)}}}));
  CHECK(NamedDirective(proposal) == sealed.id);
  // Requests name their reference; a receipt its directive.
  CHECK(NamedDirective(EncodeUnsigned(MessageType::kDirectiveRequest,
                                      EncodeDirectiveRequest({sealed.id}))) == sealed.id);
  CHECK(NamedDirective(EncodeUnsigned(MessageType::kWithdrawal,
                                      EncodeWithdrawal({sealed.id}))) == sealed.id);
  // Nothing to name.
  CHECK_FALSE(NamedDirective(EncodeUnsigned(MessageType::kStatusRequest,
                                            EncodeStatusRequest({std::nullopt}))));
  CHECK_FALSE(NamedDirective(Bytes{0x95, 0x03}));
  CHECK_FALSE(NamedDirective(EncodeUnsigned(MessageType::kDirective, Bytes{0x90})));
}

}  // namespace
}  // namespace tocsin::protocol
