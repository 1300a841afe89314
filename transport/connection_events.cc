#include "transport/connection_events.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <zmq.h>

#include <cerrno>
#include <cstring>

namespace tocsin::transport {
namespace {

std::string AddressText(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  int port = 0;
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    port = ntohs(v6->sin6_port);
  } else {
    return {};
  }
  return std::string(text) + ":" + std::to_string(port);
}

}  // namespace

Result<ConnectionEvents> ConnectionEvents::Watch(zmq::context_t& context, zmq::socket_t& socket,
                                                 const std::string& name) {
  std::string endpoint = "inproc://" + name;
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(),
                         ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0) {
    return MakeError(ErrorCode::kInternal, "cannot monitor " + name + " (" +
                                               std::string(zmq_strerror(zmq_errno())) + ")");
  }
  try {
    zmq::socket_t events(context, zmq::socket_type::pair);
    events.set(zmq::sockopt::linger, 0);
    events.set(zmq::sockopt::rcvhwm, 0);  // unbounded: never block libzmq's I/O thread
    events.connect(endpoint);
    return ConnectionEvents(std::move(events));
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kInternal, std::string("monitor: ") + e.what());
  }
}

std::vector<ConnectionEvent> ConnectionEvents::Take(std::size_t max) {
  std::vector<ConnectionEvent> taken;
  while (taken.size() < max) {
    zmq::message_t head;
    try {
      if (!events_.recv(head, zmq::recv_flags::dontwait)) {
        break;
      }
      while (events_.get(zmq::sockopt::rcvmore)) {  // the endpoint frame
        zmq::message_t rest;
        (void)events_.recv(rest, zmq::recv_flags::dontwait);
      }
    } catch (const zmq::error_t&) {
      break;
    }
    if (head.size() != sizeof(std::uint16_t) + sizeof(std::uint32_t)) {
      continue;
    }
    std::uint16_t event = 0;
    std::uint32_t value = 0;
    std::memcpy(&event, head.data(), sizeof(event));
    std::memcpy(&value, static_cast<const char*>(head.data()) + sizeof(event), sizeof(value));
    taken.push_back({event == ZMQ_EVENT_ACCEPTED ? ConnectionEvent::Kind::kAccepted
                                                 : ConnectionEvent::Kind::kClosed,
                     static_cast<int>(value)});
  }
  return taken;
}

std::string PeerOfConnectionTo(int fd, int port) {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (fd < 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
    return {};
  }
  std::string mine = AddressText(local);
  if (mine.empty() || mine.substr(mine.rfind(':') + 1) != std::to_string(port)) {
    return {};
  }
  sockaddr_storage peer{};
  length = sizeof(peer);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) {
    return {};
  }
  return AddressText(peer);
}

Status CutConnection(int fd, int local_port) {
  if (PeerOfConnectionTo(fd, local_port).empty()) {
    return MakeError(ErrorCode::kNotFound, "descriptor " + std::to_string(fd) +
                                               " is no longer a connection to port " +
                                               std::to_string(local_port));
  }
  if (::shutdown(fd, SHUT_RDWR) != 0 && errno != ENOTCONN) {
    return MakeError(ErrorCode::kInternal, "shutdown of descriptor " + std::to_string(fd) + ": " +
                                               std::strerror(errno));
  }
  return {};
}

int EndpointPort(const std::string& endpoint) {
  std::size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos) {
    return 0;
  }
  try {
    return std::stoi(endpoint.substr(colon + 1));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace tocsin::transport
