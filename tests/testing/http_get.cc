#include "tests/testing/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>

namespace tocsin::testing {

HttpResult HttpExchange(int port, const std::string& request, int timeout_ms) {
  HttpResult result;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    return result;
  }
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string in;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      break;
    }
    char buffer[4096];
    ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) {
      break;
    }
    in.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  std::size_t head_end = in.find("\r\n\r\n");
  if (in.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) {
    return result;
  }
  result.status = std::stoi(in.substr(9, 3));
  std::size_t line = in.find("\r\n") + 2;
  while (line < head_end) {
    std::size_t end = in.find("\r\n", line);
    std::string header = in.substr(line, end - line);
    std::size_t colon = header.find(':');
    std::string name = header.substr(0, colon);
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::size_t value = header.find_first_not_of(' ', colon + 1);
    result.headers[name] = value == std::string::npos ? "" : header.substr(value);
    line = end + 2;
  }
  result.body = in.substr(head_end + 4);
  return result;
}

HttpResult HttpGet(int port, const std::string& target, int timeout_ms) {
  return HttpExchange(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", timeout_ms);
}

}  // namespace tocsin::testing
