// bench/fanout/load_agents.cc -- simulates many agency clients in one
// process for the fan-out benchmark. Each simulated agency has its own
// enrolled key bundle and CURVE connection, and does the client's protocol
// work on every directive: full verification (chain, CRL, signature),
// unwrap, decrypt, a signed receipt. It does not keep an SQLite inbox: on
// one shared disk that would measure the disk, not Tocsin.
//
// Usage: load_agents --directory PUBLIC --gateway ID --endpoint tcp://H:P
//                    --bundles DIR --first I --count N
// Bundles are DIR/agency-NNNNN. Prints one JSON line per event on stdout.
#include <sys/epoll.h>
#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <vector>

#include <CLI/CLI.hpp>
#include <zmq.hpp>

#include "common/clock.h"
#include "pki/bundle.h"
#include "pki/directory.h"
#include "protocol/directive.h"
#include "protocol/receipts.h"
#include "transport/curve_socket.h"
#include "transport/handshake_monitor.h"

namespace {

using namespace tocsin;

struct Agent {
  pki::PrincipalBundle bundle;
  zmq::socket_t socket;
  std::optional<transport::HandshakeMonitor> monitor;  // hello on every new connection
  UnixMillis last_heartbeat = 0;
};

void SayHello(Agent& agent) {
  Bytes hello = protocol::EncodeUnsigned(protocol::MessageType::kHello,
                                         protocol::EncodeHello({agent.bundle.principal_id}));
  (void)transport::SendToServer(agent.socket, hello);
}

constexpr UnixMillis kFresh = 2500;

void RaiseFileLimit() {
  struct rlimit limit {};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"load_agents: simulated agencies for bench/fanout"};
  std::string directory_path, gateway, endpoint, bundles;
  int first = 0, count = 0;
  app.add_option("--directory", directory_path)->required();
  app.add_option("--gateway", gateway)->required();
  app.add_option("--endpoint", endpoint)->required();
  app.add_option("--bundles", bundles)->required();
  app.add_option("--first", first)->required();
  app.add_option("--count", count)->required();
  int ping_ms = 0;  // as tocsin-client: liveness is the gateway's signed heartbeats
  app.add_option("--ping-ms", ping_ms, "ZMTP PING interval (default 0: none, as tocsin-client)");
  CLI11_PARSE(app, argc, argv);
  RaiseFileLimit();
  SystemClock clock;

