#include "transport/curve_socket.h"

#include <sodium.h>

#include <map>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include <zmq_addon.hpp>

#include "transport/connection_events.h"
#include "transport/handshake_monitor.h"
#include "transport/zap_handler.h"
#include "transport/zmq_support.h"

namespace tocsin::transport {
namespace {

struct KeyPair {
  Bytes public_key = Bytes(32);
  Bytes secret_key = Bytes(32);
  KeyPair() { REQUIRE(crypto_box_keypair(public_key.data(), secret_key.data()) == 0); }
};

class Table final : public ZapAuthenticator {
 public:
  std::map<Bytes, std::string> principals;
  std::optional<std::string> Authenticate(std::string_view domain, ByteView key) override {
    auto found = principals.find(Bytes(key.begin(), key.end()));
    if (domain != "test" || found == principals.end()) {
      return std::nullopt;
    }
    return found->second;
  }
};

// Polls `router` for up to `ms` and returns the first message, if any.
std::optional<PeerMessage> Await(zmq::socket_t& router, int ms) {
  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  for (int waited = 0; waited < ms; waited += 50) {
    zmq::poll(&item, 1, std::chrono::milliseconds(50));
    auto message = ReceiveFromPeer(router);
    REQUIRE(message);
    if (*message) {
      return std::move(**message);
    }
  }
  return std::nullopt;
}

struct Server {
  zmq::context_t context;
  Table table;
  std::unique_ptr<ZapHandler> zap;
  zmq::socket_t router;
  KeyPair keys;
  std::string endpoint;
  explicit Server(const std::string& domain = "test", ZapHandler::HandshakeLimits limits = {}) {
    REQUIRE(CheckZmqCapabilities());
    zap = ZapHandler::Start(context, table, std::move(limits)).value();
    router = MakeCurveServer(context, {"tcp://127.0.0.1:*", domain, {}, 64}, keys.secret_key).value();
    endpoint = LastEndpoint(router);
  }
  zmq::socket_t Client(const KeyPair& client, const Bytes& server_key) {
    return MakeCurveClient(context, {endpoint, server_key, {}, 100, 1000}, client.public_key,
                           client.secret_key)
        .value();
  }
};

TEST_CASE("An enrolled key gets through, tagged with its principal", "[transport][curve]") {
  Server server;
  KeyPair agency;
  server.table.principals[agency.public_key] = "finance-authority";
  zmq::socket_t client = server.Client(agency, server.keys.public_key);
  REQUIRE(SendToServer(client, ToBytes("hello")));
  std::optional<PeerMessage> got = Await(server.router, 3000);
  REQUIRE(got);
  CHECK(got->principal == "finance-authority");
  CHECK(got->payload == ToBytes("hello"));
  REQUIRE(SendToPeer(server.router, got->routing_id, ToBytes("reply")));
  zmq::pollitem_t item{client.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(2000));
  CHECK(ReceiveFromServer(client).value().value() == ToBytes("reply"));
  CHECK(server.zap->accepted() >= 1);
}

TEST_CASE("Unknown keys and wrong server keys get nothing through", "[transport][curve][negative]") {
  Server server;
  KeyPair stranger;
  KeyPair wrong_server;
  zmq::socket_t unknown = server.Client(stranger, server.keys.public_key);
  KeyPair agency;
  server.table.principals[agency.public_key] = "finance-authority";
  zmq::socket_t mistaken = server.Client(agency, wrong_server.public_key);
  (void)SendToServer(unknown, ToBytes("let me in"));
  (void)SendToServer(mistaken, ToBytes("let me in"));
  CHECK_FALSE(Await(server.router, 1000));
  CHECK(server.zap->refused() >= 1);
}

TEST_CASE("With the ZAP handler gone, every handshake fails closed",
          "[transport][curve][negative]") {
  // SECURITY.md 3: without ZMQ_ZAP_ENFORCE_DOMAIN a dead handler admits all.
  Server server;
  KeyPair agency;
  server.table.principals[agency.public_key] = "finance-authority";
  server.zap.reset();  // the handler thread stops and its endpoint closes
  zmq::socket_t client = server.Client(agency, server.keys.public_key);
  (void)SendToServer(client, ToBytes("hello"));
  CHECK_FALSE(Await(server.router, 1500));
}

TEST_CASE("A ZAP domain the handler does not know is refused", "[transport][curve][negative]") {
  Server server("other");
  KeyPair agency;
  server.table.principals[agency.public_key] = "finance-authority";
  zmq::socket_t client = server.Client(agency, server.keys.public_key);
  (void)SendToServer(client, ToBytes("hello"));
  CHECK_FALSE(Await(server.router, 1000));
}

TEST_CASE("A message with extra frames is dropped and reported", "[transport][curve][negative]") {
  Server server;
  KeyPair agency;
  server.table.principals[agency.public_key] = "finance-authority";
  zmq::socket_t client = server.Client(agency, server.keys.public_key);
  std::array<zmq::const_buffer, 2> frames = {zmq::str_buffer("a"), zmq::str_buffer("b")};
  REQUIRE(zmq::send_multipart(client, frames));
  zmq::pollitem_t item{server.router.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(3000));
  auto message = ReceiveFromPeer(server.router);
  REQUIRE(message);
  REQUIRE(*message);
  CHECK((*message)->principal == "finance-authority");  // so the refusal is counted against it
  CHECK((*message)->payload.empty());
  CHECK_THAT((*message)->shape_error, Catch::Contains("3 frame(s)"));
}

TEST_CASE("Accepted connections are reported by descriptor, and one can be cut",
          "[transport][curve][connections]") {
  Server server;
  ConnectionEvents events = ConnectionEvents::Watch(server.context, server.router, "test-events").value();
  KeyPair agency;
  server.table.principals[agency.public_key] = "finance-authority";
  zmq::socket_t client = server.Client(agency, server.keys.public_key);
  REQUIRE(SendToServer(client, ToBytes("hello")));
  std::optional<PeerMessage> got = Await(server.router, 3000);
  REQUIRE(got);
  std::vector<ConnectionEvent> seen = events.Take(16);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].kind == ConnectionEvent::Kind::kAccepted);
  CHECK(got->connection == seen[0].fd);  // the message names the connection it came on

