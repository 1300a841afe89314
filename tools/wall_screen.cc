#include "tools/wall_screen.h"

#include <curses.h>
#include <signal.h>

#include <chrono>
#include <clocale>
#include <optional>

namespace tocsin::tools {
namespace {

volatile sig_atomic_t g_quit = 0;

void OnQuitSignal(int) { g_quit = 1; }

// Without SA_RESTART, so that a signal ends the wait for a key at once.
void CatchQuitSignals() {
  struct sigaction action {};
  action.sa_handler = OnQuitSignal;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    sigaction(signal, &action, nullptr);
  }
}

enum Pair : short { kAlarmPair = 1, kStalePair = 2, kHeadingPair = 3 };

attr_t AttributeOf(WallLine::Style style, bool colour) {
  switch (style) {
    case WallLine::Style::kNormal: return A_NORMAL;
    case WallLine::Style::kHeading: return colour ? COLOR_PAIR(kHeadingPair) | A_BOLD : A_BOLD;
    case WallLine::Style::kAlarm: return colour ? COLOR_PAIR(kAlarmPair) | A_BOLD : A_BOLD;
    case WallLine::Style::kStale: return colour ? COLOR_PAIR(kStalePair) | A_BOLD : A_REVERSE;
  }
  return A_NORMAL;
}

// Draws `model` from `first_row`; returns the page it showed.
WallPage Draw(const WallModel& model, std::size_t first_row, bool colour) {
  erase();
  int y = 0;
  WallPage page;
  for (const WallLine& line : LayoutWall(model, COLS, LINES, first_row, true, &page)) {
    attr_t attribute = AttributeOf(line.style, colour);
    attron(attribute);
    mvaddnstr(y++, 0, line.text.c_str(), static_cast<int>(line.text.size()));
    attroff(attribute);
  }
  refresh();
  return page;
}

std::optional<Scroll> ScrollOf(int key) {
  switch (key) {
    case KEY_UP: return Scroll::kUp;
    case KEY_DOWN: return Scroll::kDown;
    case KEY_PPAGE: return Scroll::kPageUp;
    case KEY_NPAGE: return Scroll::kPageDown;
    case KEY_HOME: return Scroll::kHome;
    case KEY_END: return Scroll::kEnd;
    default: return std::nullopt;
  }
}

}  // namespace

bool RunTerminalWall(const std::function<WallModel()>& refresh) {
  std::setlocale(LC_ALL, "");  // UTF-8 titles
  // newterm, not initscr: initscr exits the process on an unknown TERM.
  SCREEN* screen = newterm(nullptr, stdout, stdin);
  if (screen == nullptr) {
    return false;
  }
  set_term(screen);
  g_quit = 0;
  CatchQuitSignals();
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  bool colour = has_colors();
  if (colour) {
    start_color();
    use_default_colors();
    init_pair(kAlarmPair, COLOR_WHITE, COLOR_RED);
    init_pair(kStalePair, COLOR_BLACK, COLOR_YELLOW);
    init_pair(kHeadingPair, -1, -1);
  }
  timeout(100);
  std::size_t first_row = 0;
  while (g_quit == 0) {
    WallModel model = refresh();
    WallPage page = Draw(model, first_row, colour);
    first_row = page.first;
    auto next = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (g_quit == 0 && std::chrono::steady_clock::now() < next) {
      int key = getch();
      if (key == ERR) {
        continue;
      }
      if (key == 'q' || key == 'Q') {
        g_quit = 1;
        break;
      }
      if (std::optional<Scroll> scroll = ScrollOf(key)) {
        first_row = Scrolled(*scroll, page, model.rows.size());
      }
      page = Draw(model, first_row, colour);  // a key or KEY_RESIZE: at once
      first_row = page.first;
    }
  }
  endwin();
  delscreen(screen);
  return true;
}

}  // namespace tocsin::tools
