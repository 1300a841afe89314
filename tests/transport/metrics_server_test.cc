#include "transport/metrics_server.h"

#include <thread>

#include <catch2/catch.hpp>
#include <httplib.h>

namespace tocsin::transport {
namespace {

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
  httplib::Client client("127.0.0.1", server->port());
  auto answer = client.Get("/metrics");
  owner.join();
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(answer->body == "tocsin_up 1\n");
  CHECK(answer->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  // Fresh text is served as it is, without asking again.
  auto again = client.Get("/metrics");
  REQUIRE(again);
  CHECK(again->body == "tocsin_up 1\n");
  CHECK_FALSE(server->Wanted());
  CHECK(server->scrapes() == 2);
  CHECK(client.Get("/")->status == 404);
}

TEST_CASE("A scrape nobody renders for is answered 503 after the wait", "[transport][metrics]") {
  auto server = MetricsServer::Start("127.0.0.1:0").value();
  httplib::Client client("127.0.0.1", server->port());
  client.set_read_timeout(5, 0);
  auto answer = client.Get("/metrics");
  REQUIRE(answer);
  CHECK(answer->status == 503);
  CHECK(server->Wanted());  // still asking
}

}  // namespace
}  // namespace tocsin::transport
