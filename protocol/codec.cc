// Strict encoders and decoders for protocol/messages.h. Field order is wire
// order; docs/protocol.md documents each array.
#include <algorithm>
#include <set>

#include "crypto/key_agreement.h"
#include "protocol/messages.h"
#include "protocol/strict_msgpack.h"

namespace tocsin::protocol {
namespace {

using msgpack::object;

tl::unexpected<Error> Invalid(std::string_view field, const std::string& why) {
  return MakeError(ErrorCode::kMalformedMessage, std::string(field) + ": " + why);
}

Result<UnixMillis> ReadTime(const object& o, std::string_view field) {
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t value, ReadUint(o, 1, kMaxTime, field));
  return static_cast<UnixMillis>(value);
}

Writer& Time(Writer& w, UnixMillis t) { return w.Uint(static_cast<std::uint64_t>(t)); }

template <typename Enum>
Result<Enum> ReadEnum(const object& o, Enum min, Enum max, std::string_view field) {
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t value,
                          ReadUint(o, static_cast<std::uint64_t>(min),
                                   static_cast<std::uint64_t>(max), field));
  return static_cast<Enum>(value);
}

template <typename Enum>
Writer& EnumValue(Writer& w, Enum value) {
  return w.Uint(static_cast<std::uint64_t>(value));
}

// Sectors: sorted, unique, each with the id syntax.
Result<std::vector<std::string>> ReadSectors(const object& o) {
  TOCSIN_ASSIGN_OR_RETURN(std::size_t count, ReadArraySize(o, 0, kMaxSectors, "header.sectors"));
  std::vector<std::string> sectors;
  for (std::size_t i = 0; i < count; ++i) {
    TOCSIN_ASSIGN_OR_RETURN(std::string sector,
                            ReadPrincipalId(o.via.array.ptr[i], "header.sectors[]"));
    if (!sectors.empty() && sector <= sectors.back()) {
      return Invalid("header.sectors", "not sorted or repeats '" + sector + "'");
    }
    sectors.push_back(std::move(sector));
  }
  return sectors;
}

Result<RecipientWrap> ReadRecipient(const object& o) {
  TOCSIN_ASSIGN_OR_RETURN(const object* entry, ReadArray(o, 3, "recipients.entries[]"));
  RecipientWrap wrap;
  TOCSIN_ASSIGN_OR_RETURN(wrap.agency, ReadPrincipalId(entry[0], "recipients.entries[].agency"));
  TOCSIN_ASSIGN_OR_RETURN(wrap.key_id,
                          ReadFixedBin<kKeyIdSize>(entry[1], "recipients.entries[].key_id"));
  TOCSIN_ASSIGN_OR_RETURN(wrap.wrapped_key,
                          ReadBin(entry[2], crypto::kWrappedKeySize, crypto::kWrappedKeySize,
                                  "recipients.entries[].wrapped_key"));
  return wrap;
}

Writer& WriteRecipient(Writer& w, const RecipientWrap& r) {
  return w.Array(3).Text(r.agency).Bin(r.key_id).Bin(r.wrapped_key);
}

Status CheckHeaderRules(const DirectiveHeader& h) {
  if (h.expires_at <= h.issued_at) {
    return Invalid("header.expires_at", "must be after issued_at");
  }
  if (h.ack_deadline <= h.issued_at || h.ack_deadline > h.expires_at) {
    return Invalid("header.ack_deadline", "must be after issued_at and not after expires_at");
  }
  if ((h.action == DirectiveAction::kNew) == h.references.has_value()) {
    return Invalid("header.references",
                   "a new directive references nothing; an update or cancel must");
  }
  return {};
}

// max_array is at least 16 everywhere: above every fixed arity, so that a
// structure of the wrong arity reaches ReadArray (malformed) and only a
// count over a limit of section 3 is too-large.
constexpr UnpackLimits kEnvelopeLimits{.max_array = 16, .max_map = 0, .max_str = 64,
                                       .max_bin = kMaxProposalBodyBytes, .max_depth = 3};
constexpr UnpackLimits kRecipientSetLimits{.max_array = kMaxRecipients, .max_map = 0,
                                           .max_str = 64, .max_bin = crypto::kWrappedKeySize,
                                           .max_depth = 3};
constexpr UnpackLimits kHeaderLimits{.max_array = kMaxSectors + 1, .max_map = 0,
                                     .max_str = kMaxSummaryBytes, .max_bin = 64,
                                     .max_depth = 2};
