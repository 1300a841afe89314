// Writes the conformance vectors of docs/conformance.md: for each wire type,
// valid and invalid cases with the verdict and the section 9 code a
// conforming receiver reaches. Each case is built by spoiling one thing of a
// valid message, and says what it expects because of how it was built: the
// replay test (conformance_test) then holds our code to it.
// Usage: make_vectors OUTPUT_DIR   (then commit testdata/conformance)
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "protocol/audit.h"
#include "protocol/bridge_messages.h"
#include "protocol/strict_msgpack.h"
#include "pki/cert_builder.h"
#include "pki/certificate.h"
#include "protocol/directive.h"
#include "protocol/fanout.h"
#include "protocol/promise.h"
#include "protocol/receipts.h"
#include "protocol/signed_envelope.h"
#include "tests/conformance/conformance_keys.h"

namespace tocsin::conformance {
namespace {

using Json = nlohmann::ordered_json;
using protocol::MessageType;
using protocol::WireError;

class VectorFile {
 public:
  VectorFile(std::string kind, std::string verifier, std::string notes) {
    file_["format"] = "tocsin-conformance/1";
    file_["kind"] = std::move(kind);
    file_["verifier"] = std::move(verifier);
    file_["notes"] = std::move(notes);
    file_["principals"] = Principals();
    file_["tests"] = Json::array();
  }
  Json& Valid(const std::string& comment, ByteView wire) { return Add(comment, wire, "valid"); }
  Json& Invalid(const std::string& comment, ByteView wire, WireError code) {
    Json& test = Add(comment, wire, "invalid");
    test["code"] = static_cast<int>(code);
    test["error"] = std::string(protocol::WireErrorName(code));
    return test;
  }
  Json& Raw(const std::string& comment, const std::string& result) {
    Json test;
    test["tcId"] = next_++;
    test["comment"] = comment;
    test["result"] = result;
    file_["tests"].push_back(std::move(test));
    return file_["tests"].back();
  }
  void Write(const std::string& path) {
    file_["numberOfTests"] = next_ - 1;
    std::ofstream out(path);
    out << file_.dump(2) << "\n";
    std::printf("%s: %d cases\n", path.c_str(), next_ - 1);
  }

 private:
  Json& Add(const std::string& comment, ByteView wire, const char* result) {
    Json& test = Raw(comment, result);
    test["wire"] = HexEncode(wire);
    return test;
  }
  static Json Principals() {
    Json out = Json::array();
    for (const Principal& p : kPrincipals) {
      Json entry = {{"id", p.id}, {"role", RoleName(p.role)},
                    {"ed25519_public", HexEncode(SigningKeyOf(p.id).public_key())}};
      if (p.role == Role::kAgency) {
        entry["x25519_public"] = HexEncode(EncryptionKeyOf(p.id).public_key());
      }
      if (p.role == Role::kGateway) {
        entry["log_public"] = HexEncode(LogKeyOf(p.id).public_key());
      }
      out.push_back(std::move(entry));
    }
    return out;
  }

