#include "client/inbox_view.h"

#include <map>

#include "common/bytes.h"
#include "protocol/directive.h"

namespace tocsin::client {

std::string InboxRow::AckState() const {
  if (entry.acknowledged_at) {
    return "by " + entry.officer;
  }
  return cancelled_by.empty() ? "PENDING" : "CANCELLED";
}

std::vector<InboxRow> ThreadInbox(std::vector<store::InboxEntry> entries) {
  std::vector<InboxRow> rows;
  std::map<std::string, std::size_t> by_id;
  for (store::InboxEntry& e : entries) {
    InboxRow row;
    // Stored only after it verified: its header decodes.
    if (Result<protocol::DirectiveHeader> h = protocol::PeekDirectiveHeader(e.wire)) {
      row.action = std::string(protocol::ActionName(h->action));
      if (h->references) {
        row.references = HexEncode(*h->references);
      }
    }
    row.entry = std::move(e);
    by_id[HexEncode(row.entry.id)] = rows.size();
    rows.push_back(std::move(row));
  }
  std::map<std::size_t, std::vector<std::size_t>> children;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    InboxRow& row = rows[i];
    auto original = row.references.empty() ? by_id.end() : by_id.find(row.references);
    if (original == by_id.end() || original->second == i) {
      continue;
    }
    row.original_held = true;
    InboxRow& parent = rows[original->second];
    if (row.action == "cancel") {
      parent.cancelled_by = HexEncode(row.entry.id);
    } else {
      parent.updated_by.push_back(HexEncode(row.entry.id));
    }
    children[original->second].push_back(i);
  }
  std::vector<InboxRow> out;
  out.reserve(rows.size());
  std::vector<bool> shown(rows.size(), false);
  // Depth-first from each directive whose original is not held; a row is
  // shown once, so even two follow-ups naming each other are listed.
  auto emit = [&](auto& self, std::size_t i, int depth) -> void {
    if (shown[i]) {
      return;
    }
    shown[i] = true;
    out.push_back(rows[i]);
    out.back().depth = depth;
    for (std::size_t child : children[i]) {
      self(self, child, depth + 1);
    }
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].original_held) {
      emit(emit, i, 0);
    }
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    emit(emit, i, 0);
  }
  return out;
}

}  // namespace tocsin::client