constexpr UnpackLimits kBodyLimits{.max_array = 16, .max_map = 0, .max_str = 0,
                                   .max_bin = kMaxBodyWireBytes, .max_depth = 1};
constexpr UnpackLimits kContentLimits{.max_array = 16, .max_map = 0,
                                      .max_str = kMaxBodyBytes, .max_bin = 0,
                                      .max_depth = 1, .zero_copy = true};
constexpr UnpackLimits kReportLimits{.max_array = kMaxStatusRows, .max_map = 0,
                                     .max_str = kMaxOfficerBytes, .max_bin = 16,
                                     .max_depth = 2};
constexpr UnpackLimits kEvidenceLimits{.max_array = kMaxEvidenceRows, .max_map = 0,
                                       .max_str = 64, .max_bin = kMaxEvidenceWireBytes,
                                       .max_depth = 3};
constexpr std::size_t kMaxNoteTextBytes = 4096;
constexpr UnpackLimits kCheckpointLimits{.max_array = kMaxProofHashes, .max_map = 0,
                                         .max_str = kMaxNoteTextBytes,
                                         .max_bin = crypto::kDigestSize, .max_depth = 2};
constexpr UnpackLimits kSmallLimits{.max_array = 16, .max_map = 0,
                                    .max_str = kMaxNoteBytes, .max_bin = 64,
                                    .max_depth = 1};

}  // namespace

Bytes EncodeEnvelope(const Envelope& e) {
  Writer w;
  w.Array(5).Uint(kProtocolVersion);
  EnumValue(w, e.type).Bin(e.body).Array(e.signatures.size());
  for (const SignatureEntry& s : e.signatures) {
    w.Array(2).Text(s.signer).Bin(s.signature);
  }
  w.OptionalBin(e.recipients);
  return w.Take();
}

Result<Envelope> DecodeEnvelope(ByteView wire) {
  if (wire.size() > kMaxEnvelopeBytes) {
    return MakeError(ErrorCode::kTooLarge,
                     "envelope: larger than " + std::to_string(kMaxEnvelopeBytes) + " bytes");
  }
  // The version comes first so that a peer of another version gets a clear
  // answer, whatever the rest (section 4): [fixarray, fixint version, ...].
  if (wire.size() >= 2 && (wire[0] & 0xf0) == 0x90 && wire[0] != 0x90 && wire[1] <= 0x7f &&
      wire[1] != kProtocolVersion) {
    return Invalid("envelope.version", "unsupported version " + std::to_string(wire[1]) +
                                           " (this build speaks " +
                                           std::to_string(kProtocolVersion) + ")");
  }
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(wire, kEnvelopeLimits, "envelope"));
  if (handle.get().type == msgpack::type::ARRAY && handle.get().via.array.size > 0) {
    TOCSIN_ASSIGN_OR_RETURN(std::uint64_t version,
                            ReadUint(handle.get().via.array.ptr[0], 0, UINT64_MAX,
                                     "envelope.version"));
    if (version != kProtocolVersion) {
      return Invalid("envelope.version", "unsupported version " + std::to_string(version) +
                                             " (this build speaks " +
                                             std::to_string(kProtocolVersion) + ")");
    }
  }
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 5, "envelope"));
  Envelope e;
  TOCSIN_ASSIGN_OR_RETURN(e.type, ReadEnum(f[1], MessageType::kDirective,
                                           MessageType::kWithdrawal, "envelope.type"));
  bool carries_directive =
      e.type == MessageType::kProposal || e.type == MessageType::kProposals;
  TOCSIN_ASSIGN_OR_RETURN(e.body, ReadBin(f[2], 1,
                                          carries_directive ? kMaxProposalBodyBytes
                                                            : kMaxBodyWireBytes,
                                          "envelope.body"));
  std::size_t min_signatures = IsUnsigned(e.type) ? 0 : 1;
  std::size_t max_signatures = IsUnsigned(e.type) ? 0 : kMaxSignatures;
  TOCSIN_ASSIGN_OR_RETURN(std::size_t count, ReadArraySize(f[3], min_signatures, max_signatures,
                                                           "envelope.signatures"));
  for (std::size_t i = 0; i < count; ++i) {
    TOCSIN_ASSIGN_OR_RETURN(const object* pair,
                            ReadArray(f[3].via.array.ptr[i], 2, "envelope.signatures[]"));
    SignatureEntry entry;
    TOCSIN_ASSIGN_OR_RETURN(entry.signer, ReadPrincipalId(pair[0], "envelope.signatures[].signer"));
    TOCSIN_ASSIGN_OR_RETURN(entry.signature, ReadFixedBin<crypto::kSignatureSize>(
                                                 pair[1], "envelope.signatures[].signature"));
    e.signatures.push_back(std::move(entry));
  }
  TOCSIN_ASSIGN_OR_RETURN(e.recipients,
                          ReadOptionalBin(f[4], 1, kMaxRecipientSetBytes, "envelope.recipients"));
  if (e.recipients.has_value() != (e.type == MessageType::kDirective)) {
    return Invalid("envelope.recipients", "must be present for a directive and only then");
  }
  return e;
}

