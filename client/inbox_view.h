// client/inbox_view.h -- the inbox as a duty officer reads it: follow-ups
// threaded onto what they update or cancel (docs/operations.md).
//
// Each stored directive's action and reference are read from its envelope as
// received. An update or a cancel is shown under the directive it follows
// up; a directive cancelled by one it holds is CANCELLED, not waiting for an
// acknowledgement; a follow-up whose original has not arrived (a cancel
// delivered first) says so, and links up once the original arrives.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/inbox.h"

namespace tocsin::client {

struct InboxRow {
  store::InboxEntry entry;
  std::string action = "new";     // new | update | cancel
  std::string references;         // hex id of the directive followed up, if any
  bool original_held = false;     // follow-ups: the referenced directive is in the inbox
  std::vector<std::string> updated_by;  // hex ids of updates of this directive
  std::string cancelled_by;       // hex id of the cancel of this directive, if any
  int depth = 0;                  // 0 for a directive, 1 for a follow-up under it, ...

  bool NeedsAcknowledgement() const { return !entry.acknowledged_at && cancelled_by.empty(); }
  // "PENDING", "CANCELLED", or "by <officer>".
  std::string AckState() const;
};

// In display order: each directive (oldest first), then its follow-ups;
// follow-ups whose original is not held stand on their own.
std::vector<InboxRow> ThreadInbox(std::vector<store::InboxEntry> entries);

}  // namespace tocsin::client
