#include "transport/handshake_monitor.h"

namespace tocsin::transport {

Result<HandshakeMonitor> HandshakeMonitor::Watch(zmq::context_t& context, zmq::socket_t& socket,
                                                 const std::string& name) {
  std::string endpoint = "inproc://" + name;
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), ZMQ_EVENT_HANDSHAKE_SUCCEEDED) != 0) {
    return MakeError(ErrorCode::kInternal,
                     "cannot monitor the connection (" + std::string(zmq_strerror(zmq_errno())) +
                         ")");
  }
  try {
    zmq::socket_t events(context, zmq::socket_type::pair);
    events.set(zmq::sockopt::linger, 0);
    events.connect(endpoint);
    return HandshakeMonitor(std::move(events));
  } catch (const zmq::error_t& e) {
    return MakeError(ErrorCode::kInternal, std::string("monitor: ") + e.what());
  }
}

bool HandshakeMonitor::HandshakeSucceeded() {
  bool succeeded = false;
  for (;;) {
    zmq::message_t event;
    try {
      if (!events_.recv(event, zmq::recv_flags::dontwait)) {
        return succeeded;
      }
      while (events_.get(zmq::sockopt::rcvmore)) {  // the endpoint frame
        zmq::message_t rest;
        (void)events_.recv(rest, zmq::recv_flags::dontwait);
      }
    } catch (const zmq::error_t&) {
      return succeeded;
    }
    succeeded = true;
  }
}

}  // namespace tocsin::transport
