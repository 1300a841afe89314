// `tocsin init --dir DIR ...`: creates (or completes) a deployment folder:
//
//   DIR/ca/                      the root CA (move ca/private offline afterwards)
//   DIR/keys/ID/                 one key bundle per principal (0700)
//   DIR/gateway.toml             the gateway's configuration, commented
//   DIR/client-AGENCY.toml       one per agency
//   DIR/operator-OPERATOR.toml   an operator profile (tocsin --profile)
//   DIR/policy.toml              with --crisis-cell: an escalation policy with
//                                the agencies' duty officers from the CSV
//   DIR/bridge-email.toml        with --smtp: the e-mail bridge (and its bundle)
//   DIR/bridge-sms.toml          with --kannel: the SMS bridge (and its bundle)
//
// It never overwrites: what exists is kept and said so, so running it again
// with more agencies (a longer CSV) enrols only the new ones. Agencies come
// from --agency ID:SECTOR and from a CSV file of "id,sector" lines, or
// "id,sector,officer,phone,email" lines naming each agency's duty officer.
#include "tools/init_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include <arpa/inet.h>

#include "common/bytes.h"
#include "common/config_reader.h"
#include "common/clock.h"
#include "common/file_util.h"
#include "common/json_values.h"
#include "common/principal.h"
#include "crypto/hash.h"
#include "pki/authority.h"
#include "policies/policy_file.h"
#include "tools/cli_support.h"

namespace tocsin::tools {
namespace {

namespace fs = std::filesystem;

struct InitOptions {
  std::string dir;
  std::string organization = "Tocsin National Coordination Centre";
  std::string gateway_id = "gw.national";
  std::string host = "127.0.0.1";
  std::string bind;  // empty: host when it is an address, else every interface
  int port = 7701;
  std::vector<std::string> agencies;  // ID:SECTOR
  std::string agencies_csv;
  std::vector<std::string> operators;
  std::string crisis_cell;  // "NAME,PHONE,EMAIL": write policy.toml
  std::string smtp;         // "URL,FROM": the e-mail bridge
  std::string kannel;       // "SENDSMS_URL,USER,PASSWORD": the SMS bridge
  bool json = false;

  bool bridges() const { return !smtp.empty() || !kannel.empty(); }
};

inline constexpr const char* kEmailBridgeId = "bridge.email";
inline constexpr const char* kSmsBridgeId = "bridge.sms";

// A person to reach: name, E.164 phone, e-mail (either may be empty).
struct Contact {
  std::string name;
  std::string phone;
  std::string email;
};

struct Agency {
  std::string id;
  std::string sector;
  std::string where;  // "--agency", "agencies.csv:3": for messages
  std::optional<Contact> duty_officer;
};

std::string Trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

std::vector<std::string> SplitFields(const std::string& text, char separator) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    std::size_t cut = text.find(separator, start);
    fields.push_back(Trim(text.substr(start, cut - start)));
    if (cut == std::string::npos) {
      return fields;
    }
    start = cut + 1;
  }
}

auto Invalid(const std::string& where, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument, where + ": " + why);
}

// ID:SECTOR (--agency), or a CSV line: id,sector or id,sector,officer,phone,email.
Result<Agency> ParseAgency(const std::string& text, const std::string& where, char separator) {
  std::vector<std::string> fields = SplitFields(text, separator);
  bool with_contact = separator == ',' && fields.size() == 5;
  if (fields.size() != 2 && !with_contact) {
    std::string s(1, separator);
    return Invalid(where, "expected ID" + s + "SECTOR" +
                              (separator == ',' ? " or id,sector,officer,phone,email" : "") +
                              ", got \"" + text + "\"");
  }
  Agency agency{fields[0], fields[1], where, std::nullopt};
  if (with_contact) {
    if (fields[2].empty() || (fields[3].empty() && fields[4].empty())) {
      return Invalid(where, "a duty officer needs a name and a phone or an e-mail address");
    }
    agency.duty_officer = Contact{fields[2], fields[3], fields[4]};
  }
  Status valid = ValidatePrincipalId(agency.id);
  if (!valid) {
    return Invalid(where, valid.error().context);
  }
  return agency;
}

