#include "bridges/email_sender.h"

#include <curl/curl.h>

#include <memory>

#include "common/bytes.h"
#include "crypto/hash.h"

namespace tocsin::bridges {
namespace {

using CurlPtr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using SlistPtr = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

struct Upload {
  std::string_view data;
};

std::size_t ReadChunk(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, upload->data.size());
  std::copy_n(upload->data.data(), n, buffer);
  upload->data.remove_prefix(n);
  return n;
}

// Header values come from the policy and the gateway: no CR or LF may pass.
std::string HeaderValue(std::string value) {
  for (char& c : value) {
    if (c == '\r' || c == '\n') {
      c = ' ';
    }
  }
  return value;
}

std::string RfcDate(UnixMillis now) {
  std::time_t t = static_cast<std::time_t>(now / 1000);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[64];
  std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return text;
}

}  // namespace

std::string EmailSender::Compose(const store::QueuedTask& task, const std::string& from,
                                 const std::string& message_id, UnixMillis now) {
  std::string body;
  for (char c : task.text) {
    body += c == '\n' ? std::string("\r\n") : std::string(1, c);
  }
  return "Date: " + RfcDate(now) + "\r\n" + "From: Tocsin <" + HeaderValue(from) + ">\r\n" +
         "To: " + HeaderValue(task.contact) + " <" + HeaderValue(task.address) + ">\r\n" +
         "Message-ID: " + message_id + "\r\n" + "Subject: " + HeaderValue(task.subject) + "\r\n" +
         "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n" +
         body + "\r\n";
}

Result<std::string> EmailSender::Send(const store::QueuedTask& task) {
  std::string domain = config_.smtp_from.substr(config_.smtp_from.find('@') + 1);
  std::string message_id = "<tocsin." + std::to_string(task.task) + "." +
                           HexEncode(crypto::RandomBytes(8)) + "@" + domain + ">";
  std::string message = Compose(task, config_.smtp_from, message_id, SystemClock().NowMillis());
  CurlPtr curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) {
    return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  }
  std::string from = "<" + config_.smtp_from + ">";
  std::string to = "<" + task.address + ">";
  SlistPtr recipients(curl_slist_append(nullptr, to.c_str()), &curl_slist_free_all);
  Upload upload{message};
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, config_.smtp_url.c_str());
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   config_.allow_plaintext_smtp ? static_cast<long>(CURLUSESSL_NONE)
                                                : static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!config_.smtp_ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, config_.smtp_ca_file.c_str());
  }
  if (!config_.smtp_username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, config_.smtp_username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, config_.smtp_password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadChunk);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return MakeError(ErrorCode::kUnavailable,
                     "SMTP " + config_.smtp_url + ": " + curl_easy_strerror(rc) +
                         (error[0] != '\0' ? std::string(" (") + error + ")" : ""));
  }
  return message_id;
}

}  // namespace tocsin::bridges
