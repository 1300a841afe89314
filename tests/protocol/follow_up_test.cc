#include "protocol/follow_up.h"

#include <catch2/catch.hpp>

namespace tocsin::protocol {
namespace {

DirectiveHeader FollowUp(DirectiveAction action) {
  DirectiveHeader h;
  h.action = action;
  h.references = DirectiveId{};
  h.references->fill(7);
  return h;
}

FollowedDirective Original(DirectiveAction action = DirectiveAction::kNew) {
  return {action, {"op.alice", "op.carol"}, std::vector<std::string>{"energy", "finance"}};
}

TEST_CASE("A new directive follows nothing up and always passes", "[protocol][follow-up]") {
  CHECK(CheckFollowUp(DirectiveHeader{}, {"op.bob"}, {"health"}, std::nullopt));
}

TEST_CASE("Its signers may follow a directive up; anyone else needs a second operator",
          "[protocol][follow-up]") {
  DirectiveHeader update = FollowUp(DirectiveAction::kUpdate);
  CHECK(CheckFollowUp(update, {"op.alice"}, {"finance"}, Original()));
  CHECK(CheckFollowUp(update, {"op.carol"}, {"finance"}, Original()));  // a co-signer
  Status alone = CheckFollowUp(update, {"op.bob"}, {"finance"}, Original());
  REQUIRE_FALSE(alone);
  CHECK(alone.error().code == ErrorCode::kPermissionDenied);
  CHECK_THAT(alone.error().context, Catch::Contains("only its signers (op.alice, op.carol)"));
  CHECK_FALSE(CheckFollowUp(update, {"op.bob", "op.bob"}, {"finance"}, Original()));  // one key
  CHECK(CheckFollowUp(update, {"op.bob", "op.dave"}, {"finance"}, Original()));
}

TEST_CASE("A follow-up of nothing, of a cancel, or to a new agency is refused",
          "[protocol][follow-up][negative]") {
  DirectiveHeader cancel = FollowUp(DirectiveAction::kCancel);
  Status unknown = CheckFollowUp(cancel, {"op.alice"}, {"finance"}, std::nullopt);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::kNotFound);
  Status of_cancel =
      CheckFollowUp(cancel, {"op.alice"}, {"finance"}, Original(DirectiveAction::kCancel));
  REQUIRE_FALSE(of_cancel);
  CHECK_THAT(of_cancel.error().context, Catch::Contains("a cancel cannot be followed up"));
  Status widened = CheckFollowUp(cancel, {"op.alice"}, {"finance", "health"}, Original());
  REQUIRE_FALSE(widened);
  CHECK_THAT(widened.error().context, Catch::Contains("health did not receive"));
  FollowedDirective at_a_client = Original();
  at_a_client.recipients.reset();  // a client cannot know the others: not checked
  CHECK(CheckFollowUp(cancel, {"op.alice"}, {"health"}, at_a_client));
  CHECK(CheckFollowUp(FollowUp(DirectiveAction::kUpdate), {"op.alice"}, {"finance"},
                      Original(DirectiveAction::kUpdate)));  // an update may be updated
}

}  // namespace
}  // namespace tocsin::protocol

namespace tocsin::protocol {
namespace {

TEST_CASE("A stored directive that no longer decodes refuses its follow-up",
          "[protocol][follow-up][negative]") {
  DirectiveHeader update;
  update.action = DirectiveAction::kUpdate;
  update.references = DirectiveId{};
  const Bytes garbage{0x95, 0x02};
  Status refused = CheckFollowUpOf(update, {"op.alice"}, {"finance"},
                                   StoredDirective{garbage, std::nullopt});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kInternal);  // the holder's, not the sender's
  CHECK_THAT(refused.error().context, Catch::Contains("no longer decodes"));
  CHECK(CheckFollowUpOf(update, {"op.alice"}, {}, std::nullopt).error().code ==
        ErrorCode::kNotFound);
}

}  // namespace
}  // namespace tocsin::protocol
