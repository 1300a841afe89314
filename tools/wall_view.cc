#include "tools/wall_view.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <tuple>
#include <utility>
#include <wchar.h>

#include "common/bytes.h"

namespace tocsin::tools {
namespace {

constexpr UnixMillis kSecond = 1000;

// The code point at the start of `text` (UTF-8) and its length in bytes;
// a byte that starts no valid sequence is one character of its own.
std::pair<char32_t, std::size_t> NextCharacter(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3
                                       : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || length > text.size()) {
    return {U'\uFFFD', 1};
  }
  char32_t point = static_cast<char32_t>(length == 1 ? lead : lead & (0x7F >> length));
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return {U'\uFFFD', 1};
    }
    point = (point << 6) | static_cast<char32_t>(byte(i) & 0x3F);
  }
  return {point, length};
}

std::string Fit(std::string_view text, std::size_t width) { return FitColumns(text, width); }

// As Fit, marking a cut with '~', so that a cut id is not taken for a whole one.
std::string FitMarked(std::string_view text, std::size_t width) {
  return text.size() > width && width > 1 ? Fit(text.substr(0, width - 1), width - 1) + "~"
                                          : Fit(text, width);
}

std::string Clock(UnixMillis t) { return FormatUtc(t).substr(11, 8); }

// "in 12m", "3m ago", "now".
std::string Relative(UnixMillis at, UnixMillis now) {
  if (at > now + kSecond / 2) {
    return "in " + ShortDuration(at - now);
  }
  if (at + kSecond / 2 < now) {
    return ShortDuration(now - at) + " ago";
  }
  return "now";
}

// The state's name; a refusal in capitals.
std::string StateName(std::uint8_t number) {
  std::optional<DeliveryState> state = DeliveryStateFromNumber(number);
  if (!state) {
    return "?";
  }
  return *state == DeliveryState::kRefused ? "REFUSED" : std::string(DeliveryStateName(*state));
}

Urgency UrgencyOf(const protocol::StatusRow& row, const RowCheck& check,
                  std::optional<UnixMillis> deadline, UnixMillis now) {
  if (check.backing == Backing::kUnverified) {
    return Urgency::kUnverified;
  }
  if (row.delivery_state() == DeliveryState::kRefused) {
    return Urgency::kRefused;
  }
  if (row.delivery_state() == DeliveryState::kAcknowledged) {
    return Urgency::kAcknowledged;
  }
  if (deadline && now > *deadline) {
    return Urgency::kOverdue;
  }
  return Unconfirmed(row.delivery_state()) ? Urgency::kSilent : Urgency::kWaiting;
}

const char* Mark(Urgency urgency) {
  switch (urgency) {
    case Urgency::kUnverified: return "!!";
    case Urgency::kOverdue: return "! ";
    case Urgency::kRefused: return "x ";
    case Urgency::kSilent: return "? ";
    case Urgency::kWaiting: return "  ";
    case Urgency::kAcknowledged: return "ok";
  }
  return "  ";
}

WallRow RowOf(const protocol::StatusRow& r, const RowCheck& check,
              std::optional<UnixMillis> deadline, UnixMillis now) {
  WallRow row;
  row.directive = HexEncode(r.directive_id).substr(0, 8);
  row.agency = r.agency;
  row.urgency = UrgencyOf(r, check, deadline, now);
  row.state = row.urgency == Urgency::kUnverified      ? "UNVERIFIED"
              : check.backing == Backing::kGatewayWord ? "ack by SMS"
                                                       : StateName(r.state);
  row.since = r.acknowledged_at ? r.acknowledged_at : r.delivered_at ? r.delivered_at : r.sent_at;
  row.deadline = deadline;
  row.ladder = r.ladder;
  if (row.urgency == Urgency::kUnverified) {
    row.note = "UNVERIFIED (the gateway says " + std::string(StateName(r.state)) +
               "): " + check.problem;
  } else if (check.refusal) {
    row.note = "refused its copy: " + *check.refusal;
  } else if (r.delivery_state() == DeliveryState::kAcknowledged) {
    row.note = "by " + r.officer;
    if (deadline && r.acknowledged_at && *r.acknowledged_at > *deadline) {
      row.note += ", " + ShortDuration(*r.acknowledged_at - *deadline) + " late";
    }
  }
  row.note = EscapeForDisplay(row.note);
  return row;
}

