#include "gateway/config_check.h"

#include "pki/setup_check.h"
#include "policies/policy_file.h"
#include "store/ledger.h"

namespace tocsin::gateway {

Result<std::vector<std::string>> CheckGatewayConfig(const GatewayConfig& config, UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(
      std::vector<std::string> facts,
      pki::CheckSetup({config.bundle, config.directory, Role::kGateway, config.id, std::nullopt,
                       std::nullopt},
                      now));
  if (!config.policy.empty()) {
    TOCSIN_ASSIGN_OR_RETURN(policies::Policy policy, policies::LoadPolicy(config.policy));
    facts.push_back("policy " + config.policy + ": " + std::to_string(policy.rules.size()) +
                    " rule(s)");
  }
  TOCSIN_RETURN_IF_ERROR(pki::CheckWritableFolderOf(config.database));
  if (config.backend == StoreBackend::kPostgresql) {
    TOCSIN_ASSIGN_OR_RETURN(std::string found, store::Ledger::CheckPostgresql(config.postgresql));
    facts.push_back("ledger " + found);
    facts.push_back("this gateway's own files " + config.database + ".*: their folder is writable");
  } else {
    facts.push_back("database " + config.database + ": its folder is writable");
  }
  facts.push_back("endpoints: agencies " + config.client_endpoint + ", operators " +
                  config.operator_endpoint +
                  (config.bridge_endpoint.empty() ? std::string()
                                                  : ", bridges " + config.bridge_endpoint));
  return facts;
}

}  // namespace tocsin::gateway
