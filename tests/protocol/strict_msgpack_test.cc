#include "protocol/strict_msgpack.h"

#include <catch2/catch.hpp>

#include "protocol/messages.h"

namespace tocsin::protocol {
namespace {

Bytes Hex(const char* hex) { return HexDecode(hex).value(); }

UnpackLimits Limits() { return UnpackLimits{.max_array = 16, .max_map = 4, .max_str = 64,
                                            .max_bin = 64, .max_depth = 3}; }

std::string Why(const Result<msgpack::object_handle>& r,
                ErrorCode code = ErrorCode::kMalformedMessage) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == code);
  return r.error().context;
}

// Over a limit of section 3 (a size, a count, the nesting depth): too-large.
std::string WhyTooLarge(const Result<msgpack::object_handle>& r) {
  return Why(r, ErrorCode::kTooLarge);
}

TEST_CASE("StrictUnpack accepts canonical msgpack", "[protocol][msgpack]") {
  Writer w;
  w.Array(3).Uint(5).Text("abc").Bin(Bytes{1, 2});
  Result<msgpack::object_handle> r = StrictUnpack(w.Take(), Limits(), "test");
  REQUIRE(r);
  CHECK(r->get().via.array.size == 3);
}

TEST_CASE("StrictUnpack rejects trailing bytes", "[protocol][msgpack][negative]") {
  CHECK_THAT(Why(StrictUnpack(Hex("9101" "00"), Limits(), "t")), Catch::Contains("1 trailing byte"));
}

TEST_CASE("StrictUnpack rejects duplicate map keys", "[protocol][msgpack][negative]") {
  // {"a": 1, "a": 2}
  CHECK_THAT(Why(StrictUnpack(Hex("82a16101a16102"), Limits(), "t")),
             Catch::Contains("repeats a key"));
  // nested: [{1: 1, 1: 1}]
  CHECK_THAT(Why(StrictUnpack(Hex("9182010101" "01"), Limits(), "t")),
             Catch::Contains("repeats a key"));
}

TEST_CASE("StrictUnpack rejects non-minimal encodings", "[protocol][msgpack][negative]") {
  for (const char* hex : {"cc05",            // uint8 5, fits a fixint
                          "cd0005",          // uint16 5
                          "d005",            // int8 5
                          "d9036162" "63",   // str8 "abc", fits a fixstr
                          "dc000100",        // array16 of 1
                          "c50001" "00"}) {  // bin16 of 1
    INFO(hex);
    CHECK_THAT(Why(StrictUnpack(Hex(hex), Limits(), "t")), Catch::Contains("canonical"));
  }
}

TEST_CASE("StrictUnpack refuses huge declared sizes without allocating",
          "[protocol][msgpack][negative]") {
  // SECURITY.md 13: dd ff ff ff ff declares a 4-billion-element array.
  CHECK_THAT(WhyTooLarge(StrictUnpack(Hex("ddffffffff"), Limits(), "t")), Catch::Contains("size limit"));
  CHECK_THAT(WhyTooLarge(StrictUnpack(Hex("dfffffffff"), Limits(), "t")), Catch::Contains("size limit"));
  // Strings and binaries reference the input: a declared size beyond it is
  // simply truncated, and one within it but over the limit is refused.
  CHECK_THAT(Why(StrictUnpack(Hex("dbffffffff"), Limits(), "t")), Catch::Contains("truncated"));
  CHECK_THAT(Why(StrictUnpack(Hex("c6ffffffff"), Limits(), "t")), Catch::Contains("truncated"));
  Writer long_text;
  long_text.Text(std::string(65, 'x'));
  CHECK_THAT(WhyTooLarge(StrictUnpack(long_text.Take(), Limits(), "t")), Catch::Contains("size limit"));
}

TEST_CASE("StrictUnpack enforces nesting depth and rejects extensions",
          "[protocol][msgpack][negative]") {
  CHECK(StrictUnpack(Hex("919191c0"), Limits(), "t"));
  CHECK_THAT(WhyTooLarge(StrictUnpack(Hex("91919191c0"), Limits(), "t")), Catch::Contains("size limit"));
  CHECK_FALSE(StrictUnpack(Hex("d40100"), Limits(), "t"));  // fixext1
}

