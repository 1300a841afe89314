#include "tools/status_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "common/clock.h"
#include "common/json_values.h"
#include "tools/cli_support.h"
#include "tools/issued_titles.h"
#include "tools/operator_link.h"
#include "tools/operator_profile.h"
#include "tools/status_evidence.h"

namespace tocsin::tools {
namespace {

using Checks = std::map<protocol::DirectiveId, DirectiveCheck>;
using Titles = std::map<protocol::DirectiveId, std::string>;

// The title this operator sealed, or nullopt (another operator's directive).
std::optional<std::string> TitleOf(const Titles& titles, const protocol::DirectiveId& id) {
  auto found = titles.find(id);
  return found == titles.end() ? std::nullopt : std::optional<std::string>(found->second);
}

const char* StateName(std::uint8_t state) {
  static const char* kNames[] = {"pending", "sent", "delivered", "ACKNOWLEDGED", "REFUSED"};
  return state <= protocol::kStateRefused ? kNames[state] : "?";
}

std::string Clock(const std::optional<UnixMillis>& t) {
  return t ? FormatUtc(*t).substr(11, 12) : "-";
}

const RowCheck& CheckOf(const Checks& checks, const protocol::StatusRow& row) {
  static const RowCheck kNone;
  auto directive = checks.find(row.directive_id);
  if (directive == checks.end()) {
    return kNone;
  }
  auto found = directive->second.rows.find(row.agency);
  return found == directive->second.rows.end() ? kNone : found->second;
}

const char* EvidenceColumn(Backing backing) {
  switch (backing) {
    case Backing::kNothingClaimed: return "-";
    case Backing::kSigned: return "signed";
    case Backing::kGatewayWord: return "SMS:gateway";
    case Backing::kUnverified: return "UNVERIFIED";
  }
  return "UNVERIFIED";
}

void PrintMatrix(const std::vector<protocol::StatusRow>& rows, const Checks& checks,
                 const Titles& titles) {
  std::string current;
  for (const auto& row : rows) {
    std::string id = HexEncode(row.directive_id);
    if (id != current) {
      current = id;
      std::optional<std::string> title = TitleOf(titles, row.directive_id);
      std::string named = title ? "  \"" + EscapeForDisplay(*title) + "\"" : "";
      // ACKNOWLEDGED is the time the agency signed; RECORDED the gateway's.
      std::printf("\ndirective %s%s\n  %-30s %-13s %-11s %-13s %-13s %-13s %-13s %s\n",
                  id.c_str(), named.c_str(), "AGENCY", "STATE", "EVIDENCE", "SENT", "DELIVERED", "ACKNOWLEDGED", "RECORDED",
                  "BY");
      auto check = checks.find(row.directive_id);
      if (check != checks.end()) {
        for (const std::string& agency : check->second.missing) {
          std::printf("  %-30s %-13s %-11s (a signed recipient the gateway's report leaves out)\n",
                      agency.c_str(), "MISSING", "UNVERIFIED");
        }
      }
    }
    const RowCheck& check = CheckOf(checks, row);
    std::printf("  %-30s %-13s %-11s %-13s %-13s %-13s %-13s %s\n", row.agency.c_str(),
                StateName(row.state), EvidenceColumn(check.backing), Clock(row.sent_at).c_str(),
                Clock(row.delivered_at).c_str(), Clock(row.acknowledged_at).c_str(),
                Clock(row.acknowledgement_recorded_at).c_str(),
                EscapeForDisplay(row.officer).c_str());
    if (check.backing == Backing::kUnverified) {
      std::printf("  %-30s   ^ %s\n", "", EscapeForDisplay(check.problem).c_str());
    }
    if (check.refusal) {
      std::printf("  %-30s   ^ the agency refused its copy (%s), signed: it holds nothing\n", "",
                  check.refusal->c_str());
    }
  }
}

// One row of docs/json/status.schema.json: every key, null where nothing applies.
nlohmann::json RowJson(const protocol::DirectiveId& id, const std::string& agency,
                       const std::optional<std::string>& title) {
  return {{"directive", HexEncode(id)}, {"title", OptionalTextOrNull(title)}, {"agency", agency},
          {"state", nullptr}, {"refusal", nullptr}, {"evidence", nullptr},
          {"evidence_problem", nullptr}, {"sent_at", nullptr}, {"delivered_at", nullptr},
          {"acknowledged_at", nullptr}, {"acknowledgement_recorded_at", nullptr},
          {"acknowledged_by", nullptr}};
}

nlohmann::json MatrixJson(const std::vector<protocol::StatusRow>& rows, const Checks& checks,
                          const Titles& titles) {
  auto time = [](const std::optional<UnixMillis>& t) {
    return t ? nlohmann::json(FormatUtc(*t)) : nlohmann::json();
  };
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, check] : checks) {
    for (const std::string& agency : check.missing) {
      nlohmann::json row = RowJson(id, agency, TitleOf(titles, id));
      row["state"] = "missing";
      row["evidence"] = "unverified";
      row["evidence_problem"] = "a signed recipient the gateway's report leaves out";
      out.push_back(std::move(row));
    }
  }
  for (const auto& r : rows) {
    const RowCheck& check = CheckOf(checks, r);
    nlohmann::json row = RowJson(r.directive_id, r.agency, TitleOf(titles, r.directive_id));
    row["state"] = r.state == 3                        ? "acknowledged"
                   : r.state == protocol::kStateRefused ? "refused"
                                                        : StateName(r.state);
    row["refusal"] = OptionalTextOrNull(check.refusal);
    row["evidence"] = BackingName(check.backing);
    row["evidence_problem"] = TextOrNull(check.problem);
    row["sent_at"] = time(r.sent_at);
    row["delivered_at"] = time(r.delivered_at);
    row["acknowledged_at"] = time(r.acknowledged_at);
    row["acknowledgement_recorded_at"] = time(r.acknowledgement_recorded_at);
    row["acknowledged_by"] = TextOrNull(r.officer);
    out.push_back(std::move(row));
  }
  return out;
}

