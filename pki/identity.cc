#include "pki/identity.h"

namespace tocsin::pki {

std::string_view PurposeName(Purpose purpose) {
  switch (purpose) {
    case Purpose::kSigning: return "signing";
    case Purpose::kEncryption: return "encryption";
    case Purpose::kTransport: return "transport";
    case Purpose::kLog: return "log";
    case Purpose::kCrlFreshness: return "crl-freshness";
  }
  return "unknown";
}

const char* PurposeOid(Purpose purpose) {
  switch (purpose) {
    case Purpose::kSigning:
      return "2.25.310680463794825212268379717065694515009.1";
    case Purpose::kEncryption:
      return "2.25.310680463794825212268379717065694515009.2";
    case Purpose::kTransport:
      return "2.25.310680463794825212268379717065694515009.3";
    case Purpose::kLog:
      return "2.25.310680463794825212268379717065694515009.4";
    case Purpose::kCrlFreshness:
      return "2.25.310680463794825212268379717065694515009.5";
  }
  return "";
}

std::vector<Purpose> PurposesFor(Role role) {
  std::vector<Purpose> purposes(std::begin(kAllPurposes), std::end(kAllPurposes));
  if (role == Role::kGateway) {
    purposes.push_back(Purpose::kLog);
  }
  return purposes;
}

}  // namespace tocsin::pki
