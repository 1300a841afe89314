// bridges/sms_sender.h -- SMS through Kannel's smsbox, and what Kannel tells
// us back.
//
// Sending is Kannel's sendsms HTTP interface (libcurl), asking for delivery
// reports to our listener. The listener (127.0.0.1 only) takes those reports
// (/dlr?task=N&token=T&status=S, T from DlrToken) and the replies Kannel's
// sms-service forwards (/mo?from=P&text=T&secret=S, S the callback secret),
// refuses any other caller (403), and stores both in the bridge's queue: the
// bridge loop reports them to the gateway, which decides what a reply means.
// It is a transport::LoopbackHttpServer: one thread, at most 32 connections,
// each cut a second after its accept unless it sent a whole request of at
// most 8 KiB, the oldest idle one cut whenever another arrives, so a local
// client holds bounded memory and idle sockets cannot keep Kannel's
// callbacks out.
#pragma once

#include <memory>
#include <thread>

#include "bridges/bridge_runner.h"

#include "transport/loopback_http.h"

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
  class RefusalLog;
  KannelListener();
  // On the HTTP thread, one at a time.
  transport::HttpAnswer Handle(const transport::HttpRequest& request);
  transport::HttpAnswer DeliveryReport(const transport::HttpRequest& request);
  transport::HttpAnswer Reply(const transport::HttpRequest& request);

  std::unique_ptr<store::BridgeQueue> queue_;  // its own connection, used by the HTTP thread
  const Clock* clock_ = nullptr;
  std::string secret_;
  std::unique_ptr<RefusalLog> refusals_;
  std::unique_ptr<transport::LoopbackHttpServer> http_;  // last: stopped first
};

}  // namespace tocsin::bridges
