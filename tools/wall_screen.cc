#include "tools/wall_screen.h"

#include <curses.h>
#include <signal.h>

#include <chrono>
#include <clocale>

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

void Draw(const WallModel& model, std::size_t first_row, bool colour) {
  erase();
  int y = 0;
  for (const WallLine& line : LayoutWall(model, COLS, LINES, first_row, true)) {
    attr_t attribute = AttributeOf(line.style, colour);
    attron(attribute);
    mvaddnstr(y++, 0, line.text.c_str(), static_cast<int>(line.text.size()));
    attroff(attribute);
  }
  refresh();
}

// Scroll position after `key`; `page` rows per page.
std::size_t Scrolled(int key, std::size_t first, std::size_t rows, std::size_t page) {
  switch (key) {
    case KEY_UP: return first > 0 ? first - 1 : 0;
    case KEY_DOWN: return first + 1 < rows ? first + 1 : first;
    case KEY_PPAGE: return first > page ? first - page : 0;
    case KEY_NPAGE: return first + page < rows ? first + page : first;
    case KEY_HOME: return 0;
    case KEY_END: return rows;  // LayoutWall clamps to the last full page
    default: return first;
  }
}

}  // namespace

bool RunTerminalWall(const std::function<WallModel()>& refresh) {
  std::setlocale(LC_ALL, "");  // UTF-8 titles
  if (initscr() == nullptr) {
    return false;
  }
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
    first_row = std::min(first_row, model.rows.size());
    Draw(model, first_row, colour);
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
      std::size_t page = LINES > 8 ? static_cast<std::size_t>(LINES) / 2 : 1;
      first_row = Scrolled(key, first_row, model.rows.size(), page);
      Draw(model, first_row, colour);  // a key or KEY_RESIZE: at once
    }
  }
  endwin();
  return true;
}

}  // namespace tocsin::tools
