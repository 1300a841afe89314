#include "pki/crl_freshness.h"

#include <sys/stat.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "crypto/key_file.h"
#include "pki/certificate.h"
#include "pki/directory.h"
#include "pki/directory_watch.h"
#include "tests/pki/pki_fixture.h"

namespace tocsin::pki {
namespace {

using testing::kDay;
using testing::kStart;
using testing::PkiFixture;

constexpr UnixMillis kHour = 3600LL * 1000;

// A CA with long-lived CRLs (14 days) and a delegated freshness signer.
struct FreshnessFixture : PkiFixture {
  FreshnessFixture() {
    CaConfig config = LoadCaConfig(CaPaths(Ca()).Config()).value();
    config.freshness_crl_validity_days = 14;
    REQUIRE(WriteFileDurably(CaPaths(Ca()).Config(), AsBytes(RenderCaConfig(config)), 0600,
                             Overwrite::kYes));
    Enroll("finance-authority", Role::kAgency, "finance");
    auto signer = Open().DelegateFreshness(Signer(), 90);
    INFO((signer ? std::string() : signer.error().ToString()));
    REQUIRE(signer);
  }
  std::string Signer() const { return dir / "signer"; }
  std::string Public() const { return CaPaths(Ca()).Public(); }
  std::string Statement() const { return Public() + "/" + std::string(kFreshnessStatementFile); }
  CertificateDirectory Directory(UnixMillis now) const {
    return CertificateDirectory::Open(Public(),
                                      LoadCertificate(CaPaths(Ca()).RootCertificate()).value(),
                                      Verification::kCurrent, nullptr, now)
        .value();
  }
  Result<CrlFreshnessStatement> Refresh(UnixMillis now) {
    return RefreshCrlFreshness(Signer(), Public(), now, 24 * kHour);
  }
  // Rewrites the statement after `edit`, signed by `key`.
  void WriteStatement(CrlFreshnessStatement statement, const crypto::SigningKey& key) {
    statement.signer = key.public_key();
    statement.signature = key.Sign(kCrlFreshnessContext, CrlFreshnessSignedBytes(statement));
    REQUIRE(WriteFileDurably(Statement(), AsBytes(RenderCrlFreshness(statement)), 0644,
                             Overwrite::kYes));
  }
  crypto::SigningKey SignerKey() const {
    return crypto::ReadSigningKeyFile(Signer() + "/crl-freshness.key").value();
  }
};

TEST_CASE("A daily CRL is current until its next update, with no statement",
          "[pki][freshness]") {
  PkiFixture f;
  f.Enroll("finance-authority", Role::kAgency, "finance");
  CertificateDirectory directory = CertificateDirectory::Open(
      CaPaths(f.Ca()).Public(), LoadCertificate(CaPaths(f.Ca()).RootCertificate()).value(),
      Verification::kCurrent, nullptr, kStart).value();
  CHECK_FALSE(directory.crl_currency().long_lived);
  CHECK(directory.crl_current_until() == directory.crl_currency().next_update);
  CHECK(directory.crl_current_until() == kStart + kDay);
}

TEST_CASE("A long-lived CRL is current for a day, then only as long as a statement says",
          "[pki][freshness]") {
  FreshnessFixture f;
  {
    CertificateDirectory directory = f.Directory(kStart + kHour);
    CHECK(directory.crl_currency().long_lived);
    CHECK(directory.crl_currency().next_update == kStart + 14 * kDay);
    CHECK(directory.crl_current_until() == kStart + kDay);
    CHECK(directory.Resolve("finance-authority", Purpose::kSigning, kStart + kHour));
    auto stale = directory.Resolve("finance-authority", Purpose::kSigning, kStart + 25 * kHour);
    REQUIRE_FALSE(stale);
    CHECK(stale.error().code == ErrorCode::kExpired);
    CHECK_THAT(stale.error().context, Catch::Contains("needs a freshness statement") &&
                                          Catch::Contains("tocsin pki refresh"));
  }
  // The signer, on its own host, vouches for the CRL on day 5, and on day 6.
  REQUIRE(f.Refresh(kStart + 5 * kDay));
  CertificateDirectory day5 = f.Directory(kStart + 5 * kDay);
  CHECK(day5.crl_currency().problem.empty());
  CHECK(day5.crl_current_until() == kStart + 6 * kDay);
  CHECK(day5.Resolve("finance-authority", Purpose::kSigning, kStart + 5 * kDay + kHour));
  auto after = day5.Resolve("finance-authority", Purpose::kSigning, kStart + 6 * kDay + 1);
  REQUIRE_FALSE(after);
  CHECK_THAT(after.error().context, Catch::Contains("last freshness statement ended"));
  // Never past the CRL's own next update, however late the statement.
  REQUIRE(f.Refresh(kStart + 14 * kDay - kHour));
  CHECK(f.Directory(kStart + 14 * kDay - kHour).crl_current_until() == kStart + 14 * kDay);
  CHECK_FALSE(f.Refresh(kStart + 14 * kDay + 1));  // the CRL itself expired: root's job
}

TEST_CASE("A freshness statement counts only for its own CRL, signer and lifetime",
          "[pki][freshness][negative]") {
  FreshnessFixture f;
  UnixMillis now = kStart + 2 * kDay;
  CrlFreshnessStatement good = f.Refresh(now).value();
  REQUIRE(f.Directory(now).crl_currency().statement_until == now + kDay);

  SECTION("tampered: its signature no longer verifies") {
    std::string text = RenderCrlFreshness(good);
    std::string forged = std::to_string(good.valid_until + kDay);
    text.replace(text.find(std::to_string(good.valid_until)), forged.size(), forged);
    REQUIRE(WriteFileDurably(f.Statement(), AsBytes(text), 0644, Overwrite::kYes));
    CHECK_THAT(f.Directory(now).crl_currency().problem, Catch::Contains("signature"));
  }
  SECTION("signed by another key, an agency's own signing key") {
    auto agency = LoadBundle(f.dir / "bundle-finance-authority").value();
    f.WriteStatement(good, agency.signing);
    CHECK_THAT(f.Directory(now).crl_currency().problem,
               Catch::Contains("not by the key") && Catch::Contains("crl-freshness.crt"));
  }
  SECTION("a principal's certificate put in the signer's place") {
    auto agency = LoadBundle(f.dir / "bundle-finance-authority").value();
    std::filesystem::copy_file(f.Public() + "/principals/finance-authority/signing.crt",
                               f.Public() + "/crl-freshness.crt",
                               std::filesystem::copy_options::overwrite_existing);
    f.WriteStatement(good, agency.signing);
    CHECK_THAT(f.Directory(now).crl_currency().problem, Catch::Contains("CN and OU"));
  }
  SECTION("claiming more than a day") {
    CrlFreshnessStatement longer = good;
    longer.valid_until = good.issued_at + kDay + 1;
    f.WriteStatement(longer, f.SignerKey());
    CHECK_THAT(f.Directory(now).crl_currency().problem, Catch::Contains("more than 24 hours"));
  }
  SECTION("dated in the future") {
    CrlFreshnessStatement future = good;
    future.issued_at = now + 2 * kHour;
    future.valid_until = now + 3 * kHour;
    f.WriteStatement(future, f.SignerKey());
    CHECK_THAT(f.Directory(now).crl_currency().problem, Catch::Contains("in the future"));
  }
  SECTION("for the previous CRL, once the CA issued a new one") {
    f.clock.Set(now);
    REQUIRE(f.Open().Revoke("finance-authority"));
    CertificateDirectory directory = f.Directory(now + 2 * kDay);
    CHECK_THAT(directory.crl_currency().problem, Catch::Contains("vouches for CRL"));
    CHECK(directory.crl_current_until() == now + kDay);  // the new CRL's own first day
  }
  // In every case the CRL falls back to its first day: nothing is extended.
  CHECK(f.Directory(now).crl_current_until() <= now + kDay);
}

TEST_CASE("The signer vouches for no older CRL, and stops once revoked or superseded",
          "[pki][freshness][negative]") {
  FreshnessFixture f;
  UnixMillis now = kStart + kDay;
  Bytes old_crl = ReadFile(CaPaths(f.Ca()).Crl(), kMaxPemFileSize).value();
  REQUIRE(f.Refresh(now));
  f.clock.Set(now);
  REQUIRE(f.Open().ReissueCrl());
  REQUIRE(f.Refresh(now + kHour));
  SECTION("an older CRL put back") {
    REQUIRE(WriteFileDurably(CaPaths(f.Ca()).Crl(), old_crl, 0644, Overwrite::kYes));
    auto refused = f.Refresh(now + 2 * kHour);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kRevoked);
  }
  SECTION("revoked by the root: CRLs are daily again") {
    REQUIRE(f.Open().RevokeFreshnessSigner());
    auto refused = f.Refresh(now + 2 * kHour);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kRevoked);
    auto info = f.Open().Crl().value();
    CHECK(info.next_update - info.this_update == kDay);
    CHECK_FALSE(std::filesystem::exists(CaPaths(f.Ca()).FreshnessSigner()));
  }
  SECTION("superseded by a new delegation: the old signer is revoked") {
    REQUIRE(f.Open().DelegateFreshness(f.dir / "signer-2", 90));
    auto refused = f.Refresh(now + 2 * kHour);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kRevoked);
    CHECK(RefreshCrlFreshness(f.dir / "signer-2", f.Public(), now + 2 * kHour, 24 * kHour));
  }
}