  int port = EndpointPort(server.endpoint);
  CHECK_FALSE(CutConnection(seen[0].fd, port + 1));  // not a connection to that port: left alone
  REQUIRE(CutConnection(seen[0].fd, port));
  std::vector<ConnectionEvent> after;
  for (int i = 0; i < 60 && after.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    after = events.Take(16);
  }
  REQUIRE_FALSE(after.empty());
  CHECK(after[0].kind == ConnectionEvent::Kind::kClosed);
  CHECK(after[0].fd == seen[0].fd);
}

TEST_CASE("ZAP refuses a key's handshakes beyond its budget, and counts them",
          "[transport][zap][negative]") {
  Server server("test", {{"test", RateLimit{0.001, 2}}});  // two handshakes, then (almost) none
  KeyPair agency;
  server.table.principals[agency.public_key] = "finance-authority";
  std::vector<zmq::socket_t> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(server.Client(agency, server.keys.public_key));
    REQUIRE(SendToServer(clients.back(), ToBytes("hello " + std::to_string(i))));
  }
  std::set<std::string> through;
  for (int waited = 0; waited < 2000; waited += 100) {
    while (std::optional<PeerMessage> got = Await(server.router, 100)) {
      through.insert(std::string(AsStringView(got->payload)));
    }
  }
  CHECK(through.size() == 2);
  CHECK(server.zap->throttled() >= 2);
}

