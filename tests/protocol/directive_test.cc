#include "protocol/directive.h"

#include <catch2/catch.hpp>

#include "crypto/hash.h"
#include "protocol/receipts.h"
#include "protocol/signed_envelope.h"
#include "tests/protocol/protocol_fixture.h"

namespace tocsin::protocol {
namespace {

using testing::kHour;
using testing::kNow;
using testing::ProtocolFixture;

// Re-signs `body` as `signer`: what an attacker holding that key can do.
Bytes Resign(ProtocolFixture& f, const Bytes& body, const std::string& signer) {
  return EncodeEnvelope(SignBody(MessageType::kDirective, body, signer, f[signer].signing));
}

// Decodes a sealed directive, lets `edit` change its header, re-encodes the
// body with the original ciphertext, and re-signs it as `signer`.
template <typename Edit>
Bytes EditHeader(ProtocolFixture& f, const SealedDirective& sealed, const std::string& signer,
                 Edit edit) {
  DirectiveBody body = DecodeDirectiveBody(sealed.envelope.body).value();
  DirectiveHeader header = DecodeDirectiveHeader(body.header).value();
  edit(header);
  body.header = EncodeDirectiveHeader(header);
  return Resign(f, EncodeDirectiveBody(body), signer);
}

ErrorCode CodeOf(const Result<OpenedDirective>& r) {
  REQUIRE_FALSE(r);
  return r.error().code;
}

TEST_CASE("Every recipient opens and verifies a sealed directive", "[protocol][directive]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority", "energy-authority"});
  Bytes wire = EncodeEnvelope(sealed.envelope);
  for (const char* agency : {"finance-authority", "energy-authority"}) {
    Result<OpenedDirective> opened = f.Open(wire, agency);
    INFO((opened ? "" : opened.error().ToString()));
    REQUIRE(opened);
    CHECK(opened->content.title == "Ransomware on payment systems");
    CHECK(opened->verified.header.id == sealed.id);
    CHECK(opened->verified.digest == sealed.digest);
    CHECK(opened->verified.header.sectors == std::vector<std::string>{"energy", "finance"});
    CHECK(opened->verified.signers == std::vector<std::string>{"op.alice"});
  }
  CHECK(sealed.digest == crypto::Sha256(sealed.envelope.body));
}

TEST_CASE("The gateway verifies a directive without being able to read it",
          "[protocol][directive]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  Bytes wire = EncodeEnvelope(sealed.envelope);
  Result<VerifiedDirective> verified = VerifyDirective(wire, f.resolver, {"gw", kNow, 1});
  REQUIRE(verified);
  CHECK(verified->header.recipients.size() == 1);
  std::string visible(AsStringView(wire));
  CHECK(visible.find("Ransomware") == std::string::npos);
  CHECK(visible.find("Isolate") == std::string::npos);
  CHECK(visible.find("national coordination") != std::string::npos);  // the clear summary
}

TEST_CASE("A directive is refused by an agency it is not addressed to",
          "[protocol][directive][negative]") {
  ProtocolFixture f;
  Bytes wire = EncodeEnvelope(f.Seal(f.Draft(), {"finance-authority"}).envelope);
  CHECK(CodeOf(f.Open(wire, "health-authority")) == ErrorCode::kPermissionDenied);
}

TEST_CASE("A recipient cannot re-forward a directive as if addressed to another agency",
          "[protocol][directive][negative]") {
  // SECURITY.md 10 (Davis, "Defective Sign & Encrypt"): finance-authority
  // knows the content and re-encrypts it to health-authority.
  ProtocolFixture f;
  SealedDirective original = f.Seal(f.Draft(), {"finance-authority"});
  DirectiveDraft forwarded = f.Draft();
  forwarded.header.issuer = "finance-authority";
  auto reforged = SealDirective(forwarded, f.Recipients({"health-authority"}),
                                f["finance-authority"].signing);
  REQUIRE(reforged);
  Result<OpenedDirective> as_itself = f.Open(EncodeEnvelope(reforged->envelope), "health-authority");
  CHECK(CodeOf(as_itself) == ErrorCode::kPermissionDenied);
  CHECK_THAT(as_itself.error().context, Catch::Contains("signer has role agency"));

  // Keeping the operator's signature while adding itself as a recipient fails.
  Envelope tampered = original.envelope;
  DirectiveBody body = DecodeDirectiveBody(original.envelope.body).value();
  DirectiveHeader header = DecodeDirectiveHeader(body.header).value();
  header.recipients.push_back({"health-authority", header.recipients[0].wrapped_key});
  body.header = EncodeDirectiveHeader(header);
  tampered.body = EncodeDirectiveBody(body);
  CHECK(CodeOf(f.Open(EncodeEnvelope(tampered), "health-authority")) == ErrorCode::kBadSignature);
}

