// tests/tools/hostile_gateway.cc -- a gateway that lies, for the tests in
// which the gateway itself is the adversary (tests/integration/
// hostile_gateway_test.py). It holds a gateway's keys and an operator's (a
// compromised centre), binds a CURVE ROUTER where agencies expect the
// gateway, keeps each agency's link alive with signed heartbeats, and plays
// one scenario against the first agency that says hello:
//
//   two-contents    one directive id sealed twice, with two contents: the
//                   first copy, then (after its receipt) the second
//   future-promise  a directive, and its receipt "confirmed" by a promise
//                   dated a day ahead at an index no checkpoint will reach
//   alarm-flood     a first checkpoint, then 2,000 contradicting it (each
//                   another root for the same size): 2,000 distinct alarms
//   fake-log        a first checkpoint of another log than the real one
//   stripped-cosignature  a directive whose signed header requires two
//                   operators, carrying one signature (the other stripped)
//   one-signature-critical  a critical directive signed by one operator,
//                   its header asking one: what a gateway configured to let
//                   it through would deliver (the CA's rule asks two)
//   unheld-cancel   a cancel labelled low, signed by one operator, of a
//                   directive the agency has not received (yet)
//   forged-status   on the operator endpoint: a status report that adds an
//                   agency to a directive (given as a sealed file) and claims
//                   an acknowledgement no agency signed, no evidence for it,
//                   and the directive itself when asked; it prints the
//                   recipients of the follow-up the operator then sends
//
// It prints one line per step, for the test to follow.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <zmq.hpp>

#include "common/file_util.h"
#include "pki/bundle.h"
#include "pki/directory.h"
#include "protocol/audit.h"
#include "protocol/directive.h"
#include "protocol/fanout.h"
#include "protocol/promise.h"
#include "protocol/receipts.h"
#include "transport/curve_socket.h"

namespace {

using namespace tocsin;

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct Options {
  std::string gateway_bundle;
  std::string operator_bundle;
  std::string directory;
  std::string endpoint;
  std::string agency;
  std::string scenario;
  std::string operator_endpoint;  // forged-status
  std::string directive_file;     // forged-status: the directive as its issuer sealed it
};

void Say(const std::string& line) { std::cout << line << std::endl; }

class HostileGateway {
 public:
  HostileGateway(const Options& o, pki::PrincipalBundle gateway, pki::PrincipalBundle op,
                 pki::CertificateDirectory directory)
      : o_(o), gateway_(std::move(gateway)), operator_(std::move(op)),
        directory_(std::move(directory)), router_(context_, zmq::socket_type::router) {
    router_.set(zmq::sockopt::curve_server, 1);
    router_.set(zmq::sockopt::curve_secretkey,
                std::string(reinterpret_cast<const char*>(gateway_.transport.secret().data()),
                            gateway_.transport.secret().size()));
    router_.set(zmq::sockopt::linger, 0);
    router_.bind(o_.endpoint);
    id_.fill(0x5a);
    if (!o_.operator_endpoint.empty()) {
      operators_.set(zmq::sockopt::curve_server, 1);
      operators_.set(zmq::sockopt::curve_secretkey,
                     std::string(reinterpret_cast<const char*>(gateway_.transport.secret().data()),
                                 gateway_.transport.secret().size()));
      operators_.set(zmq::sockopt::linger, 0);
      operators_.bind(o_.operator_endpoint);
    }
  }

  int Run() {
    Say("listening on " + o_.endpoint);
    auto next_heartbeat = std::chrono::steady_clock::now();
    while (!g_stop) {
      zmq::pollitem_t item{router_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(50));
      std::optional<transport::PeerMessage> message = Take(router_);
      Status handled = message ? Handle(*message) : Status{};
      std::optional<transport::PeerMessage> request =
          o_.operator_endpoint.empty() ? std::nullopt : Take(operators_);
      if (handled && request) {
        handled = HandleOperator(*request);
      }
      if (!handled) {
        Say("error: " + handled.error().ToString());
        return 1;
      }
      if (!agency_route_.empty() && std::chrono::steady_clock::now() >= next_heartbeat) {
        UnixMillis now = clock_.NowMillis();
        (void)transport::SendToPeer(
            router_, agency_route_,
            protocol::SignHeartbeat({gateway_.principal_id, ++heartbeats_, now, now + 1500},
                                    gateway_.signing));
        next_heartbeat = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
      }
    }
    return 0;
  }