TEST_CASE("A statement file that is not fit to read is ignored, never fatal to the folder",
          "[pki][freshness][negative]") {
  FreshnessFixture f;
  UnixMillis now = kStart + 2 * kDay;
  REQUIRE(f.Refresh(now));
  SECTION("writable by others") {
    std::filesystem::permissions(f.Statement(), std::filesystem::perms::others_write,
                                 std::filesystem::perm_options::add);
    CertificateDirectory directory = f.Directory(now);  // opens
    CHECK_THAT(directory.crl_currency().problem, Catch::Contains(f.Statement()));
    CHECK(directory.crl_current_until() == kStart + kDay);
  }
  SECTION("a FIFO, which would block a reader") {
    std::filesystem::remove(f.Statement());
    REQUIRE(::mkfifo(f.Statement().c_str(), 0644) == 0);
    CHECK_THAT(f.Directory(now).crl_currency().problem, Catch::Contains("not a regular file"));
  }
  SECTION("a link loop") {
    std::filesystem::remove(f.Statement());
    std::filesystem::create_symlink(f.Statement(), f.Statement());
    CHECK_THAT(f.Directory(now).crl_currency().problem, Catch::Contains("not a regular file"));
  }
}

TEST_CASE("No long-lived CRL outlives the signer that must vouch for it",
          "[pki][freshness][ca]") {
  FreshnessFixture f;
  f.clock.Set(kStart + kDay);
  REQUIRE(f.Open().DelegateFreshness(f.dir / "short-signer", 3));  // ends before 14 days
  auto info = f.Open().Crl().value();
  CHECK(info.next_update - info.this_update == kDay);  // daily again: nobody could vouch later
}