// Rows the agencies' signatures do not back, and recipients left out.
std::size_t CountUnverified(const Checks& checks) {
  std::size_t count = 0;
  for (const auto& [id, check] : checks) {
    count += check.missing.size();
    for (const auto& [agency, row] : check.rows) {
      count += row.backing == Backing::kUnverified ? 1 : 0;
    }
  }
  return count;
}

// What waits for a second operator's signature, below the deliveries.
void PrintProposals(OperatorLink& link, int timeout_ms) {
  auto proposals = FetchProposals(link, std::nullopt, timeout_ms);
  if (!proposals) {
    std::printf("proposals: not known (%s)\n", proposals.error().ToString().c_str());
    return;
  }
  if (!proposals->rows.empty()) {
    std::printf("%zu waiting for approval:\n", proposals->rows.size());
  }
  for (const protocol::ProposalRow& row : proposals->rows) {
    std::printf("  %s\n", EscapeForDisplay(DescribeProposal(row)).c_str());
  }
}

int Status(DirectiveOptions options) {
  if (tocsin::Status profiled = ApplyOperatorProfile(options, options.profile); !profiled) {
    return ReportError("status", profiled.error());
  }
  SystemClock clock;
  std::optional<protocol::DirectiveId> id;
  if (!options.reference.empty()) {
    auto parsed = ParseDirectiveId(options.reference);
    if (!parsed) {
      return ReportError("status", parsed.error());
    }
    id = *parsed;
  }
  auto session = OpenSession(options, clock.NowMillis());
  auto as_of = session ? OpenAsOfDirectory(options, session->bundle)
                       : Result<pki::CertificateDirectory>(tl::unexpected(session.error()));
  if (!as_of) {
    return ReportError("status", as_of.error());
  }
  OperatorLink& link = *session->link;
  StatusVerifier verifier(
      options.gateway, *as_of,
      [&](const protocol::DirectiveId& d) { return FetchStoredDirective(link, d, options.timeout_ms); },
      [&](const protocol::DirectiveId& d, const std::string& after) {
        return FetchEvidencePage(link, d, after, options.timeout_ms);
      });
  Result<Titles> remembered = IssuedTitles(options.bundle);
  if (!remembered) {
    std::cerr << "tocsin status: warning: no titles shown: " << remembered.error().ToString()
              << "\n";
  }
  const Titles titles = remembered ? std::move(*remembered) : Titles{};
  bool tty = ::isatty(STDOUT_FILENO) != 0;
  for (;;) {
    auto rows = QueryStatus(link, id, options.timeout_ms);
    if (!rows) {
      return ReportError("status", rows.error());
    }
    if (id && rows->empty()) {
      return ReportError("status", {ErrorCode::kNotFound,
                                    "the gateway holds no directive " + options.reference});
    }
    auto checks = verifier.Check(*rows);
    if (!checks) {
      return ReportError("status", checks.error());
    }
    if (options.json) {
      PrintJson(MatrixJson(*rows, *checks, titles));
    } else {
      if (options.watch && tty) {
        std::printf("\033[H\033[2J");
      }
      std::printf("%s: %zu deliveries\n", FormatUtc(clock.NowMillis()).c_str(), rows->size());
      PrintMatrix(*rows, *checks, titles);
      if (!id) {
        PrintProposals(link, options.timeout_ms);
      }
    }
    std::fflush(stdout);
    bool done = std::all_of(rows->begin(), rows->end(),
                            [](const protocol::StatusRow& r) { return r.state == 3; });
    for (const std::string& split : verifier.split_views()) {
      std::cerr << "tocsin status: SPLIT VIEW: " << split
                << ": the gateway showed them different audit logs; keep this output as evidence\n";
    }
    if (!options.watch || done) {
      if (!verifier.split_views().empty()) {
        return ReportError("status", {ErrorCode::kBadSignature,
                                      std::to_string(verifier.split_views().size()) +
                                          " split view(s) proven by the agencies' signatures"});
      }
      std::size_t unverified = CountUnverified(*checks);
      if (unverified > 0) {
        return ReportError("status", {ErrorCode::kPermissionDenied,
                                      std::to_string(unverified) +
                                          " state(s) the gateway reports are not backed by the "
                                          "agencies' signatures (EVIDENCE column): do not rely "
                                          "on them"});
      }
      return kExitOk;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace

void AddStatusCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<DirectiveOptions>();
  CLI::App* status = app.add_subcommand(
      "status", "Per-agency delivery matrix, each state checked against the agencies' signatures");
  status->add_option("id", o->reference, "Directive id (32 hex digits); all when omitted");
  AddGatewayOptions(status, *o);
  status->add_flag("--watch", o->watch, "Refresh every second until all have acknowledged");
  status->callback([=] { *exit_code = Status(*o); });
}

}  // namespace tocsin::tools
