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

std::string TocsinOid(int leaf, Arc arc) {
  return std::string(arc == Arc::kCurrent ? kTocsinArc : kLegacyTocsinArc) + "." +
         std::to_string(leaf);
}

std::string PurposeOid(Purpose purpose, Arc arc) {
  switch (purpose) {
    case Purpose::kSigning: return TocsinOid(1, arc);
    case Purpose::kEncryption: return TocsinOid(2, arc);
    case Purpose::kTransport: return TocsinOid(3, arc);
    case Purpose::kLog: return TocsinOid(4, arc);
    case Purpose::kCrlFreshness: return TocsinOid(5, arc);
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