// Lines "id,sector"; blank lines, "#" comments and an "id,sector" header are skipped.
Result<std::vector<Agency>> ReadAgencyCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return MakeError(ErrorCode::kNotFound, path + ": cannot read the agency list");
  }
  std::vector<Agency> agencies;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#' ||
        (number == 1 && line.rfind("id,sector", 0) == 0)) {  // a header
      continue;
    }
    TOCSIN_ASSIGN_OR_RETURN(Agency agency,
                            ParseAgency(line, path + ":" + std::to_string(number), ','));
    agencies.push_back(std::move(agency));
  }
  return agencies;
}

// Where agencies and operators connect.
std::string Endpoint(const InitOptions& o, int offset) {
  return "tcp://" + o.host + ":" + std::to_string(o.port + offset);
}

// Where the gateway binds: libzmq binds addresses, not host names.
std::string BindEndpoint(const InitOptions& o, int offset) {
  std::string address = o.bind;
  if (address.empty()) {
    in6_addr scratch{};
    bool literal = ::inet_pton(AF_INET, o.host.c_str(), &scratch) == 1 ||
                   ::inet_pton(AF_INET6, o.host.c_str(), &scratch) == 1;
    address = literal ? o.host : "0.0.0.0";
  }
  return "tcp://" + address + ":" + std::to_string(o.port + offset);
}

std::string GatewayToml(const InitOptions& o) {
  return "# gateway.toml -- written by tocsin init; every key: docs/configuration.md.\n"
         "# Relative paths are taken from this file's folder.\n"
         "id = \"" + o.gateway_id + "\"\n"
         "bundle = \"keys/" + o.gateway_id + "\"          # its key bundle (keep it 0700)\n"
         "directory = \"ca/public\"                # the CA's published folder\n"
         "database = \"gateway.db\"                # SQLite ledger and audit log\n"
         "client_endpoint = \"" + BindEndpoint(o, 0) + "\"    # agencies connect here\n"
         "operator_endpoint = \"" + BindEndpoint(o, 1) + "\"  # operators' tocsin commands\n"
         + std::string(o.bridges() ? "" : "# ") +
         "bridge_endpoint = \"" + BindEndpoint(o, 2) + "\"  # SMS and e-mail bridges (docs/bridges.md)\n"
         + std::string(o.crisis_cell.empty() ? "# " : "") +
         "policy = \"policy.toml\"               # escalation (docs/policies.md)\n"
         "# metrics_listen = \"127.0.0.1:9464\"    # Prometheus metrics (docs/operations.md)\n"
         "# After enrolling agencies, reload it: kill -HUP PID (systemctl reload tocsin-gateway).\n";
}

std::string ClientToml(const InitOptions& o, const Agency& a) {
  return "# client-" + a.id + ".toml -- written by tocsin init for " + a.id +
         " (sector " + a.sector + ").\n"
         "# Copy it with keys/" + a.id + " and ca/public to the agency's host; every key:\n"
         "# docs/configuration.md.\n"
         "bundle = \"keys/" + a.id + "\"\n"
         "directory = \"ca/public\"\n"
         "gateway = \"" + o.gateway_id + "\"                 # pinned by its certificate\n"
         "gateway_endpoint = \"" + Endpoint(o, 0) + "\"\n"
         "database = \"" + a.id + ".db\"           # the agency's inbox\n"
         "# notify = \"/usr/local/bin/tocsin-page\"   # the duty officer's pager (docs/operations.md)\n";
}

std::string OperatorToml(const InitOptions& o, const std::string& op) {
  return "# operator-" + op + ".toml -- an operator profile written by tocsin init:\n"
         "#   tocsin issue --profile operator-" + op + ".toml --agency ID --title ... --body ...\n"
         "# or copy it to ~/.config/tocsin/operator.toml and drop --profile.\n"
         "bundle = \"keys/" + op + "\"\n"
         "directory = \"ca/public\"\n"
         "gateway = \"" + o.gateway_id + "\"\n"
         "endpoint = \"" + Endpoint(o, 1) + "\"\n";
}

// What both bridges' configurations start with.
std::string BridgeCommon(const InitOptions& o, const std::string& id, const std::string& channel) {
  return "# bridge-" + channel + ".toml -- written by tocsin init; every key: docs/configuration.md,\n"
         "# docs/bridges.md. It holds secrets: keep it 0600, owned by the bridge's user.\n"
         "bundle = \"keys/" + id + "\"\n"
         "directory = \"ca/public\"\n"
         "gateway = \"" + o.gateway_id + "\"\n"
         "gateway_endpoint = \"" + Endpoint(o, 2) + "\"\n"
         "database = \"bridge-" + channel + ".db\"      # the durable queue\n";
}

