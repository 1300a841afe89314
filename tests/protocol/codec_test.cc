#include <catch2/catch.hpp>

#include "protocol/messages.h"
#include "protocol/strict_msgpack.h"
#include "tests/protocol/protocol_fixture.h"

namespace tocsin::protocol {
namespace {

using testing::kNow;

DirectiveHeader SampleHeader() {
  DirectiveHeader h;
  h.id.fill(0x11);
  h.issuer = "op.alice";
  h.gateway = "gw";
  h.sequence = 3;
  h.issued_at = kNow;
  h.ack_deadline = kNow + 1000;
  h.expires_at = kNow + 2000;
  h.severity = Severity::kHigh;
  h.tlp = Tlp::kGreen;
  h.sectors = {"energy", "finance"};
  h.ephemeral_key.fill(0x22);
  h.recipient_count = 2;
  h.recipients_root.fill(0x11);
  h.content_nonce.fill(0x33);
  return h;
}

Receipt SampleReceipt(ReceiptKind kind) {
  Receipt r;
  r.kind = kind;
  r.directive_id.fill(0x44);
  r.directive_digest.fill(0x55);
  r.agency = "finance-authority";
  r.gateway = "gw";
  r.at = kNow;
  if (kind == ReceiptKind::kAcknowledged) {
    r.officer = "Duty officer Martin";
    r.note = "Segment B isolated";
  }
  return r;
}

std::string Why(const Error& e) { return e.context; }

TEST_CASE("Names and titles are single-line text on the wire", "[protocol][codec][negative]") {
  Receipt forged = SampleReceipt(ReceiptKind::kAcknowledged);
  forged.officer = "Martin\n  finance-authority  ACKNOWLEDGED";  // a forged status row
  Result<Receipt> refused = DecodeReceipt(EncodeReceipt(forged), ReceiptKind::kAcknowledged);
  REQUIRE_FALSE(refused);
  CHECK_THAT(Why(refused.error()), Catch::Contains("acknowledgement.officer"));
  CHECK_FALSE(DecodeDirectiveContent(EncodeDirectiveContent({"Title\u202e", "body\nkept"})));
  CHECK(DecodeDirectiveContent(EncodeDirectiveContent({"Title", "body\non lines"})));
  DirectiveHeader h = SampleHeader();
  h.summary = "two\nlines";
  CHECK_FALSE(DecodeDirectiveHeader(EncodeDirectiveHeader(h)));
}

TEST_CASE("Every wire type round-trips through its codec", "[protocol][codec]") {
  DirectiveHeader h = SampleHeader();
  Bytes encoded = EncodeDirectiveHeader(h);
  DirectiveHeader back = DecodeDirectiveHeader(encoded).value();
  CHECK(EncodeDirectiveHeader(back) == encoded);
  CHECK(back.recipient_count == 2);
  CHECK(back.tlp == Tlp::kGreen);

  for (ReceiptKind kind : {ReceiptKind::kDelivered, ReceiptKind::kAcknowledged}) {
    Bytes r = EncodeReceipt(SampleReceipt(kind));
    CHECK(EncodeReceipt(DecodeReceipt(r, kind).value()) == r);
  }
  Heartbeat hb{"gw", 9, kNow, kNow + 5000};
  CHECK(EncodeHeartbeat(DecodeHeartbeat(EncodeHeartbeat(hb)).value()) == EncodeHeartbeat(hb));
  ErrorReply err{WireError::kReplay, h.id, "directive already seen"};
  CHECK(DecodeErrorReply(EncodeErrorReply(err)).value().code == WireError::kReplay);
  DirectiveContent content{"Title", "Body"};
  CHECK(DecodeDirectiveContent(EncodeDirectiveContent(content)).value().body == "Body");
  Envelope e{MessageType::kReceipt, Bytes{1, 2, 3}, {{"finance-authority", {}}}, std::nullopt};
  Envelope e2 = DecodeEnvelope(EncodeEnvelope(e)).value();
  CHECK(e2.body == e.body);
  CHECK(e2.signatures.front().signer == "finance-authority");
  RecipientSet set{5, {{"energy-authority", {}, Bytes(48, 1)}}, {crypto::Digest{}, crypto::Digest{}}};
  Bytes set_bytes = EncodeRecipientSet(set);
  RecipientSet set_back = DecodeRecipientSet(set_bytes).value();
  CHECK(EncodeRecipientSet(set_back) == set_bytes);
  CHECK(set_back.index == 5);
  CHECK(set_back.proof.size() == 2);
}

TEST_CASE("Control messages round-trip", "[protocol][codec]") {
  DirectiveId id;
  id.fill(0x66);
  CHECK(DecodeHello(EncodeHello({"finance-authority"})).value().agency == "finance-authority");
  Accepted accepted{id, AcceptedKind::kAcknowledgement, kNow};
  CHECK(EncodeAccepted(DecodeAccepted(EncodeAccepted(accepted)).value()) == EncodeAccepted(accepted));
  CHECK(DecodeStatusRequest(EncodeStatusRequest({id})).value().reference == id);
  CHECK_FALSE(DecodeStatusRequest(EncodeStatusRequest({})).value().reference);
  std::vector<StatusRow> rows = {
      {id, "energy-authority", 3, kNow, kNow + 1, kNow + 2, "Ana", kNow + 3, {}},
      {id, "finance-authority", 0, {}, {}, {}, "", {}, StatusRow::Ladder{2, "sms", kNow + 60000}},
      {id, "health-authority", 1, kNow, {}, {}, "", {}, StatusRow::Ladder{5, {}, {}}}};
  Bytes report = EncodeStatusReport(rows);
  CHECK(EncodeStatusReport(DecodeStatusReport(report).value()) == report);
  std::vector<StatusRow> read = DecodeStatusReport(report).value();
  CHECK_FALSE(read[0].ladder);
  CHECK(read[1].ladder == rows[1].ladder);
  CHECK(read[2].ladder == rows[2].ladder);
  Writer nine;  // 8 or 11 elements, never in between
  nine.Array(1).Array(9).Bin(id).Text("a").Uint(1).Nil().Nil().Nil().Text("").Nil().Uint(0);
  CHECK_THAT(DecodeStatusReport(nine.Take()).error().context, Catch::Contains("not 8 or 11"));
  Writer half;  // an action without its time
  half.Array(1).Array(11).Bin(id).Text("a").Uint(1).Nil().Nil().Nil().Text("").Nil().Uint(0)
      .Text("sms").Nil();
  CHECK_THAT(DecodeStatusReport(half.Take()).error().context, Catch::Contains("come together"));
  std::vector<StatusRow> twice = {rows[1], rows[1]};
  twice[1].ladder.reset();  // a later row must not hide an earlier claim
  CHECK_THAT(DecodeStatusReport(EncodeStatusReport(twice)).error().context,
             Catch::Contains("two rows for finance-authority"));
  std::vector<StatusRow> closed = {rows[1]};
  closed[0].state = 3;
  CHECK_THAT(DecodeStatusReport(EncodeStatusReport(closed)).error().context,
             Catch::Contains("closed delivery"));
  Writer unknown;  // an action no policy has
  unknown.Array(1).Array(11).Bin(id).Text("a").Uint(1).Nil().Nil().Nil().Text("").Nil().Uint(0)
      .Text("\x1b[2Jpwned").Uint(1);
  CHECK_THAT(DecodeStatusReport(unknown.Take()).error().context,
             Catch::Contains("status.next_action"));
  Writer bad_state;
  bad_state.Array(1).Array(8).Bin(id).Text("a").Uint(5).Nil().Nil().Nil().Text("").Nil();
  CHECK_THAT(DecodeStatusReport(bad_state.Take()).error().context, Catch::Contains("status.state"));

  CHECK(DecodeEvidenceRequest(EncodeEvidenceRequest({id, ""})).value().after.empty());
  CHECK(DecodeEvidenceRequest(EncodeEvidenceRequest({id, "energy-authority"})).value().after ==
        "energy-authority");
  CHECK_FALSE(DecodeEvidenceRequest(EncodeEvidenceRequest({id, "Not An Id"})));
  EvidencePage page{{{"energy-authority", Bytes(184, 1), Bytes(300, 2), std::nullopt},
                     {"finance-authority", std::nullopt, std::nullopt, std::nullopt},
                     {"health-authority", std::nullopt, std::nullopt, Bytes(190, 3)}},
                    true};
  Bytes evidence = EncodeEvidencePage(page);
  Result<EvidencePage> decoded = DecodeEvidencePage(evidence);
  REQUIRE(decoded);
  CHECK(decoded->more);
  CHECK(decoded->rows[2].refusal == Bytes(190, 3));  // a fourth element only when refused
  CHECK_FALSE(decoded->rows[0].refusal);
  CHECK(EncodeEvidencePage(*decoded) == evidence);
  EvidencePage huge{{{"a", Bytes(kMaxEvidenceWireBytes + 1, 1), std::nullopt, std::nullopt}}, false};
  CHECK_FALSE(DecodeEvidencePage(EncodeEvidencePage(huge)));  // one receipt is never that large
  Writer bad_more;
  bad_more.Array(2).Array(0).Uint(2);
  CHECK_THAT(DecodeEvidencePage(bad_more.Take()).error().context, Catch::Contains("evidence.more"));
}

TEST_CASE("Decoders refuse every truncation and any trailing byte",
          "[protocol][codec][negative]") {
  std::vector<Bytes> samples = {
      EncodeDirectiveHeader(SampleHeader()),
      EncodeReceipt(SampleReceipt(ReceiptKind::kAcknowledged)),
      EncodeEnvelope({MessageType::kDirective, Bytes(10, 1), {{"op.alice", {}}}, Bytes{0x90}}),
      EncodeRecipientSet({0, {{"energy-authority", {}, Bytes(48, 1)}, {"health", {}, Bytes(48, 2)}}, {}}),
  };
  auto decode = [](std::size_t which, ByteView bytes) -> bool {
    switch (which) {
      case 0: return DecodeDirectiveHeader(bytes).has_value();
      case 1: return DecodeReceipt(bytes, ReceiptKind::kAcknowledged).has_value();
      case 2: return DecodeEnvelope(bytes).has_value();
      default: return DecodeRecipientSet(bytes).has_value();
    }
  };
  for (std::size_t which = 0; which < samples.size(); ++which) {
    const Bytes& full = samples[which];
    REQUIRE(decode(which, full));
    for (std::size_t length = 0; length < full.size(); ++length) {
      INFO("sample " << which << " truncated to " << length);
      CHECK_FALSE(decode(which, ByteView(full).first(length)));
    }
    Bytes longer = full;
    longer.push_back(0xc0);
    CHECK_FALSE(decode(which, longer));
  }
}

TEST_CASE("Decoders demand exact arity", "[protocol][codec][negative]") {
  Writer short_receipt;
  short_receipt.Array(4).Bin(Bytes(16, 0)).Bin(Bytes(32, 0)).Text("a").Text("gw");
  CHECK_THAT(Why(DecodeReceipt(short_receipt.Take(), ReceiptKind::kDelivered).error()),
             Catch::Contains("expected 7 elements, found 4"));
  // A log root without a size, or a size without a root, is malformed.
  for (std::uint64_t size : {std::uint64_t{0}, std::uint64_t{5}}) {
    Writer w;
    w.Array(7).Bin(Bytes(16, 0)).Bin(Bytes(32, 0)).Text("a").Text("gw").Uint(1).Uint(size);
    if (size == 0) {
      w.Bin(Bytes(32, 1));
    } else {
      w.Nil();
    }
    CHECK_THAT(Why(DecodeReceipt(w.Take(), ReceiptKind::kDelivered).error()),
               Catch::Contains("receipt.log_root"));
  }
  Writer long_heartbeat;
  long_heartbeat.Array(5).Text("gw").Uint(1).Uint(2).Uint(3).Uint(4);
  CHECK_FALSE(DecodeHeartbeat(long_heartbeat.Take()));
}

TEST_CASE("DecodeEnvelope refuses wrong versions, types and signature counts",
          "[protocol][codec][negative]") {
  auto envelope = [](std::uint64_t version, std::uint64_t type, std::size_t signatures) {
    Writer w;
    w.Array(5).Uint(version).Uint(type).Bin(Bytes{1}).Array(signatures);
    for (std::size_t i = 0; i < signatures; ++i) {
      w.Array(2).Text("op.alice").Bin(Bytes(64, 0));
    }
    if (type == 1) {
      w.Bin(Bytes{0x90});
    } else {
      w.Nil();
    }
    return w.Take();
  };
  CHECK(DecodeEnvelope(envelope(3, 1, 1)));
  CHECK_THAT(Why(DecodeEnvelope(envelope(1, 1, 1)).error()),
             Catch::Contains("unsupported version 1 (this build speaks 3)"));
  CHECK_THAT(Why(DecodeEnvelope(envelope(2, 1, 1)).error()),
             Catch::Contains("unsupported version 2 (this build speaks 3)"));
  CHECK_FALSE(DecodeEnvelope(envelope(3, 0, 1)));
  CHECK_FALSE(DecodeEnvelope(envelope(3, 6, 1)));  // hello is unsigned
  CHECK(DecodeEnvelope(envelope(3, 6, 0)));
  CHECK(DecodeEnvelope(envelope(3, 10, 0)));  // checkpoint, unsigned
  CHECK_FALSE(DecodeEnvelope(envelope(3, 12, 0)));
  CHECK(DecodeEnvelope(envelope(3, 16, 0)));   // evidence-request, unsigned
  CHECK(DecodeEnvelope(envelope(3, 17, 0)));   // evidence
  CHECK_FALSE(DecodeEnvelope(envelope(3, 18, 0)));
  CHECK_FALSE(DecodeEnvelope(envelope(3, 1, 0)));  // unsigned directive
  CHECK_FALSE(DecodeEnvelope(envelope(3, 1, 5)));  // more than kMaxSignatures
  CHECK_FALSE(DecodeEnvelope(envelope(3, 5, 1)));  // a signed error
  CHECK(DecodeEnvelope(envelope(3, 5, 0)));
  // A version-1 peer (four elements) is told about the version, not the arity.
  Writer old;
  old.Array(4).Uint(1).Uint(4).Bin(Bytes{1}).Array(0);
  CHECK_THAT(Why(DecodeEnvelope(old.Take()).error()), Catch::Contains("unsupported version 1"));
  // Recipients travel with directives and nothing else.
  Envelope receipt{MessageType::kReceipt, Bytes{1}, {{"a", {}}}, Bytes{0x90}};
  CHECK_THAT(Why(DecodeEnvelope(EncodeEnvelope(receipt)).error()),
             Catch::Contains("envelope.recipients"));
  Envelope directive{MessageType::kDirective, Bytes{1}, {{"a", {}}}, std::nullopt};
  CHECK_FALSE(DecodeEnvelope(EncodeEnvelope(directive)));
}

TEST_CASE("DecodeRecipientSet enforces order, sizes and limits", "[protocol][codec][negative]") {
  auto refused = [](const RecipientSet& set, std::string_view why) {
    Result<RecipientSet> r = DecodeRecipientSet(EncodeRecipientSet(set));
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().context, Catch::Contains(std::string(why)));
  };
  RecipientSet two{0, {{"energy", {}, Bytes(48, 1)}, {"finance", {}, Bytes(48, 2)}}, {}};
  REQUIRE(DecodeRecipientSet(EncodeRecipientSet(two)));
  RecipientSet set = two;
  std::swap(set.entries[0], set.entries[1]);
  refused(set, "not sorted");
  set = two;
  set.entries[1].agency = "energy";
  refused(set, "repeats 'energy'");
  set = two;
  set.entries.clear();
  refused(set, "recipients.entries");
  set = two;
  set.entries[0].wrapped_key.pop_back();
  refused(set, "wrapped_key");
  set = two;
  set.index = kMaxRecipients;
  refused(set, "recipients.index");
  set = two;
  set.proof.resize(kMaxProofHashes + 1);
  refused(set, "recipients.proof");
}

TEST_CASE("DecodeDirectiveHeader enforces the header rules", "[protocol][codec][negative]") {
  auto refused = [](DirectiveHeader h, std::string_view why,
                    ErrorCode code = ErrorCode::kMalformedMessage) {
    Result<DirectiveHeader> r = DecodeDirectiveHeader(EncodeDirectiveHeader(h));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == code);
    CHECK_THAT(r.error().context, Catch::Contains(std::string(why)));
  };
  DirectiveHeader h = SampleHeader();
  h.expires_at = h.issued_at;
  refused(h, "header.expires_at");
  h = SampleHeader();
  h.ack_deadline = h.expires_at + 1;
  refused(h, "header.ack_deadline");
  h = SampleHeader();
  h.action = DirectiveAction::kCancel;
  refused(h, "header.references");
  h = SampleHeader();
  h.references = h.id;
  refused(h, "header.references");
  h = SampleHeader();
  h.recipient_count = 0;
  refused(h, "header.recipient_count");
  h = SampleHeader();
  h.recipient_count = kMaxRecipients + 1;
  refused(h, "header.recipient_count", ErrorCode::kTooLarge);
  h = SampleHeader();
  h.sectors = {"finance", "energy"};
  refused(h, "header.sectors");
  h = SampleHeader();
  h.issuer = "Op Alice";
  refused(h, "header.issuer");
  h = SampleHeader();
  h.sequence = 0;
  refused(h, "header.sequence");
  h = SampleHeader();
  h.severity = static_cast<Severity>(5);
  refused(h, "header.severity");
  h = SampleHeader();
  h.summary = std::string(kMaxSummaryBytes + 1, 'x');
  refused(h, "size limit", ErrorCode::kTooLarge);  // over a limit of section 3
}

TEST_CASE("Enumeration names round-trip", "[protocol][codec]") {
  for (Tlp t : {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed}) {
    CHECK(ParseTlp(TlpName(t)) == t);
  }
  for (Severity s : {Severity::kLow, Severity::kModerate, Severity::kHigh, Severity::kCritical}) {
    CHECK(ParseSeverity(SeverityName(s)) == s);
  }
  CHECK_FALSE(ParseTlp("WHITE"));
  CHECK(ToWireError(ErrorCode::kRevoked) == WireError::kUnauthorized);
}

}  // namespace
}  // namespace tocsin::protocol
