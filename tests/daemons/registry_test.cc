// gateway::Registry: which CURVE key may connect where, and as whom.
#include "gateway/registry.h"

#include <filesystem>

#include <catch2/catch.hpp>

#include "pki/bundle.h"
#include "pki/certificate.h"
#include "tests/pki/pki_fixture.h"

namespace tocsin::gateway {
namespace {

using pki::testing::PkiFixture;

Bytes TransportKey(const std::string& bundle_dir) {
  pki::PrincipalBundle bundle = pki::LoadBundle(bundle_dir).value();
  return Bytes(bundle.transport.public_key().begin(), bundle.transport.public_key().end());
}

std::unique_ptr<Registry> Load(PkiFixture& f) {
  pki::CaPaths paths(f.Ca());
  return Registry::Load(paths.Public(), paths.RootCertificate(), f.clock).value();
}

TEST_CASE("Registry admits a key only on the endpoint of its role", "[daemons][registry]") {
  PkiFixture f;
  Bytes agency = TransportKey(f.Enroll("finance-authority", Role::kAgency, "finance"));
  Bytes operator_key = TransportKey(f.Enroll("op.alice", Role::kOperator));
  auto registry = Load(f);
  CHECK(registry->Authenticate(kAgencyDomain, agency) == "finance-authority");
  CHECK_FALSE(registry->Authenticate(kOperatorDomain, agency));
  CHECK(registry->Authenticate(kOperatorDomain, operator_key) == "op.alice");
  CHECK_FALSE(registry->Authenticate(kAgencyDomain, operator_key));
  CHECK_FALSE(registry->Authenticate("other", agency));
  CHECK_FALSE(registry->Authenticate(kAgencyDomain, Bytes(32, 7)));
  CHECK(registry->Active("finance-authority", Role::kAgency));
  CHECK_FALSE(registry->Active("finance-authority", Role::kOperator));
}

TEST_CASE("A reload after revocation drops the principal at once", "[daemons][registry]") {
  PkiFixture f;
  Bytes agency = TransportKey(f.Enroll("finance-authority", Role::kAgency, "finance"));
  auto registry = Load(f);
  REQUIRE(registry->Authenticate(kAgencyDomain, agency));
  f.Open().Revoke("finance-authority").value();
  CHECK(registry->Reload().value() == 0);
  CHECK_FALSE(registry->Authenticate(kAgencyDomain, agency));
  CHECK_FALSE(registry->Active("finance-authority", Role::kAgency));
}

TEST_CASE("A failed reload keeps the previous registry", "[daemons][registry][negative]") {
  PkiFixture f;
  Bytes agency = TransportKey(f.Enroll("finance-authority", Role::kAgency, "finance"));
  auto registry = Load(f);
  pki::CaPaths paths(f.Ca());
  std::filesystem::remove(paths.Crl());
  CHECK_FALSE(registry->Reload());
  CHECK(registry->Authenticate(kAgencyDomain, agency) == "finance-authority");
}

}  // namespace
}  // namespace tocsin::gateway
