#include "crypto/base64.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace tocsin::crypto {

std::string Base64Encode(ByteView data) {
  EnsureSodium();
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), kVariant);
  out.pop_back();  // the terminating NUL libsodium writes
  return out;
}

std::optional<Bytes> Base64Decode(std::string_view text) {
  EnsureSodium();
  Bytes out(text.size() / 4 * 3 + 3);
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  if (Base64Encode(out) != text) {
    return std::nullopt;  // non-canonical (stray bits in the last character)
  }
  return out;
}

}  // namespace tocsin::crypto
