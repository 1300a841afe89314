#include "tools/pki_commands.h"

#include <iostream>
#include <memory>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/file_util.h"
#include "common/signature_rule.h"
#include "pki/authority.h"
#include "pki/crl_expiry.h"
#include "pki/crl_freshness.h"
#include "pki/key_request.h"
#include "tools/cli_support.h"

namespace tocsin::tools {
namespace {

struct PkiOptions {
  std::string ca_dir;
  std::string organization = "Tocsin National Coordination Centre";
  std::string sectors_file;
  std::string id;
  std::string role;
  std::string sector;
  std::string channel;
  std::string out;
  int days = 0;
  bool json = false;
  std::string root;      // request: the CA's root certificate, pinned into the bundle
  std::string request;   // certify: the request file
  std::string bundle;    // request, install: the principal's own bundle folder
  std::string certs;     // install: what certify wrote
  bool freshness_signer = false;  // revoke: the CRL freshness signer, not a principal
  std::string signer;    // refresh: the freshness signer's folder
  std::string public_dir;  // refresh: the published folder holding crl.pem
  int hours = 24;        // refresh: the statement's lifetime
  std::vector<std::string> rule_changes;  // signature-rule --set NAME=COUNT
};

// --role, --id, --sector, --channel as an EnrollRequest.
Result<pki::EnrollRequest> WhoFromOptions(const PkiOptions& options) {
  std::optional<Role> role = ParseRole(options.role);
  if (!role) {
    return MakeError(ErrorCode::kInvalidArgument, "--role must be gateway, operator, agency or bridge");
  }
  pki::EnrollRequest request{options.id, *role, std::nullopt, options.days, std::nullopt};
  if (!options.sector.empty()) {
    request.sector = options.sector;
  }
  if (!options.channel.empty()) {
    request.channel = options.channel;
  }
  return request;
}

int RunInit(const PkiOptions& options) {
  pki::CaConfig config;
  config.organization = options.organization;
  config.sectors = pki::DefaultSectors();
  if (!options.sectors_file.empty()) {
    auto sectors = pki::LoadSectorList(options.sectors_file);
    if (!sectors) {
      return ReportError("pki init", sectors.error());
    }
    config.sectors = *sectors;
  }
  SystemClock clock;
  Status created = pki::CertificateAuthority::Initialize(options.ca_dir, config, clock);
  if (!created) {
    return ReportError("pki init", created.error());
  }
  std::cout << "created CA in " << options.ca_dir << " for '" << config.organization
            << "' with " << config.sectors.size() << " sectors\n"
            << "  keep " << options.ca_dir << "/private offline; publish "
            << options.ca_dir << "/public\n";
  return kExitOk;
}

nlohmann::json CertifiedKeyJson(const pki::CertifiedKey& key) {
  return {{"purpose", pki::PurposeName(key.purpose)},
          {"serial", key.serial_hex},
          {"public_key", HexEncode(key.public_key)},
          {"not_after", FormatUtc(key.not_after)}};
}

int RunEnroll(const PkiOptions& options) {
  SystemClock clock;
  auto ca = pki::CertificateAuthority::Open(options.ca_dir, clock);
  if (!ca) {
    return ReportError("pki enroll", ca.error());
  }
  auto request = WhoFromOptions(options);
  auto issued = request ? ca->Enroll(*request, options.out)
                        : Result<std::vector<pki::CertifiedKey>>(tl::unexpected(request.error()));
  if (!issued) {
    return ReportError("pki enroll", issued.error());
  }
  if (options.json) {
    nlohmann::json keys = nlohmann::json::array();
    for (const pki::CertifiedKey& key : *issued) {
      keys.push_back(CertifiedKeyJson(key));
    }
    PrintJson({{"id", options.id}, {"role", options.role}, {"bundle", options.out},
               {"certificates", keys}});
    return kExitOk;
  }
  std::cout << "enrolled " << options.id << " (" << options.role
            << (options.sector.empty() ? "" : ", sector " + options.sector)
            << (options.channel.empty() ? "" : ", channel " + options.channel)
            << "), valid until " << FormatUtc(issued->front().not_after) << "\n"
            << "  key bundle: " << options.out << " (private: hand it to "
            << options.id << " only)\n";
  return kExitOk;
}

// On the principal's own machine: its keys, and a request for the CA.
int RunRequest(const PkiOptions& options) {
  auto who = WhoFromOptions(options);
  auto request = who ? pki::GenerateKeyRequest(*who, options.bundle, options.root)
                     : Result<pki::KeyRequest>(tl::unexpected(who.error()));
  std::string path = options.bundle + "/request.toml";
  Status written = request ? WriteFileDurably(path, AsBytes(pki::RenderKeyRequest(*request)), 0644,
                                              Overwrite::kNo)
                           : Status(tl::unexpected(request.error()));
  if (!written) {
    return ReportError("pki request", written.error());
  }
  std::string fingerprint = pki::KeyRequestFingerprint(*request);
  if (options.json) {
    PrintJson({{"id", options.id}, {"bundle", options.bundle}, {"request", path},
               {"fingerprint", fingerprint}});
    return kExitOk;
  }
  std::cout << "made the keys of " << options.id << " in " << options.bundle
            << " (private: they never leave this machine)\n"
            << "  request: " << path << " (public keys only): hand it to the CA's custodian\n"
            << "  fingerprint: " << fingerprint << "  (read it to them over another channel)\n"
            << "  then: tocsin pki install --bundle " << options.bundle << " --certs DIR\n";
  return kExitOk;
}

// On the CA host: certifies a request's public keys, never seeing a private one.
int RunCertify(const PkiOptions& options) {
  SystemClock clock;
  auto request = pki::LoadKeyRequest(options.request);
  auto ca = request ? pki::CertificateAuthority::Open(options.ca_dir, clock)
                    : Result<pki::CertificateAuthority>(tl::unexpected(request.error()));
  if (!ca) {
    return ReportError("pki certify", ca.error());
  }
  request->who.validity_days = options.days;
  auto issued = ca->Certify(request->who, request->keys, options.out);
  if (!issued) {
    return ReportError("pki certify", issued.error());
  }
  std::string fingerprint = pki::KeyRequestFingerprint(*request);
  if (options.json) {
    nlohmann::json keys = nlohmann::json::array();
    for (const pki::CertifiedKey& key : *issued) {
      keys.push_back(CertifiedKeyJson(key));
    }
    PrintJson({{"id", request->who.principal_id}, {"fingerprint", fingerprint},
               {"certificates", keys}, {"out", options.out}});
    return kExitOk;
  }
  std::cout << "certified " << request->who.principal_id << " ("
            << RoleName(request->who.role) << "), request fingerprint " << fingerprint
            << ": compare it with the one its holder reads to you\n"
            << "  certificates: " << options.out << " (public): hand them back; published in "
            << ca->paths().Principal(request->who.principal_id) << "\n";
  return kExitOk;
}

// Back on the principal's machine: checks the certificates and completes the bundle.
int RunInstall(const PkiOptions& options) {
  SystemClock clock;
  Status installed = pki::InstallCertificates(options.bundle, options.certs, clock.NowMillis());
  if (!installed) {
    return ReportError("pki install", installed.error());
  }
  std::cout << "installed the certificates into " << options.bundle
            << ": each issued by the pinned root, for this principal, for its own keys\n";
  return kExitOk;
}

int RunRevoke(const PkiOptions& options) {
  SystemClock clock;
  auto ca = pki::CertificateAuthority::Open(options.ca_dir, clock);
  if (!ca) {
    return ReportError("pki revoke", ca.error());
  }
  if (options.freshness_signer) {
    Status revoked = ca->RevokeFreshnessSigner();
    if (!revoked) {
      return ReportError("pki revoke", revoked.error());
    }
    std::cout << "revoked the CRL freshness signer; CRLs are daily again: publish the new CRL "
                 "and run tocsin pki crl at least daily\n";
    return kExitOk;
  }
  auto revoked = ca->Revoke(options.id);
  if (!revoked) {
    return ReportError("pki revoke", revoked.error());
  }
  std::cout << "revoked " << options.id << ": " << *revoked
            << " certificate(s) added to " << ca->paths().Crl()
            << "; publish the new CRL\n";
  return kExitOk;
}

int RunCrl(const PkiOptions& options) {
  SystemClock clock;
  auto ca = pki::CertificateAuthority::Open(options.ca_dir, clock);
  Status written = ca ? ca->ReissueCrl() : Status(tl::unexpected(ca.error()));
  if (!written) {
    return ReportError("pki crl", written.error());
  }
  auto crl = ca->Crl();
  if (!crl) {
    return ReportError("pki crl", crl.error());
  }
  std::cout << "re-issued " << ca->paths().Crl() << " (number " << crl->number
            << "), valid until " << FormatUtc(crl->next_update) << " ("
            << (crl->next_update - crl->this_update) / 3600000 << " hours)\n";
  return kExitOk;
}

// "critical=2" applied to `rule`, or an error naming the accepted forms.
Status ApplyRuleChange(SignatureRule& rule, const std::string& change) {
  std::size_t equals = change.find('=');
  std::string name = change.substr(0, equals);
  std::uint32_t* field = equals == std::string::npos ? nullptr : RuleField(rule, name);
  std::string count = equals == std::string::npos ? "" : change.substr(equals + 1);
  if (field == nullptr || count.size() != 1 || count[0] < '1' ||
      count[0] > static_cast<char>('0' + kMaxRuleSignatures)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--set takes NAME=COUNT, NAME one of low, moderate, high, critical, cancel, "
                     "downgrade and COUNT 1 to 4; got '" + change + "'");
  }
  *field = static_cast<std::uint32_t>(count[0] - '0');
  return {};
}

nlohmann::json RuleJson(const SignatureRule& rule) {
  nlohmann::json out = nlohmann::json::object();
  for (std::string_view name : kSignatureRuleFields) {
    out[std::string(name)] = RuleFieldValue(rule, name);
  }
  return out;
}

// Shows the rule the CA's CRL carries; with --set, changes it in ca.toml and
// re-issues the CRL so that it carries the new one.
int RunSignatureRule(const PkiOptions& options) {
  SystemClock clock;
  auto ca = pki::CertificateAuthority::Open(options.ca_dir, clock);
  if (!ca) {
    return ReportError("pki signature-rule", ca.error());
  }
  if (!options.rule_changes.empty()) {
    SignatureRule rule = ca->config().signatures;
    for (const std::string& change : options.rule_changes) {
      if (Status applied = ApplyRuleChange(rule, change); !applied) {
        return ReportError("pki signature-rule", applied.error());
      }
    }
    if (Status set = ca->SetSignatureRule(rule); !set) {
      return ReportError("pki signature-rule", set.error());
    }
  }
  auto crl = ca->Crl();
  if (!crl) {
    return ReportError("pki signature-rule", crl.error());
  }
  bool pending = crl->signature_rule != ca->config().signatures;
  if (options.json) {
    PrintJson({{"crl_number", crl->number},
               {"signature_rule", RuleJson(crl->signature_rule)},
               {"ca_toml_rule", RuleJson(ca->config().signatures)},
               {"changed", !options.rule_changes.empty()}});
    return kExitOk;
  }
  std::cout << (options.rule_changes.empty() ? "" : "re-issued the CRL: ") << "CRL "
            << crl->number << " carries the signature rule: "
            << DescribeSignatureRule(crl->signature_rule) << "\n";
  if (pending) {
    std::cerr << "tocsin pki signature-rule: warning: ca.toml asks "
              << DescribeSignatureRule(ca->config().signatures)
              << "; the next CRL (tocsin pki crl) will carry it\n";
  }
  return kExitOk;
}

int RunDelegateFreshness(const PkiOptions& options) {
  SystemClock clock;
  auto ca = pki::CertificateAuthority::Open(options.ca_dir, clock);
  auto signer = ca ? ca->DelegateFreshness(options.out, options.days > 0 ? options.days : 90)
                   : Result<pki::FreshnessSigner>(tl::unexpected(ca.error()));
  auto crl = signer ? ca->Crl()
                    : Result<pki::CertificateAuthority::CrlInfo>(tl::unexpected(signer.error()));
  if (!crl) {
    return ReportError("pki delegate-freshness", crl.error());
  }
  if (options.json) {
    PrintJson({{"signer_dir", options.out},
               {"certificate", ca->paths().FreshnessSigner()},
               {"serial", signer->serial_hex},
               {"public_key", HexEncode(signer->public_key)},
               {"not_after", FormatUtc(signer->not_after)},
               {"crl_number", crl->number},
               {"crl_next_update", FormatUtc(crl->next_update)}});
    return kExitOk;
  }
  std::cout << "delegated CRL freshness to a new key in " << options.out << " (certificate "
            << ca->paths().FreshnessSigner() << ", serial " << signer->serial_hex
            << ", valid until " << FormatUtc(signer->not_after) << ")\n"
            << "re-issued CRL " << crl->number << ", valid until " << FormatUtc(crl->next_update)
            << "; after its first day it is current only with a freshness statement.\n"
            << "Move " << options.out << " to the signing host, delete it here, and run there at "
            << "least daily:\n  tocsin pki refresh --signer DIR --public PUBLISHED-FOLDER\n";
  return kExitOk;
}

// Exit 0 when the statement was written; the error otherwise (a revoked or
// superseded signer, an expired CRL): a timer unit that pages on failure.
int RunRefresh(const PkiOptions& options) {
  SystemClock clock;
  auto statement = pki::RefreshCrlFreshness(options.signer, options.public_dir, clock.NowMillis(),
                                            options.hours * 3600LL * 1000);
  if (!statement) {
    return ReportError("pki refresh", statement.error());
  }
  std::string path = options.public_dir + "/" + std::string(pki::kFreshnessStatementFile);
  if (options.json) {
    PrintJson({{"statement", path},
               {"crl_number", statement->crl_number},
               {"crl_sha256", HexEncode(statement->crl_sha256)},
               {"issued_at", FormatUtc(statement->issued_at)},
               {"valid_until", FormatUtc(statement->valid_until)}});
    return kExitOk;
  }
  std::cout << "CRL " << statement->crl_number << " is current until "
            << FormatUtc(statement->valid_until) << ": wrote " << path
            << "; publish it beside crl.pem\n";
  return kExitOk;
}

// How long the CA's CRL stays current, with the freshness statement found in
// `published` (where the signer writes; the CA's own public/ by default).
Result<pki::CrlCurrency> PublishedCrlCurrency(const pki::CertificateAuthority& ca,
                                              const std::string& published, UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(auto verifier, pki::CertificateVerifier::Load(ca.paths().RootCertificate(),
                                                                       ca.paths().Crl()));
  return pki::JudgeCrlCurrency(verifier, published.empty() ? ca.paths().Public() : published, now);
}

int RunList(const PkiOptions& options) {
  SystemClock clock;
  auto ca = pki::CertificateAuthority::Open(options.ca_dir, clock);
  auto records = ca ? ca->List() : Result<std::vector<pki::PrincipalRecord>>(
                                       tl::unexpected(ca.error()));
  if (!records) {
    return ReportError("pki list", records.error());
  }
  // The CRL decides whether any "active" below is worth anything.
  auto crl = ca->Crl();
  if (!crl) {
    return ReportError("pki list", crl.error());
  }
  auto currency = PublishedCrlCurrency(*ca, options.public_dir, clock.NowMillis());
  if (!currency) {
    return ReportError("pki list", currency.error());
  }
  pki::CrlExpiry expiry = pki::JudgeCrlExpiry(currency->current_until, clock.NowMillis());
  if (expiry.freshness != pki::CrlFreshness::kFresh) {
    std::cerr << "tocsin pki list: " << (expiry.freshness == pki::CrlFreshness::kExpired ? "error" : "warning")
              << ": " << pki::DescribeCrlExpiry(expiry, ca->paths().Crl()) << "\n";
  }
  if (options.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const pki::PrincipalRecord& r : *records) {
      rows.push_back({{"id", r.principal_id}, {"role", RoleName(r.role)},
                      {"sector", r.sector ? nlohmann::json(*r.sector) : nlohmann::json()},
                      {"channel", r.channel ? nlohmann::json(*r.channel) : nlohmann::json()},
                      {"state", pki::StateName(r.state)},
                      {"not_after", FormatUtc(r.not_after)},
                      {"serial", r.signing_serial},
                      {"profile", r.arc == pki::Arc::kCurrent ? "current" : "2.25-arc"}});
    }
    PrintJson(rows);
    return kExitOk;
  }
  std::size_t legacy = 0;
  for (const pki::PrincipalRecord& r : *records) {
    legacy += r.arc == pki::Arc::kLegacy && r.state == pki::PrincipalRecord::State::kActive ? 1 : 0;
  }
  if (legacy > 0) {
    std::cerr << "tocsin pki list: warning: " << legacy
              << " active principal(s) hold certificates of the first profile (the 2.25 arc, "
                 "marked 'old' below): re-issue them (docs/pki.md, moving to this profile)\n";
  }
  std::printf("%s\n\n", pki::DescribeCrlExpiry(expiry, ca->paths().Crl()).c_str());
  std::printf("%-32s %-9s %-24s %-8s %s\n", "ID", "ROLE", "SECTOR/CHANNEL", "STATE",
              "VALID UNTIL");
  for (const pki::PrincipalRecord& r : *records) {
    std::printf("%-32s %-9s %-24s %-8s %s%s\n", r.principal_id.c_str(),
                std::string(RoleName(r.role)).c_str(),
                r.sector ? r.sector->c_str() : r.channel ? r.channel->c_str() : "-",
                std::string(pki::StateName(r.state)).c_str(),
                FormatUtc(r.not_after).c_str(), r.arc == pki::Arc::kLegacy ? " (old)" : "");
  }
  return kExitOk;
}