Bytes EncodeRecipient(const RecipientWrap& recipient) {
  Writer w;
  WriteRecipient(w, recipient);
  return w.Take();
}

Bytes EncodeRecipientSet(const RecipientSet& set) {
  Writer w;
  w.Array(3).Uint(set.index).Array(set.entries.size());
  for (const RecipientWrap& r : set.entries) {
    WriteRecipient(w, r);
  }
  w.Array(set.proof.size());
  for (const crypto::Digest& hash : set.proof) {
    w.Bin(hash);
  }
  return w.Take();
}

Result<RecipientSet> DecodeRecipientSet(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kRecipientSetLimits, "recipient set"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 3, "recipients"));
  RecipientSet set;
  TOCSIN_ASSIGN_OR_RETURN(set.index, ReadUint(f[0], 0, kMaxRecipients - 1, "recipients.index"));
  TOCSIN_ASSIGN_OR_RETURN(std::size_t count,
                          ReadArraySize(f[1], 1, kMaxRecipients, "recipients.entries"));
  set.entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    TOCSIN_ASSIGN_OR_RETURN(RecipientWrap wrap, ReadRecipient(f[1].via.array.ptr[i]));
    if (!set.entries.empty() && wrap.agency <= set.entries.back().agency) {
      return Invalid("recipients.entries", "not sorted or repeats '" + wrap.agency + "'");
    }
    set.entries.push_back(std::move(wrap));
  }
  TOCSIN_ASSIGN_OR_RETURN(std::size_t hashes,
                          ReadArraySize(f[2], 0, kMaxProofHashes, "recipients.proof"));
  for (std::size_t i = 0; i < hashes; ++i) {
    TOCSIN_ASSIGN_OR_RETURN(crypto::Digest hash, ReadFixedBin<crypto::kDigestSize>(
                                                     f[2].via.array.ptr[i], "recipients.proof[]"));
    set.proof.push_back(hash);
  }
  return set;
}

Bytes EncodeDirectiveHeader(const DirectiveHeader& h) {
  Writer w;
  w.Array(20).Bin(h.id).Text(h.issuer).Text(h.gateway).Uint(h.sequence);
  Time(w, h.issued_at);
  Time(w, h.expires_at);
  Time(w, h.ack_deadline);
  EnumValue(w, h.severity);
  EnumValue(w, h.tlp);
  EnumValue(w, h.status);
  EnumValue(w, h.action);
  if (h.references) {
    w.Bin(*h.references);
  } else {
    w.Nil();
  }
  w.Array(h.sectors.size());
  for (const std::string& sector : h.sectors) {
    w.Text(sector);
  }
  w.Bin(h.ephemeral_key).Uint(h.recipient_count).Bin(h.recipients_root);
  w.OptionalText(h.summary).Bin(h.content_nonce);
  w.Uint(h.required_signatures).Bin(h.key_commitment);
  return w.Take();
}