 private:
  // Read by hand: with no ZAP handler there is no User-Id for the
  // transport's ReceiveFromPeer to take.
  static std::optional<transport::PeerMessage> Take(zmq::socket_t& socket) {
    zmq::message_t route;
    zmq::message_t payload;
    if (!socket.recv(route, zmq::recv_flags::dontwait) || !route.more() ||
        !socket.recv(payload, zmq::recv_flags::dontwait)) {
      return std::nullopt;
    }
    transport::PeerMessage message;
    message.routing_id.assign(route.data<std::uint8_t>(), route.data<std::uint8_t>() + route.size());
    message.payload.assign(payload.data<std::uint8_t>(),
                           payload.data<std::uint8_t>() + payload.size());
    return message;
  }

  Status HandleOperator(const transport::PeerMessage& message) {
    TOCSIN_ASSIGN_OR_RETURN(protocol::Envelope envelope, protocol::DecodeEnvelope(message.payload));
    TOCSIN_ASSIGN_OR_RETURN(Bytes original, ReadFile(o_.directive_file, 4 << 20));
    TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveHeader header,
                            protocol::PeekDirectiveHeader(original));
    switch (envelope.type) {
      case protocol::MessageType::kStatusRequest: {
        // The lies: one more agency than the directive was sealed for, and
        // an acknowledgement nobody signed.
        UnixMillis now = clock_.NowMillis();
        std::vector<protocol::StatusRow> rows;
        rows.push_back({header.id, "energy-authority", 2, now, now, {}, "", {}, {}});
        rows.push_back({header.id, "finance-authority", 3, now, now, now, "Claire Martin", now, {}});
        Say("answered a status request with an extra agency and an unsigned acknowledgement");
        return transport::SendToPeer(
            operators_, message.routing_id,
            protocol::EncodeUnsigned(protocol::MessageType::kStatusReport,
                                     protocol::EncodeStatusReport(rows)));
      }
      case protocol::MessageType::kEvidenceRequest: {
        protocol::EvidencePage page;  // nothing signed: the gateway holds no agency key
        page.rows.push_back({"finance-authority", std::nullopt, std::nullopt, std::nullopt});
        Say("answered an evidence request with nothing signed");
        return transport::SendToPeer(operators_, message.routing_id,
                                     protocol::EncodeUnsigned(protocol::MessageType::kEvidence,
                                                              protocol::EncodeEvidencePage(page)));
      }
      case protocol::MessageType::kDirectiveRequest:
        Say("returned the directive as sealed");
        return transport::SendToPeer(operators_, message.routing_id, original);
      case protocol::MessageType::kDirective: {
        TOCSIN_ASSIGN_OR_RETURN(protocol::RecipientSet set,
                                protocol::DecodeRecipientSet(*envelope.recipients));
        std::string names;
        for (const protocol::RecipientWrap& r : set.entries) {
          names += (names.empty() ? "" : ",") + r.agency;
        }
        Say("follow-up for " + std::to_string(set.entries.size()) + " recipient(s): " + names);
        TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveHeader follow,
                                protocol::PeekDirectiveHeader(message.payload));
        return transport::SendToPeer(
            operators_, message.routing_id,
            protocol::EncodeUnsigned(protocol::MessageType::kAccepted,
                                     protocol::EncodeAccepted({follow.id,
                                                               protocol::AcceptedKind::kDirective,
                                                               clock_.NowMillis()})));
      }
      default:
        return {};
    }
  }

  Status Handle(const transport::PeerMessage& message) {
    TOCSIN_ASSIGN_OR_RETURN(protocol::Envelope envelope, protocol::DecodeEnvelope(message.payload));
    if (envelope.type == protocol::MessageType::kHello && agency_route_.empty()) {
      agency_route_ = message.routing_id;
      Say("hello from " + o_.agency);
      if (o_.scenario == "alarm-flood") {
        return FloodCheckpoints();
      }
      if (o_.scenario == "fake-log") {
        return SendFakeLog();
      }
      return SendDirective("First content", 1000);
    }
    if (envelope.type == protocol::MessageType::kRefusal) {
      Say("refusal");
      return {};
    }
    if (envelope.type == protocol::MessageType::kReceipt && !receipted_) {
      receipted_ = true;
      Say("receipt");
      if (o_.scenario == "two-contents") {
        return SendDirective("Second content under the same id", 1001);
      }
      if (o_.scenario == "future-promise") {
        return SendFuturePromise(message.payload);
      }
    }
    return {};
  }

  Status SendDirective(const std::string& title, std::uint64_t sequence) {
    UnixMillis now = clock_.NowMillis();
    protocol::DirectiveDraft draft;
    draft.header.issuer = operator_.principal_id;
    draft.header.gateway = gateway_.principal_id;
    draft.header.sequence = sequence;
    draft.header.issued_at = now;
    draft.header.ack_deadline = now + 3600000;
    draft.header.expires_at = now + 86400000;
    draft.header.severity = protocol::Severity::kCritical;
    draft.header.tlp = protocol::Tlp::kAmber;
    draft.content = {title, "Body of " + title};
    if (o_.scenario == "stripped-cosignature") {
      draft.header.required_signatures = 2;  // co-signed, then stripped: one signature left
    }
    if (o_.scenario == "unheld-cancel") {
      draft.header.action = protocol::DirectiveAction::kCancel;
      draft.header.severity = protocol::Severity::kLow;
      draft.header.references = protocol::DirectiveId{};
      draft.header.references->fill(0x5c);  // sent second, or never
    }
    TOCSIN_ASSIGN_OR_RETURN(pki::CertifiedKey key,
                            directory_.Resolve(o_.agency, pki::Purpose::kEncryption, now));
    TOCSIN_ASSIGN_OR_RETURN(protocol::SealedDirective sealed,
                            protocol::SealDirectiveAs(id_, draft, {{o_.agency, key.public_key}},
                                                      operator_.signing));
    TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveFanout fanout,
                            protocol::DirectiveFanout::FromEnvelope(sealed.envelope));
    TOCSIN_ASSIGN_OR_RETURN(Bytes copy, fanout.CopyFor(o_.agency));
    TOCSIN_RETURN_IF_ERROR(transport::SendToPeer(router_, agency_route_, copy));
    Say("sent directive " + HexEncode(id_) + " digest " + HexEncode(sealed.digest));
    return {};
  }

  // One checkpoint of a log that is not the real gateway's, as the first the
  // agency sees: it holds it, and signs it into its receipts from then on.
  // Size 7 is the real log's when the test's gateway starts (the CRL it
  // adopts and six enrolments), so that the two views meet at one size.
  Status SendFakeLog() {
    crypto::Digest root{};
    root.fill(0x66);
    std::string note = protocol::SignCheckpoint(
        {protocol::AuditOrigin(gateway_.principal_id), 7, root, clock_.NowMillis()},
        *gateway_.log_signing);
    Say("sent a checkpoint of another log");
    return transport::SendToPeer(router_, agency_route_,
                                 protocol::EncodeUnsigned(protocol::MessageType::kCheckpoint,
                                                          protocol::EncodeCheckpointMessage(
                                                              {note, 0, {}})));
  }

  Status FloodCheckpoints() {
    UnixMillis now = clock_.NowMillis();
    for (int i = 0; i <= 2000; ++i) {
      crypto::Digest root{};
      root[0] = static_cast<std::uint8_t>(i & 0xff);
      root[1] = static_cast<std::uint8_t>(i >> 8);
      std::string note = protocol::SignCheckpoint(
          {protocol::AuditOrigin(gateway_.principal_id), 5, root, now}, *gateway_.log_signing);
      Bytes wire = protocol::EncodeUnsigned(
          protocol::MessageType::kCheckpoint, protocol::EncodeCheckpointMessage({note, 0, {}}));
      while (!transport::SendToPeer(router_, agency_route_, wire)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // its queue is full: wait
      }
    }
    Say("sent 2000 contradicting checkpoints");
    return {};
  }

  Status SendFuturePromise(const Bytes& receipt_wire) {
    constexpr UnixMillis kDay = 86400000;
    UnixMillis at = clock_.NowMillis() + kDay;
    protocol::Promise promise{gateway_.principal_id, protocol::AuditKind::kReceipt, id_, o_.agency,
                              1000000000, at,
                              protocol::PromisedLeaf(protocol::AuditKind::kReceipt, id_, o_.agency,
                                                     at, receipt_wire)};
    TOCSIN_RETURN_IF_ERROR(transport::SendToPeer(
        router_, agency_route_,
        protocol::EncodeUnsigned(protocol::MessageType::kAccepted,
                                 protocol::EncodeAccepted({id_, protocol::AcceptedKind::kReceipt,
                                                           at}))));
    TOCSIN_RETURN_IF_ERROR(transport::SendToPeer(router_, agency_route_,
                                                 protocol::SignPromise(promise,
                                                                       *gateway_.log_signing)));
    Say("sent a promise dated a day ahead");
    return {};
  }

  Options o_;
  SystemClock clock_;
  pki::PrincipalBundle gateway_;
  pki::PrincipalBundle operator_;
  pki::CertificateDirectory directory_;
  zmq::context_t context_;
  zmq::socket_t router_;
  zmq::socket_t operators_{context_, zmq::socket_type::router};
  protocol::DirectiveId id_{};
  Bytes agency_route_;
  std::uint64_t heartbeats_ = 0;
  bool receipted_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hostile_gateway: a gateway that lies, for tests"};
  Options o;
  app.add_option("--gateway-bundle", o.gateway_bundle)->required();
  app.add_option("--operator-bundle", o.operator_bundle)->required();
  app.add_option("--directory", o.directory)->required();
  app.add_option("--endpoint", o.endpoint)->required();
  app.add_option("--agency", o.agency)->required();
  app.add_option("--scenario", o.scenario)
      ->required()
      ->check(CLI::IsMember({"two-contents", "future-promise", "alarm-flood", "forged-status",
                             "stripped-cosignature", "fake-log",
                             "one-signature-critical", "unheld-cancel"}));
  app.add_option("--operator-endpoint", o.operator_endpoint);
  app.add_option("--directive-file", o.directive_file);
  CLI11_PARSE(app, argc, argv);
  ::signal(SIGTERM, OnSignal);
  ::signal(SIGINT, OnSignal);
  auto gateway = tocsin::pki::LoadBundle(o.gateway_bundle);
  auto op = gateway ? tocsin::pki::LoadBundle(o.operator_bundle) : decltype(gateway)(tl::unexpected(gateway.error()));
  if (!op || !gateway->log_signing) {
    std::cerr << "hostile_gateway: " << (op ? "no log key" : op.error().ToString()) << "\n";
    return 1;
  }
  tocsin::crypto::X509Ptr root(X509_dup(gateway->root_certificate.get()));
  auto directory = tocsin::pki::CertificateDirectory::Open(o.directory, std::move(root));
  if (!directory) {
    std::cerr << "hostile_gateway: " << directory.error().ToString() << "\n";
    return 1;
  }
  HostileGateway hostile(o, std::move(*gateway), std::move(*op), std::move(*directory));
  return hostile.Run();
}
