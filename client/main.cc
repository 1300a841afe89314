// tocsin-client -- an agency's daemon and its officers' commands.
//
//   tocsin-client run   --config client.toml
//   tocsin-client inbox --config client.toml [--json]
//   tocsin-client show  --config client.toml ID [--json]
//   tocsin-client ack   --config client.toml ID --by NAME [--note TEXT]
//   tocsin-client witness --config client.toml [--out FILE]
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <atomic>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "common/command_line.h"
#include "protocol/messages.h"
#include <nlohmann/json.hpp>

#include "client/agency_client.h"
#include "client/config.h"
#include "client/inbox_view.h"
#include "common/file_util.h"
#include "common/json_values.h"
#include "common/log.h"
#include "common/signals.h"
#include "crypto/base64.h"
#include "pki/crl_freshness.h"
#include "pki/setup_check.h"
#include "protocol/receipts.h"
#include "store/inbox.h"

namespace {

using tocsin::client::ClientConfig;

int Fail(const std::string& command, const tocsin::Error& error) {
  std::cerr << "tocsin-client " << command << ": " << error.ToString() << "\n";
  return 1;
}

nlohmann::json EntryJson(const tocsin::store::InboxEntry& e, bool with_body) {
  using tocsin::FormatUtc;
  nlohmann::json j = {{"id", tocsin::HexEncode(e.id)},
                      {"issuer", e.issuer},
                      {"sequence", e.sequence},
                      {"severity", e.severity},
                      {"tlp", e.tlp},
                      {"status", e.status},
                      {"title", e.title},
                      {"summary", tocsin::TextOrNull(e.summary)},
                      {"issued_at", FormatUtc(e.issued_at)},
                      {"received_at", FormatUtc(e.received_at)},
                      {"ack_deadline", FormatUtc(e.ack_deadline)},
                      {"expires_at", FormatUtc(e.expires_at)},
                      {"receipt_confirmed", e.receipt_confirmed},
                      {"acknowledged_at", e.acknowledged_at ? nlohmann::json(FormatUtc(*e.acknowledged_at))
                                                            : nlohmann::json()},
                      {"acknowledged_by", tocsin::TextOrNull(e.officer)},
                      {"acknowledgement_confirmed", e.acknowledgement_confirmed},
                      {"out_of_order", e.out_of_order}};
  if (with_body) {
    j["body"] = e.body;
    j["note"] = tocsin::TextOrNull(e.note);
  }
  return j;
}

// `run --check-config`: keys, CA folder, the pinned gateway, the inbox's folder.
tocsin::Result<std::vector<std::string>> CheckClientConfig(const ClientConfig& config) {
  TOCSIN_ASSIGN_OR_RETURN(std::vector<std::string> facts,
                          tocsin::pki::CheckSetup({config.bundle, config.directory,
                                                   tocsin::Role::kAgency, "", config.gateway,
                                                   std::nullopt},
                                                  tocsin::SystemClock().NowMillis()));
  TOCSIN_RETURN_IF_ERROR(tocsin::pki::CheckWritableFolderOf(config.database));
  facts.push_back("inbox " + config.database + ": its folder is writable");
  facts.push_back(config.notify.empty() ? std::string("no notify hook: nobody is paged")
                                        : "notify hook: " + config.notify);
  return facts;
}

int RunDaemon(const ClientConfig& config) {
  struct rlimit none {0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  tocsin::InitLogging("tocsin-client", config.log_format);
  tocsin::SystemClock wall;
  tocsin::PacedClock clock(wall);  // what the daemon signs is dated by it, steps not followed
  tocsin::DaemonSignals& signals = tocsin::InstallDaemonSignals();
  auto client = tocsin::StartWhenCurrent(
      [&] { return tocsin::client::AgencyClient::Create(config, clock); },
      tocsin::pki::IsStaleCrlError, signals.stop);
  if (!client) {
    spdlog::critical("cannot start: {}", client.error().ToString());
    return 1;
  }
  tocsin::Status served = (*client)->Run(signals.stop, signals.reload);
  if (!served) {
    spdlog::critical("stopping on a fatal error: {}", served.error().ToString());
    return 1;
  }
  return 0;
}

// Every command but `run` works on an inbox that exists: a mistyped path
// must not show an empty inbox (and leave a new database behind).
tocsin::Result<tocsin::store::Inbox> OpenExistingInbox(const ClientConfig& config) {
  std::error_code error;
  if (!std::filesystem::exists(config.database, error)) {
    return tocsin::MakeError(tocsin::ErrorCode::kNotFound,
                             "no inbox at " + config.database +
                                 " (the configuration's `database`): `tocsin-client run` creates "
                                 "it; check the path and the --config given");
  }
  return tocsin::store::Inbox::Open(config.database);
}

nlohmann::json RowJson(const tocsin::client::InboxRow& row, bool with_body) {
  nlohmann::json j = EntryJson(row.entry, with_body);
  j["action"] = row.action;
  j["references"] = row.references.empty() ? nlohmann::json() : nlohmann::json(row.references);
  j["original_received"] = row.references.empty() ? nlohmann::json() : nlohmann::json(row.original_held);
  j["updated_by"] = row.updated_by;
  j["cancelled_by"] = row.cancelled_by.empty() ? nlohmann::json() : nlohmann::json(row.cancelled_by);
  j["needs_acknowledgement"] = row.NeedsAcknowledgement();
  return j;
}

// What a follow-up line says of the directive it follows up.
std::string FollowUpNote(const tocsin::client::InboxRow& row) {
  if (row.references.empty()) {
    return "";
  }
  return row.action + " of " + row.references.substr(0, 8) +
         (row.original_held ? "" : " (not received yet)") + ": ";
}

int ListInbox(const ClientConfig& config, bool json) {
  auto inbox = OpenExistingInbox(config);
  auto entries = inbox ? inbox->List() : decltype(inbox->List())(tl::unexpected(inbox.error()));
  if (!entries) {
    return Fail("inbox", entries.error());
  }
  std::vector<tocsin::client::InboxRow> rows = tocsin::client::ThreadInbox(std::move(*entries));
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& row : rows) {
      out.push_back(RowJson(row, false));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%-12s %-9s %-13s %-24s %-14s %s\n", "ID", "SEVERITY", "TLP", "RECEIVED", "ACK",
              "TITLE");
  for (const auto& row : rows) {
    const tocsin::store::InboxEntry& e = row.entry;
    std::string id = std::string(static_cast<std::size_t>(2 * std::min(row.depth, 2)), ' ') +
                     (row.depth > 0 ? "└ " : "") + tocsin::HexEncode(e.id).substr(0, 8);
    std::printf("%-12s %-9s %-13s %-24s %-14s %s%s\n", id.c_str(), e.severity.c_str(),
                e.tlp.c_str(), tocsin::FormatUtc(e.received_at).c_str(),
                tocsin::EscapeForDisplay(row.AckState().substr(0, 14)).c_str(),
                FollowUpNote(row).c_str(), tocsin::EscapeForDisplay(e.title).c_str());
  }
  return 0;
}

int Show(const ClientConfig& config, const std::string& id, bool json) {
  auto inbox = OpenExistingInbox(config);
  auto entry = inbox ? inbox->FindByHexPrefix(id)
                     : decltype(inbox->FindByHexPrefix(id))(tl::unexpected(inbox.error()));
  if (!entry) {
    return Fail("show", entry.error());
  }
  if (!*entry) {
    return Fail("show", {tocsin::ErrorCode::kNotFound, "no directive " + id + " in the inbox"});
  }
  // Threaded against the whole inbox: what follows it up, and what it follows.
  auto all = inbox->List();
  if (!all) {
    return Fail("show", all.error());
  }
  tocsin::client::InboxRow row;
  for (auto& r : tocsin::client::ThreadInbox(std::move(*all))) {
    if (r.entry.id == (*entry)->id) {
      row = std::move(r);
    }
  }
  row.entry = **entry;
  nlohmann::json j = RowJson(row, true);
  if (json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  const tocsin::store::InboxEntry& e = **entry;
  std::cout << "Directive " << j["id"].get<std::string>() << " from " << e.issuer << "\n"
            << "  " << e.severity << ", TLP:" << e.tlp << ", " << e.status << "; received "
            << j["received_at"].get<std::string>() << "; acknowledge by "
            << j["ack_deadline"].get<std::string>() << "; expires "
            << j["expires_at"].get<std::string>() << "\n";
  if (!row.references.empty()) {
    std::cout << "  " << (row.action == "cancel" ? "CANCELS" : "UPDATES") << " directive "
              << row.references
              << (row.original_held ? "" : " (not received yet: it will be linked when it arrives)")
              << "\n";
  }
  for (const std::string& update : row.updated_by) {
    std::cout << "  UPDATED by directive " << update << "\n";
  }
  if (!row.cancelled_by.empty()) {
    std::cout << "  CANCELLED by directive " << row.cancelled_by
              << ": no acknowledgement is needed any more\n";
  }
  if (e.acknowledged_at) {
    std::cout << "  ACKNOWLEDGED at " << j["acknowledged_at"].get<std::string>() << " by "
              << tocsin::EscapeForDisplay(e.officer)
              << (e.note.empty() ? "" : " (note: " + tocsin::EscapeForDisplay(e.note) + ")")
              << (e.acknowledgement_confirmed ? "; the gateway has logged it"
                                              : "; not yet logged by the gateway")
              << "\n";
  } else if (row.NeedsAcknowledgement()) {
    std::cout << "  NOT ACKNOWLEDGED: tocsin-client ack " << j["id"].get<std::string>().substr(0, 8)
              << " --by \"NAME\"\n";
  }
  std::cout << "  " << tocsin::EscapeForDisplay(e.title) << "\n\n" << e.body << "\n";
  return 0;
}

int Acknowledge(const ClientConfig& config, const std::string& id, const std::string& by,
                const std::string& note) {
  auto bundle = tocsin::pki::LoadBundle(config.bundle);
  if (!bundle) {
    return Fail("ack", bundle.error());
  }
  auto inbox = OpenExistingInbox(config);
  auto entry = inbox ? inbox->FindByHexPrefix(id)
                     : decltype(inbox->FindByHexPrefix(id))(tl::unexpected(inbox.error()));
  if (!entry || !*entry) {
    return Fail("ack", entry ? tocsin::Error{tocsin::ErrorCode::kNotFound, "no directive " + id}
                             : entry.error());
  }
  tocsin::SystemClock clock;
  tocsin::protocol::Receipt ack;
  ack.kind = tocsin::protocol::ReceiptKind::kAcknowledged;
  std::copy((*entry)->id.begin(), (*entry)->id.end(), ack.directive_id.begin());
  std::copy((*entry)->digest.begin(), (*entry)->digest.end(), ack.directive_digest.begin());
  ack.agency = bundle->principal_id;
  ack.gateway = config.gateway;
  ack.at = clock.NowMillis();
  // With this machine's clock off by more than a minute (the daemon measures
  // it on the gateway's heartbeats), the acknowledgement is dated by the
  // gateway's clock: beyond five minutes the gateway would refuse it.
  auto offset = inbox->ClockOffset();
  if (offset && *offset && std::abs((*offset)->first) > 60000 &&
      std::abs(ack.at - (*offset)->second) < 24LL * 3600 * 1000) {
    std::cerr << "tocsin-client ack: warning: this machine's clock is "
              << std::abs((*offset)->first) / 1000 << " s "
              << ((*offset)->first > 0 ? "behind" : "ahead of")
              << " the gateway's; the acknowledgement is dated by the gateway's clock. Fix the "
                 "time service (NTP)\n";
    ack.at += (*offset)->first;
  }
  // The daemon's view of the log, as it last accepted it, signed in.
  auto held = inbox->LogCheckpoint();
  if (!held) {
    return Fail("ack", held.error());
  }
  if (*held && (*held)->size > 0 && (*held)->root.size() == tocsin::crypto::kDigestSize) {
    ack.log_size = (*held)->size;
    ack.log_root.emplace();
    std::copy((*held)->root.begin(), (*held)->root.end(), ack.log_root->begin());
  }
  ack.officer = by;
  if (!note.empty()) {
    ack.note = note;
  }
  tocsin::Bytes encoded = tocsin::protocol::EncodeReceipt(ack);
  if (!tocsin::protocol::DecodeReceipt(encoded, ack.kind)) {
    return Fail("ack", {tocsin::ErrorCode::kInvalidArgument,
                        "--by must be 1 to 128 characters of text on one line (no tab, line "
                        "break or control character), --note at most 1024"});
  }
  tocsin::Bytes wire = tocsin::protocol::SignReceipt(ack, bundle->signing);
  tocsin::Status stored = inbox->Acknowledge((*entry)->id, ack.at, by, note, wire);
  if (!stored) {
    return Fail("ack", stored.error());
  }
  std::cout << "acknowledged " << tocsin::HexEncode((*entry)->id) << " as " << by
            << "; signed and stored, and queued for the gateway: the client daemon sends it "
               "as soon as it runs and is connected (`tocsin-client show` says when the "
               "gateway has logged it)\n";
  return 0;
}

// The checkpoints and log promises this agency holds, in the witness format
// that `tocsin audit verify --witness` reads (docs/audit.md section 5).
int ExportWitness(const ClientConfig& config, const std::string& out) {
  auto bundle = tocsin::pki::LoadBundle(config.bundle);
  auto inbox = bundle ? OpenExistingInbox(config)
                      : decltype(OpenExistingInbox(config))(tl::unexpected(bundle.error()));
  auto checkpoints = inbox ? inbox->HeldCheckpoints()
                           : decltype(inbox->HeldCheckpoints())(tl::unexpected(inbox.error()));
  auto promises = checkpoints ? inbox->Promises(std::nullopt, SIZE_MAX)
                              : decltype(inbox->Promises(std::nullopt, 0))(
                                    tl::unexpected(checkpoints.error()));
  if (!promises) {
    return Fail("witness", promises.error());
  }
  nlohmann::json signed_promises = nlohmann::json::array();
  std::size_t broken = 0;
  for (const auto& p : *promises) {
    signed_promises.push_back(tocsin::crypto::Base64Encode(p.wire));
    broken += p.state == tocsin::store::PromiseState::kBroken ? 1 : 0;
  }
  nlohmann::json witness = {{"format", "tocsin-witness/1"}, {"gateway", config.gateway},
                            {"holder", bundle->principal_id}, {"checkpoints", *checkpoints},
                            {"promises", signed_promises}};
  if (out.empty()) {
    std::cout << witness.dump(1) << "\n";
    return 0;
  }
  tocsin::Status written = tocsin::WriteFileDurably(out, tocsin::AsBytes(witness.dump(1) + "\n"),
                                                    0600, tocsin::Overwrite::kNo);
  if (!written) {
    return Fail("witness", written.error());
  }
  std::cout << "wrote " << checkpoints->size() << " checkpoints and " << promises->size()
            << " log promises (" << broken << " broken) held for gateway " << config.gateway
            << " to " << out << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tocsin-client: an agency's Tocsin daemon and inbox", "tocsin-client"};
  tocsin::AddVersionFlag(app, tocsin::protocol::kProtocolVersion);
  app.require_subcommand(1);
  std::string config_path;
  std::string id;
  std::string by;
  std::string note;
  bool json = false;
  auto add_config = [&](CLI::App* command) {
    command->add_option("--config", config_path, "client.toml")->required();
  };
  CLI::App* run = app.add_subcommand("run", "Run the agency daemon");
  add_config(run);
  bool check_config = false;
  run->add_flag("--check-config", check_config,
                "check the configuration, keys, CA folder and gateway, then exit (starts nothing)");
  bool full_integrity_check = false;
  run->add_flag("--integrity-check", full_integrity_check,
                "check the whole inbox (SQLite's integrity_check, indexes too) before serving");
  CLI::App* inbox = app.add_subcommand("inbox", "List received directives");
  add_config(inbox);
  inbox->add_flag("--json", json, "Print as JSON");
  CLI::App* show = app.add_subcommand("show", "Show one directive");
  add_config(show);
  show->add_option("id", id, "Directive id (a unique prefix of 8+ hex digits)")->required();
  show->add_flag("--json", json, "Print as JSON");
  CLI::App* ack = app.add_subcommand("ack", "Acknowledge a directive (signed)");
  add_config(ack);
  ack->add_option("id", id, "Directive id (a unique prefix of 8+ hex digits)")->required();
  ack->add_option("--by", by, "Name of the acknowledging officer")->required();
  ack->add_option("--note", note, "Optional note");
  std::string out;
  CLI::App* witness = app.add_subcommand(
      "witness", "Export the audit checkpoints and log promises this agency holds");
  add_config(witness);
  witness->add_option("--out", out, "Write here (a new file, mode 0600) instead of stdout");
  if (std::optional<int> exit = tocsin::ParseCommandLine(app, argc, argv)) {
    return *exit;
  }

  auto config = tocsin::client::LoadClientConfig(config_path);
  if (!config) {
    return Fail(app.get_subcommands().front()->get_name(), config.error());
  }
  if (run->parsed() && check_config) {
    return tocsin::ReportConfigCheck("tocsin-client", CheckClientConfig(*config));
  }
  if (run->parsed()) {
    config->full_integrity_check = full_integrity_check;
    return RunDaemon(*config);
  }
  if (inbox->parsed()) {
    return ListInbox(*config, json);
  }
  if (show->parsed()) {
    return Show(*config, id, json);
  }
  if (witness->parsed()) {
    return ExportWitness(*config, out);
  }
  return Acknowledge(*config, id, by, note);
}
