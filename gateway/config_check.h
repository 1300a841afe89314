// gateway/config_check.h -- `tocsin-gateway --check-config`: everything the
// gateway needs, checked without binding a socket or opening the ledger (on
// PostgreSQL it connects, and reads only).
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "gateway/config.h"

namespace tocsin::gateway {

// Its bundle, CA folder and certificates (pki::CheckSetup), the escalation
// policy when one is set, that the database's folder is writable, and on
// PostgreSQL the connection, the schema version and the writer's lease.
Result<std::vector<std::string>> CheckGatewayConfig(const GatewayConfig& config, UnixMillis now);

}  // namespace tocsin::gateway