  // Many I/O threads: libzmq 4.3.4 keeps each thread's timers (one ZMTP
  // heartbeat per connection) in a list searched linearly on every re-arm, a
  // cost a real client, with one connection, never pays.
  zmq::context_t context(8);
  // Three sockets per agent: its DEALER, the monitor libzmq creates, our end.
  context.set(zmq::ctxopt::max_sockets, 3 * count + 64);
  std::vector<Agent> agents;
  agents.reserve(static_cast<std::size_t>(count));
  for (int i = first; i < first + count; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "%s/agency-%05d", bundles.c_str(), i);
    auto bundle = pki::LoadBundle(name);
    if (!bundle) {
      std::fprintf(stderr, "%s\n", bundle.error().ToString().c_str());
      return 1;
    }
    agents.push_back({std::move(*bundle), zmq::socket_t(), std::nullopt, 0});
  }
  crypto::X509Ptr root(X509_dup(agents.front().bundle.root_certificate.get()));
  auto directory = pki::CertificateDirectory::Open(directory_path, std::move(root));
  auto server = directory ? directory->Resolve(gateway, pki::Purpose::kTransport, clock.NowMillis())
                          : Result<pki::CertifiedKey>(tl::unexpected(directory.error()));
  if (!server) {
    std::fprintf(stderr, "%s\n", server.error().ToString().c_str());
    return 1;
  }
  for (Agent& agent : agents) {
    transport::ClientConfig config{endpoint, Bytes(server->public_key.begin(), server->public_key.end()),
                                   {}, 100 + static_cast<int>(agents.size() / 10), 5000};
    config.limits.heartbeat_interval_ms = ping_ms;
    auto watched = transport::MakeWatchedCurveClient(context, config,
                                                     agent.bundle.transport.public_key(),
                                                     agent.bundle.transport.secret(),
                                                     "monitor-" + agent.bundle.principal_id);
    if (!watched) {
      std::fprintf(stderr, "%s\n", watched.error().ToString().c_str());
      return 1;
    }
    agent.socket = std::move(watched->socket);
    agent.monitor.emplace(std::move(watched->monitor));
  }
  std::printf("{\"event\":\"started\",\"count\":%d}\n", count);
  std::fflush(stdout);

  int fresh = 0;
  auto report_connected = [&] {
    std::printf("{\"event\":\"connected\",\"count\":%d,\"at_ms\":%lld}\n", fresh,
                static_cast<long long>(clock.NowMillis()));
    std::fflush(stdout);
  };
  // Takes every message waiting for one agency. ZMQ_EVENTS, not the fd,
  // says whether one is waiting, and must be asked again after each send.
  auto serve = [&](Agent& agent) {
    while (agent.socket.get(zmq::sockopt::events) & ZMQ_POLLIN) {
      auto message = transport::ReceiveFromServer(agent.socket);
      if (!message || !*message) {
        break;
      }
      auto envelope = protocol::DecodeEnvelope(**message);
      if (!envelope) {
        continue;
      }
      if (envelope->type == protocol::MessageType::kHeartbeat) {
        UnixMillis now = clock.NowMillis();
        bool was_fresh = now - agent.last_heartbeat < kFresh;
        agent.last_heartbeat = now;
        if (!was_fresh && ++fresh == count) {
          report_connected();
        }
      } else if (envelope->type == protocol::MessageType::kDirective) {
        UnixMillis now = clock.NowMillis();
        auto opened = protocol::OpenDirective(**message, *directory, {gateway, now, 1},
                                              agent.bundle.principal_id, agent.bundle.encryption);
        if (!opened) {
          std::fprintf(stderr, "%s\n", opened.error().ToString().c_str());
          continue;
        }
        protocol::Receipt receipt{protocol::ReceiptKind::kDelivered, opened->verified.header.id,
                                  opened->verified.digest, agent.bundle.principal_id, gateway,
                                  now, 0, std::nullopt, "", std::nullopt};
        (void)transport::SendToServer(agent.socket,
                                      protocol::SignReceipt(receipt, agent.bundle.signing));
      }
    }
  };
  auto hello_if_reconnected = [&](Agent& agent) {
    if (agent.monitor->HandshakeSucceeded()) {
      SayHello(agent);  // like the real client: at once after a new connection
    }
    serve(agent);
  };

  // One epoll set over every socket's ZMQ_FD (agency sockets even, their
  // monitors odd): a wake-up costs what is ready, where zmq_poll costs every
  // socket each time -- a cost of simulating thousands of agencies in one
  // process that a real client, with one socket, never pays.
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) {
    std::perror("epoll_create1");
    return 1;
  }
  for (std::size_t i = 0; i < agents.size(); ++i) {
    int fds[2] = {agents[i].socket.get(zmq::sockopt::fd), 0};
    std::size_t fd_size = sizeof(fds[1]);
    zmq_getsockopt(agents[i].monitor->handle(), ZMQ_FD, &fds[1], &fd_size);
    for (int k = 0; k < 2; ++k) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = 2 * i + static_cast<std::uint64_t>(k);
      if (epoll_ctl(epoll, EPOLL_CTL_ADD, fds[k], &event) != 0) {
        std::perror("epoll_ctl");
        return 1;
      }
    }
  }
  std::vector<epoll_event> ready(1024);
  UnixMillis next_sweep = 0;
  UnixMillis next_hello = 0;
  for (;;) {
    int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 50);
    for (int r = 0; r < n; ++r) {
      std::uint64_t tag = ready[static_cast<std::size_t>(r)].data.u64;
      Agent& agent = agents[tag / 2];
      if (tag % 2 == 1) {
        hello_if_reconnected(agent);
      } else {
        serve(agent);
      }
    }
    UnixMillis now = clock.NowMillis();
    if (now >= next_sweep) {
      // A safety net for a missed edge: ask every socket now and then.
      for (Agent& agent : agents) {
        hello_if_reconnected(agent);
      }
      next_sweep = now + 250;
    }
    if (now >= next_hello) {
      // Like the real client: hello until heartbeats flow (again, after a restart).
      fresh = 0;
      for (Agent& agent : agents) {
        if (now - agent.last_heartbeat < kFresh) {
          ++fresh;
          continue;
        }
        SayHello(agent);
        serve(agent);
      }
      next_hello = now + 1000;
    }
  }
}
