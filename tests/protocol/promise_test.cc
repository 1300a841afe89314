// Log promises (protocol/promise.h, SECURITY.md 39): the signed statement,
// the exact envelope it names, and what a checkpoint and a proof say of it.
#include "protocol/promise.h"

#include <catch2/catch.hpp>

#include "crypto/merkle.h"
#include "protocol/signed_envelope.h"

namespace tocsin::protocol {
namespace {

constexpr UnixMillis kAt = 1795861800000;

crypto::SigningKey FixedKey(std::uint8_t seed) {
  return crypto::SigningKey::FromSeed(Bytes(32, seed)).value();
}

DirectiveId Id(std::uint8_t byte) {
  DirectiveId id;
  id.fill(byte);
  return id;
}

// A log of `size` entries whose entry `promised` records `envelope` as the
// acknowledgement of finance-authority; the others are filler.
struct Log {
  crypto::MerkleTree tree;
  Promise promise;
};

Log MakeLog(std::uint64_t size, std::uint64_t promised, const Bytes& envelope) {
  Log log;
  for (std::uint64_t i = 0; i < size; ++i) {
    Bytes entry = i == promised
                      ? EncodeAuditEntry({AuditKind::kAcknowledgement, kAt, Id(1),
                                          "finance-authority", envelope})
                      : EncodeAuditEntry({AuditKind::kSent, kAt - 1000, Id(2), "energy", {}});
    log.tree.Append(crypto::MerkleLeafHash(entry));
  }
  log.promise = {"gw.test", AuditKind::kAcknowledgement, Id(1), "finance-authority",
                 promised, kAt, PromisedLeaf(AuditKind::kAcknowledgement, Id(1),
                                             "finance-authority", kAt, envelope)};
  return log;
}

Checkpoint CheckpointOf(const Log& log, std::uint64_t size, UnixMillis time) {
  return {AuditOrigin("gw.test"), size, log.tree.RootAt(size), time};
}

InclusionProofMessage ProofOf(const Log& log, std::uint64_t index, std::uint64_t size) {
  return {index, size, log.tree.leaf(index), log.tree.InclusionProof(index, size)};
}

TEST_CASE("A promise is signed by the log key and names exactly the envelope sent",
          "[protocol][promise]") {
  crypto::SigningKey log_key = FixedKey(4);
  Bytes envelope = {0x95, 0x02, 0x03, 0x01};
  Log log = MakeLog(4, 3, envelope);
  Bytes wire = SignPromise(log.promise, log_key);
  Result<Promise> back = VerifyPromise(wire, "gw.test", log_key.public_key());
  REQUIRE(back);
  CHECK(EncodePromise(*back) == EncodePromise(log.promise));
  CHECK(CheckPromiseFor(*back, AuditKind::kAcknowledgement, Id(1), "finance-authority", envelope));

  SECTION("another key, another gateway or a flipped byte is refused") {
    CHECK(VerifyPromise(wire, "gw.test", FixedKey(5).public_key()).error().code ==
          ErrorCode::kBadSignature);
    CHECK_FALSE(VerifyPromise(wire, "gw.other", log_key.public_key()));
    for (std::size_t i = 0; i < wire.size(); ++i) {
      Bytes flipped = wire;
      flipped[i] ^= 0x01;
      CHECK_FALSE(VerifyPromise(flipped, "gw.test", log_key.public_key()));
    }
  }
  SECTION("a signature by a key's other context is not a promise") {
    // The same key's heartbeat-context signature over the same bytes.
    Envelope forged = SignBody(MessageType::kPromise, EncodePromise(log.promise), "gw.test",
                               log_key);
    forged.signatures[0].signature =
        log_key.Sign(SignatureContext(MessageType::kHeartbeat), forged.body);
    CHECK_FALSE(VerifyPromise(EncodeEnvelope(forged), "gw.test", log_key.public_key()));
  }
  SECTION("a promise for other bytes, another directive or kind is not ours") {
    Bytes other = envelope;
    other.back() ^= 0x01;
    CHECK_THAT(CheckPromiseFor(*back, AuditKind::kAcknowledgement, Id(1), "finance-authority",
                               other).error().context,
               Catch::Contains("other bytes"));
    CHECK_FALSE(CheckPromiseFor(*back, AuditKind::kReceipt, Id(1), "finance-authority", envelope));
    CHECK_FALSE(CheckPromiseFor(*back, AuditKind::kAcknowledgement, Id(2), "finance-authority",
                                envelope));
    CHECK_FALSE(CheckPromiseFor(*back, AuditKind::kAcknowledgement, Id(1), "energy", envelope));
  }
}

TEST_CASE("A new entry's promise is dated about now; only a covered one may be older",
          "[protocol][promise][negative]") {
  Promise p{"gw.test", AuditKind::kReceipt, Id(1), "finance-authority", 10, kAt, {}};
  CHECK(CheckPromiseTime(p, kAt, 10));
  CHECK(CheckPromiseTime(p, kAt + kMaxClockSkew, 10));
  CHECK(CheckPromiseTime(p, kAt - kMaxClockSkew, 10));
  // Dated far ahead: no checkpoint would ever be dated after it.
  Promise ahead = p;
  ahead.at = kAt + kMaxClockSkew + 1;
  CHECK(CheckPromiseTime(ahead, kAt, 10).error().code == ErrorCode::kExpired);
  CHECK_FALSE(CheckPromiseTime(ahead, kAt, 11));  // never ahead, covered or not
  // Old: refused for a new entry, taken for one the held checkpoint covers.
  CHECK_FALSE(CheckPromiseTime(p, kAt + kMaxClockSkew + 1, 10));
  CHECK(CheckPromiseTime(p, kAt + kMaxClockSkew + 1, 11));
}

TEST_CASE("Promise kinds are the three confirmations; proof messages are exact",
          "[protocol][promise][negative]") {
  Promise p{"gw.test", AuditKind::kSent, Id(1), "finance-authority", 1, kAt, {}};
  CHECK_THAT(DecodePromise(EncodePromise(p)).error().context, Catch::Contains("not a promised kind"));
  CHECK_FALSE(DecodeProofRequest(EncodeProofRequest({5, 5})));  // index must be below the size
  REQUIRE(DecodeProofRequest(EncodeProofRequest({4, 5})));
  InclusionProofMessage m{3, 8, {}, std::vector<crypto::Digest>(65)};
  CHECK_FALSE(DecodeInclusionProof(EncodeInclusionProof(m)));  // over 64 hashes
  m.proof.resize(3);
  Result<InclusionProofMessage> back = DecodeInclusionProof(EncodeInclusionProof(m));
  REQUIRE(back);
  CHECK(EncodeInclusionProof(*back) == EncodeInclusionProof(m));
}

TEST_CASE("A checkpoint and a proof keep, leave open or break a promise",
          "[protocol][promise]") {
  Bytes envelope = {0x95, 0x02, 0x03, 0x07};
  Log log = MakeLog(7, 4, envelope);
  const Promise& p = log.promise;

  SECTION("kept: the promised leaf is proven in a covering checkpoint") {
    InclusionProofMessage proof = ProofOf(log, 4, 7);
    CHECK(JudgePromise(p, CheckpointOf(log, 7, kAt + 10), &proof).verdict ==
          PromiseVerdict::kKept);
  }
  SECTION("open: not covered yet, no proof, a proof for another size, or a bad proof") {
    CHECK(JudgePromise(p, CheckpointOf(log, 4, kAt - 5), nullptr).verdict == PromiseVerdict::kOpen);
    CHECK(JudgePromise(p, CheckpointOf(log, 4, kAt), nullptr).verdict == PromiseVerdict::kOpen);
    CHECK(JudgePromise(p, CheckpointOf(log, 7, kAt + 10), nullptr).verdict ==
          PromiseVerdict::kOpen);
    InclusionProofMessage other_size = ProofOf(log, 4, 6);
    CHECK(JudgePromise(p, CheckpointOf(log, 7, kAt + 10), &other_size).verdict ==
          PromiseVerdict::kOpen);
    InclusionProofMessage garbage = ProofOf(log, 4, 7);
    garbage.proof[0][0] ^= 0x01;
    CHECK(JudgePromise(p, CheckpointOf(log, 7, kAt + 10), &garbage).verdict ==
          PromiseVerdict::kOpen);
  }
  SECTION("broken: a later checkpoint that stops short of the promised entry") {
    PromiseJudgement judged = JudgePromise(p, CheckpointOf(log, 4, kAt + 1), nullptr);
    CHECK(judged.verdict == PromiseVerdict::kBroken);
    CHECK_THAT(judged.why, Catch::Contains("does not contain it"));
  }
  SECTION("broken: the log proves another entry at the promised index") {
    Log rewritten = MakeLog(7, 5, envelope);  // index 4 now holds filler
    InclusionProofMessage proof = ProofOf(rewritten, 4, 7);
    PromiseJudgement judged = JudgePromise(p, CheckpointOf(rewritten, 7, kAt + 10), &proof);
    CHECK(judged.verdict == PromiseVerdict::kBroken);
    CHECK_THAT(judged.why, Catch::Contains("another entry"));
  }
}

}  // namespace
}  // namespace tocsin::protocol
