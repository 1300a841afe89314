// protocol/strict_msgpack.h -- the only way untrusted bytes become msgpack.
//
// msgpack-cxx on its own accepts trailing bytes, keeps duplicate map keys,
// accepts non-minimal encodings and, with its default limits, lets five bytes
// ask for a 64 GiB allocation (SECURITY.md, items 12 and 13). StrictUnpack
// closes each of those: explicit limits, the whole input consumed, no
// duplicate keys, and the input must be the canonical (shortest) encoding of
// what it decodes to, so every value has exactly one accepted byte form.
//
// The Read* helpers then check shape and type field by field and name the
// field in every error. No msgpack exception escapes this module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "common/bytes.h"
#include "common/result.h"

namespace tocsin::protocol {

struct UnpackLimits {
  std::size_t max_array = 16;    // elements in any one array
  std::size_t max_map = 0;       // entries in any one map (wire types use none)
  std::size_t max_str = 65536;   // bytes in any one string
  std::size_t max_bin = 1 << 20; // bytes in any one binary
  std::size_t max_depth = 4;     // nesting of arrays and maps
  // Strings and binaries point into the input instead of being copied into
  // the handle's zone, so that wiping the input wipes every copy (secret
  // content). The input must then outlive the handle.
  bool zero_copy = false;
};

// Decodes exactly one canonical msgpack value from `bytes`. Fails with
// kMalformedMessage naming `what` and the reason. The re-encoding it checks
// canonical form with is wiped before it is freed.
Result<msgpack::object_handle> StrictUnpack(ByteView bytes, const UnpackLimits& limits,
                                            std::string_view what);

// Field readers. `field` names the value in errors ("directive.header.tlp").
Result<const msgpack::object*> ReadArray(const msgpack::object& object,
                                         std::size_t size, std::string_view field);
Result<std::size_t> ReadArraySize(const msgpack::object& object, std::size_t min,
                                  std::size_t max, std::string_view field);
Result<std::uint64_t> ReadUint(const msgpack::object& object, std::uint64_t min,
                               std::uint64_t max, std::string_view field);
// A string of well-formed UTF-8 text (common/bytes.h IsValidText).
Result<std::string> ReadText(const msgpack::object& object, std::size_t min,
                             std::size_t max, std::string_view field);
Result<std::optional<std::string>> ReadOptionalText(const msgpack::object& object,
                                                    std::size_t max,
                                                    std::string_view field);
// Single-line text (common/bytes.h IsSingleLineText): names, titles, summaries.
Result<std::string> ReadLine(const msgpack::object& object, std::size_t min, std::size_t max,
                             std::string_view field);
Result<std::optional<std::string>> ReadOptionalLine(const msgpack::object& object,
                                                    std::size_t max, std::string_view field);
Result<std::string> ReadPrincipalId(const msgpack::object& object,
                                    std::string_view field);
Result<Bytes> ReadBin(const msgpack::object& object, std::size_t min,
                      std::size_t max, std::string_view field);
Result<std::optional<Bytes>> ReadOptionalBin(const msgpack::object& object, std::size_t min,
                                             std::size_t max, std::string_view field);
// A bin of exactly N bytes into a fixed array.
template <std::size_t N>
Result<std::array<std::uint8_t, N>> ReadFixedBin(const msgpack::object& object,
                                                 std::string_view field) {
  TOCSIN_ASSIGN_OR_RETURN(Bytes bytes, ReadBin(object, N, N, field));
  std::array<std::uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

// Writer side: a packer over a byte buffer, producing canonical encodings.
// Encodes one value. The buffer is wiped when the Writer goes (it may hold
// plaintext); `reserve` bytes are allocated up front, so that a value that
// fits never leaves a reallocated, unwiped copy behind.
class Writer {
 public:
  explicit Writer(std::size_t reserve = MSGPACK_SBUFFER_INIT_SIZE)
      : buffer_(reserve), packer_(buffer_) {}
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  Writer& Array(std::size_t size);
  Writer& Uint(std::uint64_t value);
  Writer& Text(std::string_view value);
  Writer& OptionalText(const std::optional<std::string>& value);
  Writer& Bin(ByteView value);
  Writer& OptionalBin(const std::optional<Bytes>& value);
  Writer& Nil();
  Bytes Take() const;

 private:
  msgpack::sbuffer buffer_;
  msgpack::packer<msgpack::sbuffer> packer_;
};

}  // namespace tocsin::protocol
