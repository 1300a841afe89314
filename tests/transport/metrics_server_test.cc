#include "transport/metrics_server.h"

#include <thread>

#include <catch2/catch.hpp>

#include "tests/testing/http_get.h"

namespace tocsin::transport {
namespace {

using tocsin::testing::HttpGet;
using tocsin::testing::HttpResult;

TEST_CASE("metrics_listen takes loopback addresses only", "[transport][metrics]") {
  CHECK(ParseMetricsAddress("127.0.0.1:9464").value().port == 9464);
  CHECK(ParseMetricsAddress("[::1]:0").value().host == "::1");
  CHECK(ParseMetricsAddress("localhost:1").value().host == "127.0.0.1");
  for (const char* bad : {"0.0.0.0:9464", "10.0.0.1:9464", ":9464", "127.0.0.1", "127.0.0.1:",
                          "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:94x"}) {
    INFO(bad);
    Result<MetricsAddress> parsed = ParseMetricsAddress(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().context.find("metrics_listen") != std::string::npos);
  }
}

TEST_CASE("A scrape asks the owner for fresh text and gets it", "[transport][metrics]") {
  auto server = MetricsServer::Start("127.0.0.1:0").value();
  CHECK_FALSE(server->Wanted());  // nothing rendered while nobody scrapes
  std::thread owner([&server] {
    for (int i = 0; i < 400 && !server->Wanted(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server->Publish("tocsin_up 1\n");
  });
  HttpResult answer = HttpGet(server->port(), "/metrics");
  owner.join();
  CHECK(answer.status == 200);
  CHECK(answer.body == "tocsin_up 1\n");
  CHECK(answer.headers["content-type"].rfind("text/plain; version=0.0.4", 0) == 0);
  // Fresh text is served as it is, without asking again.
  HttpResult again = HttpGet(server->port(), "/metrics");
  CHECK(again.body == "tocsin_up 1\n");
  CHECK_FALSE(server->Wanted());
  CHECK(server->scrapes() == 2);
  CHECK(HttpGet(server->port(), "/").status == 404);
  CHECK(server->refused() == 1);
}

TEST_CASE("A scrape nobody renders for is answered 503 after the wait", "[transport][metrics]") {
  auto server = MetricsServer::Start("127.0.0.1:0").value();
  HttpResult answer = HttpGet(server->port(), "/metrics");
  CHECK(answer.status == 503);
  CHECK(server->Wanted());  // still asking
}

}  // namespace
}  // namespace tocsin::transport
