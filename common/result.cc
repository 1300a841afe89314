#include "common/result.h"

namespace tocsin {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid-argument";
    case ErrorCode::kMalformedMessage: return "malformed-message";
    case ErrorCode::kBadSignature: return "bad-signature";
    case ErrorCode::kUntrustedCertificate: return "untrusted-certificate";
    case ErrorCode::kRevoked: return "revoked";
    case ErrorCode::kExpired: return "expired";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kPermissionDenied: return "permission-denied";
    case ErrorCode::kReplay: return "replay";
    case ErrorCode::kTooLarge: return "too-large";
    case ErrorCode::kIoError: return "io-error";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::ToString() const {
  return std::string(ErrorCodeName(code)) + ": " + context;
}

}  // namespace tocsin
