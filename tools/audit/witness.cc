#include "tools/audit/witness.h"

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "crypto/base64.h"
#include "crypto/merkle.h"
#include "protocol/promise.h"

namespace tocsin::tools::audit {
namespace {

constexpr std::string_view kFormat = "tocsin-witness/1";
constexpr std::size_t kMaxWitnessBytes = 64 << 20;

tl::unexpected<Error> Bad(const std::string& where, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument, where + ": " + why);
}

}  // namespace

Status WriteWitness(const std::string& path, const Witness& w) {
  nlohmann::json promises = nlohmann::json::array();
  for (const Bytes& promise : w.promises) {
    promises.push_back(crypto::Base64Encode(promise));
  }
  nlohmann::json out = {{"format", kFormat}, {"gateway", w.gateway}, {"holder", w.holder},
                        {"checkpoints", w.checkpoints}, {"promises", promises}};
  return WriteFileDurably(path, AsBytes(out.dump(1) + "\n"), 0600, Overwrite::kYes);
}

Result<Witness> ReadWitness(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, kMaxWitnessBytes));
  nlohmann::json value = nlohmann::json::parse(AsStringView(bytes), nullptr, false);
  if (value.is_discarded() || !value.is_object() || value.value("format", "") != kFormat ||
      !value["gateway"].is_string() || !value["holder"].is_string() ||
      !value["checkpoints"].is_array() || !value["promises"].is_array()) {
    return Bad(path, std::string("not a witness file (") + std::string(kFormat) +
                         ": format, gateway, holder, checkpoints, promises)");
  }
  Witness w{value["gateway"], value["holder"], {}, {}};
  for (const nlohmann::json& note : value["checkpoints"]) {
    if (!note.is_string()) {
      return Bad(path, "a checkpoint is not a string");
    }
    w.checkpoints.push_back(note.get<std::string>());
  }
  for (const nlohmann::json& promise : value["promises"]) {
    std::optional<Bytes> wire =
        promise.is_string() ? crypto::Base64Decode(promise.get<std::string>()) : std::nullopt;
    if (!wire) {
      return Bad(path, "a promise is not base64");
    }
    w.promises.push_back(std::move(*wire));
  }
  return w;
}

Result<WitnessCheck> CheckWitness(const Witness& witness, const std::string& where,
                                  const VerifiedLog& log) {
  if (witness.gateway != log.gateway) {
    return Bad(where, "held for gateway " + witness.gateway + ", the bundle is " + log.gateway +
                          "'s");
  }
  crypto::MerkleTree tree;
  for (const Bytes& entry : log.entries) {
    tree.Append(crypto::MerkleLeafHash(entry));
  }
  const protocol::Checkpoint& last = log.checkpoints.back();
  std::string origin = protocol::AuditOrigin(log.gateway);
  WitnessCheck out;
  std::vector<protocol::Checkpoint> held_checkpoints;
  for (std::size_t i = 0; i < witness.checkpoints.size(); ++i) {
    std::string item = where + " checkpoint " + std::to_string(i + 1);
    Result<protocol::Checkpoint> held =
        protocol::VerifyCheckpoint(witness.checkpoints[i], origin, log.log_key);
    if (!held) {
      return Bad(item, held.error().context);
    }
    held_checkpoints.push_back(*held);
    if (held->size > last.size) {
      if (held->time < last.time) {
        return Bad(item, "size " + std::to_string(held->size) + " signed at " +
                             FormatUtc(held->time) + ", before the bundle's last checkpoint of " +
                             "smaller size " + std::to_string(last.size) + ": the log shrank");
      }
      ++out.checkpoints_beyond;
      continue;
    }
    if (held->root != tree.RootAt(held->size)) {
      return Bad(item, "the bundle's entries give another root for size " +
                           std::to_string(held->size) +
                           ": the history this party saw was rewritten");
    }
    ++out.checkpoints_checked;
  }
  for (std::size_t i = 0; i < witness.promises.size(); ++i) {
    std::string item = where + " promise " + std::to_string(i + 1);
    Result<protocol::Promise> promise =
        protocol::VerifyPromise(witness.promises[i], log.gateway, log.log_key);
    if (!promise) {
      return Bad(item, promise.error().ToString());
    }
    // What the witness holds may already contradict the promise by itself.
    for (const protocol::Checkpoint& held : held_checkpoints) {
      protocol::PromiseJudgement judged = protocol::JudgePromise(*promise, held, nullptr);
      if (judged.verdict == protocol::PromiseVerdict::kBroken) {
        return Bad(item, "broken by the witness's own checkpoint: " + judged.why);
      }
    }
    std::optional<protocol::InclusionProofMessage> proof;
    if (promise->index < last.size) {
      proof = protocol::InclusionProofMessage{promise->index, last.size, tree.leaf(promise->index),
                                              tree.InclusionProof(promise->index, last.size)};
    }
    protocol::PromiseJudgement judged =
        protocol::JudgePromise(*promise, last, proof ? &*proof : nullptr);
    switch (judged.verdict) {
      case protocol::PromiseVerdict::kBroken: return Bad(item, "broken: " + judged.why);
      case protocol::PromiseVerdict::kOpen: ++out.promises_beyond; break;
      case protocol::PromiseVerdict::kKept: ++out.promises_kept; break;
    }
  }
  return out;
}

}  // namespace tocsin::tools::audit
