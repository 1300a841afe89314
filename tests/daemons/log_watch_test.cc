// The agency client's check of the gateway's audit checkpoints (SECURITY.md 27).
#include "client/log_watch.h"

#include <catch2/catch.hpp>

#include "crypto/merkle.h"

namespace tocsin::client {
namespace {

constexpr UnixMillis kNow = 1795861800000;

struct Log {
  crypto::SigningKey key = crypto::SigningKey::FromSeed(Bytes(32, 0x31)).value();
  crypto::MerkleTree tree;

  explicit Log(std::size_t n, std::string_view tag = "entry") {
    for (std::size_t i = 0; i < n; ++i) {
      tree.Append(crypto::MerkleLeafHash(AsBytes(std::string(tag) + std::to_string(i))));
    }
  }
  // Checkpoint times grow with the size, as the log's clock makes them.
  static UnixMillis TimeOf(std::uint64_t size) { return kNow - 100000 + static_cast<UnixMillis>(size); }
  std::string Note(std::uint64_t size, UnixMillis time = 0) const {
    return protocol::SignCheckpoint({"gw/audit", size, tree.RootAt(size),
                                     time != 0 ? time : TimeOf(size)}, key);
  }
  HeldCheckpoint Held(std::uint64_t size) const {
    return {size, tree.RootAt(size), Note(size), TimeOf(size)};
  }
  protocol::CheckpointMessage Message(std::uint64_t from, std::uint64_t size,
                                      UnixMillis time = 0) const {
    std::vector<crypto::Digest> proof;
    if (from > 0 && from < size) {
      proof = tree.ConsistencyProof(from, size);
    }
    return {Note(size, time), from, proof};
  }
};

LogVerdict Verdict(const Log& log, const protocol::CheckpointMessage& m,
                   const std::optional<HeldCheckpoint>& held) {
  return CheckLogCheckpoint(m, held, "gw/audit", log.key.public_key(), kNow).verdict;
}

TEST_CASE("A growing, consistent log is accepted", "[client][log]") {
  Log log(20);
  CHECK(Verdict(log, log.Message(0, 5), std::nullopt) == LogVerdict::kFirst);
  CHECK(Verdict(log, log.Message(5, 20), log.Held(5)) == LogVerdict::kExtended);
  CHECK(Verdict(log, log.Message(20, 20), log.Held(20)) == LogVerdict::kUnchanged);
  CHECK(Verdict(log, log.Message(7, 20), log.Held(5)) == LogVerdict::kStale);
}

TEST_CASE("A rewritten, forked or shrunk log raises the alarm", "[client][log][negative]") {
  Log honest(20);
  Log rewritten(20, "other");  // same key, another history
  rewritten.key = crypto::SigningKey::FromSeed(Bytes(32, 0x31)).value();
  CHECK(Verdict(rewritten, rewritten.Message(5, 20), honest.Held(5)) ==
        LogVerdict::kInconsistent);
  CHECK(Verdict(rewritten, rewritten.Message(5, 5), honest.Held(5)) ==
        LogVerdict::kInconsistent);  // two roots for one size
  LogCheck shrank = CheckLogCheckpoint(honest.Message(0, 4), honest.Held(5), "gw/audit",
                                       honest.key.public_key(), kNow);
  CHECK(shrank.verdict == LogVerdict::kInconsistent);
  CHECK_THAT(shrank.why, Catch::Contains("shrank"));
  // A proof that does not verify is an alarm, not a pass.
  protocol::CheckpointMessage bad = honest.Message(5, 20);
  bad.proof.back()[0] ^= 1;
  CHECK(Verdict(honest, bad, honest.Held(5)) == LogVerdict::kInconsistent);
}

TEST_CASE("A checkpoint not signed by the log key is refused, not trusted", "[client][log]") {
  Log log(5);
  crypto::SigningKey other = crypto::SigningKey::FromSeed(Bytes(32, 0x32)).value();
  protocol::CheckpointMessage m = log.Message(0, 5);
  CHECK(CheckLogCheckpoint(m, std::nullopt, "gw/audit", other.public_key(), kNow).verdict ==
        LogVerdict::kRefused);
}

TEST_CASE("An empty log held is extended by any log", "[client][log]") {
  Log log(20);
  HeldCheckpoint empty{0, log.tree.RootAt(0), log.Note(0), Log::TimeOf(0)};
  CHECK(Verdict(log, log.Message(0, 5), empty) == LogVerdict::kFirst);  // was an alarm
}

TEST_CASE("A checkpoint dated in the future is refused; one dated back is an alarm",
          "[client][log][negative]") {
  Log log(20);
  CHECK(Verdict(log, log.Message(0, 5, kNow + protocol::kMaxClockSkew + 1), std::nullopt) ==
        LogVerdict::kRefused);
  CHECK(Verdict(log, log.Message(0, 5, kNow + protocol::kMaxClockSkew), std::nullopt) ==
        LogVerdict::kFirst);
  // A larger log, consistent, but dated before the checkpoint held: the
  // gateway froze its time (which would keep every promise open for ever).
  CHECK(Verdict(log, log.Message(5, 20, Log::TimeOf(5) - 1), log.Held(5)) ==
        LogVerdict::kInconsistent);
}

}  // namespace
}  // namespace tocsin::client