TEST_CASE("StrictUnpack refuses floats, booleans and extensions before re-encoding them",
          "[protocol][msgpack][negative]") {
  // 2^64 as a float64: re-encoding it would convert it to an integer out of
  // range (undefined behaviour the fuzzer found in msgpack-cxx's packer).
  for (const char* hex : {"91cb43f0000000000000", "cb43f0000000000000", "ca7f800000", "c3",
                          "9192c2c0", "81a161cb3ff0000000000000"}) {
    INFO(hex);
    CHECK_THAT(Why(StrictUnpack(Hex(hex), Limits(), "t")),
               Catch::Contains("a type no Tocsin message uses"));
  }
}

TEST_CASE("StrictUnpack rejects empty, truncated and reserved input",
          "[protocol][msgpack][negative]") {
  CHECK_THAT(Why(StrictUnpack(Bytes{}, Limits(), "t")), Catch::Contains("empty"));
  CHECK_THAT(Why(StrictUnpack(Hex("9301020304"), Limits(), "t")), Catch::Contains("trailing"));
  CHECK_THAT(Why(StrictUnpack(Hex("930102"), Limits(), "t")), Catch::Contains("truncated"));
  CHECK_FALSE(StrictUnpack(Hex("c1"), Limits(), "t"));  // reserved byte
}

TEST_CASE("Read helpers check type, range and length, naming the field",
          "[protocol][msgpack][negative]") {
  Writer w;
  w.Array(4).Uint(300).Text("caf\xc3\xa9").Bin(Bytes(3, 0)).Nil();
  msgpack::object_handle h = StrictUnpack(w.Take(), Limits(), "t").value();
  const msgpack::object* f = ReadArray(h.get(), 4, "x").value();
  CHECK(ReadUint(f[0], 0, 300, "x.n").value() == 300);
  CHECK_THAT(ReadUint(f[0], 0, 299, "x.n").error().context, Catch::Contains("x.n: value 300"));
  CHECK_THAT(ReadUint(f[1], 0, 1, "x.s").error().context,
             Catch::Contains("x.s: expected unsigned integer, found string"));
  CHECK(ReadText(f[1], 1, 10, "x.s").value() == "caf\xc3\xa9");
  CHECK_FALSE(ReadText(f[1], 1, 4, "x.s"));
  CHECK(ReadBin(f[2], 3, 3, "x.b").value().size() == 3);
  CHECK_FALSE(ReadFixedBin<4>(f[2], "x.b"));
  CHECK_FALSE(ReadOptionalText(f[3], 10, "x.o").value());
  CHECK_THAT(ReadArray(h.get(), 3, "x").error().context,
             Catch::Contains("expected 3 elements, found 4"));
}

TEST_CASE("ReadText rejects invalid UTF-8 and control characters",
          "[protocol][msgpack][negative]") {
  for (const char* bad : {"\xc0\xaf", "a\x01" "b", "\xed\xa0\x80"}) {
    Writer w;
    w.Text(bad);
    msgpack::object_handle h = StrictUnpack(w.Take(), Limits(), "t").value();
    CHECK_THAT(ReadText(h.get(), 0, 10, "x").error().context, Catch::Contains("UTF-8"));
  }
}

}  // namespace
}  // namespace tocsin::protocol

namespace tocsin::protocol {
namespace {

// Secret content decodes without a copy in msgpack's zone: every byte of
// plaintext lives in the caller's buffer, which the caller wipes.
TEST_CASE("Zero-copy decoding leaves no copy of the text outside the input",
          "[protocol][msgpack][secret]") {
  Writer w(64);
  w.Array(2).Text("secret title").Text("secret body");
  Bytes wire = w.Take();
  const auto* begin = reinterpret_cast<const char*>(wire.data());
  const auto* end = begin + wire.size();
  auto inside = [&](const msgpack::object& o) {
    return o.via.str.ptr >= begin && o.via.str.ptr + o.via.str.size <= end;
  };
  UnpackLimits copying{.max_array = 2, .max_str = 64};
  auto copied = StrictUnpack(wire, copying, "copied").value();
  CHECK_FALSE(inside(copied.get().via.array.ptr[1]));  // the default copies into the zone
  UnpackLimits secret = copying;
  secret.zero_copy = true;
  auto referenced = StrictUnpack(wire, secret, "secret").value();
  CHECK(inside(referenced.get().via.array.ptr[0]));
  CHECK(inside(referenced.get().via.array.ptr[1]));
  auto content = DecodeDirectiveContent(wire).value();  // the content codec uses it
  CHECK(content.body == "secret body");
}

}  // namespace
}  // namespace tocsin::protocol