Result<DirectiveHeader> DecodeDirectiveHeader(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kHeaderLimits, "directive header"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 20, "header"));
  DirectiveHeader h;
  TOCSIN_ASSIGN_OR_RETURN(h.id, ReadFixedBin<kDirectiveIdSize>(f[0], "header.id"));
  TOCSIN_ASSIGN_OR_RETURN(h.issuer, ReadPrincipalId(f[1], "header.issuer"));
  TOCSIN_ASSIGN_OR_RETURN(h.gateway, ReadPrincipalId(f[2], "header.gateway"));
  TOCSIN_ASSIGN_OR_RETURN(h.sequence, ReadUint(f[3], 1, kMaxTime, "header.sequence"));
  TOCSIN_ASSIGN_OR_RETURN(h.issued_at, ReadTime(f[4], "header.issued_at"));
  TOCSIN_ASSIGN_OR_RETURN(h.expires_at, ReadTime(f[5], "header.expires_at"));
  TOCSIN_ASSIGN_OR_RETURN(h.ack_deadline, ReadTime(f[6], "header.ack_deadline"));
  TOCSIN_ASSIGN_OR_RETURN(h.severity, ReadEnum(f[7], Severity::kLow, Severity::kCritical,
                                               "header.severity"));
  TOCSIN_ASSIGN_OR_RETURN(h.tlp, ReadEnum(f[8], Tlp::kClear, Tlp::kRed, "header.tlp"));
  TOCSIN_ASSIGN_OR_RETURN(h.status, ReadEnum(f[9], DirectiveStatus::kActual,
                                             DirectiveStatus::kExercise, "header.status"));
  TOCSIN_ASSIGN_OR_RETURN(h.action, ReadEnum(f[10], DirectiveAction::kNew,
                                             DirectiveAction::kCancel, "header.action"));
  TOCSIN_ASSIGN_OR_RETURN(std::optional<Bytes> references,
                          ReadOptionalBin(f[11], kDirectiveIdSize, kDirectiveIdSize, "header.references"));
  if (references) {
    h.references.emplace();
    std::copy(references->begin(), references->end(), h.references->begin());
  }
  TOCSIN_ASSIGN_OR_RETURN(h.sectors, ReadSectors(f[12]));
  TOCSIN_ASSIGN_OR_RETURN(h.ephemeral_key,
                          ReadFixedBin<crypto::kPublicKeySize>(f[13], "header.ephemeral_key"));
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t count,
                          ReadUint(f[14], 1, UINT64_MAX, "header.recipient_count"));
  if (count > kMaxRecipients) {  // a count of section 3
    return MakeError(ErrorCode::kTooLarge, "header.recipient_count: " + std::to_string(count) +
                                               " is over " + std::to_string(kMaxRecipients));
  }
  h.recipient_count = static_cast<std::uint32_t>(count);
  TOCSIN_ASSIGN_OR_RETURN(h.recipients_root,
                          ReadFixedBin<crypto::kDigestSize>(f[15], "header.recipients_root"));
  TOCSIN_ASSIGN_OR_RETURN(h.summary, ReadOptionalLine(f[16], kMaxSummaryBytes, "header.summary"));
  TOCSIN_ASSIGN_OR_RETURN(h.content_nonce,
                          ReadFixedBin<crypto::kAeadNonceSize>(f[17], "header.content_nonce"));
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t required,
                          ReadUint(f[18], 1, kMaxSignatures, "header.required_signatures"));
  h.required_signatures = static_cast<std::uint32_t>(required);
  TOCSIN_ASSIGN_OR_RETURN(h.key_commitment,
                          ReadFixedBin<crypto::kDigestSize>(f[19], "header.key_commitment"));
  TOCSIN_RETURN_IF_ERROR(CheckHeaderRules(h));
  return h;
}

Bytes EncodeDirectiveBody(const DirectiveBody& body) {
  Writer w;
  w.Array(2).Bin(body.header).Bin(body.ciphertext);
  return w.Take();
}

Result<DirectiveBody> DecodeDirectiveBody(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kBodyLimits, "directive body"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 2, "directive"));
  DirectiveBody body;
  TOCSIN_ASSIGN_OR_RETURN(body.header, ReadBin(f[0], 1, kMaxBodyWireBytes, "directive.header"));
  TOCSIN_ASSIGN_OR_RETURN(body.ciphertext,
                          ReadBin(f[1], crypto::kAeadTagSize,
                                  kMaxBodyBytes + kMaxTitleBytes + 64, "directive.ciphertext"));
  return body;
}

Bytes EncodeDirectiveContent(const DirectiveContent& content) {
  Writer w(content.title.size() + content.body.size() + 16);  // plaintext: no reallocation
  w.Array(2).Text(content.title).Text(content.body);
  return w.Take();
}

Result<DirectiveContent> DecodeDirectiveContent(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kContentLimits, "directive content"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 2, "content"));
  DirectiveContent content;
  TOCSIN_ASSIGN_OR_RETURN(content.title, ReadLine(f[0], 1, kMaxTitleBytes, "content.title"));
  TOCSIN_ASSIGN_OR_RETURN(content.body, ReadText(f[1], 0, kMaxBodyBytes, "content.body"));
  return content;
}

namespace {

std::size_t ReceiptFields(ReceiptKind kind) {
  return kind == ReceiptKind::kAcknowledged ? 9 : kind == ReceiptKind::kRefused ? 8 : 7;
}

}  // namespace

