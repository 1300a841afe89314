#include "pki/crl_floor.h"

#include "common/file_util.h"
#include "pki/cert_builder.h"

namespace tocsin::pki {

Result<std::uint64_t> CrlFloor::Highest() const {
  Result<Bytes> text = ReadFile(path_, 64);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return std::uint64_t{0};
    }
    return tl::unexpected(text.error());
  }
  std::string digits(AsStringView(*text));
  while (!digits.empty() && digits.back() == '\n') {
    digits.pop_back();
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
      digits.size() > 19) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path_ + " should hold the highest CRL number seen, and does not");
  }
  return std::stoull(digits);
}

Status CrlFloor::Admit(X509_CRL* crl, const std::string& origin) const {
  long number = ReadCrlNumber(crl);
  if (number <= 0) {
    return MakeError(ErrorCode::kUntrustedCertificate, origin + " has no CRL number");
  }
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t highest, Highest());
  auto seen = static_cast<std::uint64_t>(number);
  if (seen < highest) {
    return MakeError(ErrorCode::kRevoked,
                     origin + " is CRL number " + std::to_string(seen) + ", older than number " +
                         std::to_string(highest) + " already seen (" + path_ +
                         "): an older CRL was put back, which would re-admit revoked "
                         "principals; refusing it. Publish the CA's latest CRL (tocsin pki crl)");
  }
  if (seen > highest) {
    return WriteFileDurably(path_, AsBytes(std::to_string(seen) + "\n"), 0600, Overwrite::kYes);
  }
  return {};
}

}  // namespace tocsin::pki
