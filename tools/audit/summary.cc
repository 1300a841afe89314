#include "tools/audit/summary.h"

#include <algorithm>
#include <sstream>

#include "common/json_values.h"
#include "tools/audit/report.h"

namespace tocsin::tools::audit {
namespace {

using nlohmann::json;

// At most this many agencies are named on the page; `audit report` lists all.
constexpr std::size_t kNamedAgencies = 20;

std::string SectorOf(const DeliveryRecord& r) { return r.sector.empty() ? "unknown" : r.sector; }

// Agency-supplied text in a cell: isolated, so that bidirectional controls in
// it cannot reorder what follows.
std::string Isolated(std::string_view text) { return "<bdi>" + HtmlEscape(text) + "</bdi>"; }

struct Summary {
  Tally total;
  std::map<std::string, Tally> by_sector;
  // Every agency not acknowledged on time, the worst first.
  std::vector<std::pair<Outcome, const DeliveryRecord*>> exceptions;
  const DirectiveRecord* original = nullptr;    // what it updates or cancels
  std::vector<const DirectiveRecord*> follow_ups;  // updates and cancels of it
  std::vector<const PrincipalEvent*> revocations;  // while it ran
  std::vector<const PolicyEvent*> policy_changes;  // while it ran
};

int Rank(Outcome outcome) {
  switch (outcome) {
    case Outcome::kNever: return 0;
    case Outcome::kRefused: return 1;
    case Outcome::kLate: return 2;
    case Outcome::kOpen: return 3;
    case Outcome::kOnTime: return 4;
  }
  return 4;
}

Summary Summarise(const VerifiedLog& log, const DirectiveRecord& d) {
  Summary s;
  UnixMillis as_of = AsOf(log);
  for (const auto& [agency, r] : d.deliveries) {
    Outcome outcome = OutcomeOf(d, r, as_of);
    bool delivered = r.delivered_at.has_value();
    s.total.Add(outcome, delivered);
    s.by_sector[SectorOf(r)].Add(outcome, delivered);
    if (outcome != Outcome::kOnTime) {
      s.exceptions.emplace_back(outcome, &r);
    }
  }
  std::stable_sort(s.exceptions.begin(), s.exceptions.end(), [](const auto& a, const auto& b) {
    return Rank(a.first) < Rank(b.first);
  });
  for (const DirectiveRecord& other : log.directives) {
    if (d.header.references && other.header.id == *d.header.references) {
      s.original = &other;
    }
    if (other.header.references && *other.header.references == d.header.id) {
      s.follow_ups.push_back(&other);
    }
  }
  UnixMillis until = std::min(d.header.expires_at, std::max(as_of, d.accepted_at));
  for (const PrincipalEvent& p : log.principals) {
    if (!p.enrolled && p.at >= d.accepted_at && p.at <= until) {
      s.revocations.push_back(&p);
    }
  }
  for (const PolicyEvent& p : log.policies) {
    if (p.at >= d.accepted_at && p.at <= until) {
      s.policy_changes.push_back(&p);
    }
  }
  return s;
}

json TallyJson(const Tally& t) {
  return {{"recipients", t.recipients}, {"delivered", t.delivered}, {"on_time", t.on_time},
          {"late", t.late},             {"never", t.never},         {"open", t.open},
          {"refused", t.refused}};
}

std::string Labels(const protocol::DirectiveHeader& h) {
  return std::string(protocol::ActionName(h.action)) + ", " +
         std::string(protocol::SeverityName(h.severity)) + ", TLP:" +
         std::string(protocol::TlpName(h.tlp)) +
         (h.status == protocol::DirectiveStatus::kExercise ? ", EXERCISE" : "");
}

std::string Verdict(Outcome outcome, const DirectiveRecord& d, const DeliveryRecord& r) {
  switch (outcome) {
    case Outcome::kNever:
      return r.delivered_at ? "never acknowledged (delivered)" : "never acknowledged (not delivered)";
    case Outcome::kRefused: return "refused its copy: " + r.refusal_reason;
    case Outcome::kLate:
      return std::to_string((*r.acknowledged_at - d.header.ack_deadline) / 1000) + " s late";
    case Outcome::kOpen: return r.delivered_at ? "open (delivered, not due)" : "open (not due)";
    case Outcome::kOnTime: return "on time";
  }
  return "";
}

constexpr const char* kStyle =
    "@page{size:A4;margin:12mm}"
    "*{box-sizing:border-box}"
    "body{font:13px/1.4 system-ui,sans-serif;margin:16px auto;max-width:1100px;padding:0 12px;"
    "color:#222}"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:16px 0 6px}"
    ".exercise{background:#fff3cd;border:1px solid #c9a100;padding:4px 8px;font-weight:600}"
    "table{border-collapse:collapse;width:100%;table-layout:fixed;margin:4px 0}"
    "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}"
    "th{background:#f3f3f3}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}"
    "dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}"
    ".tiles{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}"
    ".tile{flex:1 1 90px;border:1px solid #ccc;border-radius:4px;padding:6px 8px}"
    ".tile b{display:block;font-size:22px}"
    ".on-time{border-color:#2e7d32;color:#1b5e20}.late{border-color:#b00020;color:#b00020}"
    ".never{border-color:#b00020;color:#fff;background:#b00020}"
    ".refused{border-color:#6a1b9a;color:#6a1b9a}.open{border-color:#8a5a00;color:#8a5a00}"
    "code{font-size:12px;overflow-wrap:anywhere}footer{margin-top:12px;color:#555;font-size:11px}"
    "@media print{body{margin:0;max-width:none;padding:0;font-size:11px}"
    ".tile,tr{break-inside:avoid}.never{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

void Tiles(std::ostringstream& html, const Tally& t) {
  auto tile = [&](const char* css, const char* what, std::size_t n) {
    html << "<div class=\"tile " << css << "\"><b>" << n << "</b>" << what << "</div>";
  };
  html << "<div class=\"tiles\">";
  tile("", "recipients", t.recipients);
  tile("", "delivered", t.delivered);
  tile("on-time", "acknowledged on time", t.on_time);
  tile("late", "acknowledged late", t.late);
  tile("never", "never acknowledged", t.never);
  tile("refused", "refused", t.refused);
  tile("open", "open, not yet due", t.open);
  html << "</div>";
}

void SectorTable(std::ostringstream& html, const Summary& s) {
  html << "<h2>Per sector</h2><table><tr><th>sector</th><th class=\"n\">recipients</th>"
          "<th class=\"n\">on time</th><th class=\"n\">late</th><th class=\"n\">never</th>"
          "<th class=\"n\">refused</th><th class=\"n\">open</th></tr>";
  for (const auto& [sector, t] : s.by_sector) {
    html << "<tr><td>" << HtmlEscape(sector) << "</td><td class=\"n\">" << t.recipients
         << "</td><td class=\"n\">" << t.on_time << "</td><td class=\"n\">" << t.late
         << "</td><td class=\"n\">" << t.never << "</td><td class=\"n\">" << t.refused
         << "</td><td class=\"n\">" << t.open << "</td></tr>";
  }
  html << "</table>";
}

void ExceptionTable(std::ostringstream& html, const DirectiveRecord& d,
                    const Summary& s) {
  html << "<h2>Agencies not acknowledged on time</h2>";
  if (s.exceptions.empty()) {
    html << "<p>None: every recipient acknowledged on time.</p>";
    return;
  }
  html << "<p>Times UTC, on the day of acceptance unless a date is shown. Late or on time "
          "is judged by when the gateway recorded the acknowledgement.</p>"
          "<table><tr><th style=\"width:20%\">agency</th><th>sector</th><th>outcome</th>"
          "<th>delivered</th><th>acknowledged: recorded, signed</th><th>by, note</th>"
          "<th class=\"n\">escalation steps</th></tr>";
  std::size_t shown = std::min(s.exceptions.size(), kNamedAgencies);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& [outcome, r] = s.exceptions[i];
    // The time of day when it falls on the day of acceptance, else in full.
    auto time = [&d](const std::optional<UnixMillis>& t) {
      if (!t) {
        return std::string("-");
      }
      std::string full = FormatUtc(*t);
      return full.substr(0, 10) == FormatUtc(d.accepted_at).substr(0, 10) ? full.substr(11, 12)
                                                                           : full;
    };
    std::string by = Isolated(r->officer) + (r->note ? " (" + Isolated(*r->note) + ")" : "") +
                     (r->acknowledged_by_code ? " [SMS code: the gateway's word]" : "");
    std::string acknowledged = r->acknowledged_at
                                   ? time(r->acknowledged_at) + ", signed " + time(r->ack_signed_at)
                                   : "-";
    html << "<tr class=\"" << OutcomeName(outcome) << "\"><td>" << HtmlEscape(r->agency) << "</td><td>"
         << HtmlEscape(SectorOf(*r)) << "</td><td>" << HtmlEscape(Verdict(outcome, d, *r))
         << "</td><td>" << HtmlEscape(time(r->delivered_at)) << "</td><td>"
         << HtmlEscape(acknowledged) << "</td><td>" << by << "</td><td class=\"n\">"
         << r->escalations.size() << "</td></tr>";
  }
  html << "</table>";
  if (shown < s.exceptions.size()) {
    html << "<p>… and " << s.exceptions.size() - shown
         << " more: <code>tocsin audit report</code> lists every agency.</p>";
  }
}

