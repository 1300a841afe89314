#include "crypto/signing.h"

#include <catch2/catch.hpp>

namespace tocsin::crypto {
namespace {

using namespace std::string_view_literals;
constexpr std::string_view kDirective = "tocsin/directive/v1\0"sv;
constexpr std::string_view kReceipt = "tocsin/receipt/v1\0"sv;

TEST_CASE("A context signature verifies under its context only", "[crypto][signing]") {
  SigningKey key = SigningKey::Generate().value();
  Bytes message = ToBytes("isolate segment B");
  Signature signature = key.Sign(kDirective, message);
  CHECK(VerifySignature(key.public_key(), kDirective, message, signature));
  Status wrong_context = VerifySignature(key.public_key(), kReceipt, message, signature);
  REQUIRE_FALSE(wrong_context);
  CHECK(wrong_context.error().code == ErrorCode::kBadSignature);
}

TEST_CASE("Signatures fail on any changed bit, message or key", "[crypto][signing][negative]") {
  SigningKey key = SigningKey::Generate().value();
  SigningKey other = SigningKey::Generate().value();
  Bytes message = ToBytes("message");
  Signature signature = key.Sign(kDirective, message);
  for (std::size_t bit = 0; bit < signature.size() * 8; bit += 37) {
    Signature flipped = signature;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    CHECK_FALSE(VerifySignature(key.public_key(), kDirective, message, flipped));
  }
  message[0] ^= 1;
  CHECK_FALSE(VerifySignature(key.public_key(), kDirective, message, signature));
  message[0] ^= 1;
  CHECK_FALSE(VerifySignature(other.public_key(), kDirective, message, signature));
}

TEST_CASE("FromSeed is deterministic and matches RFC 8032 test 1", "[crypto][signing]") {
  // RFC 8032, section 7.1, TEST 1.
  Bytes seed = HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").value();
  SigningKey key = SigningKey::FromSeed(seed).value();
  CHECK(HexEncode(key.public_key()) ==
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  CHECK(HexEncode(key.seed()) == HexEncode(seed));
  CHECK_FALSE(SigningKey::FromSeed(Bytes(31, 0)));
}

TEST_CASE("VerifyEd25519 rejects wrong-length keys and signatures", "[crypto][signing][negative]") {
  CHECK(VerifyEd25519(Bytes(31, 0), Bytes{}, Bytes(64, 0)).error().code ==
        ErrorCode::kBadSignature);
  CHECK_FALSE(VerifyEd25519(Bytes(32, 0), Bytes{}, Bytes(63, 0)));
}

}  // namespace
}  // namespace tocsin::crypto
