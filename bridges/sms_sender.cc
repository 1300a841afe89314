#include "bridges/sms_sender.h"

#include <curl/curl.h>

#include <mutex>

#include "common/log.h"
#include "common/token_bucket.h"
#include "crypto/hash.h"
#include "crypto/secret_bytes.h"

namespace tocsin::bridges {
namespace {

constexpr std::string_view kDlrTokenContext{"tocsin/dlr/v1\0", 14};
// Kannel's callbacks and whatever else a local user sends share these.
constexpr std::size_t kMaxConnections = 32;
constexpr SteadyMillis kRequestDeadlineMs = 1000;  // from accept to a whole request
// A reply's text (up to 1,024 bytes) percent-encoded, with its sender and secret.
constexpr std::size_t kMaxRequestBytes = 8192;

}  // namespace

// Refused callbacks: all counted, a few lines a minute logged.
class KannelListener::RefusalLog {
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

KannelListener::KannelListener() : refusals_(std::make_unique<RefusalLog>()) {}

namespace {

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
  listener->clock_ = &clock;
  listener->secret_ = config.callback_secret;
  KannelListener* self = listener.get();
  TOCSIN_ASSIGN_OR_RETURN(
      listener->http_,
      transport::LoopbackHttpServer::Start(
          "127.0.0.1", config.listen_port,
          {kMaxConnections, kRequestDeadlineMs, kMaxRequestBytes},
          [self](const transport::HttpRequest& request, SteadyMillis) {
            return transport::HttpReply{self->Handle(request), nullptr, 0};
          },
          "the Kannel listener"));
  return listener;
}

KannelListener::~KannelListener() { http_.reset(); }  // its thread calls Handle: stop it first

transport::HttpAnswer KannelListener::Handle(const transport::HttpRequest& request) {
  if (request.path == "/dlr") {
    return DeliveryReport(request);
  }
  if (request.path == "/mo") {
    return Reply(request);
  }
  refusals_->Refused("a request for " + EscapeForDisplay(request.path.substr(0, 64)));
  return {404, "text/plain", ""};
}

// Loopback is not authentication (SECURITY.md 41): a delivery report must
// carry its task's token, a reply the callback secret of Kannel's get-url.
transport::HttpAnswer KannelListener::DeliveryReport(const transport::HttpRequest& request) {
  std::optional<std::string> task_text = transport::QueryParameter(request.query, "task");
  std::optional<std::string> token = transport::QueryParameter(request.query, "token");
  std::uint64_t task = task_text ? std::strtoull(task_text->c_str(), nullptr, 10) : 0;
  if (task == 0 || !token || !SameSecret(*token, DlrToken(secret_, task))) {
    refusals_->Refused("a delivery report without its task's token");
    return {403, "text/plain", ""};
  }
  std::optional<std::string> status_text = transport::QueryParameter(request.query, "status");
  int status = status_text ? std::atoi(status_text->c_str()) : 0;
  int outcome = OutcomeOfDlr(status);
  if (outcome != 0) {
    Result<bool> stored =
        queue_->RecordDeliveryReport(task, outcome, "Kannel DLR " + std::to_string(status));
    if (!stored) {
      spdlog::error("SMS task {}: delivery report {} not stored: {}", task, status,
                    stored.error().ToString());
      return {500, "text/plain", ""};  // Kannel retries
    }
    if (*stored) {
      spdlog::info("SMS task {}: delivery report {}", task, status);
    } else {
      spdlog::warn("delivery report {} for SMS task {} ignored: unknown, or already final",
                   status, task);
    }
  }
  return {200, "text/plain", "ok"};
}

transport::HttpAnswer KannelListener::Reply(const transport::HttpRequest& request) {
  std::optional<std::string> secret = transport::QueryParameter(request.query, "secret");
  if (!secret || !SameSecret(*secret, secret_)) {
    refusals_->Refused("an SMS reply without the callback secret");
    return {403, "text/plain", ""};
  }
  std::optional<std::string> from = transport::QueryParameter(request.query, "from");
  std::optional<std::string> text = transport::QueryParameter(request.query, "text");
  if (!from || !text || from->empty() || from->size() > 32 || text->size() > 1024) {
    refusals_->Refused("an SMS reply without a sender and text of at most 1,024 bytes");
    return {400, "text/plain", ""};
  }
  Result<std::uint64_t> stored = queue_->AddInbound(*from, *text, clock_->NowMillis());
  if (!stored) {
    spdlog::error("SMS reply from {} not stored: {}", EscapeForDisplay(*from),
                  stored.error().ToString());
    return {500, "text/plain", ""};  // Kannel retries
  }
  spdlog::info("SMS reply {} from {}", *stored, EscapeForDisplay(*from));
  return {200, "text/plain", ""};  // no automatic answer SMS
}

}  // namespace tocsin::bridges
