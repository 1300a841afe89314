// Keys made where they are used: request, certify, install.
#include "pki/key_request.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "common/file_util.h"
#include "pki/bundle.h"
#include "tests/pki/pki_fixture.h"

namespace tocsin::pki {
namespace {

using testing::PkiFixture;

std::string WriteRequest(const KeyRequest& request, const std::string& path) {
  REQUIRE(WriteFileDurably(path, AsBytes(RenderKeyRequest(request)), 0644, Overwrite::kYes));
  return path;
}

TEST_CASE("A gateway's request proves both of its Ed25519 keys, and the CA certifies them",
          "[pki][request]") {
  PkiFixture f;
  std::string bundle = f.dir / "gw";
  auto request = GenerateKeyRequest({"gw.national", Role::kGateway, std::nullopt, 0, std::nullopt},
                                    bundle, f.Ca() + "/public/root.crt");
  REQUIRE(request);
  REQUIRE(request->keys.log);
  REQUIRE(request->by_log);
  std::string path = WriteRequest(*request, f.dir / "gw.toml");
  auto loaded = LoadKeyRequest(path);
  REQUIRE(loaded);
  CHECK(KeyRequestFingerprint(*loaded) == KeyRequestFingerprint(*request));

  // The log key's proof, from another key: refused.
  KeyRequest forged = *request;
  forged.by_log = forged.by_signing;
  auto refused = LoadKeyRequest(WriteRequest(forged, f.dir / "forged.toml"));
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().context, Catch::Contains("the log key's proof of possession"));

  auto issued = f.Open().Certify(loaded->who, loaded->keys, f.dir / "gw-certs");
  REQUIRE(issued);
  CHECK(issued->size() == 4);
  REQUIRE(InstallCertificates(bundle, f.dir / "gw-certs", testing::kStart));
  auto complete = LoadBundle(bundle);
  REQUIRE(complete);
  CHECK(complete->log_signing);
  CHECK(complete->signing.public_key() == request->keys.signing);
}

TEST_CASE("Install refuses certificates of another root, however well they match the keys",
          "[pki][request][negative]") {
  PkiFixture ours;
  PkiFixture theirs;  // another CA, as an attacker who set one up would have
  std::string bundle = ours.dir / "op";
  auto request = GenerateKeyRequest({"op.alice", Role::kOperator, std::nullopt, 0, std::nullopt},
                                    bundle, ours.Ca() + "/public/root.crt");
  REQUIRE(request);
  REQUIRE(theirs.Open().Certify(request->who, request->keys, theirs.dir / "certs"));
  Status installed = InstallCertificates(bundle, theirs.dir / "certs", testing::kStart);
  REQUIRE_FALSE(installed);
  CHECK(installed.error().code == ErrorCode::kUntrustedCertificate);
  CHECK_FALSE(std::filesystem::exists(bundle + "/signing.crt"));  // nothing copied
}

TEST_CASE("A request changed after it was signed certifies nothing", "[pki][request][negative]") {
  PkiFixture f;
  auto request = GenerateKeyRequest(
      {"finance-authority", Role::kAgency, std::string("finance"), 0, std::nullopt},
      f.dir / "fin", f.Ca() + "/public/root.crt");
  REQUIRE(request);
  for (auto edit : {+[](KeyRequest& r) { r.who.principal_id = "energy-authority"; },
                    +[](KeyRequest& r) { r.who.sector = "energy"; },
                    +[](KeyRequest& r) { r.keys.encryption[0] ^= 1; }}) {
    KeyRequest changed = *request;
    edit(changed);
    auto loaded = LoadKeyRequest(WriteRequest(changed, f.dir / "changed.toml"));
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code == ErrorCode::kBadSignature);
  }
}

}  // namespace
}  // namespace tocsin::pki
