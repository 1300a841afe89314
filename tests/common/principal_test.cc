#include "common/principal.h"

#include <catch2/catch.hpp>

namespace tocsin {
namespace {

TEST_CASE("ValidatePrincipalId accepts the narrow id syntax", "[common][principal]") {
  for (const char* good : {"a", "finance-authority", "op.alice", "gw1", "0day-cell"}) {
    INFO(good);
    CHECK(ValidatePrincipalId(good));
  }
  CHECK(ValidatePrincipalId(std::string(64, 'a')));
}

TEST_CASE("ValidatePrincipalId rejects anything else", "[common][principal][negative]") {
  for (const char* bad : {"", "Finance", "-lead", ".lead", "a b", "a/b", "a\nb", "é"}) {
    INFO(bad);
    CHECK(ValidatePrincipalId(bad).error().code == ErrorCode::kInvalidArgument);
  }
  CHECK_FALSE(ValidatePrincipalId(std::string(65, 'a')));
}

TEST_CASE("Role names round-trip", "[common][principal]") {
  for (Role role : {Role::kGateway, Role::kOperator, Role::kAgency, Role::kBridge}) {
    CHECK(ParseRole(RoleName(role)) == role);
  }
  CHECK_FALSE(ParseRole("root"));
}

}  // namespace
}  // namespace tocsin