Bytes EncodeReceipt(const Receipt& r) {
  Writer w;
  bool ack = r.kind == ReceiptKind::kAcknowledged;
  w.Array(ReceiptFields(r.kind)).Bin(r.directive_id).Bin(r.directive_digest).Text(r.agency).Text(r.gateway);
  Time(w, r.at);
  w.Uint(r.log_size);
  if (r.log_root) {
    w.Bin(*r.log_root);
  } else {
    w.Nil();
  }
  if (ack) {
    w.Text(r.officer).OptionalText(r.note);
  }
  if (r.kind == ReceiptKind::kRefused) {
    w.Uint(static_cast<std::uint64_t>(r.reason));
  }
  return w.Take();
}

Result<Receipt> DecodeReceipt(ByteView bytes, ReceiptKind kind) {
  bool ack = kind == ReceiptKind::kAcknowledged;
  std::string_view what = ack ? "acknowledgement" : kind == ReceiptKind::kRefused ? "refusal" : "receipt";
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle, StrictUnpack(bytes, kSmallLimits, what));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), ReceiptFields(kind), what));
  Receipt r;
  r.kind = kind;
  TOCSIN_ASSIGN_OR_RETURN(r.directive_id, ReadFixedBin<kDirectiveIdSize>(f[0], "receipt.directive_id"));
  TOCSIN_ASSIGN_OR_RETURN(r.directive_digest,
                          ReadFixedBin<crypto::kDigestSize>(f[1], "receipt.directive_digest"));
  TOCSIN_ASSIGN_OR_RETURN(r.agency, ReadPrincipalId(f[2], "receipt.agency"));
  TOCSIN_ASSIGN_OR_RETURN(r.gateway, ReadPrincipalId(f[3], "receipt.gateway"));
  TOCSIN_ASSIGN_OR_RETURN(r.at, ReadTime(f[4], "receipt.at"));
  TOCSIN_ASSIGN_OR_RETURN(r.log_size, ReadUint(f[5], 0, kMaxTime, "receipt.log_size"));
  TOCSIN_ASSIGN_OR_RETURN(std::optional<Bytes> root,
                          ReadOptionalBin(f[6], crypto::kDigestSize, crypto::kDigestSize,
                                          "receipt.log_root"));
  if (root.has_value() != (r.log_size > 0)) {
    return Invalid("receipt.log_root", "set if and only if log_size is not 0");
  }
  if (root) {
    r.log_root.emplace();
    std::copy(root->begin(), root->end(), r.log_root->begin());
  }
  if (ack) {
    TOCSIN_ASSIGN_OR_RETURN(r.officer, ReadLine(f[7], 1, kMaxOfficerBytes, "acknowledgement.officer"));
    TOCSIN_ASSIGN_OR_RETURN(r.note, ReadOptionalText(f[8], kMaxNoteBytes, "acknowledgement.note"));
  }
  if (kind == ReceiptKind::kRefused) {
    TOCSIN_ASSIGN_OR_RETURN(std::uint64_t reason, ReadUint(f[7], 1, kMaxRefusalReason, "refusal.reason"));
    r.reason = static_cast<RefusalReason>(reason);
  }
  return r;
}

Bytes EncodeHeartbeat(const Heartbeat& h) {
  Writer w;
  w.Array(4).Text(h.gateway).Uint(h.sequence);
  Time(w, h.sent_at);
  Time(w, h.valid_until);
  return w.Take();
}

Result<Heartbeat> DecodeHeartbeat(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle, StrictUnpack(bytes, kSmallLimits, "heartbeat"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 4, "heartbeat"));
  Heartbeat h;
  TOCSIN_ASSIGN_OR_RETURN(h.gateway, ReadPrincipalId(f[0], "heartbeat.gateway"));
  TOCSIN_ASSIGN_OR_RETURN(h.sequence, ReadUint(f[1], 1, kMaxTime, "heartbeat.sequence"));
  TOCSIN_ASSIGN_OR_RETURN(h.sent_at, ReadTime(f[2], "heartbeat.sent_at"));
  TOCSIN_ASSIGN_OR_RETURN(h.valid_until, ReadTime(f[3], "heartbeat.valid_until"));
  if (h.valid_until <= h.sent_at) {
    return Invalid("heartbeat.valid_until", "must be after sent_at");
  }
  return h;
}

Bytes EncodeErrorReply(const ErrorReply& e) {
  Writer w;
  w.Array(3);
  EnumValue(w, e.code);
  if (e.reference) {
    w.Bin(*e.reference);
  } else {
    w.Nil();
  }
  w.Text(e.message);
  return w.Take();
}

