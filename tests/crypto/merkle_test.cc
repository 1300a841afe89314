// RFC 6962 Merkle trees: our proofs against a direct implementation of the
// RFC's recursive definitions, and the published vectors of
// transparency-dev/merkle (../shared/vectors/merkle), including every case
// that must fail.
#include <filesystem>

#include <catch2/catch.hpp>
#include <sodium.h>

#include "crypto/merkle.h"
#include "tests/testing/vectors.h"

namespace tocsin::crypto {
namespace {

// MTH(D[begin:end]) straight from RFC 6962 section 2.1.
Hash ReferenceRoot(const std::vector<Hash>& leaves, std::size_t begin, std::size_t end) {
  if (end - begin == 1) {
    return leaves[begin];
  }
  std::size_t k = 1;
  while (k * 2 < end - begin) {
    k *= 2;
  }
  return MerkleNodeHash(ReferenceRoot(leaves, begin, begin + k), ReferenceRoot(leaves, begin + k, end));
}

std::vector<Hash> Leaves(std::size_t n) {
  std::vector<Hash> leaves;
  for (std::size_t i = 0; i < n; ++i) {
    std::string entry = "entry " + std::to_string(i);
    leaves.push_back(MerkleLeafHash(AsBytes(entry)));
  }
  return leaves;
}

TEST_CASE("Leaf and node hashes are domain-separated as RFC 6962 says", "[crypto][merkle]") {
  // The empty tree, and a leaf of the empty string (RFC 6962 test data).
  CHECK(HexEncode(MerkleEmptyRoot()) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(HexEncode(MerkleLeafHash({})) ==
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST_CASE("Roots and proofs agree with the RFC's definitions for every small tree",
          "[crypto][merkle]") {
  std::vector<Hash> leaves = Leaves(70);
  MerkleTree tree;
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    tree.Append(leaves[n - 1]);
    Hash root = ReferenceRoot(leaves, 0, n);
    REQUIRE(tree.Root() == root);
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<Hash> proof = tree.InclusionProof(i, n);
      INFO("leaf " << i << " of " << n);
      REQUIRE(VerifyInclusion(i, n, leaves[i], proof, root));
      if (!proof.empty()) {
        std::vector<Hash> bad = proof;
        bad.back()[0] ^= 1;
        CHECK_FALSE(VerifyInclusion(i, n, leaves[i], bad, root));
        bad = proof;
        bad.pop_back();
        CHECK_FALSE(VerifyInclusion(i, n, leaves[i], bad, root));
      }
      CHECK_FALSE(VerifyInclusion(i, n, leaves[(i + 1) % 70], proof, root));
    }
    CHECK_FALSE(VerifyConsistency(0, n, MerkleEmptyRoot(), root, {}));
    for (std::size_t m = 1; m <= n; ++m) {
      INFO("consistency " << m << " -> " << n);
      std::vector<Hash> proof = tree.ConsistencyProof(m, n);
      Hash old_root = tree.RootAt(m);
      REQUIRE(old_root == ReferenceRoot(leaves, 0, m));
      REQUIRE(VerifyConsistency(m, n, old_root, root, proof));
      if (m < n) {
        std::vector<Hash> bad = proof;
        bad.front()[31] ^= 0x80;
        CHECK_FALSE(VerifyConsistency(m, n, old_root, root, bad));
        CHECK_FALSE(VerifyConsistency(m, n, root, old_root, proof));
      }
    }
  }
}

TEST_CASE("A tree built in one go equals one built by appending", "[crypto][merkle]") {
  std::vector<Hash> leaves = Leaves(1000);
  MerkleTree whole(leaves);
  CHECK(whole.size() == 1000);
  CHECK(whole.Root() == ReferenceRoot(leaves, 0, leaves.size()));
  CHECK(VerifyInclusion(999, 1000, leaves[999], whole.InclusionProof(999, 1000), whole.Root()));
}

TEST_CASE("A shrinking tree and two roots for one size are caught", "[crypto][merkle]") {
  std::vector<Hash> leaves = Leaves(8);
  MerkleTree tree(leaves);
  Result<void> shrank = VerifyConsistency(8, 7, tree.RootAt(8), tree.RootAt(7), {});
  REQUIRE_FALSE(shrank);
  CHECK(shrank.error().context.find("shrank") != std::string::npos);
  Result<void> forked = VerifyConsistency(5, 5, tree.RootAt(5), tree.RootAt(6), {});
  REQUIRE_FALSE(forked);
  CHECK(forked.error().context.find("two different roots") != std::string::npos);
}

// Published vectors ------------------------------------------------------

std::optional<Hash> DecodeHash(const nlohmann::json& value) {
  if (!value.is_string()) {
    return std::nullopt;
  }
  std::string text = value.get<std::string>();
  Hash out{};
  std::size_t length = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      length != out.size()) {
    return std::nullopt;  // the vectors use "" and short strings for bad hashes
  }
  return out;
}

// A proof with any undecodable element is one our API cannot even be given.
std::optional<std::vector<Hash>> DecodeProof(const nlohmann::json& value) {
  std::vector<Hash> proof;
  if (value.is_null()) {
    return proof;
  }
  for (const auto& element : value) {
    std::optional<Hash> hash = DecodeHash(element);
    if (!hash) {
      return std::nullopt;
    }
    proof.push_back(*hash);
  }
  return proof;
}

bool RunInclusion(const nlohmann::json& v) {
  auto leaf = DecodeHash(v["leafHash"]);
  auto root = DecodeHash(v["root"]);
  auto proof = DecodeProof(v["proof"]);
  if (!leaf || !root || !proof) {
    return false;
  }
  return VerifyInclusion(v["leafIdx"].get<std::uint64_t>(), v["treeSize"].get<std::uint64_t>(),
                         *leaf, *proof, *root)
      .has_value();
}

// Some consistency vectors use placeholder roots ("don't care") that are not
// 32 bytes. Our API takes only 32-byte hashes, so placeholders map to their
// SHA-256: equal placeholders stay equal, different ones stay different.
std::optional<Hash> DecodeRoot(const nlohmann::json& value) {
  if (std::optional<Hash> hash = DecodeHash(value)) {
    return hash;
  }
  std::string text = value.get<std::string>();
  Bytes raw(text.size());
  std::size_t length = 0;
  if (sodium_base642bin(raw.data(), raw.size(), text.data(), text.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  raw.resize(length);
  return MerkleLeafHash(raw);
}

bool RunConsistency(const nlohmann::json& v) {
  auto root1 = DecodeRoot(v["root1"]);
  auto root2 = DecodeRoot(v["root2"]);
  auto proof = DecodeProof(v["proof"]);
  if (!root1 || !root2 || !proof) {
    return false;
  }
  return VerifyConsistency(v["size1"].get<std::uint64_t>(), v["size2"].get<std::uint64_t>(),
                           *root1, *root2, *proof)
      .has_value();
}

int RunFolder(const std::string& folder, bool (*run)(const nlohmann::json&), int* failing) {
  std::string base = testing::VectorPathOrSkip("merkle/testdata/" + folder);
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(base)) {
    if (entry.path().extension() != ".json") {
      continue;
    }
    nlohmann::json v = testing::ReadJsonFile(entry.path().string());
    bool want_error = v["wantErr"].get<bool>();
    INFO(entry.path().string() << ": " << v["desc"].get<std::string>());
    CHECK(run(v) == !want_error);
    *failing += want_error ? 1 : 0;
    ++checked;
  }
  return checked;
}

TEST_CASE("RFC 6962 inclusion proof vectors, including those that must fail",
          "[crypto][merkle][vectors]") {
  int failing = 0;
  int checked = RunFolder("inclusion", RunInclusion, &failing);
  CHECK(checked >= 98);
  CHECK(failing >= 90);
  WARN("inclusion vectors: " << checked << " checked, " << failing << " of them must fail");
}

TEST_CASE("RFC 6962 consistency proof vectors, including those that must fail",
          "[crypto][merkle][vectors]") {
  int failing = 0;
  int checked = RunFolder("consistency", RunConsistency, &failing);
  CHECK(checked >= 98);
  CHECK(failing >= 90);
  WARN("consistency vectors: " << checked << " checked, " << failing << " of them must fail");
}

}  // namespace
}  // namespace tocsin::crypto
