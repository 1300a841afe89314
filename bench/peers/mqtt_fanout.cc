// bench/peers/mqtt_fanout.cc -- the peer Tocsin's gateway is compared with:
// the same fan-out through a mosquitto 2.0 broker, MQTT over mutual TLS,
// QoS 1 both ways. N subscribers hold a TLS connection each (client
// certificate required by the broker); one publisher sends 4 KiB to the
// topic they all subscribe to; each subscriber answers 200 bytes on its own
// receipts topic; a collector counts the N answers.
//
// Prints one JSON line: connect_s (all N connected and subscribed),
// fanout_ms (publish -> N-th answer), broker_cpu_ms (the broker process's
// user + system CPU over the fan-out, read from /proc), clients_cpu_ms
// (this process's, over the same span).
//
// Usage: mqtt_fanout N PORT CA_CRT CLIENT_CRT CLIENT_KEY BROKER_PID
//
// libmosquitto's own loop uses select(), which cannot watch descriptors
// past 1,024: this drives every client from one epoll loop through
// mosquitto_loop_read/write/misc, as its documentation allows.
#include <mosquitto.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kDirectiveTopic = "bench/directive";

struct Client {
  mosquitto* handle = nullptr;
  int index = 0;  // -1: the publisher, -2: the collector
  bool subscribed = false;
  bool watching_write = false;
  int fd = -1;
};

struct Run {
  int n = 0;
  int epoll = -1;
  int subscribed = 0;
  int answers = 0;
  std::vector<char> answer = std::vector<char>(200, 'r');
};

Run run;

long CpuMs(const std::string& stat_path) {
  std::ifstream file(stat_path);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
  long user = 0, system = 0;
  fields >> user >> system;
  return (user + system) * 1000 / sysconf(_SC_CLK_TCK);
}

void Watch(Client& c) {
  int fd = mosquitto_socket(c.handle);
  bool write = mosquitto_want_write(c.handle);
  if (fd < 0 || (fd == c.fd && write == c.watching_write)) return;
  epoll_event event{};
  event.events = EPOLLIN | (write ? EPOLLOUT : 0u);
  event.data.ptr = &c;
  epoll_ctl(run.epoll, fd == c.fd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event);
  c.fd = fd;
  c.watching_write = write;
}

void OnConnect(mosquitto* m, void* data, int rc) {
  auto* c = static_cast<Client*>(data);
  if (rc != 0) {
    std::fprintf(stderr, "mqtt_fanout: client %d refused: %s\n", c->index,
                 mosquitto_connack_string(rc));
    std::exit(1);
  }
  if (c->index >= 0) {
    mosquitto_subscribe(m, nullptr, kDirectiveTopic, 1);
  } else if (c->index == -2) {
    mosquitto_subscribe(m, nullptr, "bench/receipts/#", 1);
  } else {
    ++run.subscribed;  // the publisher subscribes to nothing
  }
}

void OnSubscribe(mosquitto*, void*, int, int, const int*) { ++run.subscribed; }

void OnMessage(mosquitto* m, void* data, const mosquitto_message* message) {
  auto* c = static_cast<Client*>(data);
  if (c->index >= 0) {
    std::string topic = "bench/receipts/" + std::to_string(c->index);
    mosquitto_publish(m, nullptr, topic.c_str(), static_cast<int>(run.answer.size()),
                      run.answer.data(), 1, false);
  } else if (c->index == -2 && message->payloadlen > 0) {
    ++run.answers;
  }
}

