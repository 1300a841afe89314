#include "tools/policy_commands.h"

#include <iostream>
#include <memory>

#include "policies/policy_file.h"
#include "protocol/messages.h"
#include "tools/cli_support.h"

namespace tocsin::tools {
namespace {

struct PolicyOptions {
  std::string file;
  bool json = false;
};

std::string Minutes(UnixMillis ms) {
  if (ms % (60 * 1000) != 0) {
    return std::to_string(ms / 1000) + "s";
  }
  return std::to_string(ms / 60000) + "m";
}

std::string Describe(const policies::Step& s) {
  std::string text = "+" + Minutes(s.after) + " unless " +
                     (s.unless == policies::Unless::kDelivered ? "delivered" : "acknowledged") +
                     ": " + std::string(policies::ActionName(s.action));
  if (s.action == policies::Action::kSms || s.action == policies::Action::kEmail) {
    text += s.to == policies::Recipients::kDutyOfficer ? " duty officer"
            : s.to == policies::Recipients::kDeputy    ? " deputy"
                                                       : " duty officer and deputy";
  }
  if (s.repeat > 1) {
    text += ", " + std::to_string(s.repeat) + " times every " + Minutes(s.every);
  }
  return text;
}

int RunCheck(const PolicyOptions& o) {
  Result<policies::Policy> policy = policies::LoadPolicy(o.file);
  if (!policy) {
    if (o.json) {
      PrintJson({{"valid", false}, {"error", policy.error().context}});
    }
    return ReportError("policy check", policy.error());
  }
  nlohmann::json rules = nlohmann::json::array();
  for (const policies::Rule& r : policy->rules) {
    nlohmann::json steps = nlohmann::json::array();
    for (const policies::Step& s : r.steps) {
      steps.push_back(Describe(s));
    }
    rules.push_back({{"severity", protocol::SeverityName(static_cast<protocol::Severity>(r.severity))},
                     {"sectors", r.sectors},
                     {"ack_within", Minutes(r.ack_within)},
                     {"steps", steps}});
  }
  if (o.json) {
    PrintJson({{"valid", true}, {"agencies", policy->contacts.size()}, {"rules", rules}});
    return kExitOk;
  }
  std::cout << o.file << ": valid; " << policy->contacts.size() << " agencies with contacts, "
            << policy->rules.size() << " rules\n";
  for (const nlohmann::json& r : rules) {
    std::string sectors = r["sectors"].empty() ? "every sector" : r["sectors"].dump();
    std::cout << "  " << r["severity"].get<std::string>() << " (" << sectors << "), acknowledge within "
              << r["ack_within"].get<std::string>() << ":\n";
    for (const auto& s : r["steps"]) {
      std::cout << "    " << s.get<std::string>() << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

void AddPolicyCommands(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<PolicyOptions>();
  CLI::App* policy = app.add_subcommand("policy", "Escalation policies");
  policy->require_subcommand(1);
  CLI::App* check = policy->add_subcommand("check", "Validate a policy file and show its ladders");
  check->add_option("file", o->file, "Policy file (TOML)")->required();
  check->add_flag("--json", o->json, "Print the result as JSON");
  check->callback([=] { *exit_code = RunCheck(*o); });
}

}  // namespace tocsin::tools
