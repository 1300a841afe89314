#include "crypto/merkle.h"

#include <bit>

#include <sodium.h>

#include "common/check.h"
#include "crypto/hash.h"

namespace tocsin::crypto {
namespace {

// The largest power of two strictly below n (n >= 2): RFC 6962's split point.
std::uint64_t SplitPoint(std::uint64_t n) {
  return std::uint64_t{1} << (std::bit_width(n - 1) - 1);
}

bool Odd(std::uint64_t x) { return (x & 1U) != 0; }

tl::unexpected<Error> ProofError(std::string why) {
  return MakeError(ErrorCode::kBadSignature, std::move(why));
}

Status CheckRoot(const Hash& computed, const Hash& expected, std::string_view what) {
  if (sodium_memcmp(computed.data(), expected.data(), computed.size()) != 0) {
    return ProofError(std::string(what) + " does not match the root");
  }
  return {};
}

}  // namespace

Hash MerkleLeafHash(ByteView entry) {
  Bytes input;
  input.reserve(entry.size() + 1);
  input.push_back(0x00);
  Append(input, entry);
  return Sha256(input);
}

Hash MerkleNodeHash(const Hash& left, const Hash& right) {
  std::array<std::uint8_t, 1 + 2 * sizeof(Hash)> input{};
  input[0] = 0x01;
  std::copy(left.begin(), left.end(), input.begin() + 1);
  std::copy(right.begin(), right.end(), input.begin() + 1 + sizeof(Hash));
  return Sha256(input);
}

Hash MerkleEmptyRoot() { return Sha256({}); }

MerkleTree::MerkleTree(std::vector<Hash> leaf_hashes) {
  levels_.reserve(8);
  for (const Hash& leaf : leaf_hashes) {
    Append(leaf);
  }
}

void MerkleTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) {
    levels_.emplace_back();
  }
  levels_[0].push_back(leaf_hash);
  for (std::size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    if (level + 1 == levels_.size()) {
      levels_.emplace_back();
    }
    const std::vector<Hash>& below = levels_[level];
    levels_[level + 1].push_back(MerkleNodeHash(below[below.size() - 2], below.back()));
  }
}

Hash MerkleTree::SubtreeHash(std::uint64_t begin, std::uint64_t end) const {
  std::uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    auto level = static_cast<std::size_t>(std::countr_zero(n));
    return levels_[level][begin >> level];
  }
  std::uint64_t k = SplitPoint(n);
  return MerkleNodeHash(SubtreeHash(begin, begin + k), SubtreeHash(begin + k, end));
}

Hash MerkleTree::Root() const { return RootAt(size()); }

Hash MerkleTree::RootAt(std::uint64_t tree_size) const {
  TOCSIN_CHECK(tree_size <= size());
  return tree_size == 0 ? MerkleEmptyRoot() : SubtreeHash(0, tree_size);
}

void MerkleTree::PathTo(std::uint64_t index, std::uint64_t begin, std::uint64_t end,
                        std::vector<Hash>& out) const {
  if (end - begin <= 1) {
    return;
  }
  std::uint64_t middle = begin + SplitPoint(end - begin);
  if (index < middle) {
    PathTo(index, begin, middle, out);
    out.push_back(SubtreeHash(middle, end));
  } else {
    PathTo(index, middle, end, out);
    out.push_back(SubtreeHash(begin, middle));
  }
}

std::vector<Hash> MerkleTree::InclusionProof(std::uint64_t index, std::uint64_t tree_size) const {
  TOCSIN_CHECK(index < tree_size && tree_size <= size());
  std::vector<Hash> proof;
  PathTo(index, 0, tree_size, proof);
  return proof;
}

void MerkleTree::SubProof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole,
                          std::vector<Hash>& out) const {
  std::uint64_t n = end - begin;
  if (m == n) {
    if (!whole) {
      out.push_back(SubtreeHash(begin, end));
    }
    return;
  }
  std::uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, begin, begin + k, whole, out);
    out.push_back(SubtreeHash(begin + k, end));
  } else {
    SubProof(m - k, begin + k, end, false, out);
    out.push_back(SubtreeHash(begin, begin + k));
  }
}

std::vector<Hash> MerkleTree::ConsistencyProof(std::uint64_t size1, std::uint64_t size2) const {
  TOCSIN_CHECK(0 < size1 && size1 <= size2 && size2 <= size());
  std::vector<Hash> proof;
  SubProof(size1, 0, size2, true, proof);
  return proof;
}

Result<Hash> RootFromInclusionProof(std::uint64_t index, std::uint64_t size,
                                    const Hash& leaf_hash, const std::vector<Hash>& proof) {
  if (index >= size) {
    return ProofError("leaf index " + std::to_string(index) +
                                     " is outside a tree of " + std::to_string(size));
  }
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) {
      return ProofError("inclusion proof is too long");
    }
    if (Odd(fn) || fn == sn) {
      r = MerkleNodeHash(p, r);
      while (!Odd(fn) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return ProofError("inclusion proof is too short");
  }
  return r;
}

Status VerifyInclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root) {
  TOCSIN_ASSIGN_OR_RETURN(Hash computed, RootFromInclusionProof(index, size, leaf_hash, proof));
  return CheckRoot(computed, root, "inclusion proof");
}

Status VerifyConsistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1,
                         const Hash& root2, const std::vector<Hash>& proof) {
  if (size2 < size1) {
    return ProofError("the tree shrank from " + std::to_string(size1) + " to " +
                                     std::to_string(size2) + " entries");
  }
  if (size1 == 0) {
    // Every tree extends the empty one: such a "proof" would prove nothing,
    // and accepting it would let a first checkpoint skip the checks.
    return ProofError("a consistency proof from the empty tree proves nothing");
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return ProofError("consistency proof between equal sizes must be empty");
    }
    if (sodium_memcmp(root1.data(), root2.data(), root1.size()) != 0) {
      return ProofError("two different roots for one tree size " + std::to_string(size1));
    }
    return {};
  }
  if (proof.empty()) {
    return ProofError("consistency proof is empty");
  }
  // RFC 9162 2.1.4.2, with first_hash prepended when size1 is a power of two.
  std::vector<Hash> path;
  if (std::has_single_bit(size1)) {
    path.push_back(root1);
  }
  path.insert(path.end(), proof.begin(), proof.end());
  std::uint64_t fn = size1 - 1;
  std::uint64_t sn = size2 - 1;
  while (Odd(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) {
      return ProofError("consistency proof is too long");
    }
    if (Odd(fn) || fn == sn) {
      fr = MerkleNodeHash(c, fr);
      sr = MerkleNodeHash(c, sr);
      while (!Odd(fn) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = MerkleNodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return ProofError("consistency proof is too short");
  }
  TOCSIN_RETURN_IF_ERROR(CheckRoot(fr, root1, "consistency proof (old tree)"));
  return CheckRoot(sr, root2, "consistency proof (new tree)");
}

}  // namespace tocsin::crypto