Result<ErrorReply> DecodeErrorReply(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle, StrictUnpack(bytes, kSmallLimits, "error"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 3, "error"));
  ErrorReply e;
  // Codes after 9 are a later version's: read as internal (section 9).
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t code, ReadUint(f[0], 1, 255, "error.code"));
  e.code = code > static_cast<std::uint64_t>(WireError::kInternal) ? WireError::kInternal
                                                                   : static_cast<WireError>(code);
  TOCSIN_ASSIGN_OR_RETURN(std::optional<Bytes> reference,
                          ReadOptionalBin(f[1], kDirectiveIdSize, kDirectiveIdSize,
                                          "error.reference"));
  if (reference) {
    e.reference.emplace();
    std::copy(reference->begin(), reference->end(), e.reference->begin());
  }
  TOCSIN_ASSIGN_OR_RETURN(e.message, ReadLine(f[2], 0, kMaxErrorTextBytes, "error.message"));
  return e;
}

namespace {

Result<DirectiveId> ReadId(const object& o, std::string_view field) {
  return ReadFixedBin<kDirectiveIdSize>(o, field);
}

Result<std::optional<DirectiveId>> ReadOptionalId(const object& o, std::string_view field) {
  if (o.type == msgpack::type::NIL) {
    return std::optional<DirectiveId>();
  }
  TOCSIN_ASSIGN_OR_RETURN(DirectiveId id, ReadId(o, field));
  return std::optional<DirectiveId>(id);
}

Result<std::optional<UnixMillis>> ReadOptionalTime(const object& o, std::string_view field) {
  if (o.type == msgpack::type::NIL) {
    return std::optional<UnixMillis>();
  }
  TOCSIN_ASSIGN_OR_RETURN(UnixMillis t, ReadTime(o, field));
  return std::optional<UnixMillis>(t);
}

Writer& OptionalTime(Writer& w, const std::optional<UnixMillis>& t) {
  return t ? Time(w, *t) : w.Nil();
}

}  // namespace

Bytes EncodeUnsigned(MessageType type, Bytes body) {
  return EncodeEnvelope(Envelope{type, std::move(body), {}, std::nullopt});
}

Bytes EncodeHello(const Hello& hello) {
  Writer w;
  w.Array(2).Text(hello.agency).Uint(hello.log_size);
  return w.Take();
}

Result<Hello> DecodeHello(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle, StrictUnpack(bytes, kSmallLimits, "hello"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 2, "hello"));
  Hello hello;
  TOCSIN_ASSIGN_OR_RETURN(hello.agency, ReadPrincipalId(f[0], "hello.agency"));
  TOCSIN_ASSIGN_OR_RETURN(hello.log_size, ReadUint(f[1], 0, kMaxTime, "hello.log_size"));
  return hello;
}

Bytes EncodeCheckpointMessage(const CheckpointMessage& m) {
  Writer w;
  w.Array(3).Text(m.note).Uint(m.from_size).Array(m.proof.size());
  for (const crypto::Digest& hash : m.proof) {
    w.Bin(hash);
  }
  return w.Take();
}

Result<CheckpointMessage> DecodeCheckpointMessage(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kCheckpointLimits, "checkpoint"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 3, "checkpoint"));
  CheckpointMessage m;
  TOCSIN_ASSIGN_OR_RETURN(m.note, ReadText(f[0], 1, kMaxNoteTextBytes, "checkpoint.note"));
  TOCSIN_ASSIGN_OR_RETURN(m.from_size, ReadUint(f[1], 0, kMaxTime, "checkpoint.from_size"));
  TOCSIN_ASSIGN_OR_RETURN(std::size_t count,
                          ReadArraySize(f[2], 0, kMaxProofHashes, "checkpoint.proof"));
  for (std::size_t i = 0; i < count; ++i) {
    TOCSIN_ASSIGN_OR_RETURN(crypto::Digest hash, ReadFixedBin<crypto::kDigestSize>(
                                                     f[2].via.array.ptr[i], "checkpoint.proof[]"));
    m.proof.push_back(hash);
  }
  return m;
}

Bytes EncodeAccepted(const Accepted& a) {
  Writer w;
  w.Array(3).Bin(a.reference);
  EnumValue(w, a.kind);
  Time(w, a.at);
  return w.Take();
}

Result<Accepted> DecodeAccepted(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle, StrictUnpack(bytes, kSmallLimits, "accepted"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 3, "accepted"));
  Accepted a;
  TOCSIN_ASSIGN_OR_RETURN(a.reference, ReadId(f[0], "accepted.reference"));
  TOCSIN_ASSIGN_OR_RETURN(a.kind, ReadEnum(f[1], AcceptedKind::kDirective,
                                           AcceptedKind::kWithdrawal, "accepted.kind"));
  TOCSIN_ASSIGN_OR_RETURN(a.at, ReadTime(f[2], "accepted.at"));
  return a;
}

