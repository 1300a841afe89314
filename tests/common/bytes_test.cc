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

namespace tocsin {
namespace {

TEST_CASE("Single-line text refuses what breaks or reorders a line", "[common][text]") {
  CHECK(IsSingleLineText("Claire Martin, duty officer — énergie"));
  for (const char* bad : {"Ana\nFORGED ROW", "a\tb", "a\rb", "a\xc2\x85" "b", "a\xe2\x80\xa8" "b",
                          "a\xe2\x80\xae" "b", "a\xe2\x81\xa6" "b", "\x7f", "\xff"}) {
    INFO(bad);
    CHECK_FALSE(IsSingleLineText(bad));
  }
}

TEST_CASE("Display escapes keep a line a line", "[common][text]") {
  CHECK(EscapeForDisplay("Ana\nFORGED") == "Ana\\nFORGED");
  CHECK(EscapeForDisplay("a\xe2\x80\xae" "b\xff") == "a\\u202eb\\xff");
  CHECK(EscapeForDisplay("énergie") == "énergie");
  CHECK(EscapeForDisplay("a\\nb") == "a\\\\nb");  // a backslash cannot forge an escape
  CHECK(EscapeForDisplay("x\xe2\x80\x8fy") == "x\\u200fy");
}

TEST_CASE("Truncation never splits a UTF-8 sequence", "[common][text]") {
  CHECK(TruncateUtf8("abc", 5) == "abc");
  CHECK(TruncateUtf8("aé", 2) == "a");  // é is two bytes
  CHECK(TruncateUtf8("aé", 3) == "aé");
}

}  // namespace
}  // namespace tocsin
