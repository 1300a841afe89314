#include "pki/crl_floor.h"

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "pki/certificate.h"
#include "pki/directory_watch.h"
#include "tests/pki/pki_fixture.h"

namespace tocsin::pki {
namespace {

TEST_CASE("The CRL floor rises with each newer CRL and refuses an older one", "[pki][crl]") {
  testing::PkiFixture f;
  CaPaths paths(f.Ca());
  crypto::X509CrlPtr first = LoadCrl(paths.Crl()).value();
  REQUIRE(f.Open().ReissueCrl());
  crypto::X509CrlPtr second = LoadCrl(paths.Crl()).value();
  CrlFloor floor(f.dir / "floor");
  CHECK(floor.Highest().value() == 0);  // none yet: the first is trusted on first use
  REQUIRE(floor.Admit(first.get(), "first"));
  CHECK(floor.Highest().value() == 1);
  REQUIRE(floor.Admit(second.get(), "second"));
  CHECK(floor.Highest().value() == 2);
  CHECK(floor.Admit(second.get(), "second again"));  // the same one: fine
  Status older = floor.Admit(first.get(), "ca/public/crl.pem");
  REQUIRE_FALSE(older);
  CHECK(older.error().code == ErrorCode::kRevoked);
  CHECK_THAT(older.error().context,
             Catch::Contains("ca/public/crl.pem is CRL number 1, older than number 2"));
  CHECK(CrlFloor(f.dir / "floor").Highest().value() == 2);  // durable
  std::ofstream(f.dir / "floor") << "two\n";
  CHECK_FALSE(CrlFloor(f.dir / "floor").Highest());  // a damaged floor is an error, not 0
}

TEST_CASE("A directory is due for reloading when its CRL changes or expires", "[pki][crl]") {
  testing::PkiFixture f;
  CaPaths paths(f.Ca());
  DirectoryWatch watch(paths.Public(), 1000);
  const UnixMillis next_update = 1'000'000;
  CHECK_FALSE(watch.Due(false, 0, 500'000, next_update));
  CHECK(watch.Due(true, 1, 500'000, next_update));   // SIGHUP, whatever the interval
  REQUIRE(f.Open().ReissueCrl());                     // a new file
  CHECK_FALSE(watch.Due(false, 500, 500'000, next_update));  // within the check interval
  CHECK(watch.Due(false, 1000, 500'000, next_update));
  watch.Loaded();
  CHECK_FALSE(watch.Due(false, 2000, 500'000, next_update));
  CHECK(watch.Due(false, 3000, 1'000'001, next_update));      // the held CRL expired: once
  watch.Loaded();
  CHECK_FALSE(watch.Due(false, 4000, 1'000'002, next_update));
  // The clock had stepped ahead and comes back: fresh again, load again, once.
  CHECK(watch.Due(false, 5000, 999'000, next_update));
  watch.Loaded();
  CHECK_FALSE(watch.Due(false, 6000, 999'000, next_update));
}

}  // namespace
}  // namespace tocsin::pki
