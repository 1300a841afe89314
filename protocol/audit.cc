#include "protocol/audit.h"

#include <charconv>

#include "crypto/base64.h"
#include "crypto/hash.h"
#include "protocol/strict_msgpack.h"

namespace tocsin::protocol {
namespace {

using msgpack::object;

constexpr UnpackLimits kEntryLimits{.max_array = 5, .max_map = 0, .max_str = 64,
                                    .max_bin = kMaxEnvelopeBytes, .max_depth = 1};
constexpr std::string_view kSignaturePrefix = "\u2014 ";  // em dash, space (C2SP)
constexpr std::uint8_t kEd25519NoteType = 0x01;

tl::unexpected<Error> Malformed(const std::string& why) {
  return MakeError(ErrorCode::kMalformedMessage, why);
}

bool HasDirective(AuditKind kind) {
  return kind != AuditKind::kPrincipalEnrolled && kind != AuditKind::kPrincipalRevoked &&
         kind != AuditKind::kPolicyChanged && kind != AuditKind::kCrlAdopted;
}

constexpr UnpackLimits kDataLimits{.max_array = 5, .max_map = 0, .max_str = 1024, .max_bin = 0,
                                   .max_depth = 1};

Status CheckData(const AuditEntry& e) {
  switch (e.kind) {
    case AuditKind::kSent:
      return e.data.empty() ? Status{} : Malformed("audit entry: a sent entry carries no data");
    case AuditKind::kPrincipalEnrolled:
    case AuditKind::kPrincipalRevoked:
    case AuditKind::kPolicyChanged:
      return e.data.size() == crypto::kDigestSize
                 ? Status{}
                 : Malformed("audit entry: a certificate digest is 32 bytes");
    default:
      return e.data.empty() ? Malformed("audit entry: evidence missing") : Status{};
  }
}

std::optional<std::uint64_t> ParseDecimal(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() ||
      (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  return value;
}

// Splits `text` into lines, each of which must end in '\n'.
std::optional<std::vector<std::string_view>> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos) {
      return std::nullopt;
    }
    lines.push_back(text.substr(0, newline));
    text.remove_prefix(newline + 1);
  }
  return lines;
}

Result<Checkpoint> ParseBody(std::string_view body, std::string_view origin) {
  std::optional<std::vector<std::string_view>> lines = Lines(body);
  if (!lines || lines->size() != 4) {
    return Malformed("checkpoint: expected origin, size, root and time lines");
  }
  Checkpoint c;
  c.origin = std::string((*lines)[0]);
  if (c.origin != origin) {
    return Malformed("checkpoint: origin is '" + c.origin + "', expected '" +
                     std::string(origin) + "'");
  }
  std::optional<std::uint64_t> size = ParseDecimal((*lines)[1]);
  std::optional<Bytes> root = crypto::Base64Decode((*lines)[2]);
  std::string_view time_line = (*lines)[3];
  std::uint64_t time = 0;
  if (time_line.starts_with("time ")) {
    time = ParseDecimal(time_line.substr(5)).value_or(0);
  }
  if (!size || !root || root->size() != c.root.size() || time == 0 || time > kMaxTime) {
    return Malformed("checkpoint: bad size, root or time line");
  }
  c.size = *size;
  std::copy(root->begin(), root->end(), c.root.begin());
  c.time = static_cast<UnixMillis>(time);
  return c;
}

std::string Body(const Checkpoint& c) {
  return c.origin + "\n" + std::to_string(c.size) + "\n" + crypto::Base64Encode(c.root) +
         "\ntime " + std::to_string(c.time) + "\n";
}

}  // namespace

AuditKind AuditKindOf(ReceiptKind kind) {
  switch (kind) {
    case ReceiptKind::kDelivered: return AuditKind::kReceipt;
    case ReceiptKind::kAcknowledged: return AuditKind::kAcknowledgement;
    case ReceiptKind::kRefused: return AuditKind::kRefusal;
  }
  return AuditKind::kReceipt;
}

