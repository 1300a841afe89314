// The worked example of docs/protocol.md, as a known-answer test: a delivery
// receipt signed with a fixed key. Ed25519 is deterministic, so the bytes
// are fixed; the test also checks the document still shows them.
#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "crypto/signing.h"
#include "protocol/directive.h"
#include "protocol/receipts.h"
#include "tests/testing/fake_resolver.h"

namespace tocsin::protocol {
namespace {

constexpr const char* kSeedHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kExpectedWire =
    "950302c47f97c41000112233445566778899aabbccddeeffc4205f1c8b0e3a9d2e7b4c6a8f0d"
    "1e3b5a7c9e2f4d6b8a0c1e3f5a7b9d1c3e5f7a9bb166696e616e63652d617574686f72697479"
    "ab67772e6e6174696f6e616ccf000001a221b464402ac4201111111111111111111111111111"
    "1111111111111111111111111111111111119192b166696e616e63652d617574686f72697479"
    "c44073000ea81fb9c1412eb5a28273416542024da6c805c3e6e70d8e5b0ab40921fd745f324b"
    "b687c623a215b407418b6e72e2263ff5c57c2fac4c866aa4e565e704c0";

Receipt ExampleReceipt() {
  Receipt r;
  Bytes id = HexDecode("00112233445566778899aabbccddeeff").value();
  std::copy(id.begin(), id.end(), r.directive_id.begin());
  Bytes digest =
      HexDecode("5f1c8b0e3a9d2e7b4c6a8f0d1e3b5a7c9e2f4d6b8a0c1e3f5a7b9d1c3e5f7a9b").value();
  std::copy(digest.begin(), digest.end(), r.directive_digest.begin());
  r.agency = "finance-authority";
  r.gateway = "gw.national";
  r.at = 1795861800000;  // 2026-11-28T10:30:00.000Z
  r.log_size = 42;       // the agency's view of the log: checkpoint 42, root 1111…11
  r.log_root.emplace();
  r.log_root->fill(0x11);
  return r;
}

TEST_CASE("The documented receipt example encodes to the documented bytes",
          "[protocol][example]") {
  crypto::SigningKey key = crypto::SigningKey::FromSeed(HexDecode(kSeedHex).value()).value();
  Bytes wire = SignReceipt(ExampleReceipt(), key);
  std::string hex = HexEncode(wire);
  INFO("wire: " << hex);
  CHECK(hex == kExpectedWire);

  testing::FakeResolver resolver;
  resolver.Add("finance-authority", Role::kAgency, key.public_key());
  CHECK(VerifyReceipt(wire, resolver, 1795861800000, "gw.national"));

  std::string doc(AsStringView(
      ReadFile(std::string(TOCSIN_SOURCE_DIR) + "/docs/protocol.md", 1 << 20).value()));
  std::string flat;
  for (char c : doc) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      flat.push_back(c);
    } else if (c != ' ' && c != '\n') {
      flat.push_back('|');
    }
  }
  INFO("docs/protocol.md must show the wire bytes in its worked example");
  CHECK(flat.find(hex) != std::string::npos);
}

TEST_CASE("The documented key commitment example", "[protocol][example]") {
  Bytes key(32);
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<std::uint8_t>(0x20 + i);
  }
  std::string hex = HexEncode(ContentKeyCommitment(key));
  CHECK(hex == "1fa90dd13541678a2889e0b912f963d10eea12e18d521f4095258ccff92c7f98");
  std::string doc(AsStringView(
      ReadFile(std::string(TOCSIN_SOURCE_DIR) + "/docs/protocol.md", 1 << 20).value()));
  CHECK(doc.find(hex) != std::string::npos);
}

}  // namespace
}  // namespace tocsin::protocol
