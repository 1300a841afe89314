#include "client/config.h"

#include "common/config_reader.h"
#include "common/principal.h"
#include "transport/metrics_server.h"
#include "transport/zmq_support.h"

namespace tocsin::client {

Result<ClientConfig> LoadClientConfig(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(ConfigReader reader, ConfigReader::Open(path));
  ClientConfig c;
  TOCSIN_ASSIGN_OR_RETURN(c.bundle, reader.Path("bundle"));
  TOCSIN_ASSIGN_OR_RETURN(c.directory, reader.Path("directory"));
  TOCSIN_ASSIGN_OR_RETURN(c.gateway, reader.String("gateway"));
  TOCSIN_ASSIGN_OR_RETURN(c.gateway_endpoint, reader.String("gateway_endpoint"));
  TOCSIN_ASSIGN_OR_RETURN(c.database, reader.Path("database"));
  TOCSIN_ASSIGN_OR_RETURN(c.notify, reader.StringOr("notify", ""));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t notify_timeout,
                          reader.IntOr("notify_timeout_ms", 30000, 100, 600000));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t min_signatures, reader.IntOr("min_signatures", 1, 1, 4));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t alarm, reader.IntOr("heartbeat_alarm_ms", 5000, 500, 600000));
  TOCSIN_ASSIGN_OR_RETURN(std::string format, reader.StringOr("log_format", "text"));
  TOCSIN_ASSIGN_OR_RETURN(c.metrics_listen, reader.StringOr("metrics_listen", ""));
  TOCSIN_RETURN_IF_ERROR(reader.RejectUnknown());
  TOCSIN_RETURN_IF_ERROR(transport::ValidateMetricsListen(c.metrics_listen, path));
  c.min_signatures = static_cast<int>(min_signatures);
  c.notify_timeout_ms = static_cast<int>(notify_timeout);
  c.heartbeat_alarm_ms = static_cast<int>(alarm);
  TOCSIN_ASSIGN_OR_RETURN(c.log_format, ParseLogFormat(format));
  Status valid_gateway = ValidatePrincipalId(c.gateway);
  if (!valid_gateway) {
    return WithContext(valid_gateway.error(), path + ": gateway");
  }
  Status valid_endpoint = transport::ValidateEndpoint(c.gateway_endpoint, /*for_bind=*/false);
  if (!valid_endpoint) {
    return WithContext(valid_endpoint.error(), path + ": gateway_endpoint");
  }
  return c;
}

}  // namespace tocsin::client
