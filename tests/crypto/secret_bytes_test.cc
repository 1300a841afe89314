#include "crypto/secret_bytes.h"

#include <catch2/catch.hpp>

namespace tocsin::crypto {
namespace {

TEST_CASE("SecretBytes allocates zeroed guarded memory and moves ownership",
          "[crypto][secret]") {
  SecretBytes secret = SecretBytes::Allocate(32).value();
  REQUIRE(secret.size() == 32);
  for (std::uint8_t b : secret.bytes()) {
    CHECK(b == 0);
  }
  secret.data()[0] = 9;
  SecretBytes moved = std::move(secret);
  CHECK(moved.data()[0] == 9);
  CHECK(secret.empty());  // NOLINT(bugprone-use-after-move): documented state
  CHECK(secret.data() == nullptr);
}

TEST_CASE("CopyFrom copies and ConstantTimeEquals compares by content and length",
          "[crypto][secret]") {
  Bytes source = ToBytes("0123456789abcdef");
  SecretBytes copy = SecretBytes::CopyFrom(source).value();
  CHECK(ConstantTimeEquals(copy.bytes(), source));
  source[3] ^= 1;
  CHECK_FALSE(ConstantTimeEquals(copy.bytes(), source));
  CHECK_FALSE(ConstantTimeEquals(copy.bytes(), ByteView(source).first(8)));
  CHECK(ConstantTimeEquals(ByteView{}, ByteView{}));
}

TEST_CASE("Wipe zeroes memory", "[crypto][secret]") {
  Bytes data = ToBytes("secret");
  Wipe(data);
  CHECK(data == Bytes(6, 0));
}

}  // namespace
}  // namespace tocsin::crypto