std::string_view AuditKindName(AuditKind kind) {
  switch (kind) {
    case AuditKind::kDirectiveAccepted: return "directive-accepted";
    case AuditKind::kSent: return "sent";
    case AuditKind::kReceipt: return "receipt";
    case AuditKind::kAcknowledgement: return "acknowledgement";
    case AuditKind::kPrincipalEnrolled: return "principal-enrolled";
    case AuditKind::kPrincipalRevoked: return "principal-revoked";
    case AuditKind::kCodeAcknowledgement: return "code-acknowledgement";
    case AuditKind::kEscalation: return "escalation";
    case AuditKind::kPolicyChanged: return "policy-changed";
    case AuditKind::kBridgeOutcome: return "bridge-outcome";
    case AuditKind::kRefusal: return "refusal";
    case AuditKind::kCrlAdopted: return "crl-adopted";
  }
  return "unknown";
}

Bytes EncodeAuditEntry(const AuditEntry& e) {
  Writer w;
  w.Array(5).Uint(static_cast<std::uint64_t>(e.kind)).Uint(static_cast<std::uint64_t>(e.at));
  if (e.directive_id) {
    w.Bin(*e.directive_id);
  } else {
    w.Nil();
  }
  w.Text(e.principal).Bin(e.data);
  return w.Take();
}

Result<AuditEntry> DecodeAuditEntry(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kEntryLimits, "audit entry"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 5, "audit entry"));
  AuditEntry e;
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t kind, ReadUint(f[0], 1, kMaxAuditKind, "audit entry.kind"));
  e.kind = static_cast<AuditKind>(kind);
  if (AuditKindName(e.kind) == "unknown") {
    return Malformed("audit entry.kind: " + std::to_string(kind) + " is reserved");
  }
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t at, ReadUint(f[1], 1, kMaxTime, "audit entry.at"));
  e.at = static_cast<UnixMillis>(at);
  TOCSIN_ASSIGN_OR_RETURN(std::optional<Bytes> id,
                          ReadOptionalBin(f[2], kDirectiveIdSize, kDirectiveIdSize,
                                          "audit entry.directive_id"));
  if (id.has_value() != HasDirective(e.kind)) {
    return Malformed("audit entry.directive_id: wrong presence for a " +
                     std::string(AuditKindName(e.kind)) + " entry");
  }
  if (id) {
    e.directive_id.emplace();
    std::copy(id->begin(), id->end(), e.directive_id->begin());
  }
  TOCSIN_ASSIGN_OR_RETURN(e.principal, ReadPrincipalId(f[3], "audit entry.principal"));
  TOCSIN_ASSIGN_OR_RETURN(e.data, ReadBin(f[4], 0, kMaxEnvelopeBytes, "audit entry.data"));
  TOCSIN_RETURN_IF_ERROR(CheckData(e));
  return e;
}

Bytes EncodeEscalationData(const EscalationData& d) {
  Writer w;
  w.Array(4).Uint(d.step).Uint(d.repeat).Text(d.action).Text(d.outcome);
  return w.Take();
}

Result<EscalationData> DecodeEscalationData(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kDataLimits, "escalation"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 4, "escalation"));
  EscalationData d;
  TOCSIN_ASSIGN_OR_RETURN(d.step, ReadUint(f[0], 0, 1000, "escalation.step"));
  TOCSIN_ASSIGN_OR_RETURN(d.repeat, ReadUint(f[1], 0, 1000, "escalation.repeat"));
  TOCSIN_ASSIGN_OR_RETURN(d.action, ReadText(f[2], 1, 32, "escalation.action"));
  TOCSIN_ASSIGN_OR_RETURN(d.outcome, ReadText(f[3], 1, 256, "escalation.outcome"));
  return d;
}

