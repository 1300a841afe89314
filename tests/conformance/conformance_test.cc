// Replays the conformance vectors (testdata/conformance, docs/conformance.md)
// through our own receivers: each valid case must be accepted with the
// fields it lists, each invalid one refused with its section 9 code (and,
// for directives, the refusal reason; for certificates, the error class).
// Keys come from the files, as another implementation would read them.
// TOCSIN_CONFORMANCE_DIR replays another folder (make_vectors' fresh output).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "client/log_watch.h"
#include "crypto/key_agreement.h"
#include "pki/certificate.h"
#include "pki/crl_floor.h"
#include "pki/verifier.h"
#include "protocol/audit.h"
#include "protocol/bridge_messages.h"
#include "protocol/directive.h"
#include "protocol/promise.h"
#include "protocol/receipts.h"
#include "tests/testing/fake_resolver.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/vectors.h"

namespace tocsin::conformance {
namespace {

using Json = nlohmann::json;

std::string Dir() {
  const char* other = std::getenv("TOCSIN_CONFORMANCE_DIR");
  return other != nullptr ? other : std::string(TOCSIN_SOURCE_DIR) + "/testdata/conformance";
}

Json Load(const std::string& name) {
  Json file = testing::ReadJsonFile(Dir() + "/" + name);
  REQUIRE(file["format"] == "tocsin-conformance/1");
  REQUIRE(file["tests"].size() == file["numberOfTests"].get<std::size_t>());
  REQUIRE(file["tests"].size() >= 5);
  return file;
}

Bytes Hex(const Json& value) { return HexDecode(value.get<std::string>()).value(); }

tocsin::testing::FakeResolver ResolverOf(const Json& file) {
  tocsin::testing::FakeResolver resolver;
  for (const Json& p : file["principals"]) {
    crypto::PublicKey key{};
    Bytes raw = Hex(p["ed25519_public"]);
    REQUIRE(raw.size() == key.size());
    std::copy(raw.begin(), raw.end(), key.begin());
    resolver.Add(p["id"], ParseRole(p["role"].get<std::string>()).value(), key);
  }
  return resolver;
}

std::string Describe(const Json& test) {
  return "tcId " + std::to_string(test["tcId"].get<int>()) + " (" +
         test["comment"].get<std::string>() + ") expects " + test["result"].get<std::string>() +
         (test.contains("error") ? " " + test["error"].get<std::string>() : "");
}

// The verdict `result` reached, against the case.
template <typename T>
bool Judged(const Json& test, const Result<T>& result) {
  if (test["result"] == "valid") {
    INFO((result ? std::string() : result.error().ToString()));
    CHECK(result);
    return result.has_value();
  }
  REQUIRE_FALSE(result);
  INFO(result.error().ToString());
  CHECK(static_cast<int>(protocol::ToWireError(result.error().code)) == test["code"].get<int>());
  if (test.contains("says")) {
    CHECK_THAT(result.error().context, Catch::Contains(test["says"].get<std::string>()));
  }
  return false;
}

TEST_CASE("Envelope vectors decode or are refused as they say", "[conformance][envelope]") {
  Json file = Load("envelopes.json");
  for (const Json& test : file["tests"]) {
    INFO(Describe(test));
    Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(Hex(test["wire"]));
    if (Judged(test, envelope)) {
      CHECK(static_cast<int>(envelope->type) == test["type"].get<int>());
    }
  }
}

TEST_CASE("Receipt vectors verify or are refused as they say", "[conformance][receipt]") {
  Json file = Load("receipts.json");
  tocsin::testing::FakeResolver resolver = ResolverOf(file);
  for (const Json& test : file["tests"]) {
    INFO(Describe(test));
    Result<protocol::Receipt> receipt =
        protocol::VerifyReceipt(Hex(test["wire"]), resolver, test["now_ms"].get<UnixMillis>(),
                                test["gateway"].get<std::string>());
    if (receipt && receipt->agency != test["connection"].get<std::string>()) {
      receipt = MakeError(ErrorCode::kPermissionDenied, "receipt of another agency's connection");
    }
    if (!Judged(test, receipt)) {
      continue;
    }
    const Json& expected = test["expected"];
    CHECK(HexEncode(receipt->directive_id) == expected["directive_id"].get<std::string>());
    CHECK(HexEncode(receipt->directive_digest) == expected["directive_digest"].get<std::string>());
    CHECK(receipt->agency == expected["agency"].get<std::string>());
    CHECK(receipt->at == expected["at_ms"].get<UnixMillis>());
    CHECK(receipt->log_size == expected["log_size"].get<std::uint64_t>());
    if (expected.contains("officer")) {
      CHECK(receipt->officer == expected["officer"].get<std::string>());
      CHECK(receipt->note == expected["note"].get<std::string>());
    }
    if (expected.contains("reason")) {
      CHECK(static_cast<int>(receipt->reason) == expected["reason"].get<int>());
    }
  }
}

TEST_CASE("Heartbeat vectors verify or are refused as they say", "[conformance][heartbeat]") {
  Json file = Load("heartbeats.json");
  tocsin::testing::FakeResolver resolver = ResolverOf(file);
  for (const Json& test : file["tests"]) {
    INFO(Describe(test));
    Result<protocol::Heartbeat> beat =
        protocol::VerifyHeartbeat(Hex(test["wire"]), resolver, test["now_ms"].get<UnixMillis>(),
                                  test["gateway"].get<std::string>());
    if (Judged(test, beat)) {
      CHECK(beat->sequence == test["expected"]["sequence"].get<std::uint64_t>());
      CHECK(beat->valid_until == test["expected"]["valid_until_ms"].get<UnixMillis>());
    }
  }
}

TEST_CASE("Directive vectors open or are refused with their reason", "[conformance][directive]") {
  Json file = Load("directives.json");
  tocsin::testing::FakeResolver resolver = ResolverOf(file);
  for (const Json& test : file["tests"]) {
    INFO(Describe(test));
    crypto::X25519KeyPair self = crypto::X25519KeyPair::FromSecret(Hex(test["self_x25519_secret"])).value();
    protocol::DirectiveChecks checks{test["gateway"].get<std::string>(),
                                     test["now_ms"].get<UnixMillis>(),
                                     test["min_signatures"].get<std::size_t>()};
    protocol::RefusalReason why = protocol::RefusalReason::kMalformed;
    Result<protocol::OpenedDirective> opened = protocol::OpenDirective(
        Hex(test["wire"]), resolver, checks, test["self"].get<std::string>(), self, &why);
    if (!Judged(test, opened)) {
      CHECK(static_cast<int>(why) == test["reason"].get<int>());
      continue;
    }
    const Json& expected = test["expected"];
    CHECK(HexEncode(opened->verified.header.id) == expected["id"].get<std::string>());
    CHECK(HexEncode(opened->verified.digest) == expected["digest"].get<std::string>());
    CHECK(opened->verified.header.issuer == expected["issuer"].get<std::string>());
    CHECK(protocol::SeverityName(opened->verified.header.severity) ==
          expected["severity"].get<std::string>());
    CHECK(opened->content.title == expected["title"].get<std::string>());
    CHECK(opened->content.body == expected["body"].get<std::string>());
  }
}

std::string_view VerdictName(client::LogVerdict verdict) {
  switch (verdict) {
    case client::LogVerdict::kRefused: return "refused";
    case client::LogVerdict::kFirst: return "first";
    case client::LogVerdict::kExtended: return "extended";
    case client::LogVerdict::kUnchanged: return "unchanged";
    case client::LogVerdict::kStale: return "stale";
    case client::LogVerdict::kInconsistent: return "inconsistent";
  }
  return "?";
}

template <std::size_t N>
std::array<std::uint8_t, N> Fixed(const Json& value) {
  Bytes raw = Hex(value);
  REQUIRE(raw.size() == N);
  std::array<std::uint8_t, N> out{};
  std::copy(raw.begin(), raw.end(), out.begin());
  return out;
}

TEST_CASE("Checkpoint vectors reach the verdict they name", "[conformance][checkpoint]") {
  Json file = Load("checkpoints.json");
  for (const Json& test : file["tests"]) {
    INFO(Describe(test));
    crypto::PublicKey log_key{};
    for (const Json& p : file["principals"]) {
      if (p["id"] == test["gateway"]) {
        log_key = Fixed<32>(p["log_public"]);
      }
    }
    protocol::Envelope envelope = protocol::DecodeEnvelope(Hex(test["wire"])).value();
    REQUIRE(envelope.type == protocol::MessageType::kCheckpoint);
    protocol::CheckpointMessage message = protocol::DecodeCheckpointMessage(envelope.body).value();
    std::optional<client::HeldCheckpoint> held;
    if (!test["held"].is_null()) {
      held = client::HeldCheckpoint{test["held"]["size"].get<std::uint64_t>(),
                                    Fixed<32>(test["held"]["root"]), "",
                                    test["held"]["time_ms"].get<UnixMillis>()};
    }
    client::LogCheck check = client::CheckLogCheckpoint(
        message, held, protocol::AuditOrigin(test["gateway"].get<std::string>()), log_key,
        test["now_ms"].get<UnixMillis>());
    INFO(check.why);
    CHECK(VerdictName(check.verdict) == test["result"].get<std::string>());
  }
}

crypto::PublicKey LogKeyIn(const Json& file, const Json& gateway) {
  for (const Json& p : file["principals"]) {
    if (p["id"] == gateway) {
      return Fixed<32>(p["log_public"]);
    }
  }
  FAIL("no log key for " << gateway);
  return {};
}

// A promise case as an agency runs it: the promise for what it sent, then
// the checkpoint (and the inclusion proof, if any) it holds.
Result<std::string> JudgePromiseCase(const Json& file, const Json& test) {
  std::string gateway = test["gateway"].get<std::string>();
  crypto::PublicKey log_key = LogKeyIn(file, test["gateway"]);
  TOCSIN_ASSIGN_OR_RETURN(protocol::Promise promise,
                          protocol::VerifyPromise(Hex(test["wire"]), gateway, log_key));
  Bytes sent = Hex(test["sent"]);
  protocol::Envelope envelope = protocol::DecodeEnvelope(sent).value();
  protocol::Receipt receipt = protocol::DecodeReceipt(envelope.body, protocol::ReceiptKind::kDelivered).value();
  TOCSIN_RETURN_IF_ERROR(protocol::CheckPromiseFor(promise, protocol::AuditKind::kReceipt,
                                                   receipt.directive_id, receipt.agency, sent));
  TOCSIN_RETURN_IF_ERROR(protocol::CheckPromiseTime(promise, test["now_ms"].get<UnixMillis>(),
                                                    test["held_size"].get<std::uint64_t>()));
  TOCSIN_ASSIGN_OR_RETURN(protocol::Checkpoint checkpoint,
                          protocol::VerifyCheckpoint(test["checkpoint"].get<std::string>(),
                                                     protocol::AuditOrigin(gateway), log_key));
  std::optional<protocol::InclusionProofMessage> proof;
  if (!test["proof"].is_null()) {
    protocol::Envelope message = protocol::DecodeEnvelope(Hex(test["proof"])).value();
    REQUIRE(message.type == protocol::MessageType::kInclusionProof);
    proof = protocol::DecodeInclusionProof(message.body).value();
  }
  protocol::PromiseJudgement judged =
      protocol::JudgePromise(promise, checkpoint, proof ? &*proof : nullptr);
  INFO(judged.why);
  switch (judged.verdict) {
    case protocol::PromiseVerdict::kKept: return std::string("kept");
    case protocol::PromiseVerdict::kOpen: return std::string("open");
    case protocol::PromiseVerdict::kBroken: return std::string("broken");
  }
  return std::string("?");
}

TEST_CASE("Promise vectors are refused, kept, open or broken as they say",
          "[conformance][promise]") {
  Json file = Load("promises.json");
  for (const Json& test : file["tests"]) {
    INFO(Describe(test));
    Result<std::string> verdict = JudgePromiseCase(file, test);
    if (test["result"] == "refused") {
      REQUIRE_FALSE(verdict);
      INFO(verdict.error().ToString());
      CHECK(static_cast<int>(protocol::ToWireError(verdict.error().code)) ==
            test["code"].get<int>());
      continue;
    }
    INFO((verdict ? std::string() : verdict.error().ToString()));
    REQUIRE(verdict);
    CHECK(*verdict == test["result"].get<std::string>());
  }
}

// Decodes a control message's body by its type; what it read, as JSON.
Result<Json> DecodeControl(const protocol::Envelope& envelope) {
  switch (envelope.type) {
    case protocol::MessageType::kStatusRequest: {
      TOCSIN_ASSIGN_OR_RETURN(protocol::StatusRequest r, protocol::DecodeStatusRequest(envelope.body));
      return Json{{"reference", r.reference ? Json(HexEncode(*r.reference)) : Json()}};
    }
    case protocol::MessageType::kStatusReport: {
      TOCSIN_ASSIGN_OR_RETURN(std::vector<protocol::StatusRow> rows,
                              protocol::DecodeStatusReport(envelope.body));
      auto ladders = std::count_if(rows.begin(), rows.end(),
                                   [](const protocol::StatusRow& r) { return r.ladder.has_value(); });
      return Json{{"rows", rows.size()}, {"ladders", ladders}};
    }
    case protocol::MessageType::kEvidenceRequest: {
      TOCSIN_ASSIGN_OR_RETURN(protocol::EvidenceRequest r, protocol::DecodeEvidenceRequest(envelope.body));
      return Json{{"after", r.after}};
    }
    case protocol::MessageType::kProofRequest: {
      TOCSIN_ASSIGN_OR_RETURN(protocol::ProofRequest r, protocol::DecodeProofRequest(envelope.body));
      return Json{{"index", r.index}, {"tree_size", r.tree_size}};
    }
    case protocol::MessageType::kInclusionProof: {
      TOCSIN_ASSIGN_OR_RETURN(protocol::InclusionProofMessage m,
                              protocol::DecodeInclusionProof(envelope.body));
      return Json{{"index", m.index}, {"tree_size", m.tree_size}, {"proof_hashes", m.proof.size()}};
    }
    case protocol::MessageType::kBridge: {
      TOCSIN_ASSIGN_OR_RETURN(protocol::BridgeMessage m, protocol::DecodeBridgeMessage(envelope.body));
      return Json{{"kind", static_cast<int>(m.kind)}};
    }
    default:
      return MakeError(ErrorCode::kMalformedMessage, "not a control message");
  }
}

TEST_CASE("Control-message vectors decode or are refused as they say", "[conformance][control]") {
  Json file = Load("controls.json");
  for (const Json& test : file["tests"]) {
    INFO(Describe(test));
    Result<protocol::Envelope> envelope = protocol::DecodeEnvelope(Hex(test["wire"]));
    REQUIRE(envelope);
    CHECK(static_cast<int>(envelope->type) == test["type"].get<int>());
    Result<Json> read = DecodeControl(*envelope);
    if (Judged(test, read) && test.contains("expected")) {
      CHECK(*read == test["expected"]);
    }
  }
}

// The certificate case's verdict: the CRL under the root, then the CRL floor
// (a CRL that does not verify must not move the floor), then the leaf.
Result<pki::CertifiedKey> VerifyCertificateCase(const Json& test) {
  tocsin::testing::TempDir dir;
  std::string floor_path = dir / "crl-floor";
  std::ofstream(floor_path) << test["crl_floor"].get<std::uint64_t>() << "\n";
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root,
                          pki::ParseCertificatePem(AsBytes(test["root"].get<std::string>()), "root"));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509CrlPtr crl,
                          pki::ParseCrlPem(AsBytes(test["crl"].get<std::string>()), "crl"));
  TOCSIN_ASSIGN_OR_RETURN(pki::CertificateVerifier verifier,
                          pki::CertificateVerifier::Create(std::move(root), std::move(crl)));
  TOCSIN_RETURN_IF_ERROR(pki::CrlFloor(floor_path).Admit(verifier.crl(), "crl"));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr leaf,
                          pki::ParseCertificatePem(AsBytes(test["leaf"].get<std::string>()), "leaf"));
  std::optional<pki::Purpose> purpose;
  for (pki::Purpose p : {pki::Purpose::kSigning, pki::Purpose::kEncryption,
                         pki::Purpose::kTransport, pki::Purpose::kLog}) {
    if (pki::PurposeName(p) == test["purpose"].get<std::string>()) {
      purpose = p;
    }
  }
  REQUIRE(purpose);
  return verifier.Verify(leaf.get(), *purpose, test["at_ms"].get<UnixMillis>());
}

TEST_CASE("Certificate vectors verify or fail with their class", "[conformance][certificate]") {
  Json file = Load("certificates.json");
  for (const Json& test : file["tests"]) {
    INFO(Describe(test));
    Result<pki::CertifiedKey> key = VerifyCertificateCase(test);
    if (test["result"] == "invalid") {
      REQUIRE_FALSE(key);
      INFO(key.error().ToString());
      CHECK(ErrorCodeName(key.error().code) == test["error"].get<std::string>());
      continue;
    }
    INFO((key ? std::string() : key.error().ToString()));
    REQUIRE(key);
    const Json& expected = test["expected"];
    CHECK(key->principal_id == expected["id"].get<std::string>());
    CHECK(RoleName(key->role) == expected["role"].get<std::string>());
    if (expected["sector"].is_null()) {
      CHECK_FALSE(key->sector);
    } else {
      CHECK(key->sector == expected["sector"].get<std::string>());
    }
  }
}

}  // namespace
}  // namespace tocsin::conformance