void Facts(std::ostringstream& html, const DirectiveRecord& d, const Summary& s) {
  const protocol::DirectiveHeader& h = d.header;
  auto row = [&](const char* term, const std::string& value) {
    html << "<dt>" << term << "</dt><dd>" << value << "</dd>";
  };
  html << "<dl>";
  row("labels", HtmlEscape(Labels(h)));
  std::string signers;
  for (const std::string& signer : d.signers) {
    signers += (signers.empty() ? "" : ", ") + signer;
  }
  row("signed by", HtmlEscape(signers) + " (" + std::to_string(d.signers.size()) +
                       " distinct operator(s); " + std::to_string(h.required_signatures) +
                       " required by the signed header)");
  row("issuer signed at", HtmlEscape(FormatUtc(h.issued_at)));
  row("accepted", HtmlEscape(FormatUtc(d.accepted_at)) + ", log entry " + std::to_string(d.index));
  row("acknowledge by", HtmlEscape(FormatUtc(h.ack_deadline)));
  row("expires", HtmlEscape(FormatUtc(h.expires_at)));
  if (h.summary) {
    row("clear summary", HtmlEscape(*h.summary));
  }
  if (s.original) {
    row(h.action == protocol::DirectiveAction::kCancel ? "cancels" : "updates",
        "<code>" + HexEncode(s.original->header.id) + "</code> (" +
            HtmlEscape(Labels(s.original->header)) + ", accepted " +
            HtmlEscape(FormatUtc(s.original->accepted_at)) + ")");
  }
  for (const DirectiveRecord* f : s.follow_ups) {
    row(f->header.action == protocol::DirectiveAction::kCancel ? "cancelled by" : "updated by",
        "<code>" + HexEncode(f->header.id) + "</code> (" + HtmlEscape(Labels(f->header)) +
            ", accepted " + HtmlEscape(FormatUtc(f->accepted_at)) + ")");
  }
  row("digest", "<code>" + HexEncode(d.digest) + "</code>");
  html << "</dl>";
}