// Exit 0 while the CRL is fresh or expiring (the warning is on stderr and in
// the output), 1 once it has expired: a cron job or a monitor can act on it.
int RunCrlStatus(const PkiOptions& options) {
  SystemClock clock;
  auto ca = pki::CertificateAuthority::Open(options.ca_dir, clock);
  auto crl = ca ? ca->Crl() : Result<pki::CertificateAuthority::CrlInfo>(tl::unexpected(ca.error()));
  if (!crl) {
    return ReportError("pki crl-status", crl.error());
  }
  auto currency = PublishedCrlCurrency(*ca, options.public_dir, clock.NowMillis());
  if (!currency) {
    return ReportError("pki crl-status", currency.error());
  }
  pki::CrlExpiry expiry = pki::JudgeCrlExpiry(currency->current_until, clock.NowMillis());
  if (options.json) {
    PrintJson({{"crl", ca->paths().Crl()},
               {"number", crl->number},
               {"this_update", FormatUtc(crl->this_update)},
               {"next_update", FormatUtc(crl->next_update)},
               {"long_lived", currency->long_lived},
               {"statement_until", currency->statement_until
                                       ? nlohmann::json(FormatUtc(*currency->statement_until))
                                       : nlohmann::json()},
               {"statement_problem", currency->problem.empty() ? nlohmann::json()
                                                               : nlohmann::json(currency->problem)},
               {"current_until", FormatUtc(currency->current_until)},
               {"seconds_left", expiry.left / 1000},
               {"state", pki::CrlFreshnessName(expiry.freshness)},
               {"signature_rule", RuleJson(crl->signature_rule)}});
  } else {
    std::printf("CRL %ld, issued %s: %s\n", crl->number, FormatUtc(crl->this_update).c_str(),
                pki::DescribeCrlExpiry(expiry, ca->paths().Crl()).c_str());
    if (currency->long_lived) {
      std::printf("long-lived (next update %s): current only with a freshness statement after "
                  "its first day; %s\n", FormatUtc(crl->next_update).c_str(),
                  currency->statement_until
                      ? ("the statement runs until " + FormatUtc(*currency->statement_until)).c_str()
                      : "no valid statement");
    }
  }
  if (!currency->problem.empty()) {
    std::cerr << "tocsin pki crl-status: error: the freshness statement is not used: "
              << currency->problem << "\n";
  }
  return expiry.freshness == pki::CrlFreshness::kExpired ? kExitFailure : kExitOk;
}

}  // namespace

