// transport/connection_events.h -- which TCP connections a server socket
// accepts and loses, by descriptor, and cutting one of them.
//
// libzmq reports both through a socket monitor (ZMQ_EVENT_ACCEPTED and
// ZMQ_EVENT_DISCONNECTED carry the descriptor), and each received message
// carries the descriptor it came on (PeerMessage::connection). The monitor
// pipe has no high-water mark: a full one would block libzmq's I/O thread.
// Events arrive in the order libzmq raised them, so a descriptor's close is
// always seen before a new connection reuses its number.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/result.h"

namespace tocsin::transport {

struct ConnectionEvent {
  enum class Kind { kAccepted, kClosed } kind = Kind::kAccepted;
  int fd = -1;
};

class ConnectionEvents {
 public:
  // Watches `socket` through an inproc PAIR named `name` (unique within
  // `context`). Must not outlive the socket or the context.
  static Result<ConnectionEvents> Watch(zmq::context_t& context, zmq::socket_t& socket,
                                        const std::string& name);

  // Up to `max` pending events, oldest first. Never blocks.
  std::vector<ConnectionEvent> Take(std::size_t max);

  void* handle() { return events_.handle(); }

 private:
  explicit ConnectionEvents(zmq::socket_t events) : events_(std::move(events)) {}
  zmq::socket_t events_;
};

// Cuts the TCP connection behind `fd`, a descriptor libzmq owns: shuts it
// down without closing it, so libzmq sees the peer gone and cleans up in its
// own time. Leaves alone a descriptor that is not a TCP connection to
// `local_port` (a number reused for something else).
Status CutConnection(int fd, int local_port);

// "ADDRESS:PORT" of the peer when `fd` is a TCP connection to local port
// `port`; empty otherwise (a listening socket, a file, a closed number).
std::string PeerOfConnectionTo(int fd, int port);

// The port a "tcp://ADDRESS:PORT" endpoint names; 0 if none.
int EndpointPort(const std::string& endpoint);

}  // namespace tocsin::transport
