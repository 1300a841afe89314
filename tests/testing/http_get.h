// tests/testing/http_get.h -- a raw HTTP/1.1 GET over loopback TCP, for
// tests of our loopback servers (no HTTP library between the test and the
// bytes).
#pragma once

#include <map>
#include <string>

namespace tocsin::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (refused, cut, or not HTTP)
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
};

// Sends `request` as it is to 127.0.0.1:`port` and reads until the server
// closes or `timeout_ms` passes.
HttpResult HttpExchange(int port, const std::string& request, int timeout_ms = 5000);

// GET `target` with a Host header.
HttpResult HttpGet(int port, const std::string& target, int timeout_ms = 5000);

}  // namespace tocsin::testing
