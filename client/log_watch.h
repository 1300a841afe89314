// client/log_watch.h -- an agency's watch on the gateway's audit log.
//
// The client keeps the last checkpoint it accepted. Each new one must come
// with a consistency proof from that one (SECURITY.md 27): a log that shrank,
// two roots for one size, or a proof that does not verify means the gateway
// shows different histories to different parties, and the duty officer must
// hear of it. Pure: no I/O, no clock.
#pragma once

#include <optional>
#include <string>

#include "crypto/sodium.h"
#include "protocol/audit.h"
#include "protocol/messages.h"

namespace tocsin::client {

struct HeldCheckpoint {
  std::uint64_t size = 0;
  crypto::Digest root{};
  std::string note;
  UnixMillis time = 0;  // its signed time (0 if it could not be read again)
};

enum class LogVerdict {
  kRefused,       // not signed by the gateway's log key, or not a checkpoint
  kFirst,         // nothing held yet: trust on first use
  kExtended,      // a larger tree, proven consistent with the one held
  kUnchanged,     // the same tree
  kStale,         // the proof starts from a size we do not hold: ignore
  kInconsistent,  // ALARM: the log was rewritten or forked
};

struct LogCheck {
  LogVerdict verdict = LogVerdict::kRefused;
  std::optional<protocol::Checkpoint> checkpoint;  // when signed correctly
  std::string why;
};

// `now` is the receiver's clock: a checkpoint dated more than
// protocol::kMaxClockSkew ahead of it is refused. One larger than the held
// checkpoint but dated before it is an alarm: the log's time never goes back
// (docs/audit.md section 2), and promises are judged by it.
LogCheck CheckLogCheckpoint(const protocol::CheckpointMessage& message,
                            const std::optional<HeldCheckpoint>& held, std::string_view origin,
                            const crypto::PublicKey& log_key, UnixMillis now);

}  // namespace tocsin::client
