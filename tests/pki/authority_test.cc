#include "pki/authority.h"

#include <sys/stat.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "pki/certificate.h"
#include "pki/cert_builder.h"
#include "tests/pki/pki_fixture.h"

namespace tocsin::pki {
namespace {

using testing::kDay;
using testing::PkiFixture;

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

TEST_CASE("Initialize lays out a CA with private parts locked down", "[pki][ca]") {
  PkiFixture f;
  CaPaths paths(f.Ca());
  CHECK(ModeOf(f.Ca()) == 0700);
  CHECK(ModeOf(f.Ca() + "/private") == 0700);
  CHECK(ModeOf(paths.RootKey()) == 0600);
  CHECK(ModeOf(paths.RootCertificate()) == 0644);
  CHECK(ModeOf(paths.Crl()) == 0644);
  crypto::X509Ptr root = LoadCertificate(paths.RootCertificate()).value();
  CHECK(X509_check_ca(root.get()) == 1);
  CHECK(X509_get_ext_by_NID(root.get(), NID_name_constraints, -1) >= 0);
  CHECK(ReadCrlNumber(LoadCrl(paths.Crl()).value().get()) == 1);
}

TEST_CASE("Initialize refuses a folder that is not empty", "[pki][ca][negative]") {
  PkiFixture f;
  Status again = CertificateAuthority::Initialize(
      f.Ca(), {"Other", DefaultSectors(), 30, 24, 0, {}}, f.clock);
  REQUIRE_FALSE(again);
  CHECK(again.error().context.find("not empty") != std::string::npos);
}

TEST_CASE("Enroll issues three certificates and a private bundle", "[pki][ca]") {
  PkiFixture f;
  std::string bundle_dir = f.Enroll("finance-authority", Role::kAgency, "finance");
  CHECK(ModeOf(bundle_dir) == 0700);
  for (Purpose purpose : kAllPurposes) {
    BundlePaths paths(bundle_dir);
    CHECK(ModeOf(paths.Key(purpose)) == 0600);
    CHECK(ModeOf(paths.Certificate(purpose)) == 0644);
  }
  PrincipalBundle bundle = LoadBundle(bundle_dir).value();
  CHECK(bundle.principal_id == "finance-authority");
  CHECK(bundle.role == Role::kAgency);
  CHECK(bundle.sector == "finance");
  CertifiedKey signing = ReadCertifiedKey(bundle.signing_certificate.get()).value();
  CHECK(signing.public_key == bundle.signing.public_key());
  CHECK(signing.not_after == testing::kStart + 30 * kDay);
  CHECK(ReadCertifiedKey(bundle.encryption_certificate.get()).value().public_key ==
        bundle.encryption.public_key());
  CHECK(ReadCertifiedKey(bundle.transport_certificate.get()).value().purpose ==
        Purpose::kTransport);
}

TEST_CASE("Enroll refuses bad requests with a reason", "[pki][ca][negative]") {
  PkiFixture f;
  CertificateAuthority ca = f.Open();
  auto refused = [&](EnrollRequest request, std::string_view why) {
    auto issued = ca.Enroll(request, f.dir / "bundle-x");
    REQUIRE_FALSE(issued);
    INFO(issued.error().context);
    CHECK(issued.error().context.find(why) != std::string::npos);
  };
  refused({"energy-authority", Role::kAgency, std::nullopt, 0, std::nullopt}, "needs --sector");
  refused({"energy-authority", Role::kAgency, "space", 0, std::nullopt}, "unknown sector 'space'");
  refused({"op.alice", Role::kOperator, "finance", 0, std::nullopt}, "only an agency has a sector");
  refused({"Bad Id", Role::kOperator, std::nullopt, 0, std::nullopt}, "character outside");
  refused({"op.alice", Role::kOperator, std::nullopt, 400, std::nullopt}, "1 to 397 days");
  refused({"bridge.sms", Role::kBridge, std::nullopt, 0, std::nullopt}, "needs --channel");
  refused({"bridge.sms", Role::kBridge, std::nullopt, 0, "fax"}, "unknown channel 'fax'");
  refused({"op.alice", Role::kOperator, std::nullopt, 0, "sms"}, "only a bridge has a channel");
}

TEST_CASE("A bridge's certificates name the one channel it serves", "[pki][authority]") {
  PkiFixture f;
  auto issued = f.Open().Enroll({"bridge.sms", Role::kBridge, std::nullopt, 0, "sms"},
                                f.dir / "bridge");
  REQUIRE(issued);
  for (const CertifiedKey& key : *issued) {
    CHECK(key.channel == std::optional<std::string>("sms"));
    CHECK_FALSE(key.sector);
  }
  auto listed = f.Open().List().value();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].channel == std::optional<std::string>("sms"));
}