TEST_CASE("Endpoints must be tcp with an explicit bind address", "[transport][negative]") {
  CHECK(ValidateEndpoint("tcp://127.0.0.1:7701", true));
  CHECK(ValidateEndpoint("tcp://gateway.example:7701", false));
  for (const char* bad : {"tcp://*:7701", "tcp://0.0.0.0:7701", "ipc:///tmp/x", "udp://1.2.3.4:1",
                          "pgm://eth0;239.1.1.1:5555", "ws://h:1", "tcp://127.0.0.1", "tcp://:1"}) {
    INFO(bad);
    CHECK_FALSE(ValidateEndpoint(bad, true));
  }
}

TEST_CASE("A client endpoint may list one gateway's processes", "[transport]") {
  CHECK(ValidateEndpoint("tcp://a.example:7701,tcp://b.example:7701", false));
  CHECK(SplitEndpoints("tcp://a:1,tcp://b:2") == std::vector<std::string>{"tcp://a:1", "tcp://b:2"});
  CHECK(SplitEndpoints("tcp://a:1") == std::vector<std::string>{"tcp://a:1"});
  for (const char* bad : {"tcp://a:1,tcp://a:1", "tcp://a:1,", ",tcp://a:1", "tcp://a:1,ipc:///x",
                          "tcp://a:1,tcp://b:1,tcp://c:1,tcp://d:1,tcp://e:1,tcp://f:1,tcp://g:1,"
                          "tcp://h:1,tcp://i:1"}) {
    INFO(bad);
    CHECK_FALSE(ValidateEndpoint(bad, false));
  }
  CHECK_FALSE(ValidateEndpoint("tcp://127.0.0.1:1,tcp://127.0.0.1:2", true));
}

TEST_CASE("Messages go only to the listed process that answers", "[transport][curve]") {
  Server server;
  KeyPair agency;
  server.table.principals[agency.public_key] = "finance-authority";
  // Port 1 refuses: a standby (it binds nothing) or a dead writer.
  zmq::socket_t client = MakeCurveClient(server.context,
                                         {"tcp://127.0.0.1:1," + server.endpoint,
                                          server.keys.public_key, {}, 100, 1000},
                                         agency.public_key, agency.secret_key)
                             .value();
  std::set<std::string> through;
  for (int i = 0; i < 6; ++i) {
    std::string text = "message " + std::to_string(i);
    for (int tries = 0; tries < 100 && !SendToServer(client, ToBytes(text)); ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // no handshake done yet
    }
  }
  for (int waited = 0; waited < 3000 && through.size() < 6; waited += 100) {
    while (std::optional<PeerMessage> got = Await(server.router, 100)) {
      through.insert(std::string(AsStringView(got->payload)));
    }
  }
  CHECK(through.size() == 6);
}

TEST_CASE("Z85 keys round-trip and bad ones are refused", "[transport]") {
  KeyPair keys;
  std::string text = Z85Encode(keys.public_key).value();
  CHECK(text.size() == 40);
  CHECK(Z85Decode(text).value() == keys.public_key);
  CHECK_FALSE(Z85Decode("short"));
  CHECK_FALSE(Z85Encode(Bytes(31)));
}

TEST_CASE("A watched client's monitor never misses its first handshake", "[transport][curve]") {
  // The handshake is over once the server holds a message; the monitor,
  // attached before the client dialled, must have seen it succeed. (One
  // attached after connect would often miss it: libzmq drops events while
  // nobody watches.) Repeated because the window it closes is short.
  Server server;
  KeyPair agency;
  server.table.principals[agency.public_key] = "finance-authority";
  for (int round = 0; round < 20; ++round) {
    WatchedClient watched =
        MakeWatchedCurveClient(server.context, {server.endpoint, server.keys.public_key, {}, 100, 1000},
                               agency.public_key, agency.secret_key,
                               "watched-" + std::to_string(round))
            .value();
    REQUIRE(SendToServer(watched.socket, ToBytes("hello")));
    REQUIRE(Await(server.router, 3000));
    bool seen = false;
    for (int waited = 0; !seen && waited < 2000; waited += 10) {
      seen = watched.monitor.Take().handshake_succeeded;
      if (!seen) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    CHECK(seen);
  }
}

}  // namespace
}  // namespace tocsin::transport
