// client/config.h -- client.toml, one per agency.
//
//   bundle = "keys/finance-authority"        # the agency's key bundle
//   directory = "ca/public"                  # the CA's published folder
//   gateway = "gw.national"                  # gateway principal id (pinned)
//   gateway_endpoint = "tcp://127.0.0.1:7701"
//   database = "finance-authority.db"        # SQLite inbox
//   notify = "notify-send \"$TOCSIN_TITLE\"" # optional hook, run by /bin/sh
//   notify_timeout_ms = 30000                # a hook running longer is killed, retried
//   min_signatures = 1                       # distinct operator keys required
//   heartbeat_alarm_ms = 5000                # freeze alarm after this silence
//   log_format = "text"                      # or "json"
//   metrics_listen = "127.0.0.1:9465"        # Prometheus metrics, loopback only (optional)
//
// Relative paths are relative to the file's folder.
#pragma once

#include <string>

#include "common/log.h"
#include "common/result.h"

namespace tocsin::client {

struct ClientConfig {
  std::string bundle;
  std::string directory;
  std::string gateway;
  std::string gateway_endpoint;
  std::string database;
  std::string notify;
  int notify_timeout_ms = 30000;
  int min_signatures = 1;
  int heartbeat_alarm_ms = 5000;
  LogFormat log_format = LogFormat::kText;
  std::string metrics_listen;  // empty: no metrics endpoint
  // Not a file key: `tocsin-client run --integrity-check` asks for SQLite's
  // full integrity_check of the inbox at start instead of the quick one.
  bool full_integrity_check = false;
};

Result<ClientConfig> LoadClientConfig(const std::string& path);

}  // namespace tocsin::client
