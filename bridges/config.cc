#include "bridges/config.h"

#include <algorithm>
#include <cctype>

#include "common/config_reader.h"
#include "common/file_util.h"
#include "transport/metrics_server.h"
#include "transport/zmq_support.h"

namespace tocsin::bridges {

Result<BridgeConfig> LoadBridgeConfig(const std::string& path, const std::string& channel) {
  TOCSIN_RETURN_IF_ERROR(CheckPrivateFile(path));
  TOCSIN_ASSIGN_OR_RETURN(ConfigReader reader, ConfigReader::Open(path));
  BridgeConfig c;
  TOCSIN_ASSIGN_OR_RETURN(c.bundle, reader.Path("bundle"));
  TOCSIN_ASSIGN_OR_RETURN(c.directory, reader.Path("directory"));
  TOCSIN_ASSIGN_OR_RETURN(c.gateway, reader.String("gateway"));
  TOCSIN_ASSIGN_OR_RETURN(c.gateway_endpoint, reader.String("gateway_endpoint"));
  TOCSIN_ASSIGN_OR_RETURN(c.database, reader.Path("database"));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t attempts, reader.IntOr("max_attempts", 8, 1, 100));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t initial, reader.IntOr("retry_initial_ms", 1000, 10, 3600000));
  TOCSIN_ASSIGN_OR_RETURN(std::int64_t maximum, reader.IntOr("retry_max_ms", 60000, 10, 86400000));
  TOCSIN_ASSIGN_OR_RETURN(std::string format, reader.StringOr("log_format", "text"));
  TOCSIN_ASSIGN_OR_RETURN(c.metrics_listen, reader.StringOr("metrics_listen", ""));
  TOCSIN_RETURN_IF_ERROR(transport::ValidateMetricsListen(c.metrics_listen, path));
  c.max_attempts = static_cast<int>(attempts);
  c.retry_initial_ms = static_cast<int>(initial);
  c.retry_max_ms = static_cast<int>(maximum);
  TOCSIN_ASSIGN_OR_RETURN(c.log_format, ParseLogFormat(format));
  if (channel == "email") {
    TOCSIN_ASSIGN_OR_RETURN(c.smtp_url, reader.String("smtp_url"));
    TOCSIN_ASSIGN_OR_RETURN(c.smtp_from, reader.String("smtp_from"));
    TOCSIN_ASSIGN_OR_RETURN(c.smtp_ca_file, reader.PathOr("smtp_ca_file", ""));
    TOCSIN_ASSIGN_OR_RETURN(c.smtp_username, reader.StringOr("smtp_username", ""));
    TOCSIN_ASSIGN_OR_RETURN(c.smtp_password, reader.StringOr("smtp_password", ""));
    TOCSIN_ASSIGN_OR_RETURN(c.allow_plaintext_smtp, reader.BoolOr("allow_plaintext_smtp", false));
    if (!c.smtp_url.starts_with("smtp://")) {
      return MakeError(ErrorCode::kInvalidArgument,
                       path + ": smtp_url: must be smtp://HOST:PORT (STARTTLS is then required)");
    }
  } else {
    TOCSIN_ASSIGN_OR_RETURN(c.kannel_sendsms_url, reader.String("kannel_sendsms_url"));
    TOCSIN_ASSIGN_OR_RETURN(c.kannel_username, reader.String("kannel_username"));
    TOCSIN_ASSIGN_OR_RETURN(c.kannel_password, reader.String("kannel_password"));
    TOCSIN_ASSIGN_OR_RETURN(c.sms_from, reader.StringOr("sms_from", "TOCSIN"));
    TOCSIN_ASSIGN_OR_RETURN(std::int64_t port, reader.IntOr("listen_port", 0, 1, 65535));
    if (port == 0) {
      return MakeError(ErrorCode::kInvalidArgument, path + ": listen_port: required");
    }
    c.listen_port = static_cast<int>(port);
    TOCSIN_ASSIGN_OR_RETURN(c.callback_secret, reader.String("callback_secret"));
    // It travels in Kannel's get-url as it is: only characters a URL keeps.
    bool url_safe = std::all_of(c.callback_secret.begin(), c.callback_secret.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '-' || ch == '.' ||
             ch == '_' || ch == '~';
    });
    if (c.callback_secret.size() < kMinCallbackSecretLength || !url_safe) {
      return MakeError(ErrorCode::kInvalidArgument,
                       path + ": callback_secret: at least 32 of A-Z a-z 0-9 - . _ ~ (it goes "
                              "into Kannel's get-url as it is; e.g. the output of: openssl rand "
                              "-hex 32)");
    }
  }
  TOCSIN_RETURN_IF_ERROR(reader.RejectUnknown());
  Status endpoint = transport::ValidateEndpoint(c.gateway_endpoint, /*for_bind=*/false);
  if (!endpoint) {
    return WithContext(endpoint.error(), path);
  }
  return c;
}

}  // namespace tocsin::bridges