Bytes EncodeDirectiveRequest(const DirectiveRequest& r) {
  Writer w;
  w.Array(1).Bin(r.reference);
  return w.Take();
}

Result<DirectiveRequest> DecodeDirectiveRequest(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kSmallLimits, "directive-request"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 1, "directive-request"));
  DirectiveRequest r;
  TOCSIN_ASSIGN_OR_RETURN(r.reference, ReadId(f[0], "directive-request.reference"));
  return r;
}

Bytes EncodeOptionalReference(const std::optional<DirectiveId>& reference) {
  Writer w;
  w.Array(1);
  if (reference) {
    w.Bin(*reference);
  } else {
    w.Nil();
  }
  return w.Take();
}

Result<std::optional<DirectiveId>> DecodeOptionalReference(ByteView bytes, std::string_view what) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle, StrictUnpack(bytes, kSmallLimits, what));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 1, what));
  return ReadOptionalId(f[0], std::string(what) + ".reference");
}

Bytes EncodeStatusRequest(const StatusRequest& r) { return EncodeOptionalReference(r.reference); }

Result<StatusRequest> DecodeStatusRequest(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<DirectiveId> reference,
                          DecodeOptionalReference(bytes, "status-request"));
  return StatusRequest{reference};
}

Bytes EncodeStatusReport(const std::vector<StatusRow>& rows) {
  Writer w;
  w.Array(rows.size());
  for (const StatusRow& r : rows) {
    w.Array(r.ladder ? 11 : 8).Bin(r.directive_id).Text(r.agency).Uint(r.state);
    OptionalTime(w, r.sent_at);
    OptionalTime(w, r.delivered_at);
    OptionalTime(w, r.acknowledged_at);
    w.Text(r.officer);
    OptionalTime(w, r.acknowledgement_recorded_at);
    if (r.ladder) {
      w.Uint(r.ladder->fired).OptionalText(r.ladder->next_action);
      OptionalTime(w, r.ladder->next_due);
    }
  }
  return w.Take();
}

Result<std::vector<StatusRow>> DecodeStatusReport(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kReportLimits, "status report"));
  TOCSIN_ASSIGN_OR_RETURN(std::size_t count,
                          ReadArraySize(handle.get(), 0, kMaxStatusRows, "status-report"));
  std::vector<StatusRow> rows(count);
  std::set<std::pair<DirectiveId, std::string>> seen;
  for (std::size_t i = 0; i < count; ++i) {
    const object& entry = handle.get().via.array.ptr[i];
    TOCSIN_ASSIGN_OR_RETURN(std::size_t fields, ReadArraySize(entry, 8, 11, "status-report[]"));
    if (fields != 8 && fields != 11) {
      return MakeError(ErrorCode::kMalformedMessage,
                       "status-report[]: " + std::to_string(fields) + " elements, not 8 or 11");
    }
    const object* f = entry.via.array.ptr;
    StatusRow& r = rows[i];
    TOCSIN_ASSIGN_OR_RETURN(r.directive_id, ReadId(f[0], "status.directive_id"));
    TOCSIN_ASSIGN_OR_RETURN(r.agency, ReadPrincipalId(f[1], "status.agency"));
    TOCSIN_ASSIGN_OR_RETURN(std::uint64_t state, ReadUint(f[2], 0, kStateRefused, "status.state"));
    r.state = static_cast<std::uint8_t>(state);
    TOCSIN_ASSIGN_OR_RETURN(r.sent_at, ReadOptionalTime(f[3], "status.sent_at"));
    TOCSIN_ASSIGN_OR_RETURN(r.delivered_at, ReadOptionalTime(f[4], "status.delivered_at"));
    TOCSIN_ASSIGN_OR_RETURN(r.acknowledged_at, ReadOptionalTime(f[5], "status.acknowledged_at"));
    TOCSIN_ASSIGN_OR_RETURN(r.officer, ReadLine(f[6], 0, kMaxOfficerBytes, "status.officer"));
    TOCSIN_ASSIGN_OR_RETURN(r.acknowledgement_recorded_at,
                            ReadOptionalTime(f[7], "status.acknowledgement_recorded_at"));
    if (!seen.emplace(r.directive_id, r.agency).second) {
      return MakeError(ErrorCode::kMalformedMessage,
                       "status-report: two rows for " + r.agency + " of one directive");
    }
    if (fields == 11) {
      if (r.delivery_state() == DeliveryState::kAcknowledged ||
          r.delivery_state() == DeliveryState::kRefused) {
        return MakeError(ErrorCode::kMalformedMessage,
                         "status-report: a ladder on a closed delivery (state " +
                             std::to_string(r.state) + ")");
      }
      StatusRow::Ladder ladder;
      TOCSIN_ASSIGN_OR_RETURN(ladder.fired, ReadUint(f[8], 0, kMaxLadderSteps, "status.fired"));
      TOCSIN_ASSIGN_OR_RETURN(ladder.next_action,
                              ReadOptionalLine(f[9], kMaxLadderActionBytes, "status.next_action"));
      TOCSIN_ASSIGN_OR_RETURN(ladder.next_due, ReadOptionalTime(f[10], "status.next_due"));
      static constexpr std::string_view kActions[] = {"resend", "sms", "email", "crisis-cell"};
      if (ladder.next_action &&
          std::find(std::begin(kActions), std::end(kActions), *ladder.next_action) ==
              std::end(kActions)) {
        return MakeError(ErrorCode::kMalformedMessage,
                         "status.next_action: not resend, sms, email or crisis-cell");
      }
      if (ladder.next_action.has_value() != ladder.next_due.has_value()) {
        return MakeError(ErrorCode::kMalformedMessage,
                         "status.next_action and status.next_due come together");
      }
      r.ladder = std::move(ladder);
    }
  }
  return rows;
}

