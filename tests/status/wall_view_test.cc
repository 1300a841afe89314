#include "tools/wall_view.h"

#include <clocale>
#include <string>

#include <catch2/catch.hpp>

namespace tocsin::tools {
namespace {

constexpr UnixMillis kNow = 1'800'000'000'000;
constexpr UnixMillis kMinute = 60'000;

protocol::DirectiveId Id(std::uint8_t fill) {
  protocol::DirectiveId id;
  id.fill(fill);
  return id;
}

// A directive with `count` agencies: every tenth overdue and silent, every
// fourth acknowledged, the rest delivered; its deadline passed a minute ago.
struct Fixture {
  std::vector<protocol::StatusRow> rows;
  std::map<protocol::DirectiveId, DirectiveCheck> checks;
  std::map<protocol::DirectiveId, std::string> titles;

  explicit Fixture(int count) {
    protocol::DirectiveHeader header;
    header.id = Id(0xab);
    header.severity = protocol::Severity::kCritical;
    header.tlp = protocol::Tlp::kRed;
    header.ack_deadline = kNow - kMinute;
    checks[header.id].header = header;
    titles[header.id] = "Grid ransomware";
    for (int i = 0; i < count; ++i) {
      protocol::StatusRow row;
      row.directive_id = header.id;
      char name[32];
      std::snprintf(name, sizeof name, "agency-%05d", i);
      row.agency = name;
      row.sent_at = kNow - 10 * kMinute;
      if (i % 10 == 0) {
        row.state = 1;
        row.ladder = protocol::StatusRow::Ladder{2, "sms", kNow + 2 * kMinute};
      } else if (i % 4 == 0) {
        row.state = 3;
        row.delivered_at = kNow - 9 * kMinute;
        row.acknowledged_at = kNow - 8 * kMinute;
        row.officer = "Ana";
        checks[header.id].rows[row.agency].backing = Backing::kSigned;
      } else {
        row.state = 2;
        row.delivered_at = kNow - 9 * kMinute;
        checks[header.id].rows[row.agency].backing = Backing::kSigned;
      }
      rows.push_back(row);
    }
  }
};

std::string Text(const std::vector<WallLine>& lines) {
  std::string out;
  for (const WallLine& line : lines) {
    out += line.text + "\n";
  }
  return out;
}

TEST_CASE("5,000 agencies fit 80x24, counts first, the overdue first", "[status][wall]") {
  Fixture f(5000);
  WallModel model = BuildWall("gw.test", f.rows, f.checks, f.titles, kNow);
  CHECK(model.counts.recipients == 5000);
  CHECK(model.counts.sent == 5000);
  CHECK(model.counts.delivered == 4500);
  CHECK(model.counts.acknowledged == 1000);  // multiples of 4 that are not of 10
  CHECK(model.counts.overdue == 4000);
  CHECK(model.counts.escalating == 500);
  std::vector<WallLine> lines = LayoutWall(model, 80, 24, 0, true);
  INFO(Text(lines));
  REQUIRE(lines.size() == 24);
  for (const WallLine& line : lines) {
    CHECK(line.text.size() == 80);
  }
  CHECK(lines[0].text.find("TOCSIN gw.test") == 0);
  CHECK(lines[0].text.find("LIVE") != std::string::npos);
  CHECK(lines[1].text.find("5000 deliveries:  sent 5000  delivered 4500  acked 1000") == 0);
  CHECK(lines[1].text.find("OVERDUE 4000") != std::string::npos);
  CHECK(lines[1].style == WallLine::Style::kAlarm);
  CHECK(lines[2].text.find("escalating 500") == 0);  // wrapped, not cut off
  CHECK(lines[3].text.find("abababab CRITICAL TLP:RED  deadline") == 0);
  CHECK(lines[3].text.find("ack 1000/5000") != std::string::npos);
  // The first agency rows are overdue (marked "!"), and the silent ones
  // with their next escalation step come before the merely late.
  CHECK(lines[4].text.find("AGENCY") == 3);
  CHECK(lines[5].text.rfind("!  agency-00000", 0) == 0);
  CHECK(lines[5].text.find("sms in 2m") != std::string::npos);
  CHECK(lines[5].style == WallLine::Style::kAlarm);
  // Among the overdue, the 500 that do not even hold it come first.
  CHECK(lines[6].text.rfind("!  agency-00010", 0) == 0);
  CHECK(model.rows[499].state == "sent");
  CHECK(model.rows[500].state == "delivered");
  CHECK(lines[23].text.find("rows 1-18 of 5000") == 0);
  CHECK(lines[23].text.find("q quits") != std::string::npos);
}

TEST_CASE("Scrolling stops at the last full page, acknowledged rows last", "[status][wall]") {
  Fixture f(5000);
  WallModel model = BuildWall("gw.test", f.rows, f.checks, f.titles, kNow);
  std::vector<WallLine> lines = LayoutWall(model, 80, 24, 1'000'000, false);
  INFO(Text(lines));
  CHECK(lines[23].text.find("rows 4983-5000 of 5000") == 0);
  CHECK(lines[22].text.rfind("ok agency-04996", 0) == 0);
  CHECK(lines[22].text.find("acknowledged") != std::string::npos);
}

TEST_CASE("A stale report says so, with its age, on the first line", "[status][wall]") {
  Fixture f(3);
  WallModel model = BuildWall("gw.test", f.rows, f.checks, f.titles, kNow);
  model.now = kNow + 95'000;
  model.stale = "no answer from the gateway within 3000 ms";
  std::vector<WallLine> lines = LayoutWall(model, 80, 24, 0, false);
  CHECK(lines[0].style == WallLine::Style::kStale);
  CHECK(lines[0].text.find("STALE 1m: no answer from the gateway") != std::string::npos);
}

TEST_CASE("Unverified and missing rows come before everything", "[status][wall]") {
  Fixture f(20);
  protocol::DirectiveId id = Id(0xab);
  f.checks[id].rows["agency-00005"] = {Backing::kUnverified, "no signed receipt", {}, {}};
  f.checks[id].missing.push_back("agency-99999");
  WallModel model = BuildWall("gw.test", f.rows, f.checks, f.titles, kNow);
  CHECK(model.counts.unverified == 2);
  CHECK(model.counts.recipients == 21);
  REQUIRE(model.rows.size() == 21);
  CHECK(model.rows[0].urgency == Urgency::kUnverified);
  CHECK(model.rows[1].urgency == Urgency::kUnverified);
  std::vector<WallLine> wide = LayoutWall(model, 160, 40, 0, false);
  INFO(Text(wide));
  CHECK(wide[4].text.rfind("!! agency-00005", 0) == 0);
  CHECK(wide[4].text.find("UNVERIFIED (the gateway says delivered): no signed receipt") !=
        std::string::npos);
  CHECK(wide[5].text.find("MISSING") != std::string::npos);
}

TEST_CASE("Before the deadline nothing is overdue; a late acknowledgement says how late",
          "[status][wall]") {
  Fixture f(10);
  protocol::DirectiveId id = Id(0xab);
  f.checks[id].header->ack_deadline = kNow + 5 * kMinute;
  WallModel model = BuildWall("gw.test", f.rows, f.checks, f.titles, kNow);
  CHECK(model.counts.overdue == 0);
  CHECK(model.rows[0].urgency == Urgency::kSilent);  // agency-00000, not delivered
  f.checks[id].header->ack_deadline = kNow - 9 * kMinute;  // acknowledged at -8m: 1m late
  model = BuildWall("gw.test", f.rows, f.checks, f.titles, kNow);
  auto acked = std::find_if(model.rows.begin(), model.rows.end(),
                            [](const WallRow& r) { return r.urgency == Urgency::kAcknowledged; });
  REQUIRE(acked != model.rows.end());
  CHECK(acked->note == "by Ana, 1m late");
}

TEST_CASE("A claim the signatures do not back is not counted as acknowledged",
          "[status][wall]") {
  Fixture f(8);
  protocol::DirectiveId id = Id(0xab);
  f.checks[id].rows["agency-00004"] = {Backing::kUnverified, "no signed acknowledgement", {}, {}};
  f.checks[id].rows["agency-00008"] = {Backing::kGatewayWord, "", {}, {}};
  f.rows.push_back(f.rows[4]);
  f.rows.back().agency = "agency-00008";
  WallModel model = BuildWall("gw.test", f.rows, f.checks, f.titles, kNow);
  CHECK(model.counts.acknowledged == 1);  // agency-00008, by SMS; agency-00004 unverified
  CHECK(model.counts.delivered == 7);     // 1-3, 5-7 and 8; not 0 (sent) nor 4 (unverified)
  CHECK(model.directives[0].acknowledged == 1);
  CHECK(model.rows[0].agency == "agency-00004");
  CHECK(model.rows[0].state == "UNVERIFIED");  // at any width, not only in the note
  CHECK(model.rows[0].note.find("the gateway says acknowledged") != std::string::npos);
  auto sms = std::find_if(model.rows.begin(), model.rows.end(),
                          [](const WallRow& r) { return r.agency == "agency-00008"; });
  CHECK(sms->state == "ack by SMS");
}

TEST_CASE("Scrolling moves within the rows a page shows", "[status][wall]") {
  WallPage page{0, 18};
  CHECK(Scrolled(Scroll::kEnd, page, 100) == 82);
  CHECK(Scrolled(Scroll::kUp, {82, 18}, 100) == 81);  // at once, not after a hidden gap
  CHECK(Scrolled(Scroll::kDown, {82, 18}, 100) == 82);
  CHECK(Scrolled(Scroll::kPageUp, {82, 18}, 100) == 64);
  CHECK(Scrolled(Scroll::kPageDown, {70, 18}, 100) == 82);
  CHECK(Scrolled(Scroll::kHome, {70, 18}, 100) == 0);
  CHECK(Scrolled(Scroll::kDown, {0, 18}, 10) == 0);  // all on one page
  Fixture f(5000);
  WallModel model = BuildWall("gw.test", f.rows, f.checks, f.titles, kNow);
  WallPage shown;
  LayoutWall(model, 80, 24, 1'000'000, true, &shown);
  CHECK((shown.first == 4982 && shown.visible == 18));
}

TEST_CASE("A long agency id is cut with a mark", "[status][wall]") {
  Fixture f(1);
  f.rows[0].agency = "ministry-of-the-interior-cyber-defence-directorate-a";
  f.rows.push_back(f.rows[0]);
  f.rows.back().agency = "ministry-of-the-interior-cyber-defence-directorate-b";
  WallModel model = BuildWall("gw.test", f.rows, f.checks, f.titles, kNow);
  std::vector<WallLine> lines = LayoutWall(model, 80, 24, 0, false);
  INFO(Text(lines));
  CHECK(lines[4].text.rfind("!  ministry-of-the-interi~ ", 0) == 0);
}

TEST_CASE("Durations fit a narrow column", "[status][wall]") {
  CHECK(ShortDuration(45'000) == "45s");
  CHECK(ShortDuration(12 * kMinute) == "12m");
  CHECK(ShortDuration(185 * kMinute) == "3h05");
  CHECK(ShortDuration(52 * 60 * kMinute) == "2d04h");
  CHECK(ShortDuration(-5) == "0s");
}

}  // namespace
}  // namespace tocsin::tools

namespace tocsin::tools {
namespace {

TEST_CASE("Titles are fitted to terminal columns, not bytes or characters", "[status][wall]") {
  REQUIRE(std::setlocale(LC_CTYPE, "C.UTF-8") != nullptr);
  CHECK(FitColumns("Grid", 6) == "Grid  ");
  CHECK(FitColumns("Réseau", 6) == "Réseau");           // é: two bytes, one column
  CHECK(FitColumns("電力網の障害", 7) == "電力網 ");    // three wide characters and a space
  CHECK(FitColumns("e\u0301t\u00e9", 4) == "e\u0301t\u00e9 ");  // a combining accent takes none
  CHECK(FitColumns("\xff\xfe", 3) == "\xff\xfe ");      // not UTF-8: a column a byte, never split
  CHECK(FitColumns("abc", 0).empty());
  std::setlocale(LC_CTYPE, "C");
}

}  // namespace
}  // namespace tocsin::tools