// TOML's basic string, for names people typed.
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string ContactToml(const Contact& c) {
  std::string out = "{ name = " + Quoted(c.name);
  if (!c.phone.empty()) {
    out += ", phone = " + Quoted(c.phone);
  }
  if (!c.email.empty()) {
    out += ", email = " + Quoted(c.email);
  }
  return out + " }";
}

// A starting escalation ladder: for critical directives SMS, then e-mail to
// both contacts, then the crisis cell; for high ones e-mail, then the cell.
std::string PolicyToml(const Contact& cell, const std::vector<Agency>& agencies) {
  std::string out =
      "# policy.toml -- written by tocsin init: the escalation ladders (docs/policies.md).\n"
      "# Check it after every change: tocsin policy check policy.toml\n"
      "[crisis_cell]\n"
      "name = " + Quoted(cell.name) + "\n" +
      (cell.phone.empty() ? "" : "phone = " + Quoted(cell.phone) + "\n") +
      (cell.email.empty() ? "" : "email = " + Quoted(cell.email) + "\n");
  for (const Agency& a : agencies) {
    if (a.duty_officer) {
      out += "\n[contacts." + a.id + "]\nduty_officer = " + ContactToml(*a.duty_officer) + "\n"
             "# deputy = { name = \"...\", phone = \"+...\", email = \"...\" }\n";
    }
  }
  out +=
      "\n[[rule]]\n"
      "severity = \"critical\"\n"
      "ack_within = \"30m\"\n"
      "steps = [\n"
      "  { after = \"10m\", unless = \"acknowledged\", do = \"sms\" },\n"
      "  { after = \"15m\", unless = \"acknowledged\", do = \"email\", to = \"both\" },\n"
      "  { after = \"30m\", unless = \"acknowledged\", do = \"crisis-cell\" },\n"
      "]\n"
      "\n[[rule]]\n"
      "severity = \"high\"\n"
      "ack_within = \"2h\"\n"
      "steps = [\n"
      "  { after = \"1h\", unless = \"acknowledged\", do = \"email\" },\n"
      "  { after = \"2h\", unless = \"acknowledged\", do = \"crisis-cell\" },\n"
      "]\n";
  return out;
}

// --smtp URL,FROM and --kannel URL,USER,PASSWORD, split and checked.
Result<std::vector<std::string>> BridgeFields(const std::string& text, std::size_t count,
                                              const std::string& option, const std::string& form) {
  std::vector<std::string> fields = SplitFields(text, ',');
  if (fields.size() != count ||
      std::any_of(fields.begin(), fields.end(), [](const std::string& f) { return f.empty(); })) {
    return Invalid(option, "expected " + form + ", got \"" + text + "\"");
  }
  return fields;
}

std::string EmailBridgeToml(const InitOptions& o, const std::vector<std::string>& smtp) {
  return BridgeCommon(o, kEmailBridgeId, "email") +
         "smtp_url = " + Quoted(smtp[0]) + "     # STARTTLS is required unless allowed below\n"
         "smtp_from = " + Quoted(smtp[1]) + "\n"
         "# smtp_username = \"\" and smtp_password = \"\"   # if the server asks\n"
         "# allow_plaintext_smtp = false          # true only for a server without STARTTLS\n";
}

std::string SmsBridgeToml(const InitOptions& o, const std::vector<std::string>& kannel) {
  return BridgeCommon(o, kSmsBridgeId, "sms") +
         "kannel_sendsms_url = " + Quoted(kannel[0]) + "\n"
         "kannel_username = " + Quoted(kannel[1]) + "\n"
         "kannel_password = " + Quoted(kannel[2]) + "\n"
         "sms_from = \"TOCSIN\"\n"
         "listen_port = 7710          # on 127.0.0.1: Kannel's delivery reports and replies\n"
         "# Kannel's get-url for replies must carry &secret=<this> (docs/bridges.md):\n"
         "callback_secret = \"" + HexEncode(crypto::RandomBytes(24)) + "\"\n";
}

