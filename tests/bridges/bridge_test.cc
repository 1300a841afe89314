// The bridges' parts that need no server: the durable queue, the bridge
// messages, the e-mail composition, Kannel's URL and delivery reports.
#include <catch2/catch.hpp>

#include "bridges/email_sender.h"
#include "bridges/sms_sender.h"
#include "protocol/bridge_messages.h"
#include "store/bridge_queue.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::bridges {
namespace {

store::QueuedTask Task(std::uint64_t id) {
  return {id, "email", "Claire Martin", "claire@finance.example", "[TOCSIN] subject",
          "TOCSIN: notice", 0, 0, 0, ""};
}

TEST_CASE("The queue keeps tasks, attempts and reports across reopening", "[bridges][queue]") {
  testing::TempDir dir;
  {
    store::BridgeQueue q = store::BridgeQueue::Open(dir / "q.db").value();
    CHECK(q.Add(Task(7), 1000).value());
    CHECK_FALSE(q.Add(Task(7), 1001).value());  // handed again: stored once
    REQUIRE(q.Due(1000, 10).value().size() == 1);
    REQUIRE(q.RecordAttempt(7, false, "connection refused", 5000));
    CHECK(q.Due(1000, 10).value().empty());     // backing off
    CHECK(q.Due(5000, 10).value().size() == 1);
    auto reports = q.Unreported().value();      // "accepted" still to confirm
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].outcome == 0);
    REQUIRE(q.MarkReported(7, 0));
    CHECK(q.Unreported().value().empty());
  }
  store::BridgeQueue q = store::BridgeQueue::Open(dir / "q.db").value();
  REQUIRE(q.RecordAttempt(7, true, "<id@centre>", std::nullopt));
  CHECK(q.Due(10000, 10).value().empty());
  REQUIRE(q.Unreported().value().size() == 1);
  CHECK(q.RecordDeliveryReport(7, 3, "DLR 1").value());
  CHECK(q.Find(7).value()->outcome == 3);
  CHECK_FALSE(q.RecordDeliveryReport(7, 4, "DLR 2").value());  // the first final report stands
  CHECK(q.Find(7).value()->outcome == 3);
  CHECK_FALSE(q.RecordDeliveryReport(99, 3, "DLR 1").value());  // unknown task
  REQUIRE(q.MarkReported(7, 1));               // an older confirmation changes nothing
  CHECK(q.Unreported().value().size() == 1);
  REQUIRE(q.RecordAttempt(8, false, "x", std::nullopt));  // unknown task: no row, no error
  std::uint64_t in = q.AddInbound("+33612345678", "ACK 12345678", 2000).value();
  CHECK(q.UnansweredInbound().value().size() == 1);
  REQUIRE(q.MarkInboundAnswered(in, "acknowledged"));
  CHECK(q.UnansweredInbound().value().empty());
}

TEST_CASE("A delivery report that outruns its attempt's record is kept", "[bridges][queue]") {
  // Kannel may call the DLR URL before sendsms has answered the bridge.
  testing::TempDir dir;
  store::BridgeQueue q = store::BridgeQueue::Open(dir / "q.db").value();
  REQUIRE(q.Add(Task(7), 1000).value());
  REQUIRE(q.Add(Task(8), 1000).value());
  CHECK(q.RecordDeliveryReport(7, 3, "Kannel DLR 1").value());
  REQUIRE(q.RecordAttempt(7, true, "Kannel: 0: Accepted for delivery", std::nullopt));
  store::QueuedTask seven = *q.Find(7).value();
  CHECK(seven.outcome == 3);
  CHECK(seven.detail == "Kannel DLR 1");
  CHECK(seven.attempts == 1);
  // A report proves the SMSC took it, even if the answer to sendsms was lost.
  CHECK(q.RecordDeliveryReport(8, 4, "Kannel DLR 2").value());
  REQUIRE(q.RecordAttempt(8, false, "timed out", 5000));
  CHECK(q.Find(8).value()->outcome == 4);
  CHECK(q.Due(10000, 10).value().empty());
}

TEST_CASE("Bridge messages round-trip and refuse what they must", "[bridges][protocol]") {
  protocol::BridgeMessage task;
  task.kind = protocol::BridgeKind::kTask;
  task.task = 9;
  task.channel = "sms";
  task.contact = "Claire";
  task.address = "+33612345678";
  task.subject = "s";
  task.text = "t";
  Bytes wire = protocol::EncodeBridgeMessage(task);
  CHECK(protocol::EncodeBridgeMessage(protocol::DecodeBridgeMessage(wire).value()) == wire);
  task.channel = "fax";
  CHECK_FALSE(protocol::DecodeBridgeMessage(protocol::EncodeBridgeMessage(task)));
  protocol::BridgeMessage result;
  result.kind = protocol::BridgeKind::kResult;
  result.task = 9;
  result.outcome = 5;  // no such outcome
  CHECK_FALSE(protocol::DecodeBridgeMessage(protocol::EncodeBridgeMessage(result)));
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    CHECK_FALSE(protocol::DecodeBridgeMessage(ByteView(wire).first(cut)));
  }
}

TEST_CASE("An e-mail's headers cannot be injected into", "[bridges][email]") {
  store::QueuedTask t = Task(3);
  t.subject = "Alert\r\nBcc: everyone@example.org";
  t.contact = "Claire\nX-Evil: 1";
  std::string message = EmailSender::Compose(t, "tocsin@centre.example", "<m@centre>", 0);
  CHECK(message.find("\r\nBcc:") == std::string::npos);
  CHECK(message.find("\nX-Evil") == std::string::npos);
  CHECK(message.find("Subject: Alert  Bcc: everyone@example.org\r\n") != std::string::npos);
  CHECK(message.find("Message-ID: <m@centre>\r\n") != std::string::npos);
}

TEST_CASE("Kannel: every value URL-encoded, delivery reports mapped", "[bridges][sms]") {
  BridgeConfig config;
  config.kannel_sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  config.kannel_username = "tocsin";
  config.kannel_password = "p&ss=word";
  config.sms_from = "TOCSIN";
  config.listen_port = 7710;
  config.callback_secret = std::string(32, 's');
  store::QueuedTask t = Task(42);
  t.address = "+33612345678";
  t.text = "ACK 12345678 & more";
  std::string url = SmsSender::SendUrl(config, t);
  CHECK(url.find("password=p%26ss%3Dword") != std::string::npos);
  CHECK(url.find("to=%2B33612345678") != std::string::npos);
  CHECK(url.find("text=ACK%2012345678%20%26%20more") != std::string::npos);
  std::string token = DlrToken(config.callback_secret, 42);
  CHECK(token.size() == 32);
  CHECK(url.find("dlr-url=http%3A%2F%2F127.0.0.1%3A7710%2Fdlr%3Ftask%3D42%26token%3D" + token +
                 "%26status%3D%25d") != std::string::npos);
  // The token binds the task and the secret.
  CHECK(DlrToken(config.callback_secret, 43) != token);
  CHECK(DlrToken(std::string(32, 't'), 42) != token);
  CHECK(DlrToken(config.callback_secret, 42) == token);
  CHECK(OutcomeOfDlr(1) == 3);
  CHECK(OutcomeOfDlr(2) == 4);
  CHECK(OutcomeOfDlr(16) == 4);
  CHECK(OutcomeOfDlr(8) == 0);
}

}  // namespace
}  // namespace tocsin::bridges