TEST_CASE("A signature made for another message type does not verify as a directive",
          "[protocol][directive][negative]") {
  // SECURITY.md 11: op.alice's signature over the same bytes, but under the
  // receipt context, presented as a directive signature.
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  Envelope forged = sealed.envelope;
  forged.signatures[0].signature =
      f["op.alice"].signing.Sign(SignatureContext(MessageType::kReceipt), forged.body);
  CHECK(CodeOf(f.Open(EncodeEnvelope(forged), "finance-authority")) == ErrorCode::kBadSignature);
}

TEST_CASE("Any flipped bit in a sealed directive is refused", "[protocol][directive][negative]") {
  ProtocolFixture f;
  Bytes wire = EncodeEnvelope(f.Seal(f.Draft(), {"finance-authority"}).envelope);
  for (std::size_t i = 0; i < wire.size(); i += 7) {
    Bytes tampered = wire;
    tampered[i] ^= 0x04;
    INFO("byte " << i);
    CHECK_FALSE(f.Open(tampered, "finance-authority"));
  }
}

TEST_CASE("Expired, future-dated and wrong-gateway directives are refused",
          "[protocol][directive][negative]") {
  ProtocolFixture f;
  Bytes wire = EncodeEnvelope(f.Seal(f.Draft(), {"finance-authority"}).envelope);
  CHECK(CodeOf(f.Open(wire, "finance-authority", 1, kNow + 24 * kHour)) == ErrorCode::kExpired);
  CHECK(CodeOf(f.Open(wire, "finance-authority", 1, kNow - kHour)) == ErrorCode::kExpired);
  CHECK(f.Open(wire, "finance-authority", 1, kNow - 60 * 1000));  // within clock skew
  Result<OpenedDirective> other_gateway = OpenDirective(
      wire, f.resolver, {"gw2", kNow, 1}, "finance-authority", f["finance-authority"].encryption);
  CHECK(CodeOf(other_gateway) == ErrorCode::kPermissionDenied);
}

TEST_CASE("A directive from a revoked or unknown issuer is refused",
          "[protocol][directive][negative]") {
  ProtocolFixture f;
  Bytes wire = EncodeEnvelope(f.Seal(f.Draft(), {"finance-authority"}).envelope);
  f.resolver.Revoke("op.alice");
  CHECK(CodeOf(f.Open(wire, "finance-authority")) == ErrorCode::kRevoked);
}

TEST_CASE("The issuer named in the header must be the first signer",
          "[protocol][directive][negative]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  Bytes wire = Resign(f, sealed.envelope.body, "op.bob");
  Result<OpenedDirective> opened = f.Open(wire, "finance-authority");
  CHECK(CodeOf(opened) == ErrorCode::kPermissionDenied);
  CHECK_THAT(opened.error().context, Catch::Contains("names issuer op.alice"));
}

TEST_CASE("M-of-N counts distinct operator keys, never entries", "[protocol][directive]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  CHECK(CodeOf(f.Open(EncodeEnvelope(sealed.envelope), "finance-authority", 2)) ==
        ErrorCode::kPermissionDenied);

  Envelope same_key_twice = sealed.envelope;
  AddSignature(same_key_twice, "op.alice", f["op.alice"].signing);
  CHECK(CodeOf(f.Open(EncodeEnvelope(same_key_twice), "finance-authority", 2)) ==
        ErrorCode::kPermissionDenied);

  // Another id bound to the same key still counts once (SECURITY.md 18).
  f.resolver.Add("op.alias", Role::kOperator, f["op.alice"].signing.public_key());
  Envelope alias = sealed.envelope;
  AddSignature(alias, "op.alias", f["op.alice"].signing);
  CHECK(CodeOf(f.Open(EncodeEnvelope(alias), "finance-authority", 2)) ==
        ErrorCode::kPermissionDenied);

  Envelope agency_cosigned = sealed.envelope;
  AddSignature(agency_cosigned, "energy-authority", f["energy-authority"].signing);
  CHECK(CodeOf(f.Open(EncodeEnvelope(agency_cosigned), "finance-authority", 2)) ==
        ErrorCode::kPermissionDenied);

  Envelope two_person = sealed.envelope;
  AddSignature(two_person, "op.bob", f["op.bob"].signing);
  Result<OpenedDirective> opened = f.Open(EncodeEnvelope(two_person), "finance-authority", 2);
  REQUIRE(opened);
  CHECK(opened->verified.signers == std::vector<std::string>{"op.alice", "op.bob"});
}