class InitRun {
 public:
  explicit InitRun(const InitOptions& o) : o_(o) {}

  Status Run() {
    TOCSIN_ASSIGN_OR_RETURN(std::vector<Agency> agencies, Agencies());
    std::string ca_dir = o_.dir + "/ca";
    bool new_ca = !fs::exists(ca_dir + "/ca.toml");
    pki::CaConfig config;
    config.organization = o_.organization;
    config.sectors = pki::DefaultSectors();
    if (!new_ca) {
      TOCSIN_ASSIGN_OR_RETURN(pki::CertificateAuthority existing,
                              pki::CertificateAuthority::Open(ca_dir, clock_));
      config = existing.config();
    }
    TOCSIN_RETURN_IF_ERROR(CheckSectors(agencies, config));  // before anything is written
    TOCSIN_ASSIGN_OR_RETURN(std::optional<std::string> policy, NewPolicy(agencies));
    std::optional<std::vector<std::string>> smtp;
    std::optional<std::vector<std::string>> kannel;
    if (!o_.smtp.empty()) {
      TOCSIN_ASSIGN_OR_RETURN(smtp, BridgeFields(o_.smtp, 2, "--smtp", "URL,FROM"));
    }
    if (!o_.kannel.empty()) {
      TOCSIN_ASSIGN_OR_RETURN(kannel, BridgeFields(o_.kannel, 3, "--kannel", "SENDSMS_URL,USER,PASSWORD"));
    }
    if (new_ca) {
      TOCSIN_RETURN_IF_ERROR(pki::CertificateAuthority::Initialize(ca_dir, config, clock_));
      Note("ca", "created", "the root CA: move ca/private offline once enrolment is done");
    } else {
      Note("ca", "kept", "an existing CA");
    }
    TOCSIN_ASSIGN_OR_RETURN(pki::CertificateAuthority ca, pki::CertificateAuthority::Open(ca_dir, clock_));
    TOCSIN_RETURN_IF_ERROR(Enroll(ca, {o_.gateway_id, Role::kGateway, std::nullopt, 0, std::nullopt}));
    TOCSIN_RETURN_IF_ERROR(WriteNew("gateway.toml", GatewayToml(o_)));
    for (const std::string& op : o_.operators) {
      TOCSIN_RETURN_IF_ERROR(Enroll(ca, {op, Role::kOperator, std::nullopt, 0, std::nullopt}));
      TOCSIN_RETURN_IF_ERROR(WriteNew("operator-" + op + ".toml", OperatorToml(o_, op)));
    }
    for (const Agency& a : agencies) {
      TOCSIN_RETURN_IF_ERROR(Enroll(ca, {a.id, Role::kAgency, a.sector, 0, std::nullopt}));
      TOCSIN_RETURN_IF_ERROR(WriteNew("client-" + a.id + ".toml", ClientToml(o_, a)));
    }
    if (policy) {
      TOCSIN_RETURN_IF_ERROR(WriteNew("policy.toml", *policy));
    }
    if (!o_.smtp.empty()) {
      TOCSIN_RETURN_IF_ERROR(Enroll(ca, {kEmailBridgeId, Role::kBridge, std::nullopt, 0, "email"}));
      TOCSIN_RETURN_IF_ERROR(WriteNew("bridge-email.toml", EmailBridgeToml(o_, *smtp)));
    }
    if (!o_.kannel.empty()) {
      TOCSIN_RETURN_IF_ERROR(Enroll(ca, {kSmsBridgeId, Role::kBridge, std::nullopt, 0, "sms"}));
      TOCSIN_RETURN_IF_ERROR(WriteNew("bridge-sms.toml", SmsBridgeToml(o_, *kannel)));
    }
    return {};
  }

  const nlohmann::json& report() const { return report_; }
  int enrolled() const { return enrolled_; }

 private:
  Result<std::vector<Agency>> Agencies() const {
    std::vector<Agency> agencies;
    for (const std::string& text : o_.agencies) {
      TOCSIN_ASSIGN_OR_RETURN(Agency a, ParseAgency(text, "--agency", ':'));
      agencies.push_back(std::move(a));
    }
    if (!o_.agencies_csv.empty()) {
      TOCSIN_ASSIGN_OR_RETURN(std::vector<Agency> listed, ReadAgencyCsv(o_.agencies_csv));
      agencies.insert(agencies.end(), listed.begin(), listed.end());
    }
    std::set<std::string> seen(o_.operators.begin(), o_.operators.end());
    seen.insert(o_.gateway_id);
    if (seen.size() != o_.operators.size() + 1) {
      return Invalid("--operator", "the gateway and each operator need ids of their own");
    }
    for (const Agency& a : agencies) {
      if (!seen.insert(a.id).second) {
        return Invalid(a.where, "agency " + a.id + " is listed twice, or is the gateway's or an "
                                "operator's id");
      }
    }
    return agencies;
  }