Bytes EncodeBridgeOutcomeData(const BridgeOutcomeData& d) {
  Writer w;
  w.Array(5).Uint(d.task).Text(d.channel).Text(d.address).Text(d.outcome).Text(d.detail);
  return w.Take();
}

Result<BridgeOutcomeData> DecodeBridgeOutcomeData(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kDataLimits, "bridge outcome"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 5, "bridge outcome"));
  BridgeOutcomeData d;
  TOCSIN_ASSIGN_OR_RETURN(d.task, ReadUint(f[0], 1, kMaxTime, "bridge outcome.task"));
  TOCSIN_ASSIGN_OR_RETURN(d.channel, ReadText(f[1], 1, 16, "bridge outcome.channel"));
  TOCSIN_ASSIGN_OR_RETURN(d.address, ReadText(f[2], 1, 256, "bridge outcome.address"));
  TOCSIN_ASSIGN_OR_RETURN(d.outcome, ReadText(f[3], 1, 32, "bridge outcome.outcome"));
  TOCSIN_ASSIGN_OR_RETURN(d.detail, ReadText(f[4], 0, 1024, "bridge outcome.detail"));
  return d;
}

std::string AuditOrigin(std::string_view gateway_id) {
  return std::string(gateway_id) + "/audit";
}

std::array<std::uint8_t, 4> NoteKeyId(std::string_view name, const crypto::PublicKey& key) {
  Bytes input = ToBytes(name);
  input.push_back('\n');
  input.push_back(kEd25519NoteType);
  Append(input, key);
  crypto::Digest hash = crypto::Sha256(input);
  return {hash[0], hash[1], hash[2], hash[3]};
}

std::string SignCheckpoint(const Checkpoint& checkpoint, const crypto::SigningKey& log_key) {
  std::string body = Body(checkpoint);
  crypto::Signature signature = log_key.SignNote(AsBytes(body));
  Bytes tagged;
  Append(tagged, NoteKeyId(checkpoint.origin, log_key.public_key()));
  Append(tagged, signature);
  return body + "\n" + std::string(kSignaturePrefix) + checkpoint.origin + " " +
         crypto::Base64Encode(tagged) + "\n";
}

Result<Checkpoint> VerifyCheckpoint(std::string_view note, std::string_view origin,
                                    const crypto::PublicKey& log_key) {
  std::size_t split = note.find("\n\n");
  if (split == std::string_view::npos || note.size() > 16384) {
    return Malformed("checkpoint: not a signed note");
  }
  std::string_view body = note.substr(0, split + 1);
  std::optional<std::vector<std::string_view>> signatures = Lines(note.substr(split + 2));
  if (!signatures || signatures->empty()) {
    return Malformed("checkpoint: no signature lines");
  }
  TOCSIN_ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseBody(body, origin));
  std::array<std::uint8_t, 4> key_id = NoteKeyId(origin, log_key);
  std::string prefix = std::string(kSignaturePrefix) + std::string(origin) + " ";
  for (std::string_view line : *signatures) {
    if (!line.starts_with(kSignaturePrefix)) {
      return Malformed("checkpoint: a signature line must start with an em dash");
    }
    if (!line.starts_with(prefix)) {
      continue;  // another signer (a witness, say): not ours to judge
    }
    std::optional<Bytes> tagged = crypto::Base64Decode(line.substr(prefix.size()));
    if (!tagged || tagged->size() != 4 + crypto::kSignatureSize ||
        !std::equal(key_id.begin(), key_id.end(), tagged->begin())) {
      continue;  // another key of the same name (C2SP allows it)
    }
    Status verified = crypto::VerifyEd25519(log_key, AsBytes(body),
                                            ByteView(*tagged).subspan(4));
    if (!verified) {
      return WithContext(verified.error(), "checkpoint signature");
    }
    return checkpoint;
  }
  return MakeError(ErrorCode::kBadSignature,
                   "checkpoint carries no signature by the log key of " + std::string(origin));
}

}  // namespace tocsin::protocol
