// tools/audit/witness.h -- what a party holds of a gateway's audit log, and
// an audit bundle checked against it (SECURITY.md 39, docs/audit.md 5).
//
// An agency's client keeps every checkpoint it accepted and every promise
// the gateway made it; `tocsin issue --promise-out` keeps an operator's. A
// bundle whose history was rewritten can still verify on its own (its own
// checkpoints re-signed); it cannot agree with what such a witness holds.
#pragma once

#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/sodium.h"
#include "tools/audit/verifier.h"

namespace tocsin::tools::audit {

struct Witness {
  std::string gateway;
  std::string holder;                    // the principal that kept it
  std::vector<std::string> checkpoints;  // signed notes, as received
  std::vector<Bytes> promises;           // signed promise envelopes, as received
};

// A JSON file, docs/audit.md section 5; written durably, mode 0600.
Status WriteWitness(const std::string& path, const Witness& witness);
Result<Witness> ReadWitness(const std::string& path);

struct WitnessCheck {
  std::size_t checkpoints_checked = 0;
  std::size_t checkpoints_beyond = 0;  // larger than the bundle reaches: not judged
  std::size_t promises_kept = 0;
  std::size_t promises_beyond = 0;     // after the bundle's last checkpoint: not judged
};

// Every checkpoint must be signed by the log key and, where the bundle
// reaches its size, carry the root that the bundle's entries give; every
// promise must be signed by the log key and be kept by the bundle
// (protocol::JudgePromise against its last checkpoint). The first
// contradiction is returned, naming `where` and the item.
Result<WitnessCheck> CheckWitness(const Witness& witness, const std::string& where,
                                  const VerifiedLog& log);

}  // namespace tocsin::tools::audit