TEST_CASE("Delegating again revokes every earlier signer, even one no longer published",
          "[pki][freshness][ca]") {
  FreshnessFixture f;
  std::filesystem::remove(CaPaths(f.Ca()).FreshnessSigner());  // "disabled" by hand
  REQUIRE(f.Open().DelegateFreshness(f.dir / "signer-2", 90));
  auto old = f.Refresh(kStart + kHour);
  REQUIRE_FALSE(old);
  CHECK(old.error().code == ErrorCode::kRevoked);
}

TEST_CASE("The CA issues long-lived CRLs only with a signer and the setting",
          "[pki][freshness][ca]") {
  PkiFixture f;
  auto refused = f.Open().DelegateFreshness(f.dir / "signer", 90);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().context, Catch::Contains("freshness_crl_validity_days"));
  for (const char* bad : {"1", "32", "\"14\""}) {
    std::string path = f.dir / ("ca-" + std::string(bad).substr(0, 2) + ".toml");
    std::string text = RenderCaConfig(f.Open().config()) +
                       "freshness_crl_validity_days = " + bad + "\n";
    REQUIRE(WriteFileDurably(path, AsBytes(text), 0600, Overwrite::kYes));
    auto loaded = LoadCaConfig(path);
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().context, Catch::Contains("freshness_crl_validity_days"));
  }
}

TEST_CASE("A daemon reloads its folder when a new statement or signer appears",
          "[pki][freshness][watch]") {
  FreshnessFixture f;
  DirectoryWatch watch(f.Public(), /*check_every_ms=*/1);
  watch.Loaded();
  CHECK_FALSE(watch.Due(false, 10, kStart, kStart + kDay));
  REQUIRE(f.Refresh(kStart + kHour));
  CHECK(watch.Due(false, 20, kStart, kStart + kDay));
  watch.Loaded();
  CHECK_FALSE(watch.Due(false, 30, kStart, kStart + kDay));
  std::filesystem::remove(f.Public() + "/crl-freshness.crt");
  CHECK(watch.Due(false, 40, kStart, kStart + kDay));
}

}  // namespace
}  // namespace tocsin::pki