void Count(WallCounts& counts, const protocol::StatusRow& r, const WallRow& row) {
  ++counts.recipients;
  auto one = [](bool yes) -> std::size_t { return yes ? 1 : 0; };
  counts.sent += one(r.delivery_state() != DeliveryState::kPending);
  // Delivered and acknowledged count what the agencies' signatures back.
  bool backed = row.urgency != Urgency::kUnverified;
  counts.delivered += one(HoldsDirective(r.delivery_state()) && backed);
  counts.acknowledged += one(r.delivery_state() == DeliveryState::kAcknowledged && backed);
  counts.refused += one(r.delivery_state() == DeliveryState::kRefused);
  counts.overdue += one(row.urgency == Urgency::kOverdue);
  counts.unverified += one(row.urgency == Urgency::kUnverified);
  counts.escalating += one(AwaitsAcknowledgement(r.delivery_state()) && r.ladder && r.ladder->fired > 0);
}

// Most urgent first; the most overdue and the longest silent first within.
bool MoreUrgent(const WallRow& a, const WallRow& b) {
  auto when = [](const WallRow& r) {
    return r.urgency == Urgency::kOverdue  ? r.deadline.value_or(0)
           : r.urgency == Urgency::kSilent ? r.since.value_or(0)
                                           : 0;
  };
  // Among the overdue, those that do not even hold it come first.
  auto undelivered = [](const WallRow& r) {
    return r.urgency == Urgency::kOverdue && (r.state == "pending" || r.state == "sent") ? 0 : 1;
  };
  UnixMillis when_a = when(a);
  UnixMillis when_b = when(b);
  int held_a = undelivered(a);
  int held_b = undelivered(b);
  return std::tie(a.urgency, when_a, held_a, a.agency, a.directive) <
         std::tie(b.urgency, when_b, held_b, b.agency, b.directive);
}

std::string NextStep(const WallRow& row, UnixMillis now) {
  if (!row.ladder) {
    return "-";
  }
  if (!row.ladder->next_action) {
    return row.ladder->fired > 0 ? "ladder done" : "-";
  }
  return *row.ladder->next_action + " " + Relative(*row.ladder->next_due, now);
}

std::string Since(const WallRow& row, UnixMillis now) {
  if (row.urgency == Urgency::kOverdue && row.deadline) {
    return "due " + ShortDuration(now - *row.deadline) + " ago";
  }
  return row.since ? Clock(*row.since) : "-";
}

// The counts, as words to wrap: nothing is cut off a narrow screen.
std::vector<std::string> CountWords(const WallModel& m) {
  const WallCounts& c = m.counts;
  auto n = [](std::size_t value) { return std::to_string(value); };
  std::vector<std::string> words = {n(c.recipients) + " deliveries:", "sent " + n(c.sent),
                                    "delivered " + n(c.delivered), "acked " + n(c.acknowledged),
                                    "OVERDUE " + n(c.overdue), "escalating " + n(c.escalating)};
  if (c.refused > 0) {
    words.push_back("REFUSED " + n(c.refused));
  }
  if (c.unverified > 0) {
    words.push_back("UNVERIFIED " + n(c.unverified));
  }
  if (m.proposals > 0) {
    words.push_back(n(m.proposals) + " awaiting approval");
  }
  return words;
}

std::vector<std::string> Wrap(const std::vector<std::string>& words, std::size_t width) {
  std::vector<std::string> lines(1);
  for (const std::string& word : words) {
    if (!lines.back().empty() && lines.back().size() + 2 + word.size() > width) {
      lines.emplace_back();
    }
    lines.back() += (lines.back().empty() ? "" : "  ") + word;
  }
  return lines;
}

std::string DirectiveLine(const WallDirective& d, UnixMillis now) {
  std::string line = d.id + " " + (d.labels.empty() ? "UNVERIFIED" : d.labels);
  if (d.deadline) {
    line += "  deadline " + Clock(*d.deadline) + " (" + Relative(*d.deadline, now) + ")";
  }
  line += "  ack " + std::to_string(d.acknowledged) + "/" + std::to_string(d.recipients);
  if (d.overdue > 0) {
    line += "  OVERDUE " + std::to_string(d.overdue);
  }
  if (!d.title.empty()) {
    line += "  \"" + d.title + "\"";
  }
  return line;
}