void WhileItRan(std::ostringstream& html, const Summary& s) {
  html << "<h2>While it ran</h2><p>";
  if (s.revocations.empty() && s.policy_changes.empty()) {
    html << "No revocation and no escalation-policy change.";
  }
  for (const PrincipalEvent* p : s.revocations) {
    html << HtmlEscape(FormatUtc(p->at)) << ": <b>" << HtmlEscape(p->principal)
         << "</b> revoked or no longer admitted (log entry " << p->index << ").<br>";
  }
  for (const PolicyEvent* p : s.policy_changes) {
    html << HtmlEscape(FormatUtc(p->at)) << ": escalation policy changed to sha256 <code>"
         << HtmlEscape(p->digest_hex) << "</code> (log entry " << p->index << ").<br>";
  }
  html << "</p>";
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOnTime: return "on-time";
    case Outcome::kLate: return "late";
    case Outcome::kNever: return "never";
    case Outcome::kOpen: return "open";
    case Outcome::kRefused: return "refused";
  }
  return "open";
}

Outcome OutcomeOf(const DirectiveRecord& d, const DeliveryRecord& r, UnixMillis as_of) {
  if (r.acknowledged_at) {
    return *r.acknowledged_at > d.header.ack_deadline ? Outcome::kLate : Outcome::kOnTime;
  }
  if (r.refused_at && !r.delivered_at) {
    return Outcome::kRefused;
  }
  return as_of > d.header.ack_deadline ? Outcome::kNever : Outcome::kOpen;
}

void Tally::Add(Outcome outcome, bool delivered_copy) {
  ++recipients;
  delivered += delivered_copy ? 1u : 0u;
  switch (outcome) {
    case Outcome::kOnTime: ++on_time; break;
    case Outcome::kLate: ++late; break;
    case Outcome::kNever: ++never; break;
    case Outcome::kOpen: ++open; break;
    case Outcome::kRefused: ++refused; break;
  }
}

