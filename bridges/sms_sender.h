// bridges/sms_sender.h -- SMS through Kannel's smsbox, and what Kannel tells
// us back.
//
// Sending is Kannel's sendsms HTTP interface (libcurl), asking for delivery
// reports to our listener. The listener (127.0.0.1 only) takes those reports
// (/dlr?task=N&token=T&status=S, T from DlrToken) and the replies Kannel's
// sms-service forwards (/mo?from=P&text=T&secret=S, S the callback secret),
// refuses any other caller (403), and stores both in the bridge's queue: the
// bridge loop reports them to the gateway, which decides what a reply means.
// Each connection has its own thread (up to 256), a one-second read timeout
// and five seconds from accept to answer (transport/listener_guard.h), so slow
// local clients cannot starve Kannel's callbacks.
#pragma once

#include <memory>
#include <thread>

#include "bridges/bridge_runner.h"

namespace httplib {
class Server;
}

namespace tocsin::transport {
class ConnectionDeadline;  // transport/listener_guard.h
}  // namespace tocsin::transport

namespace tocsin::bridges {

class SmsSender final : public Sender {
 public:
  explicit SmsSender(BridgeConfig config) : config_(std::move(config)) {}
  Result<std::string> Send(const store::QueuedTask& task) override;

  // The sendsms URL for `task`, every value URL-encoded.
  static std::string SendUrl(const BridgeConfig& config, const store::QueuedTask& task);

 private:
  BridgeConfig config_;
};

// The token a delivery report for `task` must carry: the first 128 bits of
// HMAC-SHA-256(callback_secret, "tocsin/dlr/v1\0" || decimal task), in hex.
std::string DlrToken(const std::string& callback_secret, std::uint64_t task);

// Kannel's DLR status to a task outcome: 3 delivered, 4 undelivered, or 0
// for reports that change nothing (SMSC accepted, buffered).
int OutcomeOfDlr(int status);

class KannelListener {
 public:
  static Result<std::unique_ptr<KannelListener>> Start(const BridgeConfig& config,
                                                       const Clock& clock);
  ~KannelListener();

 private:
  KannelListener() = default;
  std::unique_ptr<transport::ConnectionDeadline> deadline_;  // outlives server_'s task queue
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<store::BridgeQueue> queue_;  // its own connection
  std::thread thread_;
};

}  // namespace tocsin::bridges