// Column widths for a screen `width` wide: the agency takes what is left.
struct Columns {
  std::size_t agency = 24, state = 12, since = 12, next = 18, directive = 8, note = 0;
  explicit Columns(std::size_t width) {
    std::size_t fixed = 3 + state + 1 + since + 1 + next + 1 + directive;
    std::size_t left = width > fixed + 12 ? width - fixed - 1 : 12;
    agency = std::min<std::size_t>(left, 32);
    if (left > agency + 12) {
      note = left - agency - 2;
    }
  }
};

std::string RowLine(const WallRow& row, const Columns& c, UnixMillis now) {
  std::string line = std::string(Mark(row.urgency)) + " " + FitMarked(row.agency, c.agency) + " " +
                     Fit(row.state, c.state) + " " + Fit(Since(row, now), c.since) + " " +
                     Fit(NextStep(row, now), c.next) + " " + Fit(row.directive, c.directive);
  if (c.note > 0 && !row.note.empty()) {
    line += "  " + Fit(row.note, c.note);
  }
  return line;
}

WallLine::Style RowStyle(Urgency urgency) {
  return urgency <= Urgency::kRefused ? WallLine::Style::kAlarm : WallLine::Style::kNormal;
}

}  // namespace

std::string FitColumns(std::string_view text, std::size_t width) {
  std::size_t columns = 0;
  std::size_t end = 0;
  while (end < text.size()) {
    auto [point, length] = NextCharacter(text.substr(end));
    int wide = wcwidth(static_cast<wchar_t>(point));
    std::size_t takes = wide < 0 ? 1 : static_cast<std::size_t>(wide);  // unknown: one
    if (columns + takes > width) {
      break;
    }
    columns += takes;
    end += length;
  }
  return std::string(text.substr(0, end)) + std::string(width - columns, ' ');
}

