#include "crypto/openssl_util.h"

#include <openssl/err.h>

namespace tocsin::crypto {

std::string TakeOpenSslErrors() {
  std::string out;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    if (!out.empty()) {
      out += "; ";
    }
    out += text;
  }
  return out.empty() ? "no OpenSSL error" : out;
}

}  // namespace tocsin::crypto
