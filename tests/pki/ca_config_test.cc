#include "pki/ca_config.h"

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::pki {
namespace {

std::string Write(const tocsin::testing::TempDir& dir, const std::string& text) {
  std::string path = dir / "ca.toml";
  REQUIRE(WriteFileDurably(path, AsBytes(text), 0600, Overwrite::kYes));
  return path;
}

TEST_CASE("RenderCaConfig output loads back unchanged", "[pki][config]") {
  tocsin::testing::TempDir dir;
  CaConfig config{"Centre \xc3\xa9tatique", DefaultSectors(), 14, 12, 0, {{2, 1, 3, 4}, 2, 3}};
  CaConfig loaded = LoadCaConfig(Write(dir, RenderCaConfig(config))).value();
  CHECK(loaded.organization == config.organization);
  CHECK(loaded.sectors == config.sectors);
  CHECK(loaded.leaf_validity_days == 14);
  CHECK(loaded.crl_validity_hours == 12);
  CHECK(loaded.signatures == config.signatures);
  CHECK_FALSE(loaded.legacy_rule_arc);  // what a new CA writes
  CHECK(loaded.HasSector("public-services"));
  CHECK_FALSE(loaded.HasSector("space"));
}

TEST_CASE("A ca.toml from before the profile change keeps writing the old arc too",
          "[pki][config][migration]") {
  tocsin::testing::TempDir dir;
  CHECK(LoadCaConfig(Write(dir, "organization = \"X\"\nsectors = [\"a\"]\n")).value().legacy_rule_arc);
  CHECK_FALSE(LoadCaConfig(Write(dir, "organization = \"X\"\nsectors = [\"a\"]\nlegacy_rule_arc = false\n"))
                  .value()
                  .legacy_rule_arc);
  Result<CaConfig> bad = LoadCaConfig(Write(dir, "organization = \"X\"\nsectors = [\"a\"]\nlegacy_rule_arc = 1\n"));
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().context, Catch::Contains("legacy_rule_arc: must be true or false"));
}

TEST_CASE("A ca.toml without [signatures] asks one signature everywhere", "[pki][config]") {
  tocsin::testing::TempDir dir;
  CaConfig loaded =
      LoadCaConfig(Write(dir, "organization = \"X\"\nsectors = [\"a\"]\n")).value();
  CHECK(loaded.signatures.IsDefault());
  loaded = LoadCaConfig(Write(dir, "organization = \"X\"\nsectors = [\"a\"]\n"
                                   "[signatures]\ncritical = 2\ndowngrade = 3\n"))
               .value();
  CHECK(loaded.signatures.by_severity == std::array<std::uint32_t, 4>{1, 1, 1, 2});
  CHECK(loaded.signatures.cancel == 1);
  CHECK(loaded.signatures.downgrade == 3);
}

TEST_CASE("LoadCaConfig names file, line and field in every error", "[pki][config][negative]") {
  tocsin::testing::TempDir dir;
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"organization = \"X\"\nsectors = [\"finance\", \"Energy\"]\n",
       "ca.toml:2: sectors[1]: 'Energy' is not a valid sector name"},
      {"organization = \"X\"\nsectors = [\"finance\",\n  \"finance\"]\n",
       "ca.toml:3: sectors[1]: 'finance' is listed twice"},
      {"organization = \"X\"\nsectors = []\n", "ca.toml:2: sectors: must list at least one"},
      {"organization = \"X\"\n", "sectors: required"},
      {"sectors = [\"a\"]\n", "organization: required"},
      {"organization = \"X\"\nsectors = [\"a\"]\ncolour = 1\n", "ca.toml:3: colour: unknown setting"},
      {"organization = \"X\"\nsectors = [\"a\"]\ncrl_validity_hours = 48\n",
       "ca.toml:3: crl_validity_hours: must be an integer from 1 to 24"},
      {"organization = \"X\"\nsectors = [\"a\", 3]\n", "sectors[1]: must be a string"},
      {"organization = \"X\nsectors = 1\n", "ca.toml:1:"},
      {"organization = \"X\"\nsectors = [\"a\"]\n[signatures]\ncritical = 5\n",
       "ca.toml:4: signatures.critical: must be an integer from 1 to 4"},
      {"organization = \"X\"\nsectors = [\"a\"]\n[signatures]\nurgent = 2\n",
       "ca.toml:4: signatures.urgent: unknown; the rule has low, moderate"},
      {"organization = \"X\"\nsectors = [\"a\"]\n[signatures]\ncancel = \"2\"\n",
       "ca.toml:4: signatures.cancel: must be an integer"},
      {"organization = \"X\"\nsectors = [\"a\"]\nsignatures = 2\n",
       "ca.toml:3: signatures: must be a table"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    Result<CaConfig> loaded = LoadCaConfig(Write(dir, c.text));
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code == ErrorCode::kInvalidArgument);
    CHECK_THAT(loaded.error().context, Catch::Contains(c.expected));
  }
}

}  // namespace
}  // namespace tocsin::pki
