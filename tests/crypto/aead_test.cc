#include "crypto/aead.h"

#include <catch2/catch.hpp>

namespace tocsin::crypto {
namespace {

TEST_CASE("AeadSeal and AeadOpen round-trip with associated data", "[crypto][aead]") {
  Bytes key(32, 7);
  AeadNonce nonce = RandomNonce();
  Bytes plaintext = ToBytes("crisis directive body");
  Bytes ad = ToBytes("header");
  Bytes sealed = AeadSeal(key, nonce, plaintext, ad).value();
  CHECK(sealed.size() == plaintext.size() + kAeadTagSize);
  CHECK(AeadOpen(key, nonce, sealed, ad).value() == plaintext);
}

TEST_CASE("AeadOpen fails on a changed key, nonce, AD or ciphertext", "[crypto][aead][negative]") {
  Bytes key(32, 7);
  AeadNonce nonce = RandomNonce();
  Bytes ad = ToBytes("header");
  Bytes sealed = AeadSeal(key, nonce, ToBytes("body"), ad).value();
  Bytes other_key(32, 8);
  AeadNonce other_nonce = RandomNonce();
  CHECK(AeadOpen(other_key, nonce, sealed, ad).error().code == ErrorCode::kBadSignature);
  CHECK_FALSE(AeadOpen(key, other_nonce, sealed, ad));
  CHECK_FALSE(AeadOpen(key, nonce, sealed, ToBytes("headex")));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes tampered = sealed;
    tampered[i] ^= 0x80;
    CHECK_FALSE(AeadOpen(key, nonce, tampered, ad));
  }
  CHECK(AeadOpen(key, nonce, Bytes(15, 0), ad).error().code == ErrorCode::kMalformedMessage);
  CHECK(AeadOpen(Bytes(31, 0), nonce, sealed, ad).error().code == ErrorCode::kMalformedMessage);
}

TEST_CASE("RandomNonce does not repeat", "[crypto][aead]") {
  CHECK(RandomNonce() != RandomNonce());
}

}  // namespace
}  // namespace tocsin::crypto
