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
#include "tools/wall_screen.h"
#include "tools/wall_view.h"

namespace tocsin::tools {
namespace {

using Checks = std::map<protocol::DirectiveId, DirectiveCheck>;
using Titles = std::map<protocol::DirectiveId, std::string>;

constexpr int kWatchTimeoutMs = 3000;  // a live view waits at most this for an answer

// The title this operator sealed, or nullopt (another operator's directive).
std::optional<std::string> TitleOf(const Titles& titles, const protocol::DirectiveId& id) {
  auto found = titles.find(id);
  return found == titles.end() ? std::nullopt : std::optional<std::string>(found->second);
}

// The state's name; the two that end a delivery in capitals.
std::string StateName(std::uint8_t number) {
  std::optional<DeliveryState> state = DeliveryStateFromNumber(number);
  if (!state) {
    return "?";
  }
  std::string name(DeliveryStateName(*state));
  if (*state == DeliveryState::kAcknowledged || *state == DeliveryState::kRefused) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
  return name;
}

std::string TimeOfDay(const std::optional<UnixMillis>& t) {
  return t ? FormatUtc(*t).substr(11, 12) : "-";
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
                StateName(row.state).c_str(), EvidenceColumn(check.backing), TimeOfDay(row.sent_at).c_str(),
                TimeOfDay(row.delivered_at).c_str(), TimeOfDay(row.acknowledged_at).c_str(),
                TimeOfDay(row.acknowledgement_recorded_at).c_str(),
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
          {"acknowledged_by", nullptr}, {"deadline", nullptr}, {"escalation", nullptr}};
}

nlohmann::json TimeOrNull(const std::optional<UnixMillis>& t) {
  return t ? nlohmann::json(FormatUtc(*t)) : nlohmann::json();
}

nlohmann::json DeadlineOf(const Checks& checks, const protocol::DirectiveId& id) {
  auto check = checks.find(id);
  return check != checks.end() && check->second.header
             ? nlohmann::json(FormatUtc(check->second.header->ack_deadline))
             : nlohmann::json();
}

nlohmann::json LadderJson(const std::optional<protocol::StatusRow::Ladder>& ladder) {
  if (!ladder) {
    return nullptr;
  }
  return {{"steps_fired", ladder->fired}, {"next_action", OptionalTextOrNull(ladder->next_action)},
          {"next_due", TimeOrNull(ladder->next_due)}};
}

nlohmann::json MatrixJson(const std::vector<protocol::StatusRow>& rows, const Checks& checks,
                          const Titles& titles) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, check] : checks) {
    for (const std::string& agency : check.missing) {
      nlohmann::json row = RowJson(id, agency, TitleOf(titles, id));
      row["state"] = "missing";
      row["evidence"] = "unverified";
      row["evidence_problem"] = "a signed recipient the gateway's report leaves out";
      row["deadline"] = DeadlineOf(checks, id);
      out.push_back(std::move(row));
    }
  }
  for (const auto& r : rows) {
    const RowCheck& check = CheckOf(checks, r);
    nlohmann::json row = RowJson(r.directive_id, r.agency, TitleOf(titles, r.directive_id));
    std::optional<DeliveryState> state = DeliveryStateFromNumber(r.state);
    row["state"] = state ? DeliveryStateName(*state) : "?";
    row["refusal"] = OptionalTextOrNull(check.refusal);
    row["evidence"] = BackingName(check.backing);
    row["evidence_problem"] = TextOrNull(check.problem);
    row["sent_at"] = TimeOrNull(r.sent_at);
    row["delivered_at"] = TimeOrNull(r.delivered_at);
    row["acknowledged_at"] = TimeOrNull(r.acknowledged_at);
    row["acknowledgement_recorded_at"] = TimeOrNull(r.acknowledgement_recorded_at);
    row["acknowledged_by"] = TextOrNull(r.officer);
    row["deadline"] = DeadlineOf(checks, r.directive_id);
    row["escalation"] = LadderJson(r.ladder);
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
void PrintProposals(const std::optional<std::vector<protocol::ProposalRow>>& waiting) {
  if (!waiting || waiting->empty()) {
    return;
  }
  std::printf("%zu waiting for approval:\n", waiting->size());
  for (const protocol::ProposalRow& row : *waiting) {
    std::printf("  %s\n", EscapeForDisplay(DescribeProposal(row)).c_str());
  }
}

// What one refresh fetched: the report, checked, and what waits for approval.
struct Snapshot {
  std::vector<protocol::StatusRow> rows;
  Checks checks;
  std::optional<std::vector<protocol::ProposalRow>> proposals;
  std::string proposals_problem;  // why they are not known, when asked for
};

// The gateway, as `status` asks it: one link, re-opened after a failure so
// that a late answer to a request that timed out is never read as the
// answer to the next one.
class StatusSource {
 public:
  static Result<std::unique_ptr<StatusSource>> Open(const DirectiveOptions& options,
                                                    const Clock& clock) {
    TOCSIN_ASSIGN_OR_RETURN(Session session, OpenSession(options, clock.NowMillis()));
    std::unique_ptr<StatusSource> source(new StatusSource(options, clock, std::move(session)));
    TOCSIN_ASSIGN_OR_RETURN(pki::CertificateDirectory as_of,
                            OpenAsOfDirectory(options, source->session_.bundle));
    source->as_of_ = std::make_unique<pki::CertificateDirectory>(std::move(as_of));
    StatusSource* self = source.get();
    source->verifier_ = std::make_unique<StatusVerifier>(
        options.gateway, *source->as_of_,
        [self](const protocol::DirectiveId& d) {
          return FetchStoredDirective(*self->session_.link, d, self->timeout_ms_);
        },
        [self](const protocol::DirectiveId& d, const std::string& after) {
          return FetchEvidencePage(*self->session_.link, d, after, self->timeout_ms_);
        });
    return source;
  }

  // A gateway that stops answering must not freeze a live view for long.
  void set_timeout_ms(int timeout_ms) { timeout_ms_ = timeout_ms; }

  Result<Snapshot> Fetch(const std::optional<protocol::DirectiveId>& id, bool with_proposals) {
    if (broken_) {
      TOCSIN_ASSIGN_OR_RETURN(session_.link, OperatorLink::Open(session_.bundle,
                                                                *session_.directory, options_,
                                                                clock_.NowMillis()));
      broken_ = false;
    }
    Result<Snapshot> got = FetchOnce(id, with_proposals);
    broken_ = !got;
    return got;
  }

  const StatusVerifier& verifier() const { return *verifier_; }

 private:
  StatusSource(const DirectiveOptions& options, const Clock& clock, Session session)
      : options_(options), clock_(clock), timeout_ms_(options.timeout_ms),
        session_(std::move(session)) {}

  Result<Snapshot> FetchOnce(const std::optional<protocol::DirectiveId>& id, bool with_proposals) {
    Snapshot snapshot;
    TOCSIN_ASSIGN_OR_RETURN(snapshot.rows, QueryStatus(*session_.link, id, timeout_ms_));
    TOCSIN_ASSIGN_OR_RETURN(snapshot.checks, verifier_->Check(snapshot.rows));
    if (with_proposals) {  // not knowing them does not hide the deliveries
      Result<protocol::ProposalReply> proposals =
          FetchProposals(*session_.link, std::nullopt, timeout_ms_);
      if (proposals) {
        snapshot.proposals = std::move(proposals->rows);
      } else {
        snapshot.proposals_problem = proposals.error().ToString();
      }
    }
    return snapshot;
  }

  const DirectiveOptions& options_;
  const Clock& clock_;
  int timeout_ms_;
  Session session_;
  std::unique_ptr<pki::CertificateDirectory> as_of_;
  std::unique_ptr<StatusVerifier> verifier_;
  bool broken_ = false;
};

bool AllAcknowledged(const std::vector<protocol::StatusRow>& rows) {
  return std::all_of(rows.begin(), rows.end(),
                     [](const protocol::StatusRow& r) {
                       return r.delivery_state() == DeliveryState::kAcknowledged;
                     });
}

// The exit of a `status` that has shown `snapshot`: split views and states
// the signatures do not back are errors.
int Verdict(const StatusVerifier& verifier, const Snapshot& snapshot) {
  for (const std::string& split : verifier.split_views()) {
    std::cerr << "tocsin status: SPLIT VIEW: " << split
              << ": the gateway showed them different audit logs; keep this output as evidence\n";
  }
  if (!verifier.split_views().empty()) {
    return ReportError("status", {ErrorCode::kBadSignature,
                                  std::to_string(verifier.split_views().size()) +
                                      " split view(s) proven by the agencies' signatures"});
  }
  std::size_t unverified = CountUnverified(snapshot.checks);
  if (unverified > 0) {
    return ReportError("status", {ErrorCode::kPermissionDenied,
                                  std::to_string(unverified) +
                                      " state(s) the gateway reports are not backed by the "
                                      "agencies' signatures (EVIDENCE column): do not rely "
                                      "on them"});
  }
  return kExitOk;
}

// A watch refreshes once a second; a failed refresh keeps the last report
// on screen, judged again at the current time (a deadline can pass while
// the gateway is silent) and marked stale, and tries again.
class LiveWall {
 public:
  // `first`: a report already fetched, so that a watch starts only on one.
  LiveWall(StatusSource& source, const DirectiveOptions& options, const Titles& titles,
           const Clock& clock, std::optional<protocol::DirectiveId> id, Snapshot first)
      : source_(source), options_(options), titles_(titles), clock_(clock), id_(id),
        snapshot_(std::move(first)), updated_at_(clock.NowMillis()) {}

  WallModel Refresh() {
    Result<Snapshot> got = source_.Fetch(id_, !id_);
    UnixMillis now = clock_.NowMillis();
    if (got) {
      snapshot_ = std::move(*got);
      updated_at_ = now;
      problem_.clear();
    } else {
      problem_ = got.error().ToString();
    }
    WallModel model = BuildWall(options_.gateway, snapshot_.rows, snapshot_.checks, titles_, now);
    model.proposals = snapshot_.proposals ? snapshot_.proposals->size() : 0;
    model.updated_at = updated_at_;
    model.stale = problem_;
    return model;
  }

  const Snapshot& snapshot() const { return snapshot_; }
  // Why the last refresh failed; empty when it succeeded.
  const std::string& problem() const { return problem_; }

 private:
  StatusSource& source_;
  const DirectiveOptions& options_;
  const Titles& titles_;
  const Clock& clock_;
  std::optional<protocol::DirectiveId> id_;
  Snapshot snapshot_;
  UnixMillis updated_at_;
  std::string problem_;
};

// How a watch ends: as `status` would on the last report, or an error when
// the last refresh failed (what was on screen was stale).
int WatchVerdict(const LiveWall& wall, const StatusSource& source) {
  if (!wall.problem().empty()) {
    return ReportError("status", {ErrorCode::kUnavailable,
                                  "the last refresh failed, the view was stale: " + wall.problem()});
  }
  return Verdict(source.verifier(), wall.snapshot());
}

// Plain text, for a pipe or a log: a frame whenever something but the clock
// changed (the gateway going silent or answering again included), until
// every agency has acknowledged.
int WatchInPlainText(LiveWall& wall, const StatusSource& source) {
  std::vector<std::string> shown;
  bool was_stale = false;
  for (;;) {
    WallModel model = wall.Refresh();
    std::vector<WallLine> lines =
        LayoutWall(model, 132, static_cast<int>(model.rows.size() + model.directives.size() + 8), 0,
                   false);
    std::vector<std::string> text;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      text.push_back(lines[i].text);
    }
    bool stale = !model.stale.empty();
    if (text != shown || stale != was_stale) {
      for (const WallLine& line : lines) {
        std::string_view t = line.text;
        std::printf("%.*s\n", static_cast<int>(t.find_last_not_of(' ') + 1), t.data());
      }
      std::printf("\n");
      std::fflush(stdout);
      shown = std::move(text);
      was_stale = stale;
    }
    if (!stale && AllAcknowledged(wall.snapshot().rows)) {
      return WatchVerdict(wall, source);
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// The matrix (or its JSON) once, or `--watch --json`: once a second until
// every agency has acknowledged; a failure ends it.
int ShowMatrix(StatusSource& source, const DirectiveOptions& options, const Titles& titles,
               const Clock& clock, const std::optional<protocol::DirectiveId>& id) {
  for (;;) {
    Result<Snapshot> got = source.Fetch(id, !id && !options.json);
    if (!got) {
      return ReportError("status", got.error());
    }
    if (id && got->rows.empty()) {
      return ReportError("status", {ErrorCode::kNotFound,
                                    "the gateway holds no directive " + options.reference});
    }
    if (got->rows.size() >= protocol::kMaxStatusRows) {
      std::cerr << "tocsin status: warning: the gateway's report stops at "
                << protocol::kMaxStatusRows << " rows, the latest directives' first: ask for "
                << "one directive (tocsin status ID)\n";
    }
    if (options.json) {
      PrintJson(MatrixJson(got->rows, got->checks, titles));
    } else {
      std::printf("%s: %zu deliveries\n", FormatUtc(clock.NowMillis()).c_str(), got->rows.size());
      PrintMatrix(got->rows, got->checks, titles);
      PrintProposals(got->proposals);
      if (!got->proposals_problem.empty()) {
        std::printf("proposals: not known (%s)\n", got->proposals_problem.c_str());
      }
    }
    std::fflush(stdout);
    if (!options.watch || AllAcknowledged(got->rows)) {
      return Verdict(source.verifier(), *got);
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
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
  Result<std::unique_ptr<StatusSource>> source = StatusSource::Open(options, clock);
  if (!source) {
    return ReportError("status", source.error());
  }
  Result<Titles> remembered = IssuedTitles(options.bundle);
  if (!remembered) {
    std::cerr << "tocsin status: warning: no titles shown: " << remembered.error().ToString()
              << "\n";
  }
  const Titles titles = remembered ? std::move(*remembered) : Titles{};
  if (!options.watch || options.json) {
    return ShowMatrix(**source, options, titles, clock, id);
  }
  // The first report as `status` would fetch it: a watch starts on an
  // answering gateway and a directive it holds.
  Result<Snapshot> first = (*source)->Fetch(id, !id);
  if (!first) {
    return ReportError("status", first.error());
  }
  if (id && first->rows.empty()) {
    return ReportError("status", {ErrorCode::kNotFound,
                                  "the gateway holds no directive " + options.reference});
  }
  (*source)->set_timeout_ms(std::min(options.timeout_ms, kWatchTimeoutMs));
  LiveWall wall(**source, options, titles, clock, id, std::move(*first));
  if (::isatty(STDOUT_FILENO) != 0 && ::isatty(STDIN_FILENO) != 0 &&
      RunTerminalWall([&] { return wall.Refresh(); })) {
    return WatchVerdict(wall, **source);
  }
  return WatchInPlainText(wall, **source);
}

}  // namespace

void AddStatusCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<DirectiveOptions>();
  CLI::App* status = app.add_subcommand(
      "status", "Per-agency delivery matrix, each state checked against the agencies' signatures");
  status->add_option("id", o->reference, "Directive id (32 hex digits); all when omitted");
  AddGatewayOptions(status, *o);
  status->add_flag("--watch", o->watch,
                   "Live view, refreshed every second (on a terminal: until q; otherwise, and "
                   "with --json: until all have acknowledged)");
  status->callback([=] { *exit_code = Status(*o); });
}

}  // namespace tocsin::tools
