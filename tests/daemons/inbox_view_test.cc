#include "client/inbox_view.h"

#include <catch2/catch.hpp>

#include "common/bytes.h"
#include "tests/protocol/protocol_fixture.h"

namespace tocsin::client {
namespace {

using protocol::testing::ProtocolFixture;

// A stored entry for a directive of `action` following up `references`.
store::InboxEntry Entry(ProtocolFixture& f, const std::string& title, protocol::DirectiveAction action,
                        std::optional<protocol::DirectiveId> references = std::nullopt) {
  protocol::DirectiveDraft draft = f.Draft();
  draft.content.title = title;
  draft.header.action = action;
  draft.header.references = references;
  protocol::SealedDirective sealed = f.Seal(draft, {"finance-authority"});
  store::InboxEntry e;
  e.id.assign(sealed.id.begin(), sealed.id.end());
  e.title = title;
  e.wire = protocol::EncodeEnvelope(sealed.envelope);
  return e;
}

protocol::DirectiveId IdOf(const store::InboxEntry& e) {
  protocol::DirectiveId id{};
  std::copy(e.id.begin(), e.id.end(), id.begin());
  return id;
}

std::vector<std::string> Titles(const std::vector<InboxRow>& rows) {
  std::vector<std::string> out;
  for (const InboxRow& r : rows) {
    out.push_back(std::string(static_cast<std::size_t>(r.depth), '>') + r.entry.title);
  }
  return out;
}

TEST_CASE("Follow-ups are threaded under what they update or cancel", "[client][inbox]") {
  ProtocolFixture f;
  store::InboxEntry original = Entry(f, "Original", protocol::DirectiveAction::kNew);
  store::InboxEntry other = Entry(f, "Other", protocol::DirectiveAction::kNew);
  store::InboxEntry update = Entry(f, "Update", protocol::DirectiveAction::kUpdate, IdOf(original));
  store::InboxEntry cancel = Entry(f, "Cancel", protocol::DirectiveAction::kCancel, IdOf(original));
  std::vector<InboxRow> rows = ThreadInbox({original, other, update, cancel});
  CHECK(Titles(rows) == std::vector<std::string>{"Original", ">Update", ">Cancel", "Other"});
  CHECK(rows[0].cancelled_by == HexEncode(cancel.id));
  CHECK(rows[0].updated_by == std::vector<std::string>{HexEncode(update.id)});
  CHECK_FALSE(rows[0].NeedsAcknowledgement());  // cancelled: nobody is asked any more
  CHECK(rows[0].AckState() == "CANCELLED");
  CHECK(rows[1].action == "update");
  CHECK(rows[1].references == HexEncode(original.id));
  CHECK(rows[1].original_held);
  CHECK(rows[2].NeedsAcknowledgement());  // the cancel itself is acknowledged
  CHECK(rows[3].NeedsAcknowledgement());
}

TEST_CASE("A cancel that arrives before its directive says so, and links up later",
          "[client][inbox]") {
  ProtocolFixture f;
  store::InboxEntry original = Entry(f, "Original", protocol::DirectiveAction::kNew);
  store::InboxEntry cancel = Entry(f, "Cancel", protocol::DirectiveAction::kCancel, IdOf(original));
  std::vector<InboxRow> alone = ThreadInbox({cancel});
  REQUIRE(alone.size() == 1);
  CHECK_FALSE(alone[0].original_held);
  CHECK(alone[0].depth == 0);
  // The original arrives after its cancel (stored later): it is cancelled at once.
  std::vector<InboxRow> both = ThreadInbox({cancel, original});
  CHECK(Titles(both) == std::vector<std::string>{"Original", ">Cancel"});
  CHECK(both[0].AckState() == "CANCELLED");
}

TEST_CASE("Follow-ups of follow-ups nest, and every entry is shown once", "[client][inbox]") {
  ProtocolFixture f;
  store::InboxEntry original = Entry(f, "Original", protocol::DirectiveAction::kNew);
  store::InboxEntry update = Entry(f, "Update", protocol::DirectiveAction::kUpdate, IdOf(original));
  store::InboxEntry cancel = Entry(f, "Cancel", protocol::DirectiveAction::kCancel, IdOf(update));
  std::vector<InboxRow> rows = ThreadInbox({original, update, cancel});
  CHECK(Titles(rows) == std::vector<std::string>{"Original", ">Update", ">>Cancel"});
  CHECK(rows[1].AckState() == "CANCELLED");
  CHECK(rows[0].NeedsAcknowledgement());
}

}  // namespace
}  // namespace tocsin::client
