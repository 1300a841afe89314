// common/bytes.h -- byte buffers and the few encodings Tocsin prints.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tocsin {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Returns the bytes of `text`, without a terminator.
inline ByteView AsBytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
inline std::string_view AsStringView(ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
inline Bytes ToBytes(std::string_view text) {
  ByteView view = AsBytes(text);
  return Bytes(view.begin(), view.end());
}

// Appends `tail` to `out`.
inline void Append(Bytes& out, ByteView tail) {
  out.insert(out.end(), tail.begin(), tail.end());
}

// Lower-case hexadecimal, two characters a byte.
std::string HexEncode(ByteView bytes);

// Decodes hexadecimal (either case, no separators). Fails with
// kInvalidArgument on an odd length or a non-hex character, naming where.
Result<Bytes> HexDecode(std::string_view hex);

// Returns true iff `text` is well-formed UTF-8 (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF) and holds no NUL or other C0 control
// character but tab, LF and CR.
bool IsValidText(std::string_view text);

}  // namespace tocsin
