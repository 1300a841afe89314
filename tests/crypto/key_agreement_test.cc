#include "crypto/key_agreement.h"

#include <catch2/catch.hpp>

namespace tocsin::crypto {
namespace {

Bytes ContentKey() { return Bytes(32, 0x42); }

TEST_CASE("WrapKey and UnwrapKey round-trip for the intended recipient",
          "[crypto][wrap]") {
  X25519KeyPair ephemeral = X25519KeyPair::Generate().value();
  X25519KeyPair agency = X25519KeyPair::Generate().value();
  Bytes ad = ToBytes("tocsin/wrap/v1 + id + agency");
  Bytes wrapped = WrapKey(ephemeral, agency.public_key(), ContentKey(), ad).value();
  CHECK(wrapped.size() == kWrappedKeySize);
  SecretBytes unwrapped = UnwrapKey(agency, ephemeral.public_key(), wrapped, ad).value();
  CHECK(ConstantTimeEquals(unwrapped.bytes(), ContentKey()));
}

TEST_CASE("A wrap opens for no other recipient, ephemeral key or AD",
          "[crypto][wrap][negative]") {
  X25519KeyPair ephemeral = X25519KeyPair::Generate().value();
  X25519KeyPair agency = X25519KeyPair::Generate().value();
  X25519KeyPair other = X25519KeyPair::Generate().value();
  Bytes ad = ToBytes("ad-for-agency");
  Bytes wrapped = WrapKey(ephemeral, agency.public_key(), ContentKey(), ad).value();
  CHECK(UnwrapKey(other, ephemeral.public_key(), wrapped, ad).error().code ==
        ErrorCode::kBadSignature);
  CHECK_FALSE(UnwrapKey(agency, other.public_key(), wrapped, ad));
  CHECK_FALSE(UnwrapKey(agency, ephemeral.public_key(), wrapped, ToBytes("ad-for-other")));
  wrapped.pop_back();
  CHECK(UnwrapKey(agency, ephemeral.public_key(), wrapped, ad).error().code ==
        ErrorCode::kMalformedMessage);
}

TEST_CASE("WrapKey refuses a low-order recipient key", "[crypto][wrap][negative]") {
  X25519KeyPair ephemeral = X25519KeyPair::Generate().value();
  PublicKey low_order{};  // the point 0 is of order 1: the shared secret is zero
  Result<Bytes> wrapped = WrapKey(ephemeral, low_order, ContentKey(), ToBytes("ad"));
  REQUIRE_FALSE(wrapped);
  CHECK(wrapped.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("X25519KeyPair::FromSecret matches RFC 7748 section 6.1", "[crypto][x25519]") {
  Bytes alice = HexDecode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a").value();
  X25519KeyPair pair = X25519KeyPair::FromSecret(alice).value();
  CHECK(HexEncode(pair.public_key()) ==
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  CHECK_FALSE(X25519KeyPair::FromSecret(Bytes(16, 1)));
}

}  // namespace
}  // namespace tocsin::crypto
