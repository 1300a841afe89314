// tools/wall_view.h -- what the live status view (`tocsin status --watch`)
// shows, laid out as lines for a screen of a given size.
//
// Pure: BuildWall turns one status report, checked against the agencies'
// signatures, into a model; LayoutWall cuts it to a width and a height. So a
// test can lay 5,000 agencies out on 80x24 without a terminal, and the
// ncurses and plain-text screens (wall_screen.h) only draw lines.
//
// The view puts what needs a person first: counts, then each directive with
// its deadline, then the agencies in order of urgency -- states the
// signatures do not back, overdue, refused, silent (not delivered), waiting,
// acknowledged -- each with the ladder's next step.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "protocol/messages.h"
#include "tools/status_evidence.h"

namespace tocsin::tools {

// In display order: the most urgent first.
enum class Urgency { kUnverified, kOverdue, kRefused, kSilent, kWaiting, kAcknowledged };

struct WallRow {
  std::string directive;  // the id's first 8 hex digits
  std::string agency;
  Urgency urgency = Urgency::kWaiting;
  std::string state;                  // "pending", "sent", "delivered", "acknowledged", ...
  std::optional<UnixMillis> since;    // the last step it reached
  std::optional<UnixMillis> deadline;  // the directive's signed acknowledgement deadline
  std::optional<protocol::StatusRow::Ladder> ladder;
  std::string note;  // who acknowledged, why refused, or why unverified
};

struct WallDirective {
  std::string id;  // 8 hex digits
  std::string title;                   // empty: another operator's
  std::string labels;                  // "CRITICAL TLP:RED", empty when unverified
  std::optional<UnixMillis> deadline;  // signed by the issuer
  std::size_t recipients = 0;
  std::size_t acknowledged = 0;
  std::size_t overdue = 0;
};

struct WallCounts {
  std::size_t recipients = 0, sent = 0, delivered = 0, acknowledged = 0, overdue = 0,
              escalating = 0, refused = 0, unverified = 0;
};

struct WallModel {
  std::string gateway;
  UnixMillis now = 0;         // wall time of the screen
  UnixMillis updated_at = 0;  // wall time of the report shown
  std::string stale;          // non-empty: why the report shown is not current
  WallCounts counts;
  std::vector<WallDirective> directives;  // as the gateway reports them, newest first
  std::vector<WallRow> rows;              // most urgent first
  std::size_t proposals = 0;              // waiting for a second signature
  bool truncated = false;                 // the gateway's report hit its row limit
};

// One report, checked. `titles` are the ones this operator sealed.
WallModel BuildWall(const std::string& gateway, const std::vector<protocol::StatusRow>& rows,
                    const std::map<protocol::DirectiveId, DirectiveCheck>& checks,
                    const std::map<protocol::DirectiveId, std::string>& titles, UnixMillis now);

struct WallLine {
  enum class Style { kNormal, kHeading, kAlarm, kStale };
  std::string text;  // at most `width` columns (ASCII, or UTF-8 from titles)
  Style style = Style::kNormal;
};

// Which agency rows a layout shows: from `first`, `visible` of them.
struct WallPage {
  std::size_t first = 0;
  std::size_t visible = 0;
};

// At most `height` lines of at most `width` columns, the rows from
// `first_row` on (clamped so that the last page is full; `page`, when
// given, receives what was shown). `interactive` adds the keys to the last
// line. A small height shows what fits, counts first.
std::vector<WallLine> LayoutWall(const WallModel& model, int width, int height,
                                 std::size_t first_row, bool interactive,
                                 WallPage* page = nullptr);

enum class Scroll { kUp, kDown, kPageUp, kPageDown, kHome, kEnd };
// The first row to show after `scroll`, from the page last shown.
std::size_t Scrolled(Scroll scroll, const WallPage& shown, std::size_t rows);

// "45s", "12m", "3h05m", "2d04h": a duration for a narrow column.
std::string ShortDuration(UnixMillis millis);

// `text` (UTF-8) cut on a character boundary to at most `width` terminal
// columns and padded with spaces to exactly `width`. Columns are wcwidth(3)'s
// under the current locale (a CJK character takes two, a combining accent
// none); a character it does not know takes one.
std::string FitColumns(std::string_view text, std::size_t width);

}  // namespace tocsin::tools