TEST_CASE("An enrolled principal is enrolled again only after revocation", "[pki][ca]") {
  PkiFixture f;
  f.Enroll("op.alice", Role::kOperator);
  auto twice = f.Open().Enroll({"op.alice", Role::kOperator, std::nullopt, 0, std::nullopt}, f.dir / "b2");
  REQUIRE_FALSE(twice);
  CHECK(twice.error().context.find("already enrolled") != std::string::npos);
  REQUIRE(f.Open().Revoke("op.alice").value() == 3);
  CHECK(f.Open().Enroll({"op.alice", Role::kOperator, std::nullopt, 0, std::nullopt}, f.dir / "b2"));
}

TEST_CASE("Enroll never writes into a folder that already holds files",
          "[pki][ca][negative]") {
  PkiFixture f;
  std::string bundle = f.Enroll("op.alice", Role::kOperator);
  auto again = f.Open().Enroll({"op.bob", Role::kOperator, std::nullopt, 0, std::nullopt}, bundle);
  REQUIRE_FALSE(again);
  CHECK(again.error().context.find("refusing to overwrite keys") != std::string::npos);
}

TEST_CASE("Revoke lists every certificate once and bumps the CRL number", "[pki][ca]") {
  PkiFixture f;
  f.Enroll("transport-authority", Role::kAgency, "transport");
  CertificateAuthority ca = f.Open();
  CHECK(ca.Revoke("transport-authority").value() == 3);
  CHECK(ca.Revoke("transport-authority").value() == 0);
  crypto::X509CrlPtr crl = LoadCrl(ca.paths().Crl()).value();
  CHECK(ReadRevokedSerials(crl.get()).size() == 3);
  CHECK(ReadCrlNumber(crl.get()) == 3);
  CHECK(ca.Revoke("nobody").error().code == ErrorCode::kNotFound);
}

TEST_CASE("List derives each principal's state from certificates and CRL", "[pki][ca]") {
  PkiFixture f;
  f.Enroll("op.alice", Role::kOperator);
  f.Enroll("health-authority", Role::kAgency, "health");
  f.Open().Revoke("op.alice").value();
  std::vector<PrincipalRecord> records = f.Open().List().value();
  REQUIRE(records.size() == 2);
  CHECK(records[0].principal_id == "health-authority");
  CHECK(records[0].state == PrincipalRecord::State::kActive);
  CHECK(records[1].state == PrincipalRecord::State::kRevoked);
  f.clock.Advance(31 * kDay);
  CHECK(f.Open().List().value()[0].state == PrincipalRecord::State::kExpired);
}

TEST_CASE("Open refuses a CA whose key does not match its root", "[pki][ca][negative]") {
  PkiFixture f;
  PkiFixture other;
  std::filesystem::copy_file(other.Ca() + "/private/root.key", f.Ca() + "/private/root.key",
                             std::filesystem::copy_options::overwrite_existing);
  auto opened = CertificateAuthority::Open(f.Ca(), f.clock);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().context.find("does not match") != std::string::npos);
}

}  // namespace
}  // namespace tocsin::pki

namespace tocsin::pki {
namespace {

TEST_CASE("The CA refuses a published CRL older than the last one it issued",
          "[pki][authority][negative]") {
  testing::PkiFixture f;
  f.Enroll("finance-authority", Role::kAgency, "finance");
  CaPaths paths(f.Ca());
  std::filesystem::copy_file(paths.Crl(), f.dir / "old-crl.pem");
  REQUIRE(f.Open().Revoke("finance-authority").value() > 0);
  std::filesystem::copy_file(f.dir / "old-crl.pem", paths.Crl(),
                             std::filesystem::copy_options::overwrite_existing);
  Result<CertificateAuthority> reopened = CertificateAuthority::Open(f.Ca(), f.clock);
  REQUIRE_FALSE(reopened);
  CHECK(reopened.error().code == ErrorCode::kRevoked);
  CHECK_THAT(reopened.error().context, Catch::Contains("cp " + paths.CrlRecord()));
  CHECK_THAT(reopened.error().context, Catch::Contains("is not the CRL this CA last issued"));
  std::filesystem::copy_file(paths.CrlRecord(), paths.Crl(),
                             std::filesystem::copy_options::overwrite_existing);
  auto listed = CertificateAuthority::Open(f.Ca(), f.clock).value().List().value();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].state == PrincipalRecord::State::kRevoked);  // the revocation stands
}

TEST_CASE("The CA never takes its state from a CRL it did not issue last",
          "[pki][authority][negative]") {
  testing::PkiFixture f;
  f.Enroll("finance-authority", Role::kAgency, "finance");
  REQUIRE(f.Open().Revoke("finance-authority").value() > 0);
  CaPaths paths(f.Ca());
  // A newer-looking CRL that lists nobody, signed by someone else: refused,
  // so no later command signs away the revocation.
  testing::PkiFixture other;
  REQUIRE(other.Open().ReissueCrl());
  REQUIRE(other.Open().ReissueCrl());
  REQUIRE(other.Open().ReissueCrl());
  std::filesystem::copy_file(CaPaths(other.Ca()).Crl(), paths.Crl(),
                             std::filesystem::copy_options::overwrite_existing);
  CHECK_FALSE(CertificateAuthority::Open(f.Ca(), f.clock));
}

}  // namespace
}  // namespace tocsin::pki
