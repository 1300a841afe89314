// tools/audit/rule_history.h -- which signature rule was in force at each
// point of a gateway's audit log.
//
// The gateway records every CRL it adopts (audit entry kind 12, the CRL's
// DER). The CRL is the CA's word, not the gateway's: its signature must
// verify under the auditor's trusted root, its CRL number may not go back,
// and the rule it carries (pki/crl_signature_rule.h) applies to every
// directive accepted after it, until the next. Before the first such entry
// (a log written before gateways recorded them) the rule is one signature.
#pragma once

#include <optional>

#include <openssl/x509.h>

#include "common/bytes.h"
#include "common/result.h"
#include "common/signature_rule.h"

namespace tocsin::tools::audit {

class RuleHistory {
 public:
  // Adopts the CRL `der` signed by `root`; kBadSignature when it is not the
  // root's, kMalformedMessage when it is not one DER CRL or its number is
  // below the last adopted one.
  Status Adopt(ByteView der, X509* root);

  const SignatureRule& InForce() const { return rule_; }
  std::optional<long> crl_number() const { return number_; }

 private:
  SignatureRule rule_;
  std::optional<long> number_;
};

}  // namespace tocsin::tools::audit