// Drives every client until `done()` holds; false on a lost connection.
template <typename Done>
bool Loop(std::vector<Client>& clients, Done done, double timeout_s) {
  auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  std::vector<epoll_event> events(1024);
  auto last_misc = Clock::now();
  while (!done()) {
    if (Clock::now() > deadline) return false;
    int ready = epoll_wait(run.epoll, events.data(), static_cast<int>(events.size()), 100);
    for (std::size_t i = 0; i < static_cast<std::size_t>(ready < 0 ? 0 : ready); ++i) {
      auto* c = static_cast<Client*>(events[i].data.ptr);
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        // A TLS record may hold more than one packet: read while OpenSSL has
        // bytes buffered, which epoll cannot see.
        do {
          if (mosquitto_loop_read(c->handle, 1) != MOSQ_ERR_SUCCESS) return false;
        } while (mosquitto_ssl_get(c->handle) &&
                 SSL_pending(static_cast<SSL*>(mosquitto_ssl_get(c->handle))) > 0);
      }
      if (events[i].events & EPOLLOUT) {
        if (mosquitto_loop_write(c->handle, 1) != MOSQ_ERR_SUCCESS) return false;
      }
      Watch(*c);  // a reply its callbacks queued wants writing
    }
    if (Clock::now() - last_misc > std::chrono::seconds(1)) {
      std::fprintf(stderr, "mqtt_fanout: %d subscribed, %d answers\n", run.subscribed, run.answers);
      for (Client& c : clients) mosquitto_loop_misc(c.handle);
      last_misc = Clock::now();
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: mqtt_fanout N PORT CA_CRT CLIENT_CRT CLIENT_KEY BROKER_PID\n");
    return 2;
  }
  run.n = std::atoi(argv[1]);
  int port = std::atoi(argv[2]);
  std::string broker_stat = std::string("/proc/") + argv[6] + "/stat";
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  mosquitto_lib_init();
  run.epoll = epoll_create1(0);
  std::vector<Client> clients(static_cast<std::size_t>(run.n) + 2);
  auto connect_start = Clock::now();
  for (std::size_t i = 0; i < clients.size(); ++i) {
    Client& c = clients[i];
    c.index = i < static_cast<std::size_t>(run.n) ? static_cast<int>(i)
                                                   : (i == clients.size() - 2 ? -1 : -2);
    std::string id = "bench-" + std::to_string(c.index);
    c.handle = mosquitto_new(id.c_str(), true, &c);
    mosquitto_int_option(c.handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_int_option(c.handle, MOSQ_OPT_TCP_NODELAY, 1);  // as the broker: set_tcp_nodelay
    mosquitto_connect_callback_set(c.handle, OnConnect);
    mosquitto_subscribe_callback_set(c.handle, OnSubscribe);
    mosquitto_message_callback_set(c.handle, OnMessage);
    if (mosquitto_tls_set(c.handle, argv[3], nullptr, argv[4], argv[5], nullptr) != 0 ||
        mosquitto_connect_async(c.handle, "127.0.0.1", port, 600) != MOSQ_ERR_SUCCESS) {
      std::fprintf(stderr, "mqtt_fanout: client %d cannot connect\n", c.index);
      return 1;
    }
    Watch(c);
  }
  int everyone = run.n + 2;
  if (!Loop(clients, [&] { return run.subscribed == everyone; }, 300)) {
    std::fprintf(stderr, "mqtt_fanout: %d of %d connected and subscribed\n", run.subscribed,
                 everyone);
    return 1;
  }
  double connect_s = std::chrono::duration<double>(Clock::now() - connect_start).count();

  std::vector<char> directive(4096, 'd');
  long broker_before = CpuMs(broker_stat);
  long self_before = CpuMs("/proc/self/stat");
  auto start = Clock::now();
  Client& publisher = clients[clients.size() - 2];
  mosquitto_publish(publisher.handle, nullptr, kDirectiveTopic,
                    static_cast<int>(directive.size()), directive.data(), 1, false);
  Watch(publisher);
  if (!Loop(clients, [&] { return run.answers >= run.n; }, 300)) {
    std::fprintf(stderr, "mqtt_fanout: %d of %d answers\n", run.answers, run.n);
    return 1;
  }
  double fanout_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  long broker_cpu = CpuMs(broker_stat) - broker_before;
  long self_cpu = CpuMs("/proc/self/stat") - self_before;
  std::printf("{\"n\":%d,\"connect_s\":%.3f,\"fanout_ms\":%.1f,\"broker_cpu_ms\":%ld,"
              "\"clients_cpu_ms\":%ld}\n",
              run.n, connect_s, fanout_ms, broker_cpu, self_cpu);
  for (Client& c : clients) mosquitto_destroy(c.handle);
  mosquitto_lib_cleanup();
  return 0;
}
