#include "protocol/directive.h"

#include <catch2/catch.hpp>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/key_agreement.h"
#include "crypto/merkle.h"
#include "protocol/fanout.h"
#include "protocol/receipts.h"
#include "protocol/signed_envelope.h"
#include "tests/protocol/protocol_fixture.h"

namespace tocsin::protocol {
namespace {

using testing::kHour;
using testing::kNow;
using testing::ProtocolFixture;

// Re-signs `body` as `signer`, keeping the recipient set: what an attacker
// holding that key can do.
Bytes Resign(ProtocolFixture& f, const Bytes& body, const std::string& signer,
             const std::optional<Bytes>& recipients) {
  Envelope envelope = SignBody(MessageType::kDirective, body, signer, f[signer].signing);
  envelope.recipients = recipients;
  return EncodeEnvelope(envelope);
}

// Decodes a sealed directive, lets `edit` change its header and recipient
// set, commits the header to the edited set, re-encodes the body with the
// original ciphertext, and re-signs it as `signer`.
template <typename Edit>
Bytes EditHeader(ProtocolFixture& f, const SealedDirective& sealed, const std::string& signer,
                 Edit edit) {
  DirectiveBody body = DecodeDirectiveBody(sealed.envelope.body).value();
  DirectiveHeader header = DecodeDirectiveHeader(body.header).value();
  RecipientSet set = DecodeRecipientSet(*sealed.envelope.recipients).value();
  edit(header, set);
  crypto::MerkleTree tree;
  for (const RecipientWrap& r : set.entries) {
    tree.Append(RecipientLeafHash(r));
  }
  header.recipient_count = static_cast<std::uint32_t>(set.entries.size());
  header.recipients_root = tree.Root();
  body.header = EncodeDirectiveHeader(header);
  return Resign(f, EncodeDirectiveBody(body), signer, EncodeRecipientSet(set));
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
  CHECK(verified->recipients.entries.size() == 1);
  CHECK(verified->complete());
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

  // Keeping the operator's signature while adding itself as a recipient fails:
  // the signed root no longer matches (and the header cannot change).
  Envelope tampered = original.envelope;
  RecipientSet set = DecodeRecipientSet(*tampered.recipients).value();
  set.entries.push_back({"health-authority", set.entries[0].key_id, set.entries[0].wrapped_key});
  tampered.recipients = EncodeRecipientSet(set);
  CHECK(CodeOf(f.Open(EncodeEnvelope(tampered), "health-authority")) ==
        ErrorCode::kMalformedMessage);  // 2 entries for a count of 1
  set.entries.erase(set.entries.begin());
  tampered.recipients = EncodeRecipientSet(set);
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
  Bytes wire = Resign(f, sealed.envelope.body, "op.bob", sealed.envelope.recipients);
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
  Bytes swapped = EditHeader(f, sealed, "op.alice", [](DirectiveHeader&, RecipientSet& set) {
    std::swap(set.entries[0].wrapped_key, set.entries[1].wrapped_key);
  });
  CHECK(CodeOf(f.Open(swapped, "finance-authority")) == ErrorCode::kBadSignature);
  Bytes new_summary = EditHeader(f, sealed, "op.alice", [](DirectiveHeader& h, RecipientSet&) {
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

namespace tocsin::protocol {
namespace {

TEST_CASE("Each agency's copy carries its own wrap and proof and opens only for it",
          "[protocol][directive][fanout]") {
  ProtocolFixture f;
  SealedDirective sealed =
      f.Seal(f.Draft(), {"energy-authority", "finance-authority", "health-authority"});
  Bytes whole = EncodeEnvelope(sealed.envelope);
  DirectiveFanout fanout = DirectiveFanout::FromWire(whole).value();
  CHECK(fanout.recipient_count() == 3);
  for (const char* agency : {"energy-authority", "finance-authority", "health-authority"}) {
    Bytes copy = fanout.CopyFor(agency).value();
    Result<OpenedDirective> opened = f.Open(copy, agency);
    INFO(agency << ": " << (opened ? "" : opened.error().ToString()));
    REQUIRE(opened);
    CHECK(opened->verified.digest == sealed.digest);  // receipts cite the same digest
    CHECK(opened->verified.recipients.entries.size() == 1);
    CHECK_FALSE(opened->verified.complete());
    CHECK(copy.size() < whole.size());
  }
  Bytes finance = fanout.CopyFor("finance-authority").value();
  CHECK(CodeOf(f.Open(finance, "energy-authority")) == ErrorCode::kPermissionDenied);
  CHECK(fanout.CopyFor("transport-authority").error().code == ErrorCode::kNotFound);
}

TEST_CASE("The largest copy an agency can be sent stays under kMaxAgencyCopyBytes",
          "[protocol][directive][fanout]") {
  ProtocolFixture f;
  DirectiveDraft d = f.Draft();
  d.content = {std::string(kMaxTitleBytes, 't'), std::string(kMaxBodyBytes, 'b')};
  d.header.summary = std::string(kMaxSummaryBytes, 's');
  d.header.sectors.clear();
  for (std::size_t i = 0; i < kMaxSectors; ++i) {
    std::string n = std::to_string(100 + i);
    d.header.sectors.push_back("s" + std::string(63 - n.size(), '0') + n);
  }
  std::vector<RecipientKey> recipients;
  Result<crypto::X25519KeyPair> key = crypto::X25519KeyPair::Generate();
  REQUIRE(key);
  for (std::size_t i = 0; i < kMaxRecipients; ++i) {
    std::string n = std::to_string(10000 + i);
    recipients.push_back({"a" + std::string(63 - n.size(), '0') + n, key->public_key()});
  }
  std::string last = recipients.back().agency;
  Result<SealedDirective> made = SealDirective(d, std::move(recipients), f["op.alice"].signing);
  INFO((made ? "" : made.error().ToString()));
  REQUIRE(made);
  SealedDirective sealed = std::move(*made);
  for (int i = 0; i < 3; ++i) {  // four signatures, the most an envelope carries
    AddSignature(sealed.envelope, "op." + std::string(60, 'x') + std::to_string(i),
                 f["op.alice"].signing);
  }
  Result<DirectiveFanout> fanout = DirectiveFanout::FromWire(EncodeEnvelope(sealed.envelope));
  INFO((fanout ? "" : fanout.error().ToString()));
  REQUIRE(fanout);
  Result<Bytes> made_copy = fanout->CopyFor(last);
  INFO((made_copy ? "" : made_copy.error().ToString()));
  REQUIRE(made_copy);
  Bytes copy = *made_copy;
  INFO("largest copy: " << copy.size() << " bytes");
  CHECK(copy.size() <= kMaxAgencyCopyBytes);
  CHECK(copy.size() > kMaxAgencyCopyBytes / 2);  // the bound is not slack by an order
}

TEST_CASE("Wraps made on several threads open for every recipient, each its own",
          "[protocol][directive][fanout]") {
  ProtocolFixture f;
  std::vector<RecipientKey> recipients;
  for (int i = 0; i < 700; ++i) {  // past the one-thread slice: several threads wrap
    std::string id = "agency-" + std::to_string(1000 + i);
    f.Add(id, Role::kAgency);
    recipients.push_back({id, f[id].encryption.public_key()});
  }
  SealedDirective sealed =
      SealDirective(f.Draft(), std::move(recipients), f["op.alice"].signing).value();
  DirectiveFanout fanout = DirectiveFanout::FromEnvelope(sealed.envelope).value();
  for (const char* id : {"agency-1000", "agency-1349", "agency-1350", "agency-1699"}) {
    INFO(id);
    Result<OpenedDirective> opened = f.Open(fanout.CopyFor(id).value(), id);
    REQUIRE(opened);
    CHECK(opened->content.title == "Ransomware on payment systems");
  }
  // Each entry is wrapped to its own recipient: another's key opens nothing.
  Bytes copy = fanout.CopyFor("agency-1350").value();
  CHECK_FALSE(OpenDirective(copy, f.resolver, {"gw", kNow, 1}, "agency-1350",
                            f["agency-1349"].encryption));
}

TEST_CASE("A copy with a moved index, a changed proof or another's entry is refused",
          "[protocol][directive][fanout][negative]") {
  ProtocolFixture f;
  SealedDirective sealed =
      f.Seal(f.Draft(), {"energy-authority", "finance-authority", "health-authority"});
  DirectiveFanout fanout = DirectiveFanout::FromEnvelope(sealed.envelope).value();
  Envelope copy = DecodeEnvelope(fanout.CopyFor("finance-authority").value()).value();
  RecipientSet mine = DecodeRecipientSet(*copy.recipients).value();
  RecipientSet energy = DecodeRecipientSet(
      *DecodeEnvelope(fanout.CopyFor("energy-authority").value()).value().recipients).value();
  auto open_with = [&](const RecipientSet& set) {
    Envelope edited = copy;
    edited.recipients = EncodeRecipientSet(set);
    return f.Open(EncodeEnvelope(edited), "finance-authority");
  };
  RecipientSet set = mine;
  set.index = 0;
  CHECK(CodeOf(open_with(set)) == ErrorCode::kBadSignature);
  set = mine;
  set.proof[0][5] ^= 1;
  CHECK(CodeOf(open_with(set)) == ErrorCode::kBadSignature);
  set = mine;
  set.proof.pop_back();
  CHECK(CodeOf(open_with(set)) == ErrorCode::kBadSignature);
  set = mine;
  set.entries[0].wrapped_key = energy.entries[0].wrapped_key;
  CHECK(CodeOf(open_with(set)) == ErrorCode::kBadSignature);
  set = mine;
  set.index = 3;  // outside the signed count
  CHECK(CodeOf(open_with(set)) == ErrorCode::kMalformedMessage);
  // Two of three entries is neither form.
  RecipientSet whole = DecodeRecipientSet(*sealed.envelope.recipients).value();
  whole.entries.pop_back();
  CHECK(CodeOf(open_with(whole)) == ErrorCode::kMalformedMessage);
  CHECK(open_with(mine));
}

}  // namespace
}  // namespace tocsin::protocol

namespace tocsin::protocol {
namespace {

// A malicious issuer's directive: one signed ciphertext under `k1`, with
// the header committing to `committed`, and each agency's wrap holding the
// key `keys` gives it (the "invisible salamanders" set-up: an AEAD that does
// not commit to its key could open to other content under another key).
Bytes SealWithChosenWraps(ProtocolFixture& f, const Bytes& k1, const Bytes& committed,
                          const std::map<std::string, Bytes>& keys) {
  DirectiveDraft draft = f.Draft();
  DirectiveHeader header = draft.header;
  header.id.fill(0x42);
  crypto::AeadNonce nonce = crypto::RandomNonce();
  std::copy(nonce.begin(), nonce.end(), header.content_nonce.begin());
  std::sort(header.sectors.begin(), header.sectors.end());
  header.key_commitment = ContentKeyCommitment(committed);
  crypto::X25519KeyPair ephemeral = crypto::X25519KeyPair::Generate().value();
  header.ephemeral_key = ephemeral.public_key();
  RecipientSet set;
  crypto::MerkleTree tree;
  for (const auto& [agency, key] : keys) {  // std::map: agency order
    Bytes wrap = crypto::WrapKey(ephemeral, f[agency].encryption.public_key(), key,
                                 WrapAssociatedData(header.id, agency)).value();
    set.entries.push_back({agency, EncryptionKeyId(f[agency].encryption.public_key()), wrap});
    tree.Append(RecipientLeafHash(set.entries.back()));
  }
  header.recipient_count = static_cast<std::uint32_t>(set.entries.size());
  header.recipients_root = tree.Root();
  DirectiveBody body;
  body.header = EncodeDirectiveHeader(header);
  body.ciphertext = crypto::AeadSeal(k1, header.content_nonce,
                                     EncodeDirectiveContent(draft.content),
                                     ContentAssociatedData(body.header)).value();
  Envelope envelope =
      SignBody(MessageType::kDirective, EncodeDirectiveBody(body), "op.alice", f["op.alice"].signing);
  envelope.recipients = EncodeRecipientSet(set);
  return EncodeEnvelope(envelope);
}

TEST_CASE("A copy wrapped with another key than the committed one is refused before decrypting",
          "[protocol][directive][negative]") {
  ProtocolFixture f;
  Bytes k1 = crypto::RandomBytes(32);
  Bytes k2 = crypto::RandomBytes(32);
  Bytes wire = SealWithChosenWraps(f, k1, k1, {{"energy-authority", k2}, {"finance-authority", k1}});
  REQUIRE(f.Open(wire, "finance-authority"));  // the committed key: opens
  Result<OpenedDirective> other = f.Open(wire, "energy-authority");
  CHECK(CodeOf(other) == ErrorCode::kBadSignature);
  CHECK_THAT(other.error().context, Catch::Contains("is not the one the header commits to"));
  // Committing to the second key instead: now finance's copy is the odd one.
  Bytes flipped = SealWithChosenWraps(f, k1, k2, {{"energy-authority", k2}, {"finance-authority", k1}});
  CHECK_THAT(f.Open(flipped, "finance-authority").error().context,
             Catch::Contains("is not the one the header commits to"));
}

TEST_CASE("The signed header says how many operators must sign; no one can strip one unseen",
          "[protocol][directive]") {
  ProtocolFixture f;
  DirectiveDraft draft = f.Draft();
  draft.header.required_signatures = 2;
  SealedDirective sealed = f.Seal(draft, {"finance-authority"});
  Result<OpenedDirective> one = f.Open(EncodeEnvelope(sealed.envelope), "finance-authority");
  CHECK(CodeOf(one) == ErrorCode::kPermissionDenied);
  CHECK_THAT(one.error().context, Catch::Contains("requires 2 operators' signatures"));
  Envelope two = sealed.envelope;
  AddSignature(two, "op.bob", f["op.bob"].signing);
  REQUIRE(f.Open(EncodeEnvelope(two), "finance-authority"));
  // Stripping op.bob's signature again (the list is not signed) is seen.
  two.signatures.pop_back();
  CHECK(CodeOf(f.Open(EncodeEnvelope(two), "finance-authority")) == ErrorCode::kPermissionDenied);
  // The same key twice counts once, under the header's rule too.
  Envelope twice = sealed.envelope;
  AddSignature(twice, "op.alice", f["op.alice"].signing);
  CHECK(CodeOf(f.Open(EncodeEnvelope(twice), "finance-authority")) == ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace tocsin::protocol

namespace tocsin::protocol {
namespace {

TEST_CASE("A copy wrapped to a superseded encryption key is recognised as such",
          "[protocol][directive][negative]") {
  ProtocolFixture f;
  SealedDirective sealed = f.Seal(f.Draft(), {"finance-authority"});
  RecipientSet set = DecodeRecipientSet(*sealed.envelope.recipients).value();
  CHECK(set.entries[0].key_id == EncryptionKeyId(f["finance-authority"].encryption.public_key()));
  // Finance replaced its encryption key after the directive was sealed.
  f["finance-authority"].encryption = crypto::X25519KeyPair::Generate().value();
  Result<OpenedDirective> opened = f.Open(EncodeEnvelope(sealed.envelope), "finance-authority");
  CHECK(CodeOf(opened) == ErrorCode::kPermissionDenied);
  CHECK_THAT(opened.error().context,
             Catch::Contains("wrapped to another encryption key of finance-authority") &&
                 Catch::Contains("ask the centre to issue it again"));
}

}  // namespace
}  // namespace tocsin::protocol