  static Status CheckSectors(const std::vector<Agency>& agencies, const pki::CaConfig& config) {
    for (const Agency& a : agencies) {
      if (!config.HasSector(a.sector)) {
        std::string known;
        for (const std::string& s : config.sectors) {
          known += (known.empty() ? "" : ", ") + s;
        }
        return Invalid(a.where, "unknown sector \"" + a.sector + "\" (this CA knows: " + known + ")");
      }
    }
    return {};
  }

  // Enrols `who` unless its bundle exists and is the same principal (then it
  // was enrolled before); a bundle of another role or sector is an error.
  Status Enroll(pki::CertificateAuthority& ca, const pki::EnrollRequest& who) {
    std::string bundle = "keys/" + who.principal_id;
    if (fs::exists(o_.dir + "/" + bundle)) {
      TOCSIN_ASSIGN_OR_RETURN(ConfigReader manifest,
                              ConfigReader::Open(o_.dir + "/" + bundle + "/principal.toml"));
      TOCSIN_ASSIGN_OR_RETURN(std::string role, manifest.StringOr("role", ""));
      TOCSIN_ASSIGN_OR_RETURN(std::string sector, manifest.StringOr("sector", ""));
      std::string wanted_role(RoleName(who.role));
      std::string wanted_sector = who.sector.value_or("");
      if (role != wanted_role || sector != wanted_sector) {
        return Invalid(bundle, "holds " + role + (sector.empty() ? "" : " of sector " + sector) +
                                   ", not " + wanted_role +
                                   (wanted_sector.empty() ? "" : " of sector " + wanted_sector) +
                                   ": an id names one principal (revoke and re-enrol to change it)");
      }
      Note(bundle, "kept", "enrolled before");
      return {};
    }
    fs::create_directories(o_.dir + "/keys");
    TOCSIN_RETURN_IF_ERROR(ca.Enroll(who, o_.dir + "/" + bundle));
    ++enrolled_;
    Note(bundle, "created", std::string(RoleName(who.role)) +
                                (who.sector ? ", sector " + *who.sector : std::string()) +
                                (who.channel ? ", channel " + *who.channel : std::string()));
    return {};
  }

  // With --crisis-cell, the text of a new policy.toml, loaded as the gateway
  // will load it before anything is written (nullopt: none to write). A
  // policy.toml that exists is kept; new agencies' contacts are named.
  Result<std::optional<std::string>> NewPolicy(const std::vector<Agency>& agencies) {
    if (o_.crisis_cell.empty()) {
      return std::optional<std::string>();
    }
    std::string path = o_.dir + "/policy.toml";
    if (fs::exists(path)) {
      Result<policies::Policy> kept = policies::LoadPolicy(path);
      std::string missing;
      for (const Agency& a : agencies) {
        if (a.duty_officer && (!kept || kept->contacts.count(a.id) == 0)) {
          missing += (missing.empty() ? "" : ", ") + a.id;
        }
      }
      Note("policy.toml", "kept",
           missing.empty() ? "exists; not overwritten"
                           : "exists; not overwritten: add the contacts of " + missing + " by hand");
      return std::optional<std::string>();
    }
    std::vector<std::string> cell = SplitFields(o_.crisis_cell, ',');
    if (cell.size() != 3 || cell[0].empty() || (cell[1].empty() && cell[2].empty())) {
      return Invalid("--crisis-cell", "expected NAME,PHONE,EMAIL (a phone or an e-mail may be "
                                      "empty), got \"" + o_.crisis_cell + "\"");
    }
    std::string text = PolicyToml({cell[0], cell[1], cell[2]}, agencies);
    Result<policies::Policy> loaded = policies::ParsePolicy(text, "policy.toml");
    if (!loaded) {
      // "policy.toml:LINE: contacts.ID.duty_officer.phone: why": the field
      // says which agency; the line of a file not yet written says nothing.
      std::string why = loaded.error().context;
      std::size_t field = why.find(": ");
      return Invalid("the contacts given (--crisis-cell and the CSV)",
                     field == std::string::npos ? why : why.substr(field + 2));
    }
    return std::optional<std::string>(std::move(text));
  }

