#include "client/log_watch.h"

#include "crypto/merkle.h"

namespace tocsin::client {

LogCheck CheckLogCheckpoint(const protocol::CheckpointMessage& message,
                            const std::optional<HeldCheckpoint>& held, std::string_view origin,
                            const crypto::PublicKey& log_key, UnixMillis now) {
  Result<protocol::Checkpoint> checkpoint =
      protocol::VerifyCheckpoint(message.note, origin, log_key);
  if (!checkpoint) {
    return {LogVerdict::kRefused, std::nullopt, checkpoint.error().ToString()};
  }
  const protocol::Checkpoint& fresh = *checkpoint;
  if (fresh.time > now + protocol::kMaxClockSkew) {
    return {LogVerdict::kRefused, std::nullopt,
            "checkpoint dated " + FormatUtc(fresh.time) + ", in the future"};
  }
  if (!held || held->size == 0) {
    // Nothing held, or the empty log: every log extends it.
    return {LogVerdict::kFirst, fresh, "first checkpoint"};
  }
  std::string sizes = std::to_string(held->size) + " -> " + std::to_string(fresh.size);
  if (fresh.size < held->size) {
    return {LogVerdict::kInconsistent, fresh, "the log shrank (" + sizes + ")"};
  }
  if (fresh.size == held->size) {
    if (fresh.root != held->root) {
      return {LogVerdict::kInconsistent, fresh,
              "two different roots for size " + std::to_string(fresh.size)};
    }
    return {LogVerdict::kUnchanged, fresh, "unchanged"};
  }
  if (held->time != 0 && fresh.time < held->time) {
    return {LogVerdict::kInconsistent, fresh,
            "a larger log (" + sizes + ") dated " + FormatUtc(fresh.time) +
                ", before the checkpoint we hold (" + FormatUtc(held->time) + ")"};
  }
  if (message.from_size != held->size) {
    return {LogVerdict::kStale, fresh,
            "proof from size " + std::to_string(message.from_size) + ", we hold " +
                std::to_string(held->size)};
  }
  Status consistent = crypto::VerifyConsistency(held->size, fresh.size, held->root, fresh.root,
                                                message.proof);
  if (!consistent) {
    return {LogVerdict::kInconsistent, fresh,
            "not an extension of the log we hold (" + sizes + "): " +
                consistent.error().context};
  }
  return {LogVerdict::kExtended, fresh, "extended " + sizes};
}

}  // namespace tocsin::client
