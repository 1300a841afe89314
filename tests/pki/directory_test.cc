#include "pki/directory.h"

#include <catch2/catch.hpp>

#include "pki/certificate.h"
#include "tests/pki/pki_fixture.h"

namespace tocsin::pki {
namespace {

using testing::kStart;
using testing::PkiFixture;

CertificateDirectory DirectoryFor(const PkiFixture& f, const PkiFixture& trusted) {
  CaPaths paths(f.Ca());
  return CertificateDirectory::Open(
             paths.Public(), LoadCertificate(CaPaths(trusted.Ca()).RootCertificate()).value())
      .value();
}

TEST_CASE("CertificateDirectory resolves signers with their role", "[pki][directory]") {
  PkiFixture f;
  f.Enroll("op.alice", Role::kOperator);
  f.Enroll("finance-authority", Role::kAgency, "finance");
  CertificateDirectory directory = DirectoryFor(f, f);
  crypto::ResolvedSigner alice = directory.ResolveSigner("op.alice", kStart).value();
  CHECK(alice.role == Role::kOperator);
  CHECK(alice.public_key == LoadBundle(f.dir / "bundle-op.alice").value().signing.public_key());
  CHECK(directory.Resolve("finance-authority", Purpose::kEncryption, kStart).value().sector ==
        "finance");
  CHECK(directory.PrincipalIds() == std::vector<std::string>{"finance-authority", "op.alice"});
}

TEST_CASE("CertificateDirectory reports unknown, revoked and malformed ids",
          "[pki][directory][negative]") {
  PkiFixture f;
  f.Enroll("op.alice", Role::kOperator);
  f.Open().Revoke("op.alice").value();
  CertificateDirectory directory = DirectoryFor(f, f);
  CHECK(directory.ResolveSigner("op.alice", kStart).error().code == ErrorCode::kRevoked);
  CHECK(directory.ResolveSigner("op.bob", kStart).error().code == ErrorCode::kNotFound);
  CHECK(directory.ResolveSigner("../../etc", kStart).error().code ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("CertificateDirectory trusts only the pinned root, not the folder's",
          "[pki][directory][negative]") {
  PkiFixture rogue;
  PkiFixture ours;
  rogue.Enroll("op.alice", Role::kOperator);
  // The rogue folder's CRL is signed by the rogue root: refused outright.
  CaPaths paths(rogue.Ca());
  auto opened = CertificateDirectory::Open(
      paths.Public(), LoadCertificate(CaPaths(ours.Ca()).RootCertificate()).value());
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == ErrorCode::kUntrustedCertificate);
}

}  // namespace
}  // namespace tocsin::pki
