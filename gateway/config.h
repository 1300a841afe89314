// gateway/config.h -- gateway.toml.
//
//   id = "gw.national"                     # this gateway's principal id
//   bundle = "keys/gw.national"            # its key bundle (role gateway)
//   directory = "ca/public"                # the CA's published folder
//   database = "gateway.db"                # SQLite ledger (and prefix of this gateway's own files)
//   client_endpoint = "tcp://127.0.0.1:7701"
//   operator_endpoint = "tcp://127.0.0.1:7702"
//   heartbeat_interval_ms = 2000           # signed heartbeats to agencies (100..2500)
//   heartbeat_validity_ms = 5000
//   min_signatures = 1                     # distinct operator keys per directive
//   checkpoint_interval_ms = 10000         # audit-log checkpoints (and at stop), 100..60000
//   proposal_lifetime_ms = 3600000         # a directive held for co-signing lapses after this
//   policy = "policies/national.toml"      # escalation policy (optional)
//   bridge_endpoint = "tcp://127.0.0.1:7703"  # SMS and e-mail bridges (optional)
//   log_format = "text"                    # or "json"
//   metrics_listen = "127.0.0.1:9464"      # Prometheus metrics, loopback only (optional)
//
//   [store]                                # optional: the embedded SQLite ledger by default
//   backend = "postgresql"                 # or "sqlite"
//   postgresql = "host=db.a port=5432 dbname=tocsin user=gw_a sslmode=verify-full"
//   writer_lease_ms = 5000                 # a silent writer is replaced after this (1000..60000)
//
// Relative paths are relative to the file's folder.
#pragma once

#include <cstdint>
#include <string>

#include "common/log.h"
#include "common/result.h"

namespace tocsin::gateway {

enum class StoreBackend { kSqlite, kPostgresql };

struct GatewayConfig {
  std::string id;
  std::string bundle;
  std::string directory;
  std::string database;
  std::string client_endpoint;
  std::string operator_endpoint;
  int heartbeat_interval_ms = 2000;
  int heartbeat_validity_ms = 5000;
  int min_signatures = 1;
  int checkpoint_interval_ms = 10000;
  int proposal_lifetime_ms = 3600000;
  std::string policy;           // empty: no escalation
  std::string bridge_endpoint;  // empty: no bridges
  LogFormat log_format = LogFormat::kText;
  std::string metrics_listen;   // empty: no metrics endpoint
  StoreBackend backend = StoreBackend::kSqlite;
  // backend = postgresql: a libpq connection string (docs/ha.md), and how
  // long the writer may stay silent before a standby gateway takes over.
  std::string postgresql;
  int writer_lease_ms = 5000;
  // Not a file key: `tocsin-gateway --integrity-check` asks for SQLite's full
  // integrity_check of the ledger at start instead of the quick one.
  bool full_integrity_check = false;
};

Result<GatewayConfig> LoadGatewayConfig(const std::string& path);

}  // namespace tocsin::gateway