std::string ShortDuration(UnixMillis millis) {
  long long s = static_cast<long long>(std::max<UnixMillis>(millis, 0) / 1000);
  char text[32];
  if (s < 60) {
    std::snprintf(text, sizeof text, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(text, sizeof text, "%lldm", s / 60);
  } else if (s < 86400) {
    std::snprintf(text, sizeof text, "%lldh%02lld", s / 3600, s % 3600 / 60);
  } else {
    std::snprintf(text, sizeof text, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
  }
  return text;
}

WallModel BuildWall(const std::string& gateway, const std::vector<protocol::StatusRow>& rows,
                    const std::map<protocol::DirectiveId, DirectiveCheck>& checks,
                    const std::map<protocol::DirectiveId, std::string>& titles, UnixMillis now) {
  WallModel m;
  m.gateway = gateway;
  m.now = now;
  m.updated_at = now;
  m.truncated = rows.size() >= protocol::kMaxStatusRows;
  std::map<protocol::DirectiveId, std::size_t> index;  // into m.directives
  auto directive_of = [&](const protocol::DirectiveId& id) -> WallDirective& {
    auto [found, fresh] = index.emplace(id, m.directives.size());
    if (fresh) {
      WallDirective d;
      d.id = HexEncode(id).substr(0, 8);
      auto title = titles.find(id);
      d.title = title == titles.end() ? "" : EscapeForDisplay(title->second);
      auto check = checks.find(id);
      if (check != checks.end() && check->second.header) {
        const protocol::DirectiveHeader& h = *check->second.header;
        d.labels = std::string(protocol::SeverityName(h.severity));
        std::transform(d.labels.begin(), d.labels.end(), d.labels.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        d.labels += " TLP:" + std::string(protocol::TlpName(h.tlp));
        d.deadline = h.ack_deadline;
      }
      m.directives.push_back(std::move(d));
    }
    return m.directives[found->second];
  };
  for (const protocol::StatusRow& r : rows) {
    WallDirective& d = directive_of(r.directive_id);
    WallRow row = RowOf(r, CheckOf(checks, r), d.deadline, now);
    Count(m.counts, r, row);
    ++d.recipients;
    d.acknowledged += r.state == 3 && row.urgency != Urgency::kUnverified ? 1u : 0u;
    d.overdue += row.urgency == Urgency::kOverdue ? 1u : 0u;
    m.rows.push_back(std::move(row));
  }
  for (const auto& [id, check] : checks) {
    for (const std::string& agency : check.missing) {
      WallDirective& d = directive_of(id);
      WallRow row;
      row.directive = d.id;
      row.agency = agency;
      row.urgency = Urgency::kUnverified;
      row.state = "MISSING";
      row.deadline = d.deadline;
      row.note = "UNVERIFIED: a signed recipient the gateway's report leaves out";
      ++m.counts.recipients;
      ++m.counts.unverified;
      ++d.recipients;
      m.rows.push_back(std::move(row));
    }
  }
  std::sort(m.rows.begin(), m.rows.end(), MoreUrgent);
  return m;
}

std::size_t Scrolled(Scroll scroll, const WallPage& shown, std::size_t rows) {
  std::size_t page = std::max<std::size_t>(shown.visible, 1);
  std::size_t last = rows > shown.visible ? rows - shown.visible : 0;
  std::size_t first = std::min(shown.first, last);
  switch (scroll) {
    case Scroll::kUp: return first > 0 ? first - 1 : 0;
    case Scroll::kDown: return std::min(first + 1, last);
    case Scroll::kPageUp: return first > page ? first - page : 0;
    case Scroll::kPageDown: return std::min(first + page, last);
    case Scroll::kHome: return 0;
    case Scroll::kEnd: return last;
  }
  return first;
}

std::vector<WallLine> LayoutWall(const WallModel& m, int width_in, int height_in,
                                 std::size_t first_row, bool interactive, WallPage* page) {
  std::size_t width = static_cast<std::size_t>(std::max(width_in, 20));
  std::size_t height = static_cast<std::size_t>(std::max(height_in, 2));
  std::vector<WallLine> out;
  auto add = [&](const std::string& text, WallLine::Style style) {
    if (out.size() < height) {
      out.push_back({Fit(text, width), style});
    }
  };
  std::string top = "TOCSIN " + m.gateway + "  " + Clock(m.now) + " UTC";
  std::string state = m.stale.empty()
                          ? "LIVE"
                          : "STALE " + ShortDuration(m.now - m.updated_at) + ": " +
                                EscapeForDisplay(m.stale);  // may quote the gateway
  add(top + "  " + state, m.stale.empty() ? WallLine::Style::kHeading : WallLine::Style::kStale);
  bool alarm = m.counts.overdue > 0 || m.counts.unverified > 0 || m.counts.refused > 0;
  for (const std::string& line : Wrap(CountWords(m), width)) {
    add(line, alarm ? WallLine::Style::kAlarm : WallLine::Style::kHeading);
  }
  if (m.truncated) {
    add("the gateway's report stops at " + std::to_string(protocol::kMaxStatusRows) +
            " rows: watch one directive (tocsin status ID --watch)",
        WallLine::Style::kAlarm);
  }
  // Directives: at most a third of the screen, the rest for the agencies.
  std::size_t room = height > 8 ? (height - 4) / 3 : 1;
  std::size_t shown = std::min(m.directives.size(), room);
  if (shown < m.directives.size() && shown > 0) {
    --shown;  // the last line says how many more
  }
  for (std::size_t i = 0; i < shown; ++i) {
    add(DirectiveLine(m.directives[i], m.now), m.directives[i].overdue > 0
                                                   ? WallLine::Style::kAlarm
                                                   : WallLine::Style::kNormal);
  }
  if (shown < m.directives.size()) {
    add("+ " + std::to_string(m.directives.size() - shown) + " more directive(s)",
        WallLine::Style::kNormal);
  }
  Columns columns(width);
  add("   " + Fit("AGENCY", columns.agency) + " " + Fit("STATE", columns.state) + " " +
          Fit("SINCE", columns.since) + " " + Fit("NEXT STEP", columns.next) + " " +
          Fit("ID", columns.directive) + (columns.note > 0 ? "  NOTE" : ""),
      WallLine::Style::kHeading);
  std::size_t visible = height > out.size() + 1 ? height - out.size() - 1 : 0;
  std::size_t last_start = m.rows.size() > visible ? m.rows.size() - visible : 0;
  std::size_t first = std::min(first_row, last_start);
  std::size_t end = std::min(m.rows.size(), first + visible);
  for (std::size_t i = first; i < end; ++i) {
    add(RowLine(m.rows[i], columns, m.now), RowStyle(m.rows[i].urgency));
  }
  if (page != nullptr) {
    *page = {first, visible};
  }
  std::string footer = m.rows.empty() ? "no deliveries"
                       : end == first ? std::to_string(m.rows.size()) + " rows: a taller screen shows them"
                                      : "rows " + std::to_string(first + 1) + "-" +
                                            std::to_string(end) + " of " +
                                            std::to_string(m.rows.size()) + ", most urgent first";
  if (interactive) {
    footer += " | arrows PgUp PgDn scroll, q quits";
  }
  add(footer, WallLine::Style::kHeading);
  return out;
}

}  // namespace tocsin::tools