  Json file_;
  int next_ = 1;
};

Bytes Wire(const protocol::Envelope& envelope) { return protocol::EncodeEnvelope(envelope); }

Bytes Flip(Bytes bytes, std::size_t at) {
  bytes.at(at) ^= 0x01;
  return bytes;
}

// ---- envelopes (section 4) -------------------------------------------------

void Envelopes(const std::string& dir) {
  VectorFile v("envelope", "any receiver",
               "DecodeEnvelope only: section 1's canonical msgpack, section 3's limits and "
               "section 4's shape. Signatures are not checked here. `says`, when present, is "
               "text the refusal should contain.");
  protocol::Receipt receipt = SampleReceipt(protocol::ReceiptKind::kDelivered);
  Bytes good = protocol::SignReceipt(receipt, SigningKeyOf(kAgency));
  v.Valid("a receipt envelope", good)["type"] = 2;
  Bytes trailing = good;
  trailing.push_back(0x00);
  v.Invalid("one trailing byte after the envelope", trailing, WireError::kMalformed);
  Bytes version = good;
  version[1] = 0x02;
  v.Invalid("version 2", version, WireError::kMalformed);
  Bytes type = good;
  type[2] = 0x63;
  v.Invalid("type 99", type, WireError::kMalformed);
  v.Invalid("not an array: a map", HexDecode("81a161a162").value(), WireError::kMalformed);
  v.Invalid("an array of 4: [3, 2, bin, []]", HexDecode("940302c4010090").value(),
            WireError::kMalformed);
  Bytes six(good);
  six[0] = 0x96;
  six.push_back(0xc0);
  v.Invalid("an array of 6: the receipt with one more element", six, WireError::kMalformed);
  Bytes six_v4 = six;
  six_v4[1] = 0x04;
  v.Invalid("version 4 in an array of 6: the version is read first (section 4)", six_v4,
            WireError::kMalformed)["says"] = "unsupported version 4";
  Bytes loose(good);
  loose.insert(loose.begin() + 1, 0xcc);  // 95 cc 03 ...: version as uint8
  v.Invalid("the version 3 as uint8 (cc 03), not a fixint: not canonical", loose,
            WireError::kMalformed);
  protocol::Envelope five = protocol::DecodeEnvelope(good).value();
  while (five.signatures.size() < 5) {
    five.signatures.push_back(five.signatures[0]);
  }
  v.Invalid("five signatures (section 3: 1 to 4)", Wire(five), WireError::kTooLarge);
  v.Invalid("an extension type (fixext1)", HexDecode("d40100").value(), WireError::kMalformed);
  v.Invalid("a boolean", HexDecode("c3").value(), WireError::kMalformed);
  v.Invalid("a declared 4-billion-element array", HexDecode("ddffffffff").value(),
            WireError::kTooLarge);
  v.Invalid("empty", Bytes{}, WireError::kMalformed);
  protocol::Envelope unsigned_with_signature{MessageType::kHello, Bytes{0x92, 0xa1, 0x61, 0x00},
                                             {{kAgency, crypto::Signature{}}}, std::nullopt};
  v.Invalid("a hello (unsigned type) carrying a signature", Wire(unsigned_with_signature),
            WireError::kMalformed);
  v.Write(dir + "/envelopes.json");
}

// ---- receipts, acknowledgements, refusals (section 7) ----------------------

void Receipts(const std::string& dir) {
  VectorFile v("receipt", "gateway",
               "VerifyReceipt as the gateway runs it: `now_ms`, the gateway's id `gateway`, "
               "and `connection`, the agency whose authenticated connection carried it "
               "(section 7: a receipt must be its own). Expected fields are those of the "
               "decoded body.");
  auto valid = [&](const std::string& comment, const protocol::Receipt& r) {
    Json& test = v.Valid(comment, protocol::SignReceipt(r, SigningKeyOf(r.agency)));
    test["expected"] = {{"directive_id", HexEncode(r.directive_id)},
                        {"directive_digest", HexEncode(r.directive_digest)},
                        {"agency", r.agency}, {"at_ms", r.at}, {"log_size", r.log_size}};
    return &test;
  };
  auto invalid = [&](const std::string& comment, ByteView wire, WireError code) {
    return &v.Invalid(comment, wire, code);
  };
  auto context = [&](Json* test, const std::string& connection = kAgency) {
    (*test)["now_ms"] = kNow;
    (*test)["gateway"] = kGateway;
    (*test)["connection"] = connection;
  };
  protocol::Receipt receipt = SampleReceipt(protocol::ReceiptKind::kDelivered);
  protocol::Receipt ack = SampleReceipt(protocol::ReceiptKind::kAcknowledged);
  protocol::Receipt refusal = SampleReceipt(protocol::ReceiptKind::kRefused);
  context(valid("a delivery receipt (type 2)", receipt));
  Json* acked = valid("an acknowledgement (type 3) with an officer and a note", ack);
  (*acked)["expected"]["officer"] = ack.officer;
  (*acked)["expected"]["note"] = *ack.note;
  context(acked);
  Json* refused = valid("a signed refusal (type 18), reason 5 undecryptable", refusal);
  (*refused)["expected"]["reason"] = 5;
  context(refused);
  Bytes good = protocol::SignReceipt(receipt, SigningKeyOf(kAgency));
  context(invalid("the signature's last byte flipped", Flip(good, good.size() - 2),
                  WireError::kBadSignature));
  context(invalid("one byte of the body flipped (the directive digest)", Flip(good, 30),
                  WireError::kBadSignature));
  context(invalid("signed by energy-authority's key under finance-authority's name",
                  Wire([&] {
                    protocol::Envelope e = protocol::SignBody(
                        MessageType::kReceipt, protocol::EncodeReceipt(receipt),
                        kOtherAgency, SigningKeyOf(kOtherAgency));
                    e.signatures[0].signer = kAgency;
                    return e;
                  }()),
                  WireError::kBadSignature));
  context(invalid("signed by energy-authority, naming finance-authority in the body",
                  Wire(protocol::SignBody(MessageType::kReceipt, protocol::EncodeReceipt(receipt),
                                          kOtherAgency, SigningKeyOf(kOtherAgency))),
                  WireError::kUnauthorized),
          kOtherAgency);
  context(invalid("signed with the acknowledgement context but sent as a receipt",
                  Wire([&] {
                    protocol::Envelope e = protocol::SignBody(
                        MessageType::kAcknowledgement, protocol::EncodeReceipt(receipt), kAgency,
                        SigningKeyOf(kAgency));
                    e.type = MessageType::kReceipt;
                    return e;
                  }()),
                  WireError::kBadSignature));
  protocol::Receipt elsewhere = receipt;
  elsewhere.gateway = "gw.other";
  context(invalid("names another gateway",
                  protocol::SignReceipt(elsewhere, SigningKeyOf(kAgency)),
                  WireError::kUnauthorized));
  protocol::Receipt by_operator = receipt;
  by_operator.agency = kOperator;
  context(invalid("signed by an operator, not an agency",
                  protocol::SignReceipt(by_operator, SigningKeyOf(kOperator)),
                  WireError::kUnauthorized), kOperator);
  context(invalid("a genuine receipt of finance-authority carried on energy-authority's connection",
                  good, WireError::kUnauthorized), kOtherAgency);
  context(invalid("two signatures", Wire([&] {
                    protocol::Envelope e = protocol::SignBody(
                        MessageType::kReceipt, protocol::EncodeReceipt(receipt), kAgency,
                        SigningKeyOf(kAgency));
                    e.signatures.push_back(e.signatures[0]);
                    return e;
                  }()),
                  WireError::kMalformed));
  protocol::Receipt rootless = receipt;
  rootless.log_size = 0;
  context(invalid("log_size 0 with a log_root", Wire(protocol::SignBody(
                      MessageType::kReceipt, protocol::EncodeReceipt(rootless), kAgency,
                      SigningKeyOf(kAgency))),
                  WireError::kMalformed));
  protocol::Receipt long_officer = ack;
  long_officer.officer = std::string(129, 'o');
  context(invalid("an officer of 129 bytes (section 3: 1 to 128)",
                  protocol::SignReceipt(long_officer, SigningKeyOf(kAgency)),
                  WireError::kTooLarge));
  protocol::Receipt unnamed = ack;
  unnamed.officer = "";
  context(invalid("an acknowledgement with an empty officer (section 3: 1 to 128)",
                  protocol::SignReceipt(unnamed, SigningKeyOf(kAgency)), WireError::kMalformed));
  protocol::Receipt long_note = ack;
  long_note.note = std::string(1025, 'n');
  context(invalid("a note of 1,025 bytes (section 3: at most 1,024)",
                  protocol::SignReceipt(long_note, SigningKeyOf(kAgency)), WireError::kTooLarge));
  protocol::Receipt unknown_reason = refusal;
  unknown_reason.reason = static_cast<protocol::RefusalReason>(10);
  context(invalid("a refusal with reason 10 (section 7.1: 1 to 9)",
                  protocol::SignReceipt(unknown_reason, SigningKeyOf(kAgency)),
                  WireError::kMalformed));
  protocol::Receipt no_root = receipt;
  no_root.log_root.reset();
  context(invalid("log_size 12 without a log_root", protocol::SignReceipt(no_root, SigningKeyOf(kAgency)),
                  WireError::kMalformed));
  v.Write(dir + "/receipts.json");
}

// ---- heartbeats (section 10) -----------------------------------------------

void Heartbeats(const std::string& dir) {
  VectorFile v("heartbeat", "agency client (section 8)",
               "VerifyHeartbeat as an agency runs it at `now_ms` for its gateway `gateway`. "
               "Sequences are the receiver's to order and are not part of these cases.");
  auto add = [&](Json& test) {
    test["now_ms"] = kNow;
    test["gateway"] = kGateway;
  };
  protocol::Heartbeat beat{kGateway, 41, kNow - 1000, kNow + 4000};
  Bytes good = protocol::SignHeartbeat(beat, SigningKeyOf(kGateway));
  Json& valid = v.Valid("a heartbeat valid for 5 s", good);
  valid["expected"] = {{"sequence", beat.sequence}, {"sent_at_ms", beat.sent_at},
                       {"valid_until_ms", beat.valid_until}};
  add(valid);
  add(v.Invalid("signature flipped", Flip(good, good.size() - 2), WireError::kBadSignature));
  protocol::Heartbeat old = beat;
  old.sent_at = kNow - 12 * 60 * 1000;  // valid for 6 minutes: within the 10 allowed
  old.valid_until = kNow - 6 * 60 * 1000;
  add(v.Invalid("expired six minutes ago (beyond the 5-minute tolerance)",
                protocol::SignHeartbeat(old, SigningKeyOf(kGateway)), WireError::kExpired));
  protocol::Heartbeat long_lived = beat;
  long_lived.valid_until = beat.sent_at + 11 * 60 * 1000;
  add(v.Invalid("valid for 11 minutes (at most 10)",
                protocol::SignHeartbeat(long_lived, SigningKeyOf(kGateway)), WireError::kExpired));
  protocol::Heartbeat ahead = beat;
  ahead.sent_at = kNow + 6 * 60 * 1000;
  ahead.valid_until = ahead.sent_at + 5000;
  add(v.Invalid("sent six minutes in the future (beyond the 5-minute tolerance)",
                protocol::SignHeartbeat(ahead, SigningKeyOf(kGateway)), WireError::kExpired));
  protocol::Heartbeat other = beat;
  other.gateway = kOtherGateway;
  add(v.Invalid("from another enrolled gateway",
                protocol::SignHeartbeat(other, SigningKeyOf(kOtherGateway)),
                WireError::kUnauthorized));
  protocol::Heartbeat backwards = beat;
  backwards.valid_until = beat.sent_at;
  add(v.Invalid("valid_until not after sent_at", Wire(protocol::SignBody(
                    MessageType::kHeartbeat, protocol::EncodeHeartbeat(backwards), kGateway,
                    SigningKeyOf(kGateway))),
                WireError::kMalformed));
  v.Write(dir + "/heartbeats.json");
}

// ---- directives: an agency opens its copy (section 6) ----------------------

void Directives(const std::string& dir) {
  VectorFile v("directive", "agency client",
               "OpenDirective as `self` runs it on its copy: `now_ms`, its gateway `gateway`, "
               "`min_signatures`, and its X25519 secret key `self_x25519_secret` (the matching "
               "public key is in `principals`). `reason` is the refusal reason (section 7.1) "
               "the agency signs when it refuses the copy. The CA's signature rule (6.9) is "
               "the default, one signature everywhere; `min_signatures` stands for a stricter "
               "count.");
  protocol::DirectiveDraft draft = SampleDraft();
  auto sealed = protocol::SealDirective(
      draft, {{kAgency, EncryptionKeyOf(kAgency).public_key()},
              {kOtherAgency, EncryptionKeyOf(kOtherAgency).public_key()}},
      SigningKeyOf(kOperator));
  auto fanout = protocol::DirectiveFanout::FromEnvelope(sealed.value().envelope).value();
  Bytes copy = fanout.CopyFor(kAgency).value();
  auto add = [&](Json& test, const std::string& self = kAgency, std::size_t min = 1,
                 UnixMillis now = kNow, const std::string& gateway = kGateway) -> Json& {
    test["self"] = self;
    test["self_x25519_secret"] = HexEncode(EncryptionKeyOf(self).secret());
    test["now_ms"] = now;
    test["gateway"] = gateway;
    test["min_signatures"] = min;
    return test;
  };
  auto refused = [&](const std::string& comment, ByteView wire, WireError code,
                     protocol::RefusalReason reason) -> Json& {
    Json& test = v.Invalid(comment, wire, code);
    test["reason"] = static_cast<int>(reason);
    return test;
  };
  Json& valid = add(v.Valid("finance-authority's copy, with its proof", copy));
  valid["expected"] = {{"id", HexEncode(sealed->id)},
                       {"digest", HexEncode(sealed->digest)},
                       {"issuer", draft.header.issuer},
                       {"severity", std::string(protocol::SeverityName(draft.header.severity))},
                       {"title", draft.content.title},
                       {"body", draft.content.body}};
  protocol::Envelope copy_envelope = protocol::DecodeEnvelope(copy).value();
  protocol::Envelope spoiled = copy_envelope;
  spoiled.signatures[0].signature[0] ^= 1;
  add(refused("the issuer's signature flipped", Wire(spoiled), WireError::kBadSignature,
              protocol::RefusalReason::kSignature));
  add(refused("energy-authority's copy opened by finance-authority",
              fanout.CopyFor(kOtherAgency).value(), WireError::kUnauthorized,
              protocol::RefusalReason::kRecipientProof));
  add(refused("for another gateway", copy, WireError::kUnauthorized,
              protocol::RefusalReason::kSignature),
      kAgency, 1, kNow, kOtherGateway);
  add(refused("opened after it expired", copy, WireError::kExpired,
              protocol::RefusalReason::kExpired),
      kAgency, 1, draft.header.expires_at + 1);
  add(refused("one signature where two are required", copy, WireError::kUnauthorized,
              protocol::RefusalReason::kSignature),
      kAgency, 2);
  protocol::Envelope cosigned_by_agency = copy_envelope;
  cosigned_by_agency.signatures.push_back(
      protocol::SignBody(MessageType::kDirective, copy_envelope.body, kOtherAgency,
                         SigningKeyOf(kOtherAgency))
          .signatures[0]);
  add(refused("a second, valid signature by an agency, not an operator",
              Wire(cosigned_by_agency), WireError::kUnauthorized,
              protocol::RefusalReason::kSignature));
  protocol::DirectiveDraft ahead = draft;
  ahead.header.issued_at = kNow + 6 * 60 * 1000;
  auto early = protocol::SealDirective(ahead, {{kAgency, EncryptionKeyOf(kAgency).public_key()}},
                                       SigningKeyOf(kOperator));
  add(refused("issued six minutes in the future (beyond the 5-minute tolerance)",
              protocol::DirectiveFanout::FromEnvelope(early.value().envelope)
                  .value()
                  .CopyFor(kAgency)
                  .value(),
              WireError::kExpired, protocol::RefusalReason::kExpired));
  // The recipient set is not signed; its entries are proven by the root.
  Bytes recipients = *copy_envelope.recipients;
  protocol::Envelope wrap_spoiled = copy_envelope;
  (*wrap_spoiled.recipients)[recipients.size() - 40] ^= 1;
  add(refused("one byte of its key wrap flipped: the signed root no longer verifies",
              Wire(wrap_spoiled), WireError::kBadSignature, protocol::RefusalReason::kSignature));
  // Signed by the issuer and yet not openable: an issuer's key can sign
  // anything, so the agency still checks what the signature cannot.
  auto resigned = [&](const std::function<void(protocol::DirectiveBody&)>& spoil) {
    protocol::DirectiveBody body = protocol::DecodeDirectiveBody(copy_envelope.body).value();
    spoil(body);
    protocol::Envelope e = protocol::SignBody(MessageType::kDirective,
                                              protocol::EncodeDirectiveBody(body),
                                              draft.header.issuer, SigningKeyOf(kOperator));
    e.recipients = copy_envelope.recipients;
    return Wire(e);
  };
  add(refused("signed, but its header commits to another content key than the one wrapped",
              resigned([](protocol::DirectiveBody& body) {
                protocol::DirectiveHeader h = protocol::DecodeDirectiveHeader(body.header).value();
                h.key_commitment[0] ^= 1;
                body.header = protocol::EncodeDirectiveHeader(h);
              }),
              WireError::kBadSignature, protocol::RefusalReason::kKeyCommitment));
  add(refused("signed, but one byte of its ciphertext flipped: the content does not decrypt",
              resigned([](protocol::DirectiveBody& body) { body.ciphertext[3] ^= 1; }),
              WireError::kBadSignature, protocol::RefusalReason::kUndecryptable));
  auto superseded = protocol::SealDirective(
      draft, {{kAgency, EncryptionKeyOf(kAgency + "/previous").public_key()}},
      SigningKeyOf(kOperator));
  add(refused("wrapped to finance-authority's previous encryption key (another key id)",
              protocol::DirectiveFanout::FromEnvelope(superseded.value().envelope)
                  .value()
                  .CopyFor(kAgency)
                  .value(),
              WireError::kUnauthorized, protocol::RefusalReason::kSupersededKey));
  v.Write(dir + "/directives.json");
}

// ---- checkpoints with consistency proofs (section 10, docs/audit.md) ------

void Checkpoints(const std::string& dir) {
  VectorFile v("checkpoint", "agency client",
               "An agency holding `held` (null: nothing yet; else the size, root and signed "
               "time of the checkpoint it keeps) receives the checkpoint message `wire` "
               "(type 10) at `now_ms`; its gateway's log key is the `log_public` of `gateway` "
               "in `principals`, the note's origin `<gateway>/audit`. `result` is the verdict "
               "of docs/audit.md section 3: first, extended, unchanged, stale (a proof from a "
               "size it does not hold: ignored), inconsistent (an alarm: keep the evidence), "
               "refused (not a valid checkpoint of this log).");
  crypto::MerkleTree tree;
  for (int i = 0; i < 12; ++i) {
    tree.Append(crypto::MerkleLeafHash(AsBytes("audit entry " + std::to_string(i))));
  }
  std::string origin = protocol::AuditOrigin(kGateway);
  auto note = [&](std::uint64_t size, UnixMillis time, const crypto::SigningKey& key,
                  const std::string& named = "") {
    protocol::Checkpoint checkpoint{named.empty() ? origin : named, size, tree.RootAt(size), time};
    return protocol::SignCheckpoint(checkpoint, key);
  };
  auto wire = [&](const std::string& text, std::uint64_t from, std::vector<crypto::Digest> proof) {
    return protocol::EncodeUnsigned(MessageType::kCheckpoint,
                                    protocol::EncodeCheckpointMessage({text, from, std::move(proof)}));
  };
  const crypto::SigningKey log_key = LogKeyOf(kGateway);
  const UnixMillis held_time = kNow - 60000;
  Json held = {{"size", 5}, {"root", HexEncode(tree.RootAt(5))}, {"time_ms", held_time}};
  auto add = [&](const std::string& comment, ByteView bytes, const char* verdict,
                 const Json& holding) {
    Json& test = v.Raw(comment, verdict);
    test["wire"] = HexEncode(bytes);
    test["held"] = holding;
    test["now_ms"] = kNow;
    test["gateway"] = kGateway;
  };
  Bytes nine = wire(note(9, kNow - 1000, log_key), 5, tree.ConsistencyProof(5, 9));
  add("the first checkpoint an agency sees", wire(note(9, kNow - 1000, log_key), 0, {}), "first",
      nullptr);
  add("size 5 -> 9 with its consistency proof", nine, "extended", held);
  add("the same tree again", wire(note(5, kNow - 1000, log_key), 5, {}), "unchanged", held);
  Json forked = held;
  forked["root"] = HexEncode(tree.RootAt(4));
  add("size 5 with another root than the one held", wire(note(5, kNow - 1000, log_key), 5, {}),
      "inconsistent", forked);
  Json larger = {{"size", 9}, {"root", HexEncode(tree.RootAt(9))}, {"time_ms", held_time}};
  add("a log of 5 after one of 9 (it shrank)", wire(note(5, kNow - 1000, log_key), 9, {}),
      "inconsistent", larger);
  std::vector<crypto::Digest> spoiled = tree.ConsistencyProof(5, 9);
  spoiled[0][0] ^= 1;
  add("size 5 -> 9, one proof hash flipped", wire(note(9, kNow - 1000, log_key), 5, spoiled),
      "inconsistent", held);
  add("a proof from size 7, while the agency holds 5",
      wire(note(9, kNow - 1000, log_key), 7, tree.ConsistencyProof(7, 9)), "stale", held);
  add("size 9 dated before the held checkpoint of size 5",
      wire(note(9, held_time - 1, log_key), 5, tree.ConsistencyProof(5, 9)), "inconsistent", held);
  add("signed with the gateway's signing key, not its log key",
      wire(note(9, kNow - 1000, SigningKeyOf(kGateway)), 5, tree.ConsistencyProof(5, 9)),
      "refused", held);
  add("signed by another gateway's log key under this log's origin",
      wire(note(9, kNow - 1000, LogKeyOf(kOtherGateway)), 5, tree.ConsistencyProof(5, 9)),
      "refused", held);
  add("dated six minutes in the future",
      wire(note(9, kNow + 6 * 60 * 1000, log_key), 5, tree.ConsistencyProof(5, 9)), "refused",
      held);
  add("a checkpoint of another log (origin gw.other/audit)",
      wire(note(9, kNow - 1000, log_key, protocol::AuditOrigin(kOtherGateway)), 5,
           tree.ConsistencyProof(5, 9)),
      "refused", held);
  v.Write(dir + "/checkpoints.json");
}

// ---- promises and inclusion proofs (section 10, docs/audit.md 3.1) ---------

void Promises(const std::string& dir) {
  VectorFile v("promise", "agency client",
               "finance-authority sent the receipt `sent` (type 2) and got the promise `wire` "
               "(type 12), holding a checkpoint of size `held_size` at `now_ms`. A promise "
               "that does not verify under the `log_public` of `gateway`, is not for exactly "
               "`sent` (kind 3, its directive, its agency, the leaf rebuilt from `sent` and "
               "the promise's `at`), or names a new entry dated beyond the clock tolerance is "
               "`refused` with `code`. Otherwise `checkpoint` (a signed note of origin "
               "<gateway>/audit) and `proof` (an inclusion-proof, type 14, or null) give "
               "docs/audit.md 3.1's verdict: `kept`, `open` (nothing decided) or `broken`.");
  protocol::Receipt receipt = SampleReceipt(protocol::ReceiptKind::kDelivered);
  Bytes sent = protocol::SignReceipt(receipt, SigningKeyOf(kAgency));
  const UnixMillis at = kNow - 1500;
  constexpr std::uint64_t kIndex = 7;
  protocol::Promise promise{kGateway, protocol::AuditKind::kReceipt, receipt.directive_id, kAgency,
                            kIndex, at,
                            protocol::PromisedLeaf(protocol::AuditKind::kReceipt,
                                                   receipt.directive_id, kAgency, at, sent)};
  auto tree_with = [&](const crypto::Digest& leaf) {
    crypto::MerkleTree tree;
    for (std::uint64_t i = 0; i < 12; ++i) {
      tree.Append(i == kIndex ? leaf : crypto::MerkleLeafHash(AsBytes("entry " + std::to_string(i))));
    }
    return tree;
  };
  crypto::MerkleTree tree = tree_with(promise.leaf_hash);
  crypto::MerkleTree forked = tree_with(crypto::MerkleLeafHash(AsBytes("another receipt")));
  const crypto::SigningKey log_key = LogKeyOf(kGateway);
  auto note = [&](const crypto::MerkleTree& t, std::uint64_t size, UnixMillis time) {
    return protocol::SignCheckpoint({protocol::AuditOrigin(kGateway), size, t.RootAt(size), time},
                                    log_key);
  };
  auto proof = [&](const crypto::MerkleTree& t, std::uint64_t index, std::uint64_t size) {
    return protocol::EncodeUnsigned(
        MessageType::kInclusionProof,
        protocol::EncodeInclusionProof(
            {index, size, t.leaf(index), t.InclusionProof(index, size)}));
  };
  Bytes good = protocol::SignPromise(promise, log_key);
  auto add = [&](const std::string& comment, ByteView wire, const char* verdict,
                 const std::string& checkpoint, const std::optional<Bytes>& inclusion,
                 std::uint64_t held_size = 5) -> Json& {
    Json& test = v.Raw(comment, verdict);
    test["wire"] = HexEncode(wire);
    test["sent"] = HexEncode(sent);
    test["now_ms"] = kNow;
    test["gateway"] = kGateway;
    test["held_size"] = held_size;
    test["checkpoint"] = checkpoint;
    test["proof"] = inclusion ? Json(HexEncode(*inclusion)) : Json();
    return test;
  };
  auto refused = [&](const std::string& comment, ByteView wire, WireError code) {
    Json& test = add(comment, wire, "refused", note(tree, 12, kNow - 500), proof(tree, kIndex, 12));
    test["code"] = static_cast<int>(code);
    test["error"] = std::string(protocol::WireErrorName(code));
  };
  add("kept: a checkpoint of 12 and the proof of leaf 7 in it", good, "kept",
      note(tree, 12, kNow - 500), proof(tree, kIndex, 12));
  add("open: the checkpoint covers leaf 7, no proof yet", good, "open",
      note(tree, 12, kNow - 500), std::nullopt);
  add("open: a checkpoint of 5, dated before the promised entry", good, "open",
      note(tree, 5, at - 1000), std::nullopt);
  add("open: a proof with one hash flipped decides nothing", good, "open",
      note(tree, 12, kNow - 500), [&] {
        protocol::InclusionProofMessage m{kIndex, 12, tree.leaf(kIndex),
                                          tree.InclusionProof(kIndex, 12)};
        m.proof[0][0] ^= 1;
        return protocol::EncodeUnsigned(MessageType::kInclusionProof,
                                        protocol::EncodeInclusionProof(m));
      }());
  add("open: a proof of another index decides nothing", good, "open",
      note(tree, 12, kNow - 500), proof(tree, 6, 12));
  add("broken: a checkpoint of 5 dated after the promised entry (the log never shrinks "
      "back in time)", good, "broken", note(tree, 5, kNow - 500), std::nullopt);
  add("broken: the checkpoint's tree proves another leaf at index 7", good, "broken",
      note(forked, 12, kNow - 500), proof(forked, kIndex, 12));
  refused("the promise's signature flipped", Flip(good, good.size() - 2),
          WireError::kBadSignature);
  refused("signed with the gateway's signing key, not its log key",
          protocol::SignPromise(promise, SigningKeyOf(kGateway)), WireError::kBadSignature);
  protocol::Promise other_leaf = promise;
  other_leaf.leaf_hash[0] ^= 1;
  refused("a leaf hash that is not the entry rebuilt from the receipt sent",
          protocol::SignPromise(other_leaf, log_key), WireError::kMalformed);
  protocol::Promise acknowledgement = promise;
  acknowledgement.kind = protocol::AuditKind::kAcknowledgement;
  refused("promises an acknowledgement for a receipt",
          protocol::SignPromise(acknowledgement, log_key), WireError::kMalformed);
  protocol::Promise ahead = promise;
  ahead.at = kNow + 6 * 60 * 1000;
  ahead.leaf_hash = protocol::PromisedLeaf(protocol::AuditKind::kReceipt, receipt.directive_id,
                                           kAgency, ahead.at, sent);
  refused("a new entry dated six minutes ahead", protocol::SignPromise(ahead, log_key),
          WireError::kExpired);
  v.Write(dir + "/promises.json");
}

// ---- unsigned control messages: operators, bridges, proofs (section 10) ----

void Controls(const std::string& dir) {
  VectorFile v("control", "its receiver",
               "The unsigned messages of section 10 that carry no signature of their own (the "
               "CURVE connection says who sent them): status-request (8), status-report (9), "
               "bridge (11), proof-request (13), inclusion-proof (14), evidence-request (16). "
               "A receiver decodes the envelope, then the body by `type`; `expected`, when "
               "present, gives what it reads.");
  auto unsigned_wire = [](MessageType type, Bytes body) {
    return protocol::EncodeUnsigned(type, std::move(body));
  };
  auto valid = [&](const std::string& comment, MessageType type, Bytes body) -> Json& {
    Json& test = v.Valid(comment, unsigned_wire(type, std::move(body)));
    test["type"] = static_cast<int>(type);
    return test;
  };
  auto invalid = [&](const std::string& comment, MessageType type, Bytes body, WireError code) {
    v.Invalid(comment, unsigned_wire(type, std::move(body)), code)["type"] = static_cast<int>(type);
  };
  protocol::DirectiveId id = SampleReceipt(protocol::ReceiptKind::kDelivered).directive_id;
  valid("status-request for one directive", MessageType::kStatusRequest,
        protocol::EncodeStatusRequest({id}))["expected"] = {{"reference", HexEncode(id)}};
  valid("status-request for every directive", MessageType::kStatusRequest,
        protocol::EncodeStatusRequest({}))["expected"] = {{"reference", nullptr}};
  protocol::Writer short_id;
  short_id.Array(1).Bin(Bytes(15, 0x3f));
  invalid("status-request naming a 15-byte id", MessageType::kStatusRequest, short_id.Take(),
          WireError::kMalformed);
  protocol::StatusRow open_row{id, kAgency, 1, kNow - 5000, {}, {}, "", {},
                               protocol::StatusRow::Ladder{1, "sms", kNow + 60000}};
  protocol::StatusRow acked{id, kOtherAgency, 3, kNow - 5000, kNow - 4000, kNow - 3000,
                            "M. Duty Officer", kNow - 2900, {}};
  valid("status-report: one open row with its ladder (11 elements), one acknowledged (8)",
        MessageType::kStatusReport, protocol::EncodeStatusReport({open_row, acked}))["expected"] =
      {{"rows", 2}, {"ladders", 1}};
  valid("status-report with no rows", MessageType::kStatusReport,
        protocol::EncodeStatusReport({}))["expected"] = {{"rows", 0}, {"ladders", 0}};
  invalid("status-report repeating a (directive, agency)", MessageType::kStatusReport,
          protocol::EncodeStatusReport({acked, acked}), WireError::kMalformed);
  protocol::StatusRow closed = open_row;
  closed.state = 3;
  invalid("status-report: a ladder on an acknowledged row", MessageType::kStatusReport,
          protocol::EncodeStatusReport({closed}), WireError::kMalformed);
  protocol::StatusRow fax = open_row;
  fax.ladder->next_action = "fax";
  invalid("status-report: next_action \"fax\"", MessageType::kStatusReport,
          protocol::EncodeStatusReport({fax}), WireError::kMalformed);
  protocol::StatusRow state5 = acked;
  state5.state = 5;
  invalid("status-report: state 5", MessageType::kStatusReport,
          protocol::EncodeStatusReport({state5}), WireError::kMalformed);
  protocol::Writer nine;
  nine.Array(1).Array(9).Bin(id).Text(kAgency).Uint(1).Nil().Nil().Nil().Text("").Nil().Uint(0);
  invalid("status-report: a row of 9 elements (8 or 11)", MessageType::kStatusReport, nine.Take(),
          WireError::kMalformed);
  valid("evidence-request, first page", MessageType::kEvidenceRequest,
        protocol::EncodeEvidenceRequest({id, ""}))["expected"] = {{"after", ""}};
  invalid("evidence-request after an id that is not one", MessageType::kEvidenceRequest,
          protocol::EncodeEvidenceRequest({id, "Not An Id"}), WireError::kMalformed);
  valid("proof-request for leaf 7 of 12", MessageType::kProofRequest,
        protocol::EncodeProofRequest({7, 12}))["expected"] = {{"index", 7}, {"tree_size", 12}};
  invalid("proof-request for leaf 12 of 12", MessageType::kProofRequest,
          protocol::EncodeProofRequest({12, 12}), WireError::kMalformed);
  crypto::MerkleTree tree;
  for (int i = 0; i < 12; ++i) {
    tree.Append(crypto::MerkleLeafHash(AsBytes("entry " + std::to_string(i))));
  }
  valid("inclusion-proof of leaf 7 of 12", MessageType::kInclusionProof,
        protocol::EncodeInclusionProof({7, 12, tree.leaf(7), tree.InclusionProof(7, 12)}))
      ["expected"] = {{"index", 7}, {"tree_size", 12}, {"proof_hashes", 4}};
  invalid("inclusion-proof with 65 hashes (at most 64)", MessageType::kInclusionProof,
          protocol::EncodeInclusionProof(
              {7, 12, tree.leaf(7), std::vector<crypto::Digest>(65, tree.leaf(0))}),
          WireError::kTooLarge);
  protocol::BridgeMessage hello;
  hello.kind = protocol::BridgeKind::kHello;
  hello.channel = "sms";
  valid("bridge hello of the SMS bridge", MessageType::kBridge,
        protocol::EncodeBridgeMessage(hello))["expected"] = {{"kind", 1}};
  protocol::BridgeMessage task;
  task.kind = protocol::BridgeKind::kTask;
  task.task = 41;
  task.channel = "email";
  task.contact = "Claire Martin";
  task.address = "claire@finance.example";
  task.subject = "[TOCSIN] CRITICAL directive 3f1c2a77: acknowledgement required";
  task.text = "TOCSIN: CRITICAL directive 3f1c2a77 for finance-authority awaits acknowledgement.";
  valid("bridge task: an e-mail to send", MessageType::kBridge,
        protocol::EncodeBridgeMessage(task))["expected"] = {{"kind", 2}};
  protocol::Writer fax_hello;
  fax_hello.Array(2).Uint(1).Text("fax");
  invalid("bridge hello of a \"fax\" bridge", MessageType::kBridge, fax_hello.Take(),
          WireError::kMalformed);
  protocol::Writer outcome5;
  outcome5.Array(4).Uint(3).Uint(41).Uint(5).Text("");
  invalid("bridge result with outcome 5 (0 to 4)", MessageType::kBridge, outcome5.Take(),
          WireError::kMalformed);
  protocol::Writer kind9;
  kind9.Array(2).Uint(9).Uint(41);
  invalid("bridge message of kind 9", MessageType::kBridge, kind9.Take(), WireError::kMalformed);
  protocol::BridgeMessage long_text = task;
  long_text.text = std::string(2049, 't');
  invalid("bridge task with 2,049 bytes of text (at most 2,048)", MessageType::kBridge,
          protocol::EncodeBridgeMessage(long_text), WireError::kTooLarge);
  v.Write(dir + "/controls.json");
}

// ---- certificates and CRLs (docs/pki.md) -----------------------------------

void Certificates(const std::string& dir) {
  VectorFile v("certificate", "any verifier",
               "docs/pki.md, Verification: `leaf` verified for `purpose` at `at_ms` under "
               "`root` and `crl` (PEM), with `crl_floor` the highest CRL number the verifier "
               "accepted before. Invalid cases give the class (`revoked`, `expired`, "
               "`untrusted-certificate`) in `error`.");
  Ca ca = MakeCa("Tocsin Conformance Centre");
  Ca other = MakeCa("Another Centre");
  auto leaf = [&](const Ca& issuer, const std::string& id, Role role, pki::Purpose purpose,
                  UnixMillis not_after, const std::string& organization = "Tocsin Conformance Centre",
                  pki::Arc arc = pki::Arc::kCurrent) {
    crypto::PublicKey key = pki::SignsWith(purpose) ? SigningKeyOf(id).public_key()
                                                    : EncryptionKeyOf(id).public_key();
    std::optional<std::string> sector;
    if (role == Role::kAgency) {
      sector = "finance";
    }
    pki::LeafSpec spec{organization, id, role, sector, purpose, key, kNow - kDay, not_after,
                       std::nullopt, arc};
    return pki::CertificateToPem(pki::BuildLeafCertificate(issuer.root.get(), issuer.key.get(),
                                                           spec).value().get()).value();
  };
  std::string good = leaf(ca, kAgency, Role::kAgency, pki::Purpose::kEncryption, kNow + 30 * kDay);
  std::string revoked = leaf(ca, "transport-authority", Role::kAgency, pki::Purpose::kSigning,
                             kNow + 30 * kDay);
  std::string revoked_serial = SerialOfPem(revoked);
  std::string crl = CrlPem(ca, {{revoked_serial, kNow - 3600 * 1000}}, 7);
  std::string older_crl = CrlPem(ca, {}, 6);
  std::string root = pki::CertificateToPem(ca.root.get()).value();
  auto add = [&](const std::string& comment, const std::string& pem, const char* purpose,
                 const char* result, UnixMillis at = kNow, const std::string& with_crl = "",
                 std::uint64_t floor = 0, const std::string& with_root = "") -> Json& {
    Json& test = v.Raw(comment, result);
    test["root"] = with_root.empty() ? root : with_root;
    test["crl"] = with_crl.empty() ? crl : with_crl;
    test["crl_floor"] = floor;
    test["leaf"] = pem;
    test["purpose"] = purpose;
    test["at_ms"] = at;
    return test;
  };
  auto error = [](Json& test, const char* name) { test["error"] = name; };
  add("an agency's encryption certificate", good, "encryption", "valid")["expected"] = {
      {"id", kAgency}, {"role", "agency"}, {"sector", "finance"}};
  add("an operator's signing certificate",
      leaf(ca, kOperator, Role::kOperator, pki::Purpose::kSigning, kNow + 30 * kDay), "signing",
      "valid")["expected"] = {{"id", kOperator}, {"role", "operator"}, {"sector", nullptr}};
  add("the first profile's arc (2.25), still read during the migration",
      leaf(ca, kAgency, Role::kAgency, pki::Purpose::kEncryption, kNow + 30 * kDay,
           "Tocsin Conformance Centre", pki::Arc::kLegacy),
      "encryption", "valid")["expected"] = {{"id", kAgency}, {"role", "agency"}, {"sector", "finance"}};
  error(add("an encryption certificate asked for as a signing one", good, "signing", "invalid"),
        "untrusted-certificate");
  error(add("a revoked signing certificate", revoked, "signing", "invalid"), "revoked");
  error(add("verified after its notAfter", good, "encryption", "invalid", kNow + 31 * kDay,
            CrlPem(ca, {}, 8, kNow + 31 * kDay - 3600 * 1000)),
        "expired");
  error(add("verified before its notBefore", good, "encryption", "invalid", kNow - 2 * kDay,
            CrlPem(ca, {}, 8, kNow - 2 * kDay - 3600 * 1000)),
        "expired");
  error(add("the CRL has passed its next update", good, "encryption", "invalid",
            kNow + 2 * kDay),
        "expired");
  error(add("issued by another CA", leaf(other, kAgency, Role::kAgency, pki::Purpose::kEncryption,
                                         kNow + 30 * kDay, "Another Centre"),
            "encryption", "invalid"),
        "untrusted-certificate");
  error(add("outside the root's name constraint (another organization)",
            leaf(ca, kAgency, Role::kAgency, pki::Purpose::kEncryption, kNow + 30 * kDay,
                 "Rogue Organization"),
            "encryption", "invalid"),
        "untrusted-certificate");
  error(add("a CRL numbered 6 after number 7 was accepted", good, "encryption", "invalid", kNow,
            older_crl, 7),
        "revoked");
  error(add("a CRL signed by another CA", good, "encryption", "invalid", kNow,
            CrlPem(other, {}, 9)),
        "untrusted-certificate");
  error(add("the root itself offered as a principal's certificate", root, "signing", "invalid"),
        "untrusted-certificate");
  error(add("a log certificate held by an agency (only gateways hold one)",
            leaf(ca, kAgency, Role::kAgency, pki::Purpose::kLog, kNow + 30 * kDay), "log",
            "invalid"),
        "untrusted-certificate");
  error(add("a principal's certificate naming the freshness signer's usage (.5)",
            leaf(ca, kOperator, Role::kOperator, pki::Purpose::kCrlFreshness, kNow + 30 * kDay),
            "signing", "invalid"),
        "untrusted-certificate");
  v.Write(dir + "/certificates.json");
}

}  // namespace
}  // namespace tocsin::conformance

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_vectors OUTPUT_DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  tocsin::conformance::Envelopes(dir);
  tocsin::conformance::Receipts(dir);
  tocsin::conformance::Heartbeats(dir);
  tocsin::conformance::Directives(dir);
  tocsin::conformance::Checkpoints(dir);
  tocsin::conformance::Promises(dir);
  tocsin::conformance::Controls(dir);
  tocsin::conformance::Certificates(dir);
  return 0;
}
