#include "tools/audit/report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "common/json_values.h"

namespace tocsin::tools::audit {
namespace {

using nlohmann::json;

json Time(const std::optional<UnixMillis>& t) { return t ? json(FormatUtc(*t)) : json(); }

// Seconds an acknowledgement came after the deadline (negative: early).
std::optional<double> AckDelay(const DirectiveRecord& d, const DeliveryRecord& r) {
  if (!r.acknowledged_at) {
    return std::nullopt;
  }
  return static_cast<double>(*r.acknowledged_at - d.header.ack_deadline) / 1000.0;
}

// Late: acknowledged after the deadline, or not acknowledged though the
// deadline had passed when the log was last checkpointed. nullopt: not yet due.
std::optional<bool> Late(const DirectiveRecord& d, const DeliveryRecord& r, UnixMillis as_of) {
  if (std::optional<double> delay = AckDelay(d, r)) {
    return *delay > 0;
  }
  if (as_of > d.header.ack_deadline) {
    return true;
  }
  return std::nullopt;
}

json Escalations(const DeliveryRecord& r) {
  json out = json::array();
  for (const EscalationEvent& e : r.escalations) {
    out.push_back({{"at", FormatUtc(e.at)}, {"what", e.what}, {"log_index", e.index}});
  }
  return out;
}

std::string EscalationsText(const DeliveryRecord& r) {
  std::string out;
  for (const EscalationEvent& e : r.escalations) {
    out += (out.empty() ? "" : "; ") + FormatUtc(e.at) + " " + e.what;
  }
  return out;
}

// "signed" (the agency's own signature), "sms-code" (the gateway's word), or "".
// How the acknowledgement came: the agency's signature, or an SMS code (the
// gateway's word).
std::string AcknowledgedVia(const DeliveryRecord& r) {
  return r.acknowledged_by_code ? "sms-code" : r.acknowledged_at ? "signed" : "";
}

json DeliveryJson(const DirectiveRecord& d, const DeliveryRecord& r, UnixMillis as_of) {
  std::optional<double> delay = AckDelay(d, r);
  std::optional<bool> late = Late(d, r, as_of);
  return {{"agency", r.agency},
          {"state", DeliveryStateName(r)},
          {"refusal", r.refused_at ? json({{"signed_at", FormatUtc(*r.refused_at)},
                                           {"reason", r.refusal_reason}})
                                   : json()},
          {"sent_at", Time(r.sent_at)},
          {"delivered_at", Time(r.delivered_at)},
          {"acknowledged_at", Time(r.acknowledged_at)},
          {"acknowledgement_signed_at", Time(r.ack_signed_at)},
          {"acknowledged_by", TextOrNull(r.officer)},  // the officer, as in status and inbox
          {"acknowledged_via", TextOrNull(AcknowledgedVia(r))},
          {"note", OptionalTextOrNull(r.note)},
          {"ack_seconds_after_deadline", delay ? json(*delay) : json()},
          {"late", late ? json(*late) : json()},
          {"escalations", Escalations(r)}};
}

std::string Hex(const protocol::DirectiveId& id) { return HexEncode(id); }

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

std::string LateCell(const std::optional<bool>& late) {
  return late ? (*late ? "yes" : "no") : "not yet due";
}

// RFC 4180 quoting, and a leading quote on cells a spreadsheet would run as
// a formula (officer names and notes come from agencies).
std::string CsvCell(std::string value) {
  if (!value.empty() && std::string_view("=+-@\t\r").find(value[0]) != std::string_view::npos) {
    value.insert(0, "'");
  }
  if (value.find_first_of(",\"\n\r") == std::string::npos) {
    return value;
  }
  std::string out = "\"";
  for (char c : value) {
    out += c == '"' ? "\"\"" : std::string(1, c);
  }
  return out + "\"";
}

// A time in a table cell: the time of day when it falls on `day`'s date (the
// directive's acceptance, printed above the table), the full UTC time otherwise.
std::string Cell(const std::optional<UnixMillis>& t, UnixMillis day) {
  if (!t) {
    return "—";
  }
  std::string full = FormatUtc(*t);
  return full.substr(0, 10) == FormatUtc(day).substr(0, 10) ? full.substr(11, 12) : full;
}

// One SVG timeline: a row per agency from acceptance to the later of the
// deadline and the last event; grey sent, blue delivered, green acknowledged,
// a red line at the deadline.
std::string Timeline(const DirectiveRecord& d) {
  UnixMillis start = d.accepted_at;
  UnixMillis end = d.header.ack_deadline;
  for (const auto& [agency, r] : d.deliveries) {
    for (const auto& t : {r.sent_at, r.delivered_at, r.acknowledged_at}) {
      if (t) {
        end = std::max(end, *t);
      }
    }
  }
  end += std::max<UnixMillis>((end - start) / 20, 1000);
  constexpr int kLeft = 190;
  constexpr int kWidth = 560;
  constexpr int kRow = 22;
  int height = static_cast<int>(d.deliveries.size()) * kRow + 30;
  auto x = [&](UnixMillis t) {
    return kLeft + static_cast<int>(static_cast<double>(t - start) / static_cast<double>(end - start) * kWidth);
  };
  std::ostringstream svg;
  svg << "<svg class=\"timeline\" width=\"" << kLeft + kWidth + 20 << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << kLeft + kWidth + 20 << " " << height
      << "\" role=\"img\" aria-label=\"delivery timeline\">";
  int deadline = x(d.header.ack_deadline);
  svg << "<line x1=\"" << deadline << "\" y1=\"0\" x2=\"" << deadline << "\" y2=\"" << height - 18
      << "\" class=\"deadline\"/><text x=\"" << deadline - 3 << "\" y=\"" << height - 4
      << "\" class=\"axis\" text-anchor=\"end\">deadline " << HtmlEscape(FormatUtc(d.header.ack_deadline))
      << "</text>";
  svg << "<text x=\"" << kLeft << "\" y=\"" << height - 4 << "\" class=\"axis\">accepted "
      << HtmlEscape(FormatUtc(start)) << "</text>";
  int row = 0;
  for (const auto& [agency, r] : d.deliveries) {
    int y = row++ * kRow + 12;
    svg << "<text x=\"4\" y=\"" << y + 4 << "\">" << HtmlEscape(agency) << "</text>"
        << "<line x1=\"" << kLeft << "\" y1=\"" << y << "\" x2=\"" << kLeft + kWidth << "\" y2=\""
        << y << "\" class=\"track\"/>";
    auto mark = [&](const std::optional<UnixMillis>& t, const char* css, const char* what) {
      if (t) {
        svg << "<circle cx=\"" << x(*t) << "\" cy=\"" << y << "\" r=\"5\" class=\"" << css
            << "\"><title>" << what << " " << HtmlEscape(FormatUtc(*t)) << "</title></circle>";
      }
    };
    mark(r.sent_at, "sent", "sent");
    mark(r.delivered_at, "delivered", "delivered");
    mark(r.acknowledged_at, r.acknowledged_by_code ? "coded" : "acked",
         r.acknowledged_by_code ? "acknowledged by SMS code" : "acknowledged (signed)");
  }
  svg << "</svg>";
  return svg.str();
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

UnixMillis AsOf(const VerifiedLog& log) {
  return log.checkpoints.empty() ? 0 : log.checkpoints.back().time;
}

std::string_view DeliveryStateName(const DeliveryRecord& r) {
  if (r.acknowledged_at) return "acknowledged";
  if (r.delivered_at) return "delivered";
  if (r.refused_at) return "refused";  // the agency's signed word: its copy did not verify
  if (r.sent_at) return "sent";
  return "pending";
}

json ReportJson(const VerifiedLog& log) {
  json directives = json::array();
  for (const DirectiveRecord& d : log.directives) {
    const protocol::DirectiveHeader& h = d.header;
    json deliveries = json::array();
    for (const auto& [agency, r] : d.deliveries) {
      deliveries.push_back(DeliveryJson(d, r, AsOf(log)));
    }
    directives.push_back(
        {{"id", Hex(h.id)},
         {"action", protocol::ActionName(h.action)},
         {"references", h.references ? json(Hex(*h.references)) : json()},
         {"severity", protocol::SeverityName(h.severity)},
         {"tlp", protocol::TlpName(h.tlp)},
         {"status", protocol::StatusName(h.status)},
         {"issuer", h.issuer},
         {"signers", d.signers},
         {"summary", h.summary ? json(*h.summary) : json()},
         {"issued_at", FormatUtc(h.issued_at)},
         {"accepted_at", FormatUtc(d.accepted_at)},
         {"ack_deadline", FormatUtc(h.ack_deadline)},
         {"expires_at", FormatUtc(h.expires_at)},
         {"log_index", d.index},
         {"digest", HexEncode(d.digest)},
         {"deliveries", deliveries}});
  }
  json checkpoints = json::array();
  for (const protocol::Checkpoint& c : log.checkpoints) {
    checkpoints.push_back({{"size", c.size}, {"root", HexEncode(c.root)}, {"time", FormatUtc(c.time)}});
  }
  json principals = json::array();
  for (const PrincipalEvent& p : log.principals) {
    principals.push_back({{"principal", p.principal},
                          {"event", p.enrolled ? "enrolled" : "revoked"},
                          {"at", FormatUtc(p.at)},
                          {"log_index", p.index}});
  }
  return {{"gateway", log.gateway},
          {"entries", log.entries.size()},
          {"checkpoints", checkpoints},
          {"directives", directives},
          {"principals", principals},
          {"as_of", log.checkpoints.empty() ? json() : json(FormatUtc(AsOf(log)))},
          {"policy_changes", log.policies.size()}};
}

// A number as a spreadsheet reads it: never quoted, never guarded.
std::string CsvNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

std::string ReportCsv(const VerifiedLog& log) {
  std::ostringstream out;
  out << "directive_id,action,severity,tlp,status,issuer,accepted_at,ack_deadline,agency,state,"
         "sent_at,delivered_at,acknowledged_at,acknowledgement_signed_at,acknowledged_by,acknowledged_via,"
         "note,ack_seconds_after_deadline,late,escalations,escalation_steps\r\n";
  constexpr std::size_t kDelayColumn = 17;  // numbers: written as they are
  constexpr std::size_t kStepsColumn = 20;
  for (const DirectiveRecord& d : log.directives) {
    const protocol::DirectiveHeader& h = d.header;
    for (const auto& [agency, r] : d.deliveries) {
      std::optional<double> delay = AckDelay(d, r);
      auto time = [](const std::optional<UnixMillis>& t) { return t ? FormatUtc(*t) : ""; };
      std::vector<std::string> cells = {
          Hex(h.id), std::string(protocol::ActionName(h.action)),
          std::string(protocol::SeverityName(h.severity)), std::string(protocol::TlpName(h.tlp)),
          std::string(protocol::StatusName(h.status)), h.issuer, FormatUtc(d.accepted_at),
          FormatUtc(h.ack_deadline), agency, std::string(DeliveryStateName(r)), time(r.sent_at),
          time(r.delivered_at), time(r.acknowledged_at), time(r.ack_signed_at), r.officer,
          AcknowledgedVia(r), r.note.value_or(""), delay ? CsvNumber(*delay) : "",
          LateCell(Late(d, r, AsOf(log))), EscalationsText(r),
          std::to_string(r.escalations.size())};
      for (std::size_t i = 0; i < cells.size(); ++i) {
        bool number = i == kDelayColumn || i == kStepsColumn;
        out << (i ? "," : "") << (number ? cells[i] : CsvCell(cells[i]));
      }
      out << "\r\n";
    }
  }
  return out.str();
}

std::string ReportHtml(const VerifiedLog& log) {
  std::ostringstream html;
  html << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>Tocsin delivery report: "
       << HtmlEscape(log.gateway)
       << "</title><style>"
          "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
          "table{border-collapse:collapse;margin:.5em 0 1.5em}"
          "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
          "th{background:#f3f3f3}.late{color:#b00020;font-weight:600}.open{color:#8a5a00}"
          ".ok{color:#1b5e20}.timeline text{font-size:11px}.axis{fill:#666}"
          ".track{stroke:#ddd}.deadline{stroke:#b00020;stroke-dasharray:4 3}"
          ".sent{fill:#9e9e9e}.delivered{fill:#1565c0}.acked{fill:#2e7d32}.coded{fill:#ef6c00}"
          "td,th{vertical-align:top;overflow-wrap:anywhere}"
          "td.t{font-variant-numeric:tabular-nums}"
          "table{width:100%;table-layout:fixed}.timeline{max-width:100%;height:auto}"
          "body{max-width:1200px}code{font-size:12px;overflow-wrap:anywhere}"
          "@page{size:A4 landscape;margin:10mm}"
          "@media print{body{margin:0;font-size:10px}h2{break-before:page}"
          "h2:first-of-type{break-before:auto}tr{break-inside:avoid}}"
          "</style></head><body>";
  html << "<h1>Delivery report</h1><p>Gateway <b>" << HtmlEscape(log.gateway) << "</b>: "
       << log.entries.size() << " log entries, " << log.checkpoints.size()
       << " signed checkpoints, all verified offline";
  if (!log.checkpoints.empty()) {
    const protocol::Checkpoint& last = log.checkpoints.back();
    html << "; last checkpoint " << HtmlEscape(FormatUtc(last.time)) << ", root <code>"
         << HexEncode(last.root) << "</code>";
  }
  html << ".</p>";
  html << "<p>Legend: <span style=\"color:#9e9e9e\">●</span> sent "
          "<span style=\"color:#1565c0\">●</span> delivered (signed receipt) "
          "<span style=\"color:#2e7d32\">●</span> acknowledged (signed) "
          "<span style=\"color:#ef6c00\">●</span> acknowledged by SMS code (unsigned) "
          "<span style=\"color:#b00020\">┆</span> acknowledgement deadline</p>";
  for (const DirectiveRecord& d : log.directives) {
    const protocol::DirectiveHeader& h = d.header;
    html << "<h2 id=\"d" << Hex(h.id) << "\">Directive <code>" << Hex(h.id) << "</code></h2><p>"
         << HtmlEscape(protocol::ActionName(h.action)) << ", "
         << HtmlEscape(protocol::SeverityName(h.severity)) << ", TLP:"
         << HtmlEscape(protocol::TlpName(h.tlp))
         << (h.status == protocol::DirectiveStatus::kExercise ? ", <b>EXERCISE</b>" : "")
         << ", issued by " << HtmlEscape(h.issuer) << ", accepted " << HtmlEscape(FormatUtc(d.accepted_at))
         << ", acknowledge by " << HtmlEscape(FormatUtc(h.ack_deadline)) << ".";
    if (h.summary) {
      html << " Summary: <i>" << HtmlEscape(*h.summary) << "</i>";
    }
    html << " Signed by " << HtmlEscape(Joined(d.signers)) << ".";
    for (const DirectiveRecord& other : log.directives) {
      if (h.references && other.header.id == *h.references) {
        html << " " << (h.action == protocol::DirectiveAction::kCancel ? "Cancels" : "Updates")
             << " <a href=\"#d" << Hex(other.header.id) << "\"><code>"
             << Hex(other.header.id).substr(0, 8) << "</code></a>.";
      }
      if (other.header.references && *other.header.references == h.id) {
        html << " " << (other.header.action == protocol::DirectiveAction::kCancel ? "Cancelled"
                                                                                 : "Updated")
             << " by <a href=\"#d" << Hex(other.header.id) << "\"><code>"
             << Hex(other.header.id).substr(0, 8) << "</code></a> ("
             << HtmlEscape(FormatUtc(other.accepted_at)) << ").";
      }
    }
    html << " Times are UTC, on " << HtmlEscape(FormatUtc(d.accepted_at).substr(0, 10))
         << " unless a date is shown; <code>tocsin audit summary</code> prints this directive "
            "on one page.</p>"
         << Timeline(d);
    html << "<table><tr><th>agency</th><th>state</th><th>sent</th><th>delivered</th>"
            "<th>acknowledged</th><th>signed at</th><th>by, note</th><th>against deadline</th>"
            "<th>escalations</th></tr>";
    for (const auto& [agency, r] : d.deliveries) {
      std::optional<double> delay = AckDelay(d, r);
      std::optional<bool> late_or_not = Late(d, r, AsOf(log));
      std::string verdict = delay ? (*delay > 0 ? std::to_string(static_cast<long>(*delay)) +
                                                      " s late"
                                                : "on time")
                            : late_or_not ? "not acknowledged, deadline passed"
                            : r.delivered_at ? "not acknowledged yet, not due"
                                             : "not delivered yet, not due";
      // Green only for what is done on time; what is still open is amber.
      const char* verdict_class = late_or_not.value_or(false) ? "late"
                                  : delay                     ? "ok"
                                                              : "open";
      html << "<tr><td>" << HtmlEscape(agency) << "</td><td>" << DeliveryStateName(r)
           << "</td><td class=\"t\">"
           << HtmlEscape(Cell(r.sent_at, d.accepted_at)) << "</td><td class=\"t\">"
           << HtmlEscape(Cell(r.delivered_at, d.accepted_at)) << "</td><td class=\"t\">"
           << HtmlEscape(Cell(r.acknowledged_at, d.accepted_at)) << "</td><td class=\"t\">"
           << HtmlEscape(Cell(r.ack_signed_at, d.accepted_at)) << "</td><td>"
           << HtmlEscape(r.officer) << (r.note ? " (" + HtmlEscape(*r.note) + ")" : "")
           << (r.acknowledged_by_code ? " <small>(SMS code: the gateway's word)</small>" : "")
           << "</td><td class=\"" << verdict_class << "\">"
           << HtmlEscape(verdict) << "</td><td>";
      for (const EscalationEvent& e : r.escalations) {
        html << HtmlEscape(FormatUtc(e.at).substr(11, 8)) << " " << HtmlEscape(e.what) << "<br>";
      }
      html << "</td></tr>";
    }
    html << "</table>";
  }
  html << "</body></html>\n";
  return html.str();
}

}  // namespace tocsin::tools::audit
