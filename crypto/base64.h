// crypto/base64.h -- standard base64 (RFC 4648 section 4, with padding), as
// C2SP signed notes and checkpoints use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace tocsin::crypto {

std::string Base64Encode(ByteView data);

// Strict: padding required, no whitespace, no other alphabet. nullopt when
// `text` is not exactly such an encoding.
std::optional<Bytes> Base64Decode(std::string_view text);

}  // namespace tocsin::crypto
