#include "transport/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/log.h"

namespace tocsin::transport {
Result<MetricsAddress> ParseMetricsAddress(const std::string& listen) {
  auto refuse = [&listen](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "metrics_listen \"" + listen + "\": " + why +
                         " (give 127.0.0.1:PORT, [::1]:PORT or localhost:PORT)");
  };
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return refuse("no port");
  }
  MetricsAddress address;
  address.host = listen.substr(0, colon);
  if (address.host == "[::1]") {
    address.host = "::1";
  } else if (address.host == "localhost") {
    address.host = "127.0.0.1";
  } else if (address.host != "127.0.0.1") {
    return refuse("not a loopback address");
  }
  std::string_view port(listen.data() + colon + 1, listen.size() - colon - 1);
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() ||
      address.port < 0 || address.port > 65535) {
    return refuse("the port is not a number from 0 to 65535");
  }
  return address;
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen) {
  TOCSIN_ASSIGN_OR_RETURN(MetricsAddress address, ParseMetricsAddress(listen));
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  bool v6 = address.host == "::1";
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<std::uint16_t>(address.port));
    a->sin6_addr = in6addr_loopback;
    length = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<std::uint16_t>(address.port));
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof *a;
  }
  auto failed = [&listen](const char* what) {
    return MakeError(ErrorCode::kUnavailable, std::string("cannot listen for metrics on ") +
                                                  listen + ": " + what + ": " + std::strerror(errno));
  };
  server->listen_fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (server->listen_fd_ < 0) {
    return failed("socket");
  }
  int one = 1;
  ::setsockopt(server->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(server->listen_fd_, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    return failed("bind");
  }
  if (::listen(server->listen_fd_, 16) != 0) {
    return failed("listen");
  }
  if (::getsockname(server->listen_fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    return failed("getsockname");
  }
  server->port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                           : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  server->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (server->wake_fd_ < 0) {
    return failed("eventfd");
  }
  MetricsServer* self = server.get();
  server->thread_ = std::thread([self] { self->Serve(); });
  return server;
}

Result<std::unique_ptr<MetricsServer>> StartMetrics(const std::string& listen) {
  if (listen.empty()) {
    return std::unique_ptr<MetricsServer>();
  }
  TOCSIN_ASSIGN_OR_RETURN(std::unique_ptr<MetricsServer> server, MetricsServer::Start(listen));
  spdlog::info("metrics on http://{}:{}/metrics", listen.substr(0, listen.rfind(':')),
               server->port());
  return server;
}

Status ValidateMetricsListen(const std::string& listen, const std::string& file) {
  if (listen.empty()) {
    return {};
  }
  Result<MetricsAddress> address = ParseMetricsAddress(listen);
  if (!address) {
    return WithContext(address.error(), file);
  }
  return {};
}

MetricsServer::~MetricsServer() {
  stopping_ = true;
  if (wake_fd_ >= 0) {
    std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) {
    thread_.join();
  }
  for (int fd : {listen_fd_, wake_fd_}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

void MetricsServer::Render(MetricsText& out) const {
  out.Counter("tocsin_metrics_scrapes_total", "Scrapes of this endpoint since start.",
              static_cast<double>(scrapes()));
  out.Counter("tocsin_metrics_refused_total",
              "Requests to this endpoint refused (not GET /metrics, too large) or cut (too slow).",
              static_cast<double>(refused()));
}

void MetricsServer::Publish(std::string text) {
  {
    std::lock_guard lock(mutex_);
    text_ = std::move(text);
    ++generation_;
    published_at_ = SteadyNowMillis();
    wanted_.store(false, std::memory_order_release);
  }
  std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

struct MetricsServer::Connection {
  int fd = -1;
  SteadyMillis deadline = 0;   // reading: from accept; writing: from the answer
  std::string in;
  std::string out;             // the answer, once there is one
  std::size_t written = 0;
  bool waiting = false;        // for the owner to render
  std::uint64_t seen = 0;      // the generation it waits to see change
};

void MetricsServer::Serve() {
  std::vector<Connection> connections;
  connections.reserve(kMaxConnections);
  while (!stopping_) {
    SteadyMillis now = SteadyNowMillis();
    std::vector<pollfd> fds;
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({connections.size() < kMaxConnections ? listen_fd_ : -1, POLLIN, 0});
    SteadyMillis next = now + 1000;
    for (const Connection& c : connections) {
      short events = !c.out.empty() ? POLLOUT : c.waiting ? 0 : POLLIN;
      fds.push_back({c.fd, events, 0});
      next = std::min(next, c.waiting ? c.deadline - kWriteDeadlineMs : c.deadline);
    }
    (void)::poll(fds.data(), fds.size(), static_cast<int>(std::max<SteadyMillis>(0, next - now)));
    if (fds[0].revents & POLLIN) {
      std::uint64_t count = 0;
      (void)!::read(wake_fd_, &count, sizeof count);
    }
    now = SteadyNowMillis();
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& c = connections[i];
      short revents = fds[i + 2].revents;
      bool keep = true;
      if (!c.out.empty()) {
        keep = (revents & (POLLERR | POLLHUP)) == 0 && Write(c);
      } else if (c.waiting) {
        Answer(c, now);
      } else if (revents != 0) {
        keep = Read(c, now);
      }
      if (keep && now >= c.deadline) {
        refused_.fetch_add(1);
        keep = false;  // too slow to ask, or to take its answer
      }
      if (!keep) {
        ::close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(connections, [](const Connection& c) { return c.fd < 0; });
    if (fds[1].revents & POLLIN) {
      Accept(connections);
    }
  }
  for (Connection& c : connections) {
    ::close(c.fd);
  }
}

void MetricsServer::Accept(std::vector<Connection>& connections) {
  while (connections.size() < kMaxConnections) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      return;  // EAGAIN, or a transient error (EMFILE...): the next turn tries again
    }
    Connection c;
    c.fd = fd;
    c.deadline = SteadyNowMillis() + kRequestDeadlineMs;
    connections.push_back(std::move(c));
  }
}

bool MetricsServer::Read(Connection& c, SteadyMillis now) {
  char buffer[512];
  std::size_t room = std::min(sizeof buffer, kMaxRequestBytes - c.in.size());
  ssize_t got = ::recv(c.fd, buffer, room, MSG_DONTWAIT);
  if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
    return false;
  }
  if (got > 0) {
    c.in.append(buffer, static_cast<std::size_t>(got));
  }
  if (c.in.find("\r\n\r\n") == std::string::npos && c.in.find("\n\n") == std::string::npos) {
    if (c.in.size() >= kMaxRequestBytes) {
      refused_.fetch_add(1);
      Respond(c, 431, "request too large\n", now);
    }
    return true;
  }
  std::string line = c.in.substr(0, c.in.find_first_of("\r\n"));
  std::size_t space = line.find(' ');
  std::string method = line.substr(0, space);
  std::string target = space == std::string::npos ? "" : line.substr(space + 1, line.find(' ', space + 1) - space - 1);
  if (method != "GET") {
    refused_.fetch_add(1);
    Respond(c, 405, "only GET /metrics\n", now);
  } else if (target != "/metrics" && target.rfind("/metrics?", 0) != 0) {
    refused_.fetch_add(1);
    Respond(c, 404, "only GET /metrics\n", now);
  } else {
    scrapes_.fetch_add(1);
    c.waiting = true;
    c.in.clear();
    {
      std::lock_guard lock(mutex_);
      c.seen = generation_;
      if (generation_ == 0 || now - published_at_ >= kFreshMs) {
        wanted_.store(true, std::memory_order_release);
        c.deadline = now + kWaitMs + kWriteDeadlineMs;
      } else {
        c.seen = generation_ - 1;  // fresh enough: answer at once
      }
    }
    Answer(c, now);  // takes mutex_ itself
  }
  return true;
}

// A waiting scrape: answered once the owner published, or after kWaitMs with
// what there is.
void MetricsServer::Answer(Connection& c, SteadyMillis now) {
  std::string text;
  {
    std::lock_guard lock(mutex_);
    bool published = generation_ != c.seen;
    if (!published && now < c.deadline - kWriteDeadlineMs) {
      return;
    }
    text = text_;
  }
  c.waiting = false;
  if (text.empty()) {
    Respond(c, 503, "metrics not ready\n", now);
  } else {
    Respond(c, 200, text, now);
  }
}

void MetricsServer::Respond(Connection& c, int status, const std::string& body, SteadyMillis now) {
  const char* reason = status == 200   ? "OK"
                       : status == 404 ? "Not Found"
                       : status == 405 ? "Method Not Allowed"
                       : status == 431 ? "Request Header Fields Too Large"
                                       : "Service Unavailable";
  const char* type = status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain";
  c.out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
          "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
          body;
  c.written = 0;
  c.deadline = now + kWriteDeadlineMs;
}

bool MetricsServer::Write(Connection& c) {
  ssize_t sent = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written,
                        MSG_DONTWAIT | MSG_NOSIGNAL);
  if (sent < 0) {
    return errno == EAGAIN || errno == EINTR;
  }
  c.written += static_cast<std::size_t>(sent);
  if (c.written < c.out.size()) {
    return true;
  }
  ::shutdown(c.fd, SHUT_WR);
  return false;  // answered: close
}

}  // namespace tocsin::transport
