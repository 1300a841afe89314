#include "transport/loopback_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/bytes.h"
#include "common/log.h"

namespace tocsin::transport {
namespace {

std::optional<std::string> UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] != '%') {
      out.push_back(text[i]);
    } else {
      int high = i + 2 < text.size() ? HexDigitValue(text[i + 1]) : -1;
      int low = i + 2 < text.size() ? HexDigitValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
  }
  return out;
}

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    default: return "Service Unavailable";
  }
}

}  // namespace

std::optional<std::string> QueryParameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    std::size_t end = query.find('&');
    std::string_view pair = query.substr(0, end);
    std::size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      return UrlDecode(equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1));
    }
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
  }
  return std::nullopt;
}

struct LoopbackHttpServer::Connection {
  int fd = -1;
  SteadyMillis deadline = 0;  // reading: from accept; writing: from the answer
  std::string in;
  std::string out;            // the answer, once there is one
  std::size_t written = 0;
  std::function<std::optional<HttpAnswer>(bool)> later;  // a deferred answer
  SteadyMillis until = 0;
};

Result<std::unique_ptr<LoopbackHttpServer>> LoopbackHttpServer::Start(const std::string& host,
                                                                      int port, Limits limits,
                                                                      Handler handler,
                                                                      const std::string& name) {
  std::unique_ptr<LoopbackHttpServer> server(
      new LoopbackHttpServer(limits, std::move(handler), name));
  bool v6 = host == "::1";
  if (!v6 && host != "127.0.0.1") {
    return MakeError(ErrorCode::kInvalidArgument, name + ": " + host + " is not a loopback address");
  }
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<std::uint16_t>(port));
    a->sin6_addr = in6addr_loopback;
    length = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<std::uint16_t>(port));
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof *a;
  }
  auto failed = [&](const char* what) {
    return MakeError(ErrorCode::kUnavailable, "cannot listen for " + name + " on " + host + ":" +
                                                  std::to_string(port) + ": " + what + ": " +
                                                  std::strerror(errno));
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
  if (::listen(server->listen_fd_, SOMAXCONN) != 0) {
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
  LoopbackHttpServer* self = server.get();
  server->thread_ = std::thread([self] { self->Serve(); });
  return server;
}

LoopbackHttpServer::~LoopbackHttpServer() {
  stopping_ = true;
  Wake();
  if (thread_.joinable()) {
    thread_.join();
  }
  for (int fd : {listen_fd_, wake_fd_}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

void LoopbackHttpServer::Wake() {
  if (wake_fd_ >= 0) {
    std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
}

void LoopbackHttpServer::Serve() {
  std::vector<Connection> connections;
  connections.reserve(limits_.max_connections);
  while (!stopping_) {
    SteadyMillis now = SteadyNowMillis();
    std::vector<pollfd> fds;
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    SteadyMillis next = now + 1000;
    for (const Connection& c : connections) {
      short events = !c.out.empty() ? POLLOUT : c.later ? 0 : POLLIN;
      fds.push_back({c.fd, events, 0});
      next = std::min(next, c.later ? c.until : c.deadline);
    }
    (void)::poll(fds.data(), fds.size(), static_cast<int>(std::max<SteadyMillis>(0, next - now)));
    bool woken = (fds[0].revents & POLLIN) != 0;
    if (woken) {
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
      } else if (c.later) {
        if ((revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
          keep = false;  // gone while its answer was deferred: nobody to answer
        } else if (woken || now >= c.until) {
          Continue(c, now);
        }
      } else if (revents != 0) {
        keep = Read(c, now);
      }
      if (keep && !c.later && now >= c.deadline) {
        Cut(now);
        keep = false;  // too slow to ask, or to take its answer
      }
      if (!keep) {
        ::close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(connections, [](const Connection& c) { return c.fd < 0; });
    if (fds[1].revents & POLLIN) {
      Accept(connections, now);
    }
  }
  for (Connection& c : connections) {
    ::close(c.fd);
  }
}

void LoopbackHttpServer::Accept(std::vector<Connection>& connections, SteadyMillis now) {
  for (std::size_t accepted = 0; accepted < kMaxAcceptsPerTurn; ++accepted) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      return;  // EAGAIN, or a transient error (EMFILE...): the next turn tries again
    }
    if (connections.size() >= limits_.max_connections && !Evict(connections, now)) {
      ::close(fd);  // every slot is answering: the caller retries
      Cut(now);
      continue;
    }
    Connection c;
    c.fd = fd;
    c.deadline = now + limits_.request_deadline_ms;
    connections.push_back(std::move(c));
    // A genuine caller sends its request with the connection: read it now,
    // before anyone can evict it.
    if (!Read(connections.back(), now)) {
      ::close(connections.back().fd);
      connections.pop_back();
    }
  }
}

bool LoopbackHttpServer::Evict(std::vector<Connection>& connections, SteadyMillis now) {
  auto reading = [](const Connection& c) { return c.out.empty() && !c.later; };
  auto oldest = std::find_if(connections.begin(), connections.end(), reading);
  if (oldest == connections.end()) {
    return false;
  }
  ::close(oldest->fd);
  connections.erase(oldest);
  Cut(now);
  return true;
}

bool LoopbackHttpServer::Read(Connection& c, SteadyMillis now) {
  char buffer[512];
  std::size_t room = std::min(sizeof buffer, limits_.max_request_bytes - c.in.size());
  ssize_t got = ::recv(c.fd, buffer, room, MSG_DONTWAIT);
  if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
    return false;
  }
  if (got > 0) {
    c.in.append(buffer, static_cast<std::size_t>(got));
  }
  if (c.in.find("\r\n\r\n") == std::string::npos && c.in.find("\n\n") == std::string::npos) {
    if (c.in.size() >= limits_.max_request_bytes) {
      Refuse(c, 431, "request too large\n", now);
    }
    return true;
  }
  Dispatch(c, now);
  return true;
}

void LoopbackHttpServer::Dispatch(Connection& c, SteadyMillis now) {
  std::string line = c.in.substr(0, c.in.find_first_of("\r\n"));
  c.in.clear();
  std::size_t first = line.find(' ');
  std::size_t second = first == std::string::npos ? first : line.find(' ', first + 1);
  if (second == std::string::npos || line.compare(second + 1, 5, "HTTP/") != 0) {
    Refuse(c, 400, "not an HTTP request line\n", now);
    return;
  }
  if (line.compare(0, first, "GET") != 0) {
    Refuse(c, 405, "only GET\n", now);
    return;
  }
  std::string target = line.substr(first + 1, second - first - 1);
  std::size_t question = target.find('?');
  HttpRequest request{target.substr(0, question),
                      question == std::string::npos ? "" : target.substr(question + 1)};
  HttpReply reply = handler_(request, now);
  if (reply.answer) {
    Respond(c, *reply.answer, now);
    return;
  }
  c.later = std::move(reply.later);
  c.until = reply.until;
  Continue(c, now);
}

void LoopbackHttpServer::Continue(Connection& c, SteadyMillis now) {
  bool last = now >= c.until;
  std::optional<HttpAnswer> answer = c.later(last);
  if (!answer && !last) {
    return;
  }
  c.later = nullptr;
  Respond(c, answer ? *answer : HttpAnswer{503, "text/plain", "no answer in time\n"}, now);
}

void LoopbackHttpServer::Cut(SteadyMillis now) {
  refused_.fetch_add(1);
  ++cut_since_line_;
  if (lines_.Take(now)) {
    spdlog::warn("{}: cut {} connection(s) still open after {} ms without a whole request or "
                 "taking their answer ({} refused or cut since start)",
                 name_, cut_since_line_, limits_.request_deadline_ms, refused_.load());
    cut_since_line_ = 0;
  }
}

void LoopbackHttpServer::Refuse(Connection& c, int status, const char* why, SteadyMillis now) {
  refused_.fetch_add(1);
  Respond(c, {status, "text/plain", why}, now);
}

void LoopbackHttpServer::Respond(Connection& c, const HttpAnswer& answer, SteadyMillis now) {
  c.out = "HTTP/1.1 " + std::to_string(answer.status) + " " + Reason(answer.status) +
          "\r\nContent-Type: " + answer.content_type +
          "\r\nContent-Length: " + std::to_string(answer.body.size()) +
          "\r\nConnection: close\r\n\r\n" + answer.body;
  c.written = 0;
  c.deadline = now + kWriteDeadlineMs;
}

bool LoopbackHttpServer::Write(Connection& c) {
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
