#include "bridges/sms_sender.h"

#include <curl/curl.h>
#include <httplib.h>

#include <mutex>

#include "transport/listener_guard.h"
#include "common/log.h"
#include "common/token_bucket.h"
#include "crypto/hash.h"
#include "crypto/secret_bytes.h"

namespace tocsin::bridges {
namespace {

constexpr std::string_view kDlrTokenContext{"tocsin/dlr/v1\0", 14};
constexpr std::size_t kMaxCallbackThreads = 256;
constexpr SteadyMillis kRequestDeadlineMs = 5000;  // from accept to answer, whatever the pace

// Refused callbacks: all counted, a few lines a minute logged.
class RefusalLog {
 public:
  void Refused(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++refused_;
    if (lines_.Take(SteadyNowMillis())) {
      spdlog::warn("Kannel listener: refused {} ({} refused so far)", what, refused_);
    }
  }

 private:
  std::mutex mutex_;
  TokenBucket lines_{RateLimit{0.1, 5}};  // guarded by mutex_
  std::uint64_t refused_ = 0;             // guarded by mutex_
};

bool SameSecret(const std::string& given, const std::string& expected) {
  return given.size() == expected.size() &&
         crypto::ConstantTimeEquals(AsBytes(given), AsBytes(expected));
}

using CurlPtr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

std::string Escape(CURL* curl, const std::string& value) {
  char* escaped = curl_easy_escape(curl, value.c_str(), static_cast<int>(value.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

}  // namespace

std::string DlrToken(const std::string& callback_secret, std::uint64_t task) {
  std::string message(kDlrTokenContext);
  message += std::to_string(task);
  crypto::Digest mac = crypto::HmacSha256(AsBytes(callback_secret), AsBytes(message));
  return HexEncode(ByteView(mac.data(), 16));
}

int OutcomeOfDlr(int status) {
  switch (status) {
    case 1: return 3;   // delivered to the phone
    case 2: return 4;   // not delivered
    case 16: return 4;  // rejected by the SMSC
    default: return 0;  // 4 buffered, 8 accepted by the SMSC: no change
  }
}

std::string SmsSender::SendUrl(const BridgeConfig& config, const store::QueuedTask& task) {
  CurlPtr curl(curl_easy_init(), &curl_easy_cleanup);
  std::string dlr = "http://127.0.0.1:" + std::to_string(config.listen_port) +
                    "/dlr?task=" + std::to_string(task.task) + "&token=" +
                    DlrToken(config.callback_secret, task.task) + "&status=%d";
  return config.kannel_sendsms_url + "?username=" + Escape(curl.get(), config.kannel_username) +
         "&password=" + Escape(curl.get(), config.kannel_password) +
         "&from=" + Escape(curl.get(), config.sms_from) + "&to=" + Escape(curl.get(), task.address) +
         "&text=" + Escape(curl.get(), task.text) + "&charset=UTF-8&coding=0" +
         "&dlr-mask=19&dlr-url=" + Escape(curl.get(), dlr);
}

Result<std::string> SmsSender::Send(const store::QueuedTask& task) {
  CurlPtr curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) {
    return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  }
  std::string url = SendUrl(config_, task);
  std::string answer;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl.get());
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r')) {
    answer.pop_back();
  }
  if (rc != CURLE_OK) {
    // The URL holds the password: name only the interface.
    return MakeError(ErrorCode::kUnavailable,
                     "Kannel sendsms: " + std::string(curl_easy_strerror(rc)));
  }
  if (status != 202 && status != 200) {
    return MakeError(ErrorCode::kUnavailable,
                     "Kannel sendsms answered HTTP " + std::to_string(status) + ": " + answer);
  }
  return "Kannel: " + answer;
}

Result<std::unique_ptr<KannelListener>> KannelListener::Start(const BridgeConfig& config,
                                                              const Clock& clock) {
  std::unique_ptr<KannelListener> listener(new KannelListener());
  TOCSIN_ASSIGN_OR_RETURN(store::BridgeQueue queue, store::BridgeQueue::Open(config.database));
  listener->queue_ = std::make_unique<store::BridgeQueue>(std::move(queue));
  listener->server_ = std::make_unique<httplib::Server>();
  listener->deadline_ = std::make_unique<transport::ConnectionDeadline>(
      "Kannel listener", config.listen_port, kRequestDeadlineMs);
  transport::ConnectionDeadline* deadline = listener->deadline_.get();
  listener->server_->new_task_queue = [deadline] {
    return new transport::ConnectionThreads(kMaxCallbackThreads, *deadline);
  };
  listener->server_->set_read_timeout(1, 0);   // a second of silence ends a connection
  listener->server_->set_write_timeout(1, 0);
  listener->server_->set_keep_alive_max_count(1);
  listener->server_->set_payload_max_length(4096);
  store::BridgeQueue* q = listener->queue_.get();
  const Clock* c = &clock;
  auto refusals = std::make_shared<RefusalLog>();
  std::string secret = config.callback_secret;
  // Loopback is not authentication (SECURITY.md 41): a delivery report must
  // carry its task's token, a reply the callback secret of Kannel's get-url.
  listener->server_->Get("/dlr", [q, secret, refusals](const httplib::Request& request,
                                                       httplib::Response& response) {
    std::uint64_t task = std::strtoull(request.get_param_value("task").c_str(), nullptr, 10);
    if (task == 0 || !SameSecret(request.get_param_value("token"), DlrToken(secret, task))) {
      refusals->Refused("a delivery report without its task's token");
      response.status = 403;
      return;
    }
    int status = std::atoi(request.get_param_value("status").c_str());
    int outcome = OutcomeOfDlr(status);
    if (task != 0 && outcome != 0) {
      Result<bool> stored =
          q->RecordDeliveryReport(task, outcome, "Kannel DLR " + std::to_string(status));
      if (!stored) {
        spdlog::error("SMS task {}: delivery report {} not stored: {}", task, status,
                      stored.error().ToString());
        response.status = 500;  // Kannel retries
        return;
      }
      if (*stored) {
        spdlog::info("SMS task {}: delivery report {}", task, status);
      } else {
        spdlog::warn("delivery report {} for SMS task {} ignored: unknown, or already final",
                     status, task);
      }
    }
    response.set_content("ok", "text/plain");
  });
  listener->server_->Get("/mo", [q, c, secret, refusals](const httplib::Request& request,
                                                        httplib::Response& response) {
    if (!SameSecret(request.get_param_value("secret"), secret)) {
      refusals->Refused("an SMS reply without the callback secret");
      response.status = 403;
      return;
    }
    std::string from = request.get_param_value("from");
    std::string text = request.get_param_value("text");
    if (from.empty() || from.size() > 32 || text.size() > 1024) {
      response.status = 400;
      return;
    }
    Result<std::uint64_t> stored = q->AddInbound(from, text, c->NowMillis());
    if (!stored) {
      response.status = 500;
      return;
    }
    spdlog::info("SMS reply {} from {}", *stored, from);
    response.set_content("", "text/plain");  // no automatic answer SMS
  });
  if (!listener->server_->bind_to_port("127.0.0.1", config.listen_port)) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot listen on 127.0.0.1:" + std::to_string(config.listen_port));
  }
  httplib::Server* server = listener->server_.get();
  listener->thread_ = std::thread([server] { server->listen_after_bind(); });
  return listener;
}

KannelListener::~KannelListener() {
  if (server_) {
    server_->stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace tocsin::bridges
