// tools/wall_screen.h -- draws the live status view (wall_view.h) on a
// terminal with ncurses: a wall screen, or a console over SSH.
//
// Owns the terminal while it runs: curses mode, no echo, no cursor; restores
// it on return, on q, and on SIGINT, SIGTERM or SIGHUP. Redraws on a resize.
#pragma once

#include <functional>

#include "tools/wall_view.h"

namespace tocsin::tools {

// Calls `refresh` about once a second and shows what it returns, until the
// user presses q (or a signal above comes). `refresh` may block (it asks the
// gateway); keys are read between two calls. Returns false when the
// terminal cannot be set up (the caller falls back to plain text).
bool RunTerminalWall(const std::function<WallModel()>& refresh);

}  // namespace tocsin::tools
