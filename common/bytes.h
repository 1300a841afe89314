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

// The value of one hex digit (either case), or -1.
int HexDigitValue(char c);

// Returns true iff `text` is well-formed UTF-8 (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF) and holds no NUL or other C0 control
// character but tab, LF and CR.
bool IsValidText(std::string_view text);

// IsValidText, and nothing that can break a line or reorder what a terminal,
// a CSV cell or a log line shows: no tab, LF or CR, no C1 control
// (U+0080-U+009F), no line or paragraph separator (U+2028, U+2029), no
// bidirectional embedding, override or isolate (U+202A-U+202E,
// U+2066-U+2069). Names and titles are single-line text (SECURITY.md 42).
bool IsSingleLineText(std::string_view text);

// `text` with every character IsSingleLineText refuses, the direction marks
// U+200E, U+200F and U+061C, and any byte that is not UTF-8 shown as an escape
// (\n, \t, \u2028, \x80...), and a backslash doubled: for showing text a
// peer wrote where a line must stay a line.
std::string EscapeForDisplay(std::string_view text);

// The longest prefix of `text` of at most `max` bytes that does not end
// inside a UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view text, std::size_t max);

}  // namespace tocsin
