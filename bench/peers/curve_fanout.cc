// bench/peers/curve_fanout.cc -- the floor: the same fan-out over bare ZeroMQ
// CURVE + ZAP (allow-listed keys), with no Tocsin protocol. One ROUTER sends
// 4 KiB to each of N DEALERs, each answers 200 bytes; time from the first
// send to the N-th answer. Same process, same 2 cores, as the Tocsin run.
//
// Usage: peer_curve N
#include <sodium.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "transport/curve_socket.h"
#include "transport/zap_handler.h"
#include "transport/zmq_support.h"

namespace {

using namespace tocsin;

class AllowList final : public transport::ZapAuthenticator {
 public:
  std::set<Bytes> keys;
  std::optional<std::string> Authenticate(std::string_view, ByteView key) override {
    return keys.count(Bytes(key.begin(), key.end())) ? std::optional<std::string>("peer")
                                                      : std::nullopt;
  }
};

Bytes Random(std::size_t n) {
  Bytes b(n);
  randombytes_buf(b.data(), n);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  struct rlimit limit {};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  if (sodium_init() < 0) {
    return 1;
  }
  zmq::context_t context;
  context.set(zmq::ctxopt::max_sockets, n + 64);
  AllowList allow;
  auto zap = transport::ZapHandler::Start(context, allow);
  Bytes server_public(32), server_secret(32);
  crypto_box_keypair(server_public.data(), server_secret.data());
  transport::SocketLimits server_limits;  // as the gateway: clients PING, the server answers
  server_limits.heartbeat_interval_ms = 0;
  auto router = transport::MakeCurveServer(context, {"tcp://127.0.0.1:*", "floor", server_limits, 8192},
                                           server_secret);
  if (!zap || !router) {
    return 1;
  }
  std::string endpoint = transport::LastEndpoint(*router);
  std::vector<zmq::socket_t> dealers;
  // Bare CURVE: no ZMTP heartbeats either (with 5,000 clients in one I/O
  // thread, libzmq 4.3.4's linear timer list made the floor itself quadratic).
  transport::SocketLimits client_limits;
  client_limits.heartbeat_interval_ms = 0;
  for (int i = 0; i < n; ++i) {
    Bytes pub(32), sec(32);
    crypto_box_keypair(pub.data(), sec.data());
    allow.keys.insert(pub);
    dealers.push_back(std::move(*transport::MakeCurveClient(
        context, {endpoint, server_public, client_limits, 100, 5000}, pub, sec)));
  }
  // Every dealer says hello so the router learns its routing id.
  auto start_connect = std::chrono::steady_clock::now();
  for (auto& d : dealers) {
    while (!transport::SendToServer(d, Bytes{1})) {
    }
  }
  std::vector<Bytes> routes;
  while (static_cast<int>(routes.size()) < n) {
    zmq::pollitem_t item{router->handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    while (auto m = transport::ReceiveFromPeer(*router)) {
      if (!*m) break;
      routes.push_back((*m)->routing_id);
    }
  }
  double connect_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_connect).count();
  Bytes message = Random(4096);
  Bytes answer = Random(200);
  auto start = std::chrono::steady_clock::now();
  for (const Bytes& route : routes) {
    (void)transport::SendToPeer(*router, route, message);
  }
  int answers = 0;
  std::vector<zmq::pollitem_t> items;
  for (auto& d : dealers) {
    items.push_back({d.handle(), 0, ZMQ_POLLIN, 0});
  }
  items.push_back({router->handle(), 0, ZMQ_POLLIN, 0});
  while (answers < n) {
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(100));
    for (auto& d : dealers) {
      while (auto m = transport::ReceiveFromServer(d)) {
        if (!*m) break;
        (void)transport::SendToServer(d, answer);
      }
    }
    while (auto m = transport::ReceiveFromPeer(*router)) {
      if (!*m) break;
      ++answers;
    }
  }
  double fanout_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"n\":%d,\"connect_s\":%.3f,\"fanout_ms\":%.1f}\n", n, connect_s, fanout_ms);
  return 0;
}
