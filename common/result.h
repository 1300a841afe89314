// common/result.h -- Result<T> and Status: the one way Tocsin reports failure.
//
// Anything that can fail for reasons outside the program (bytes from a peer,
// files, libraries, configuration) returns a Result. A Result that is dropped
// without being looked at is a compile warning, and so an error in our build.
// Bugs (broken invariants) abort through TOCSIN_CHECK instead (common/check.h).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace tocsin {

// A closed set of error kinds. Callers branch on the code; people read the
// context. Codes are stable: protocol/ maps some of them onto wire error codes.
enum class ErrorCode {
  kInvalidArgument,       // the caller (or an operator's input) is wrong
  kMalformedMessage,      // bytes that do not decode under the strict rules
  kBadSignature,          // a signature or authentication tag did not verify
  kUntrustedCertificate,  // a certificate chain did not verify
  kRevoked,               // the principal's certificate is on the CRL
  kExpired,               // outside a validity window (message or certificate)
  kNotFound,
  kPermissionDenied,      // file modes, roles, recipients
  kReplay,                // already seen, or a sequence that does not increase
  kTooLarge,              // over a size or count limit
  kIoError,
  kUnavailable,
  kInternal,              // a library failed in a way we did not expect
};

// Returns a stable lower-case name for `code`, e.g. "bad-signature".
std::string_view ErrorCodeName(ErrorCode code);

// An error: a code and a human-readable context ("what, where, why").
// The context never holds key material or directive plaintext.
struct Error {
  ErrorCode code;
  std::string context;

  // "bad-signature: directive 3f..: signature 1 does not verify".
  std::string ToString() const;
};

template <typename T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using tl::expected<T, Error>::expected;
  Result(tl::expected<T, Error> e) : tl::expected<T, Error>(std::move(e)) {}
};

using Status = Result<void>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string context) {
  return tl::unexpected<Error>(Error{code, std::move(context)});
}

// Returns `error` with `prefix + ": "` put in front of its context, so each
// layer can say where it was without losing what went wrong below it.
inline tl::unexpected<Error> WithContext(const Error& error,
                                         std::string_view prefix) {
  return tl::unexpected<Error>(
      Error{error.code, std::string(prefix) + ": " + error.context});
}

}  // namespace tocsin

// Evaluates `expr` (a Result); on error, returns its error from the enclosing
// function. Expands to several statements: always use it as a statement of its
// own, inside braces.
#define TOCSIN_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    auto tocsin_status_ = (expr);                       \
    if (!tocsin_status_.has_value()) {                  \
      return tl::unexpected(tocsin_status_.error());    \
    }                                                   \
  } while (false)

// Declares `lhs` from the value of `expr` (a Result<T>), or returns its error.
#define TOCSIN_ASSIGN_OR_RETURN(lhs, expr)                                 \
  TOCSIN_ASSIGN_OR_RETURN_IMPL_(TOCSIN_CONCAT_(tocsin_result_, __LINE__), \
                                lhs, expr)
#define TOCSIN_CONCAT_INNER_(a, b) a##b
#define TOCSIN_CONCAT_(a, b) TOCSIN_CONCAT_INNER_(a, b)
#define TOCSIN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.has_value()) {                             \
    return tl::unexpected(std::move(tmp).error());    \
  }                                                   \
  lhs = std::move(tmp).value()
