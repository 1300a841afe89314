// bridges/config.h -- bridge-email.toml and bridge-sms.toml.
//
//   bundle = "keys/bridge.mail"            # the bridge's key bundle (role bridge)
//   directory = "ca/public"                # the CA's published folder
//   gateway = "gw.national"                # gateway principal id (pinned)
//   gateway_endpoint = "tcp://127.0.0.1:7703"   # the gateway's bridge_endpoint
//   database = "bridge-email.db"           # the durable queue
//   max_attempts = 8                       # per message, then it has failed
//   retry_initial_ms = 1000                # doubles after each failure ...
//   retry_max_ms = 60000                   # ... up to this
//   log_format = "text"                    # or "json"
//   metrics_listen = "127.0.0.1:9466"      # Prometheus metrics, loopback only (optional)
//
// E-mail (tocsin-bridge-email):
//   smtp_url = "smtp://mail.centre.example:587"
//   smtp_from = "tocsin@centre.example"
//   smtp_ca_file = "/etc/ssl/certs/ca-certificates.crt"   # verifies the server
//   smtp_username = "" / smtp_password = ""               # optional
//   allow_plaintext_smtp = false   # true only for a server without STARTTLS, on purpose
//
// SMS (tocsin-bridge-sms), through Kannel's smsbox:
//   kannel_sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms"
//   kannel_username = "tocsin"
//   kannel_password = "secret"
//   sms_from = "TOCSIN"
//   listen_port = 7710        # on 127.0.0.1: delivery reports and replies from Kannel
//   callback_secret = "..."   # 32+ characters: Kannel's get-url for replies must carry
//                             # &secret=<it>; delivery-report URLs carry a token made from it
//
// A bridge configuration holds passwords and secrets: it must be owned by the
// bridge's user and not readable by anyone else (mode 0600), or the bridge
// refuses to start.
#pragma once

#include <string>

#include "common/log.h"
#include "common/result.h"

namespace tocsin::bridges {

struct BridgeConfig {
  std::string bundle;
  std::string directory;
  std::string gateway;
  std::string gateway_endpoint;
  std::string database;
  int max_attempts = 8;
  int retry_initial_ms = 1000;
  int retry_max_ms = 60000;
  LogFormat log_format = LogFormat::kText;
  std::string metrics_listen;  // empty: no metrics endpoint

  std::string smtp_url;
  std::string smtp_from;
  std::string smtp_ca_file;
  std::string smtp_username;
  std::string smtp_password;
  bool allow_plaintext_smtp = false;

  std::string kannel_sendsms_url;
  std::string kannel_username;
  std::string kannel_password;
  std::string sms_from;
  int listen_port = 0;
  std::string callback_secret;
  // Not a file key: `--integrity-check` asks for SQLite's full
  // integrity_check of the queue at start instead of the quick one.
  bool full_integrity_check = false;
};

inline constexpr std::size_t kMinCallbackSecretLength = 32;

// `channel` is "email" or "sms": the other channel's settings are refused.
Result<BridgeConfig> LoadBridgeConfig(const std::string& path, const std::string& channel);

}  // namespace tocsin::bridges