json SummaryJson(const VerifiedLog& log, const DirectiveRecord& d) {
  Summary s = Summarise(log, d);
  const protocol::DirectiveHeader& h = d.header;
  json sectors = json::object();
  for (const auto& [sector, t] : s.by_sector) {
    sectors[sector] = TallyJson(t);
  }
  json exceptions = json::array();
  for (const auto& [outcome, r] : s.exceptions) {
    exceptions.push_back({{"agency", r->agency},
                          {"sector", SectorOf(*r)},
                          {"outcome", OutcomeName(outcome)},
                          {"delivered_at", r->delivered_at ? json(FormatUtc(*r->delivered_at)) : json()},
                          {"acknowledgement_recorded_at",
                           r->acknowledged_at ? json(FormatUtc(*r->acknowledged_at)) : json()},
                          {"acknowledgement_signed_at",
                           r->ack_signed_at ? json(FormatUtc(*r->ack_signed_at)) : json()},
                          {"acknowledged_by", TextOrNull(r->officer)},
                          {"note", OptionalTextOrNull(r->note)},
                          {"escalation_steps", r->escalations.size()}});
  }
  json follow_ups = json::array();
  for (const DirectiveRecord* f : s.follow_ups) {
    follow_ups.push_back({{"id", HexEncode(f->header.id)},
                          {"action", protocol::ActionName(f->header.action)},
                          {"accepted_at", FormatUtc(f->accepted_at)}});
  }
  json revocations = json::array();
  for (const PrincipalEvent* p : s.revocations) {
    revocations.push_back({{"principal", p->principal}, {"at", FormatUtc(p->at)},
                           {"log_index", p->index}});
  }
  json policies = json::array();
  for (const PolicyEvent* p : s.policy_changes) {
    policies.push_back({{"sha256", p->digest_hex}, {"at", FormatUtc(p->at)},
                        {"log_index", p->index}});
  }
  return {{"gateway", log.gateway},
          {"id", HexEncode(h.id)},
          {"action", protocol::ActionName(h.action)},
          {"severity", protocol::SeverityName(h.severity)},
          {"tlp", protocol::TlpName(h.tlp)},
          {"status", protocol::StatusName(h.status)},
          {"signers", d.signers},
          {"required_signatures", h.required_signatures},
          {"issued_at", FormatUtc(h.issued_at)},
          {"accepted_at", FormatUtc(d.accepted_at)},
          {"ack_deadline", FormatUtc(h.ack_deadline)},
          {"expires_at", FormatUtc(h.expires_at)},
          {"references", s.original ? json(HexEncode(s.original->header.id)) : json()},
          {"follow_ups", follow_ups},
          {"as_of", log.checkpoints.empty() ? json() : json(FormatUtc(AsOf(log)))},
          {"total", TallyJson(s.total)},
          {"sectors", sectors},
          {"not_on_time", exceptions},
          {"revocations", revocations},
          {"policy_changes", policies}};
}

std::string SummaryHtml(const VerifiedLog& log, const DirectiveRecord& d) {
  Summary s = Summarise(log, d);
  std::string id = HexEncode(d.header.id);
  std::ostringstream html;
  html << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width\"><title>Tocsin directive "
       << id.substr(0, 8) << " summary</title><style>" << kStyle << "</style></head><body>";
  html << "<h1>Directive <code>" << id << "</code></h1>";
  if (d.header.status == protocol::DirectiveStatus::kExercise) {
    html << "<p class=\"exercise\">EXERCISE: not an actual crisis directive.</p>";
  }
  Facts(html, d, s);
  html << "<h2>Outcome</h2>";
  Tiles(html, s.total);
  SectorTable(html, s);
  ExceptionTable(html, d, s);
  WhileItRan(html, s);
  html << "<footer>Verified offline by <code>tocsin audit summary</code> from the audit log of "
       << HtmlEscape(log.gateway) << ": " << log.entries.size() << " entries";
  if (!log.checkpoints.empty()) {
    html << ", as of its signed checkpoint of " << HtmlEscape(FormatUtc(AsOf(log))) << " (root <code>"
         << HexEncode(log.checkpoints.back().root) << "</code>)";
  }
  html << ". Acknowledgement times are as the agencies signed them; an SMS code is the "
          "gateway's word only.</footer></body></html>\n";
  return html.str();
}

}  // namespace tocsin::tools::audit
