// tools/audit/proof.h -- a standalone proof that one receipt or
// acknowledgement is in the audit log: the entry, its inclusion proof, the
// signed checkpoint it is proven against, and the certificates and CRL needed
// to check the signatures. Anyone holding the trusted root can check it; no
// bundle, database or network is needed.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tools/audit/verifier.h"

namespace tocsin::tools::audit {

// `directive` is a directive id or a unique prefix of its hex form.
Result<nlohmann::json> ProveEvidence(const VerifiedLog& log, const std::string& bundle_dir,
                                     std::string_view directive, std::string_view agency,
                                     bool acknowledgement);

// Checks a proof; returns one sentence that says what it proves.
Result<std::string> CheckProof(const nlohmann::json& proof, const std::string& trusted_root);

}  // namespace tocsin::tools::audit
