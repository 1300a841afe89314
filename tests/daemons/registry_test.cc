// gateway::Registry: which CURVE key may connect where, and as whom.
#include "gateway/registry.h"

#include <filesystem>
#include <optional>

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

std::unique_ptr<Registry> Load(PkiFixture& f, const pki::PrincipalBundle* keeper = nullptr) {
  pki::CaPaths paths(f.Ca());
  return Registry::Load(paths.Public(), paths.RootCertificate(), f.clock,
                        f.dir / "gateway.db.crl-floor", keeper ? &keeper->signing : nullptr,
                        f.dir / "gateway.db.verified-certificates")
      .value();
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
  std::optional<pki::PrincipalBundle> gateway;
  SECTION("verifying every certificate") {}
  SECTION("with the record of certificates verified before") {
    gateway = pki::LoadBundle(f.Enroll("gw.test", Role::kGateway)).value();
  }
  auto registry = Load(f, gateway ? &*gateway : nullptr);
  REQUIRE(registry->Authenticate(kAgencyDomain, agency));
  CHECK(std::filesystem::exists(f.dir / "gateway.db.verified-certificates") == gateway.has_value());
  f.Open().Revoke("finance-authority").value();
  Bytes newcomer = TransportKey(f.Enroll("energy-authority", Role::kAgency, "energy"));
  CHECK(registry->Reload().value() == (gateway ? 2 : 1));  // energy (and gw.test) only
  CHECK_FALSE(registry->Authenticate(kAgencyDomain, agency));
  CHECK_FALSE(registry->Active("finance-authority", Role::kAgency));
  CHECK(registry->Authenticate(kAgencyDomain, newcomer) == "energy-authority");
  // A restart reads the record again: the revocation still stands.
  auto restarted = Load(f, gateway ? &*gateway : nullptr);
  CHECK_FALSE(restarted->Authenticate(kAgencyDomain, agency));
  CHECK(restarted->Authenticate(kAgencyDomain, newcomer) == "energy-authority");
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

TEST_CASE("An older CRL put back is refused and the revocation stands",
          "[daemons][registry][negative]") {
  PkiFixture f;
  Bytes agency = TransportKey(f.Enroll("finance-authority", Role::kAgency, "finance"));
  pki::CaPaths paths(f.Ca());
  auto registry = Load(f);
  std::filesystem::copy_file(paths.Crl(), f.dir / "old-crl.pem");  // still valid, lists nobody
  f.Open().Revoke("finance-authority").value();
  REQUIRE(registry->Reload());
  std::filesystem::copy_file(f.dir / "old-crl.pem", paths.Crl(),
                             std::filesystem::copy_options::overwrite_existing);
  Result<std::size_t> rolled_back = registry->Reload();
  REQUIRE_FALSE(rolled_back);
  CHECK(rolled_back.error().code == ErrorCode::kRevoked);
  CHECK_THAT(rolled_back.error().context, Catch::Contains("older than number 2"));
  CHECK_FALSE(registry->Authenticate(kAgencyDomain, agency));
  // A restarted gateway refuses it too: the floor is on disk.
  CHECK_FALSE(Registry::Load(paths.Public(), paths.RootCertificate(), f.clock,
                             f.dir / "gateway.db.crl-floor"));
}

TEST_CASE("A CA folder that others can write is refused", "[daemons][registry][negative]") {
  PkiFixture f;
  f.Enroll("finance-authority", Role::kAgency, "finance");
  pki::CaPaths paths(f.Ca());
  std::filesystem::permissions(paths.Public(), std::filesystem::perms::others_write,
                               std::filesystem::perm_options::add);
  Result<std::unique_ptr<Registry>> loaded = Registry::Load(
      paths.Public(), paths.RootCertificate(), f.clock, f.dir / "gateway.db.crl-floor");
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().context, Catch::Contains("group or others can write it"));
}

}  // namespace
}  // namespace tocsin::gateway