void AddPkiCommands(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<PkiOptions>();
  CLI::App* pki = app.add_subcommand("pki", "Certificate authority: init, request, certify, install, enroll, revoke, crl, signature-rule, delegate-freshness, refresh, crl-status, list");
  pki->require_subcommand(1);
  auto add_ca = [&](CLI::App* command) {
    command->add_option("--ca", options->ca_dir, "CA folder")->required();
  };

  CLI::App* init = pki->add_subcommand("init", "Create a new offline root CA in a new folder");
  add_ca(init);
  init->add_option("--organization", options->organization,
                   "Organization (O=) for every certificate and the name constraint");
  init->add_option("--sectors-file", options->sectors_file,
                   "TOML file with a `sectors` array (default: the six plan sectors)");
  init->callback([=] { *exit_code = RunInit(*options); });

  CLI::App* enroll = pki->add_subcommand(
      "enroll", "Make a principal's keys and certificates on the CA host (demo and tests: "
                "the CA then holds its private keys; use request/certify/install)");
  add_ca(enroll);
  enroll->add_option("--id", options->id, "Principal id, [a-z0-9.-]")->required();
  enroll->add_option("--role", options->role, "gateway, operator, agency or bridge")->required();
  enroll->add_option("--sector", options->sector, "Sector (agencies only)");
  enroll->add_option("--channel", options->channel, "Channel a bridge serves: sms or email (bridges only)");
  enroll->add_option("--days", options->days, "Validity in days (default: ca.toml)");
  enroll->add_option("--out", options->out, "New folder for the key bundle")->required();
  enroll->add_flag("--json", options->json, "Print the result as JSON");
  enroll->callback([=] { *exit_code = RunEnroll(*options); });

  CLI::App* request = pki->add_subcommand(
      "request", "On the principal's machine: make its keys and a request for the CA");
  request->add_option("--id", options->id, "Principal id, [a-z0-9.-]")->required();
  request->add_option("--role", options->role, "gateway, operator, agency or bridge")->required();
  request->add_option("--sector", options->sector, "Sector (agencies only)");
  request->add_option("--channel", options->channel, "sms or email (bridges only)");
  request->add_option("--root", options->root, "The CA's root certificate (root.crt), to pin")
      ->required();
  request->add_option("--bundle", options->bundle, "New folder for the keys")->required();
  request->add_flag("--json", options->json, "Print the result as JSON");
  request->callback([=] { *exit_code = RunRequest(*options); });

  CLI::App* certify = pki->add_subcommand(
      "certify", "On the CA: certify the public keys of a request (no private key involved)");
  add_ca(certify);
  certify->add_option("--request", options->request, "request.toml from tocsin pki request")
      ->required();
  certify->add_option("--days", options->days, "Validity in days (default: ca.toml)");
  certify->add_option("--out", options->out, "New folder for the certificates")->required();
  certify->add_flag("--json", options->json, "Print the result as JSON");
  certify->callback([=] { *exit_code = RunCertify(*options); });

  CLI::App* install = pki->add_subcommand(
      "install", "On the principal's machine: check and install its certificates");
  install->add_option("--bundle", options->bundle, "The bundle tocsin pki request made")
      ->required();
  install->add_option("--certs", options->certs, "The folder tocsin pki certify wrote")
      ->required();
  install->callback([=] { *exit_code = RunInstall(*options); });

  CLI::App* revoke = pki->add_subcommand("revoke", "Revoke every certificate of a principal");
  add_ca(revoke);
  CLI::Option_group* whom = revoke->add_option_group("whom", "exactly one of");
  whom->add_option("--id", options->id, "Principal id");
  whom->add_flag("--freshness-signer", options->freshness_signer,
                 "Revoke the delegated CRL freshness signer instead");
  whom->require_option(1);
  revoke->callback([=] { *exit_code = RunRevoke(*options); });

  CLI::App* crl = pki->add_subcommand("crl", "Re-issue the CRL (run at least daily)");
  add_ca(crl);
  crl->callback([=] { *exit_code = RunCrl(*options); });

  CLI::App* rule = pki->add_subcommand(
      "signature-rule", "Show or change the two-person rule every CRL carries (distinct operators "
                        "per severity, cancel and downgrade)");
  add_ca(rule);
  rule->add_option("--set", options->rule_changes,
                   "NAME=COUNT, e.g. critical=2 (repeatable; re-issues the CRL)");
  rule->add_flag("--json", options->json, "Print the result as JSON");
  rule->callback([=] { *exit_code = RunSignatureRule(*options); });

  CLI::App* delegate = pki->add_subcommand(
      "delegate-freshness", "On the CA: delegate CRL freshness statements to a new key, so that "
                            "the root need not come online daily");
  add_ca(delegate);
  delegate->add_option("--out", options->out, "New folder for the signer's key and certificate")
      ->required();
  delegate->add_option("--days", options->days, "Validity of the signer's certificate (default 90)");
  delegate->add_flag("--json", options->json, "Print the result as JSON");
  delegate->callback([=] { *exit_code = RunDelegateFreshness(*options); });

  CLI::App* refresh = pki->add_subcommand(
      "refresh", "On the freshness signer's host: state that the published CRL is still current");
  refresh->add_option("--signer", options->signer, "The folder tocsin pki delegate-freshness wrote")
      ->required();
  refresh->add_option("--public", options->public_dir, "The published folder holding crl.pem")
      ->required();
  refresh->add_option("--hours", options->hours, "Lifetime of the statement, 1 to 24 (default 24)")
      ->check(CLI::Range(1, 24));
  refresh->add_flag("--json", options->json, "Print the result as JSON");
  refresh->callback([=] { *exit_code = RunRefresh(*options); });

  CLI::App* crl_status = pki->add_subcommand(
      "crl-status", "Show the CRL's number and expiry (exit 1 once it has expired)");
  add_ca(crl_status);
  crl_status->add_option("--public", options->public_dir,
                         "Judge the freshness statement in this published folder (default: CA/public)");
  crl_status->add_flag("--json", options->json, "Print the result as JSON");
  crl_status->callback([=] { *exit_code = RunCrlStatus(*options); });

  CLI::App* list = pki->add_subcommand("list", "Show principals and their state");
  add_ca(list);
  list->add_flag("--json", options->json, "Print the result as JSON");
  list->callback([=] { *exit_code = RunList(*options); });
}

}  // namespace tocsin::tools