Bytes EncodeEvidenceRequest(const EvidenceRequest& r) {
  Writer w;
  w.Array(2).Bin(r.reference).Text(r.after);
  return w.Take();
}

Result<EvidenceRequest> DecodeEvidenceRequest(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kSmallLimits, "evidence-request"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 2, "evidence-request"));
  EvidenceRequest r;
  TOCSIN_ASSIGN_OR_RETURN(r.reference, ReadId(f[0], "evidence-request.reference"));
  if (f[1].type == msgpack::type::STR && f[1].via.str.size == 0) {
    r.after.clear();
  } else {
    TOCSIN_ASSIGN_OR_RETURN(r.after, ReadPrincipalId(f[1], "evidence-request.after"));
  }
  return r;
}

namespace {

void OptionalBin(Writer& w, const std::optional<Bytes>& value) {
  if (value) {
    w.Bin(*value);
  } else {
    w.Nil();
  }
}

}  // namespace

Bytes EncodeEvidencePage(const EvidencePage& page) {
  Writer w;
  w.Array(2).Array(page.rows.size());
  for (const EvidenceRow& r : page.rows) {
    w.Array(r.refusal ? 4 : 3).Text(r.agency);
    OptionalBin(w, r.receipt);
    OptionalBin(w, r.acknowledgement);
    if (r.refusal) {
      w.Bin(*r.refusal);
    }
  }
  w.Uint(page.more ? 1 : 0);
  return w.Take();
}

Result<EvidencePage> DecodeEvidencePage(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kEvidenceLimits, "evidence"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 2, "evidence"));
  TOCSIN_ASSIGN_OR_RETURN(std::size_t count,
                          ReadArraySize(f[0], 0, kMaxEvidenceRows, "evidence.rows"));
  EvidencePage page;
  page.rows.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const msgpack::object& entry = f[0].via.array.ptr[i];
    TOCSIN_ASSIGN_OR_RETURN(std::size_t fields, ReadArraySize(entry, 3, 4, "evidence.rows[]"));
    const object* row = entry.via.array.ptr;
    EvidenceRow& r = page.rows[i];
    if (fields == 4) {
      TOCSIN_ASSIGN_OR_RETURN(Bytes refusal, ReadBin(row[3], 1, kMaxEvidenceWireBytes,
                                                     "evidence.refusal"));
      r.refusal = std::move(refusal);
    }
    TOCSIN_ASSIGN_OR_RETURN(r.agency, ReadPrincipalId(row[0], "evidence.agency"));
    TOCSIN_ASSIGN_OR_RETURN(r.receipt, ReadOptionalBin(row[1], 1, kMaxEvidenceWireBytes,
                                                       "evidence.receipt"));
    TOCSIN_ASSIGN_OR_RETURN(r.acknowledgement, ReadOptionalBin(row[2], 1, kMaxEvidenceWireBytes,
                                                               "evidence.acknowledgement"));
  }
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t more, ReadUint(f[1], 0, 1, "evidence.more"));
  page.more = more == 1;
  return page;
}

}  // namespace tocsin::protocol
