// gateway.toml and client.toml: every error names file, line and field.
#include <catch2/catch.hpp>

#include "client/config.h"
#include "common/file_util.h"
#include "gateway/config.h"
#include "tests/testing/temp_dir.h"

namespace tocsin {
namespace {

std::string Write(const testing::TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir / name;
  REQUIRE(WriteFileDurably(path, AsBytes(text), 0600, Overwrite::kYes));
  return path;
}

constexpr const char* kGateway = R"(id = "gw.national"
bundle = "keys/gw"
directory = "ca/public"
database = "gw.db"
client_endpoint = "tcp://127.0.0.1:7701"
operator_endpoint = "tcp://127.0.0.1:7702"
)";

TEST_CASE("A valid gateway.toml loads with defaults and resolved paths", "[daemons][config]") {
  testing::TempDir dir;
  auto config = gateway::LoadGatewayConfig(Write(dir, "gateway.toml", kGateway)).value();
  CHECK(config.id == "gw.national");
  CHECK(config.bundle == dir / "keys/gw");
  CHECK(config.heartbeat_interval_ms == 2000);
  CHECK(config.min_signatures == 1);
  CHECK(config.log_format == LogFormat::kText);
}

TEST_CASE("gateway.toml errors name file, line and field", "[daemons][config][negative]") {
  testing::TempDir dir;
  struct Case {
    std::string extra;
    std::string expected;
  };
  const Case cases[] = {
      {"colour = 1\n", "gateway.toml:7: colour: unknown setting"},
      {"min_signatures = 9\n", "gateway.toml:7: min_signatures: must be an integer from 1 to 4"},
      {"log_format = \"xml\"\n", "log format must be text or json"},
      {"\"store.backend\" = \"postgresql\"\n", "store.backend: unknown setting"},  // quoted: not the table's
      {"[store]\nbackend = \"postgresql\"\n", "store.postgresql: required"},
      {"[store]\nbackend = \"mysql\"\n", "store.backend: must be \"sqlite\" or \"postgresql\""},
      {"[store]\npostgresql = \"host=db\"\n", "store.backend is \"sqlite\""},
      {"[store]\nwriter_lease_ms = 10\n", "store.writer_lease_ms: must be an integer from 1000"},
      {"[store]\ncolour = 1\n", "store.colour: unknown setting"},
  };
  for (const Case& c : cases) {
    INFO(c.extra);
    auto config = gateway::LoadGatewayConfig(Write(dir, "gateway.toml", kGateway + c.extra));
    REQUIRE_FALSE(config);
    CHECK_THAT(config.error().context, Catch::Contains(c.expected));
  }
  std::string wildcard = kGateway;
  wildcard.replace(wildcard.find("127.0.0.1:7701"), 14, "*:7701");
  CHECK_THAT(gateway::LoadGatewayConfig(Write(dir, "g2.toml", wildcard)).error().context,
             Catch::Contains("explicit interface"));
  CHECK_THAT(gateway::LoadGatewayConfig(Write(dir, "g3.toml", "id = \"gw\"\n")).error().context,
             Catch::Contains("bundle: required"));
}

TEST_CASE("client.toml loads, and refuses a non-tcp gateway endpoint", "[daemons][config]") {
  testing::TempDir dir;
  std::string text = R"(bundle = "keys/finance"
directory = "ca/public"
gateway = "gw.national"
gateway_endpoint = "tcp://127.0.0.1:7701"
database = "finance.db"
heartbeat_alarm_ms = 2000
)";
  auto config = client::LoadClientConfig(Write(dir, "client.toml", text)).value();
  CHECK(config.heartbeat_alarm_ms == 2000);
  CHECK(config.notify.empty());
  text.replace(text.find("tcp://127.0.0.1:7701"), 20, "ipc:///tmp/gw");
  CHECK_THAT(client::LoadClientConfig(Write(dir, "c2.toml", text)).error().context,
             Catch::Contains("only tcp://"));
}

}  // namespace
}  // namespace tocsin
