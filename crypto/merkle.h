// crypto/merkle.h -- RFC 6962 / RFC 9162 Merkle trees over SHA-256.
//
//   leaf hash  = SHA-256(0x00 || entry)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH({})    = SHA-256("")
//
// Two users: the audit log (an append-only tree of events with signed
// checkpoints) and directive fan-out (each recipient gets its own key wrap
// plus an inclusion proof against the root the issuer signed). Proofs are
// checked with the algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2.
#pragma once

#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/sodium.h"

namespace tocsin::crypto {

using Hash = Digest;  // 32 bytes

Hash MerkleLeafHash(ByteView entry);
Hash MerkleNodeHash(const Hash& left, const Hash& right);
Hash MerkleEmptyRoot();

// An in-memory tree over leaf hashes, with every level kept so that a proof
// costs O(log n). Appending is amortized O(1) hashes per level touched.
class MerkleTree {
 public:
  MerkleTree() = default;
  explicit MerkleTree(std::vector<Hash> leaf_hashes);

  void Append(const Hash& leaf_hash);
  std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const Hash& leaf(std::uint64_t index) const { return levels_[0][index]; }

  // MTH of the whole tree, or of its first `size` leaves (size <= size()).
  Hash Root() const;
  Hash RootAt(std::uint64_t size) const;

  // The audit path of leaf `index` in the tree of the first `size` leaves
  // (RFC 9162 2.1.3.1). Requires index < size <= size().
  std::vector<Hash> InclusionProof(std::uint64_t index, std::uint64_t size) const;

  // The consistency proof from the first `size1` leaves to the first `size2`
  // (RFC 9162 2.1.4.1). Requires 0 < size1 <= size2 <= size(); empty when
  // size1 == size2.
  std::vector<Hash> ConsistencyProof(std::uint64_t size1, std::uint64_t size2) const;

 private:
  // Hash of the subtree covering leaves [begin, begin + 2^level) clipped to
  // `size`, where the subtree is complete or is the tree's right edge.
  Hash SubtreeHash(std::uint64_t begin, std::uint64_t end) const;
  void PathTo(std::uint64_t index, std::uint64_t begin, std::uint64_t end,
              std::vector<Hash>& out) const;
  void SubProof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole,
                std::vector<Hash>& out) const;

  // levels_[0] are the leaf hashes; levels_[k][i] is the hash of the complete
  // subtree of 2^k leaves starting at leaf i * 2^k.
  std::vector<std::vector<Hash>> levels_;
};

// The root that `proof` implies for `leaf_hash` at `index` in a tree of
// `size` leaves, or kBadSignature when the proof has the wrong shape.
Result<Hash> RootFromInclusionProof(std::uint64_t index, std::uint64_t size,
                                    const Hash& leaf_hash, const std::vector<Hash>& proof);

// Succeeds iff `proof` proves `leaf_hash` at `index` in the tree of `size`
// leaves whose root is `root`. Fails with kBadSignature, saying why.
Status VerifyInclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root);

// Succeeds iff the tree of `size2` leaves with root `root2` extends the tree
// of `size1` leaves with root `root1`. Fails with kBadSignature, saying why;
// also when size1 is 0, as the published vectors expect (a proof from the
// empty tree proves nothing).
Status VerifyConsistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1,
                         const Hash& root2, const std::vector<Hash>& proof);

}  // namespace tocsin::crypto
