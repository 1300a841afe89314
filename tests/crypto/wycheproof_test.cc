// Wycheproof vectors (../shared/vectors/wycheproof) through Tocsin's own
// wrappers, against the linked libsodium (SECURITY.md, item 20).
#include <catch2/catch.hpp>

#include "common/bytes.h"
#include "crypto/aead.h"
#include "crypto/key_agreement.h"
#include "crypto/signing.h"
#include "tests/testing/vectors.h"

namespace tocsin::crypto {
namespace {

Bytes Hex(const nlohmann::json& value) { return HexDecode(value.get<std::string>()).value(); }

std::string Describe(const nlohmann::json& test) {
  return "tcId " + std::to_string(test["tcId"].get<int>()) + " (" +
         test["comment"].get<std::string>() + ") expects " + test["result"].get<std::string>();
}

TEST_CASE("Wycheproof Ed25519 vectors verify exactly as published",
          "[crypto][wycheproof][ed25519]") {
  nlohmann::json file = testing::ReadJsonFile(testing::VectorPathOrSkip("wycheproof/ed25519_test.json"));
  int checked = 0;
  for (const auto& group : file["testGroups"]) {
    Bytes key = Hex(group["publicKey"]["pk"]);
    for (const auto& test : group["tests"]) {
      INFO(Describe(test));
      bool valid = VerifyEd25519(key, Hex(test["msg"]), Hex(test["sig"])).has_value();
      CHECK(valid == (test["result"] == "valid"));
      ++checked;
    }
  }
  CHECK(checked == file["numberOfTests"].get<int>());
}

TEST_CASE("Wycheproof X25519 vectors, with low-order points refused",
          "[crypto][wycheproof][x25519]") {
  nlohmann::json file = testing::ReadJsonFile(testing::VectorPathOrSkip("wycheproof/x25519_test.json"));
  int checked = 0;
  int refused = 0;
  const Bytes zero(32, 0);
  for (const auto& group : file["testGroups"]) {
    for (const auto& test : group["tests"]) {
      INFO(Describe(test));
      Bytes expected = Hex(test["shared"]);
      Result<SecretBytes> shared = X25519(Hex(test["private"]), Hex(test["public"]));
      if (expected == zero) {
        // An all-zero secret means a low-order public key: we must refuse.
        REQUIRE_FALSE(shared);
        CHECK(shared.error().code == ErrorCode::kInvalidArgument);
        ++refused;
      } else {
        REQUIRE(shared);
        CHECK(HexEncode(shared->bytes()) == HexEncode(expected));
      }
      ++checked;
    }
  }
  CHECK(checked == file["numberOfTests"].get<int>());
  CHECK(refused > 0);
}

TEST_CASE("Wycheproof XChaCha20-Poly1305 vectors seal and open as published",
          "[crypto][wycheproof][aead]") {
  nlohmann::json file =
      testing::ReadJsonFile(testing::VectorPathOrSkip("wycheproof/xchacha20_poly1305_test.json"));
  int checked = 0;
  for (const auto& group : file["testGroups"]) {
    for (const auto& test : group["tests"]) {
      INFO(Describe(test));
      Bytes key = Hex(test["key"]);
      Bytes nonce = Hex(test["iv"]);
      Bytes aad = Hex(test["aad"]);
      Bytes sealed = Hex(test["ct"]);
      Append(sealed, Hex(test["tag"]));
      Result<Bytes> opened = AeadOpen(key, nonce, sealed, aad);
      if (test["result"] == "valid") {
        REQUIRE(opened);
        CHECK(HexEncode(*opened) == test["msg"].get<std::string>());
        CHECK(HexEncode(AeadSeal(key, nonce, Hex(test["msg"]), aad).value()) ==
              HexEncode(sealed));
      } else {
        CHECK_FALSE(opened);
      }
      ++checked;
    }
  }
  CHECK(checked == file["numberOfTests"].get<int>());
}

}  // namespace
}  // namespace tocsin::crypto