  Status WriteNew(const std::string& name, const std::string& text) {
    std::string path = o_.dir + "/" + name;
    if (fs::exists(path)) {
      Note(name, "kept", "exists; not overwritten");
      return {};
    }
    TOCSIN_RETURN_IF_ERROR(WriteFileDurably(path, AsBytes(text), 0600, Overwrite::kNo));
    Note(name, "created", "");
    return {};
  }

  void Note(const std::string& path, const std::string& what, const std::string& detail) {
    report_.push_back({{"path", path}, {"action", what}, {"detail", TextOrNull(detail)}});
    if (!o_.json) {
      std::cout << "  " << what << " " << path << (detail.empty() ? "" : " (" + detail + ")") << "\n";
    }
  }

  const InitOptions& o_;
  SystemClock clock_;
  nlohmann::json report_ = nlohmann::json::array();
  int enrolled_ = 0;
};

int RunInit(const InitOptions& o) {
  if (!o.json) {
    std::cout << "tocsin init: " << o.dir << "\n";
  }
  InitRun run(o);
  Status done = run.Run();
  if (!done) {
    return ReportError("init", done.error());
  }
  if (o.json) {
    PrintJson({{"dir", o.dir}, {"enrolled", run.enrolled()}, {"files", run.report()}});
    return kExitOk;
  }
  std::cout << "next, from " << o.dir << ":\n"
            << "  tocsin-gateway --config gateway.toml\n"
            << "  tocsin-client run --config client-AGENCY.toml\n"
            << "  tocsin issue --profile operator-" << o.operators.front()
            << ".toml --agency AGENCY --title ... --body ...\n";
  if (run.enrolled() > 0) {
    std::cout << "a gateway already running learns new principals on SIGHUP "
                 "(systemctl reload tocsin-gateway)\n";
  }
  return kExitOk;
}

}  // namespace

void AddInitCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* init = app.add_subcommand(
      "init", "Create or complete a deployment folder: CA, key bundles, gateway, client and "
              "operator configurations (never overwrites)");
  init->add_option("--dir", o->dir, "The deployment folder (created if missing)")->required();
  init->add_option("--organization", o->organization, "The CA's organization name (a new CA only)");
  init->add_option("--gateway-id", o->gateway_id, "The gateway's principal id")->capture_default_str();
  init->add_option("--host", o->host, "The gateway's address or name, where agencies and operators connect")
      ->capture_default_str();
  init->add_option("--bind", o->bind,
                   "The address the gateway binds (default: --host if it is an address, else 0.0.0.0)");
  init->add_option("--port", o->port, "Agencies' port; operators' is the next, bridges' the one after")
      ->check(CLI::Range(1, 65533))
      ->capture_default_str();
  init->add_option("--agency", o->agencies, "An agency, ID:SECTOR (repeatable)");
  init->add_option("--agencies", o->agencies_csv, "")->description(
      "A CSV file of agencies: \"id,sector\" or \"id,sector,officer,phone,email\" lines");
  init->add_option("--operator", o->operators, "An operator id (repeatable; default op.duty-1)");
  init->add_option("--crisis-cell", o->crisis_cell,
                   "\"NAME,PHONE,EMAIL\" of the crisis cell's duty desk: writes policy.toml with "
                   "the agencies' duty officers and a starting ladder");
  init->add_option("--smtp", o->smtp,
                   "\"URL,FROM\": enrol the e-mail bridge and write bridge-email.toml");
  init->add_option("--kannel", o->kannel,
                   "\"SENDSMS_URL,USER,PASSWORD\" of Kannel's smsbox: enrol the SMS bridge and "
                   "write bridge-sms.toml");
  init->add_flag("--json", o->json, "Print what was created and kept as JSON");
  init->callback([o, exit_code] {
    if (o->operators.empty()) {
      o->operators.push_back("op.duty-1");
    }
    *exit_code = RunInit(*o);
  });
}

}  // namespace tocsin::tools
