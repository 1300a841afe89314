#include "common/bytes.h"

#include <catch2/catch.hpp>

namespace tocsin {
namespace {

TEST_CASE("HexEncode and HexDecode round-trip every byte value", "[common][bytes]") {
  Bytes all(256);
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = static_cast<std::uint8_t>(i);
  }
  std::string hex = HexEncode(all);
  CHECK(hex.substr(0, 8) == "00010203");
  CHECK(hex.substr(hex.size() - 4) == "feff");
  Result<Bytes> decoded = HexDecode(hex);
  REQUIRE(decoded);
  CHECK(*decoded == all);
  CHECK(HexDecode("ABcd").value() == Bytes{0xab, 0xcd});
}

TEST_CASE("HexDecode rejects odd lengths and non-hex characters, saying where",
          "[common][bytes][negative]") {
  CHECK(HexDecode("abc").error().code == ErrorCode::kInvalidArgument);
  Result<Bytes> bad = HexDecode("00zz");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().context.find("offset 2") != std::string::npos);
}

TEST_CASE("IsValidText accepts UTF-8 text and rejects malformed or control bytes",
          "[common][bytes][negative]") {
  CHECK(IsValidText(""));
  CHECK(IsValidText("Alerte: crise cyber \xc3\xa9nergie\n\tok"));
  CHECK(IsValidText("\xf0\x9f\x9a\xa8"));  // U+1F6A8
  CHECK_FALSE(IsValidText(std::string("nul\0byte", 8)));
  CHECK_FALSE(IsValidText("bell\a"));
  CHECK_FALSE(IsValidText("del\x7f"));
  CHECK_FALSE(IsValidText("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(IsValidText("\xe0\x80\xaf"));      // overlong, three bytes
  CHECK_FALSE(IsValidText("\xed\xa0\x80"));      // surrogate U+D800
  CHECK_FALSE(IsValidText("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(IsValidText("\xc3"));              // truncated
  CHECK_FALSE(IsValidText("\xff"));
}

}  // namespace
}  // namespace tocsin
