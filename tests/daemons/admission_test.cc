// The gateway's per-peer accounting, connection guard and agency sessions,
// without sockets, under a clock the test moves.
#include <catch2/catch.hpp>

#include "common/token_bucket.h"
#include "gateway/agency_sessions.h"
#include "gateway/connection_guard.h"
#include "gateway/peer_accounting.h"

namespace tocsin::gateway {
namespace {

TEST_CASE("A token bucket allows its burst, then its rate", "[gateway][admission]") {
  TokenBucket bucket(RateLimit{10, 3});
  int taken = 0;
  for (int i = 0; i < 10; ++i) {
    taken += bucket.Take(1000) ? 1 : 0;
  }
  CHECK(taken == 3);
  CHECK_FALSE(bucket.Take(1050));  // half a token earned
  CHECK(bucket.Take(1100));        // one
  CHECK_FALSE(bucket.Take(1100));
  CHECK(bucket.Take(100000));      // refilled, but never above the burst
  CHECK(bucket.Take(100000));
  CHECK(bucket.Take(100000));
  CHECK_FALSE(bucket.Take(100000));
}

TEST_CASE("A flooding principal is throttled and the others are not", "[gateway][admission]") {
  PeerAccounting accounting("agency endpoint", PeerBudget{{100, 50}, 5000});
  int admitted = 0;
  for (int i = 0; i < 35000; ++i) {  // one second of a replay flood
    admitted += accounting.Admit("energy", 1000 + i / 35).admitted ? 1 : 0;
  }
  CHECK(admitted <= 50 + 100 + 1);
  CHECK(admitted >= 100);
  CHECK(accounting.throttled() == static_cast<std::uint64_t>(35000 - admitted));
  CHECK(accounting.Admit("finance", 2000).admitted);
}

TEST_CASE("Refusals are logged once per principal and interval, then summed up",
          "[gateway][admission]") {
  PeerAccounting accounting("agency endpoint", PeerBudget{{100, 50}, 5000});
  CHECK(accounting.TakeSummary(0).empty());  // nothing to say, and the interval starts
  CHECK(accounting.CountRefusal("energy", "malformed-message"));  // the first: log it
  for (int i = 0; i < 9999; ++i) {
    CHECK_FALSE(accounting.CountRefusal("energy", "malformed-message"));
  }
  CHECK(accounting.CountRefusal("health", "bad-signature"));  // another principal: its own line
  CHECK(accounting.TakeSummary(4999).empty());                // not yet
  std::vector<std::string> lines = accounting.TakeSummary(5000);
  REQUIRE(lines.size() == 1);  // health had only its logged one
  CHECK_THAT(lines[0], Catch::Contains("refused 9999 more message(s) from energy"));
  CHECK_THAT(lines[0], Catch::Contains("malformed-message 9999"));
  CHECK(accounting.CountRefusal("energy", "malformed-message"));  // a new interval
  CHECK(accounting.refused() == 10002);
}

TEST_CASE("Connections that say no hello in time are cut, once", "[gateway][connections]") {
  ConnectionGuard guard({5000, 3});
  guard.Accepted(10, 0);
  guard.Accepted(11, 1000);
  CHECK(guard.Hello(11, "finance", 1500).empty());
  CHECK(guard.Overdue(4999).empty());
  CHECK(guard.Overdue(5000) == std::vector<int>{10});
  CHECK(guard.Overdue(9000).empty());  // being cut: not named again
  guard.Closed(10);
  guard.Accepted(10, 9000);  // the number reused by a new connection
  guard.Accepted(10, 9500);  // a late event for the same one changes nothing
  CHECK(guard.Overdue(13999).empty());
  CHECK(guard.Overdue(14000) == std::vector<int>{10});
  CHECK(guard.open() == 2);
  CHECK(guard.cut() == 2);
}

TEST_CASE("A hello read before its connection's events still counts", "[gateway][connections]") {
  ConnectionGuard guard({5000, 3});
  CHECK(guard.Hello(30, "finance", 100).empty());  // the message came first
  guard.Accepted(30, 90);                         // then the event: the hello stands
  CHECK(guard.Overdue(10000).empty());
  guard.Closed(31);                               // a close for a connection never seen
  guard.Accepted(31, 0);
  CHECK(guard.Overdue(6000, [](int fd) { return fd == 31; }).empty());  // a route: spared
  guard.Accepted(32, 0);
  CHECK(guard.Overdue(6000, [](int fd) { return fd == 31; }) == std::vector<int>{32});
}

TEST_CASE("Beyond its cap, a principal's oldest connections are cut", "[gateway][connections]") {
  ConnectionGuard guard({5000, 2});
  for (int fd = 20; fd < 25; ++fd) {
    guard.Accepted(fd, fd);
  }
  CHECK(guard.Hello(20, "energy", 100).empty());
  CHECK(guard.Hello(21, "energy", 101).empty());
  CHECK(guard.Hello(22, "finance", 102).empty());  // another principal's own budget
  CHECK(guard.Hello(23, "energy", 103) == std::vector<int>{20});
  CHECK(guard.Hello(23, "energy", 104).empty());   // a repeated hello changes nothing
  CHECK(guard.Hello(24, "energy", 105) == std::vector<int>{21});
  guard.Closed(20);
  guard.Closed(21);
  CHECK(guard.Overdue(100000).empty());  // all said hello
}

TEST_CASE("An agency's route comes only from its hello; repeats resend nothing",
          "[gateway][sessions]") {
  AgencySessions sessions;
  CHECK(sessions.Find("finance") == nullptr);
  CHECK(sessions.Hello("finance", {1}, 11, 4));
  CHECK_FALSE(sessions.Hello("finance", {1}, 11, 4));  // same connection: no second catch-up
  sessions.CatchUpIncomplete("finance");
  CHECK(sessions.Hello("finance", {1}, 11, 4));        // resumed
  CHECK(sessions.Hello("finance", {2}, 12, 6));        // a new connection takes the route
  CHECK(sessions.Routes(12));
  CHECK_FALSE(sessions.Routes(11));
  REQUIRE(sessions.Find("finance") != nullptr);
  CHECK(sessions.Find("finance")->routing_id == Bytes{2});
  CHECK(sessions.Find("finance")->log_size == 6);
  CHECK(sessions.Hello("energy", {3}, 13, 0));
  sessions.ForgetIf([](const std::string& agency, const AgencySession&) { return agency == "energy"; });
  CHECK(sessions.Find("energy") == nullptr);
  CHECK(sessions.size() == 1);
  sessions.Forget("finance");
  CHECK(sessions.size() == 0);
}

}  // namespace
}  // namespace tocsin::gateway
