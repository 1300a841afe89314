#include "gateway/config.h"

#include "common/config_reader.h"
#include "common/principal.h"
#include "transport/metrics_server.h"
#include "transport/zmq_support.h"

namespace tocsin::gateway {

Result<GatewayConfig> LoadGatewayConfig(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(ConfigReader reader, ConfigReader::Open(path));
  GatewayConfig c;
  TOCSIN_ASSIGN_OR_RETURN(c.id, reader.String("id"));
  TOCSIN_ASSIGN_OR_RETURN(c.bundle, reader.Path("bundle"));
  TOCSIN_ASSIGN_OR_RETURN(c.directory, reader.Path("directory"));
  TOCSIN_ASSIGN_OR_RETURN(c.database, reader.Path("database"));
  TOCSIN_ASSIGN_OR_RETURN(c.client_endpoint, reader.String("client_endpoint"));
  TOCSIN_ASSIGN_OR_RETURN(c.operator_endpoint, reader.String("operator_endpoint"));
  // At most 2.5 s: an agency client rebuilds a link that brought no signed
  // heartbeat for 5 s (its freeze alarm is at 5 s by default), so a longer
  // interval would have every agency redial all the time.
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t interval, reader.IntOr("heartbeat_interval_ms", 2000, 100, 2500));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t validity, reader.IntOr("heartbeat_validity_ms", 5000, 200, 600000));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t min_signatures, reader.IntOr("min_signatures", 1, 1, 4));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t checkpoints,
                          reader.IntOr("checkpoint_interval_ms", 10000, 100, 60000));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t proposal_lifetime,
                          reader.IntOr("proposal_lifetime_ms", 3600000, 60000, 86400000));
  TOCSIN_ASSIGN_OR_RETURN(c.policy, reader.PathOr("policy", ""));
  TOCSIN_ASSIGN_OR_RETURN(c.bridge_endpoint, reader.StringOr("bridge_endpoint", ""));
  TOCSIN_ASSIGN_OR_RETURN(std::string format, reader.StringOr("log_format", "text"));
  TOCSIN_ASSIGN_OR_RETURN(c.metrics_listen, reader.StringOr("metrics_listen", ""));
  TOCSIN_ASSIGN_OR_RETURN(std::string backend, reader.StringOr("store.backend", "sqlite"));
  TOCSIN_ASSIGN_OR_RETURN(c.postgresql, reader.StringOr("store.postgresql", ""));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t lease, reader.IntOr("store.writer_lease_ms", 5000, 1000, 60000));
  TOCSIN_RETURN_IF_ERROR(reader.RejectUnknown());
  c.writer_lease_ms = static_cast<int>(lease);
  if (backend == "postgresql") {
    c.backend = StoreBackend::kPostgresql;
    if (c.postgresql.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       path + ": store.postgresql: required with backend = \"postgresql\" (a "
                       "libpq connection string, e.g. \"host=db port=5432 dbname=tocsin\")");
    }
  } else if (backend != "sqlite") {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ": store.backend: must be \"sqlite\" or \"postgresql\", not \"" +
                         backend + "\"");
  } else if (!c.postgresql.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ": store.postgresql is set but store.backend is \"sqlite\": say "
                     "backend = \"postgresql\", or remove the connection string");
  }
  c.heartbeat_interval_ms = static_cast<int>(interval);
  c.heartbeat_validity_ms = static_cast<int>(validity);
  c.min_signatures = static_cast<int>(min_signatures);
  c.checkpoint_interval_ms = static_cast<int>(checkpoints);
  c.proposal_lifetime_ms = static_cast<int>(proposal_lifetime);
  TOCSIN_ASSIGN_OR_RETURN(c.log_format, ParseLogFormat(format));
  Status valid_id = ValidatePrincipalId(c.id);
  if (!valid_id) {
    return WithContext(valid_id.error(), path + ": id");
  }
  TOCSIN_RETURN_IF_ERROR(transport::ValidateMetricsListen(c.metrics_listen, path));
  for (const std::string* endpoint : {&c.client_endpoint, &c.operator_endpoint, &c.bridge_endpoint}) {
    if (endpoint->empty()) {
      continue;  // only the bridge endpoint is optional; the others are required above
    }
    Status valid = transport::ValidateEndpoint(*endpoint, /*for_bind=*/true);
    if (!valid) {
      return WithContext(valid.error(), path);
    }
  }
  return c;
}

}  // namespace tocsin::gateway