TEST_CASE("Key wraps are bound to their recipient and the content to its header",
          "[protocol][directive][negative]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"energy-authority", "finance-authority"});
  // Even the issuer cannot swap wraps between recipients or change the
  // header under an existing ciphertext: the AEADs refuse.
  Bytes swapped = EditHeader(f, sealed, "op.alice", [](DirectiveHeader& h) {
    std::swap(h.recipients[0].wrapped_key, h.recipients[1].wrapped_key);
  });
  CHECK(CodeOf(f.Open(swapped, "finance-authority")) == ErrorCode::kBadSignature);
  Bytes new_summary = EditHeader(f, sealed, "op.alice", [](DirectiveHeader& h) {
    h.summary = "All clear";
  });
  Result<OpenedDirective> opened = f.Open(new_summary, "finance-authority");
  CHECK(CodeOf(opened) == ErrorCode::kBadSignature);
  CHECK_THAT(opened.error().context, Catch::Contains("decrypting the content"));
}

TEST_CASE("SealDirective refuses drafts a receiver would refuse", "[protocol][directive][negative]") {
  ProtocolFixture f;
  auto refused = [&](DirectiveDraft d, std::vector<RecipientKey> recipients, std::string_view why) {
    auto sealed = SealDirective(d, std::move(recipients), f["op.alice"].signing);
    REQUIRE_FALSE(sealed);
    CHECK(sealed.error().code == ErrorCode::kInvalidArgument);
    CHECK_THAT(sealed.error().context, Catch::Contains(std::string(why)));
  };
  refused(f.Draft(), {}, "at least one recipient");
  refused(f.Draft(), f.Recipients({"finance-authority", "finance-authority"}), "named twice");
  DirectiveDraft d = f.Draft();
  d.content.title = "";
  refused(d, f.Recipients({"finance-authority"}), "content.title");
  d = f.Draft();
  d.content.body = std::string(kMaxBodyBytes + 1, 'x');
  refused(d, f.Recipients({"finance-authority"}), "directive content");
  d = f.Draft();
  d.header.ack_deadline = d.header.expires_at + 1;
  refused(d, f.Recipients({"finance-authority"}), "ack_deadline");
  d = f.Draft();
  d.header.action = DirectiveAction::kUpdate;
  refused(d, f.Recipients({"finance-authority"}), "references");
  d.header.references = DirectiveId{};
  CHECK(SealDirective(d, f.Recipients({"finance-authority"}), f["op.alice"].signing));
  std::vector<RecipientKey> low_order = {{"finance-authority", crypto::PublicKey{}}};
  refused(f.Draft(), low_order, "low order");
}

TEST_CASE("Two directives never share an id, nonce or ephemeral key", "[protocol][directive]") {
  ProtocolFixture f;
  SealedDirective a = f.Seal(f.Draft(), {"finance-authority"});
  SealedDirective b = f.Seal(f.Draft(), {"finance-authority"});
  DirectiveHeader ha = DecodeDirectiveHeader(DecodeDirectiveBody(a.envelope.body)->header).value();
  DirectiveHeader hb = DecodeDirectiveHeader(DecodeDirectiveBody(b.envelope.body)->header).value();
  CHECK(ha.id != hb.id);
  CHECK(ha.content_nonce != hb.content_nonce);
  CHECK(ha.ephemeral_key != hb.ephemeral_key);
}

}  // namespace
}  // namespace tocsin::protocol
