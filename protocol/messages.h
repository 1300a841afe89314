// protocol/messages.h -- Tocsin's wire types and their strict codecs.
//
// Every message travels as an Envelope whose body is carried as a msgpack
// bin: the exact bytes that are signed. Receivers verify signatures over
// those bytes before decoding the body (SECURITY.md, item 12).
// docs/protocol.md is the normative description; field order here is the
// order on the wire. No I/O in this module.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/delivery_state.h"
#include "common/result.h"
#include "common/token_bucket.h"
#include "crypto/sodium.h"

namespace tocsin::protocol {

inline constexpr std::uint64_t kProtocolVersion = 3;

// Limits. A signed body is at most 1 MiB, a directive's recipient set at most
// 1 MiB (8192 agencies), so a whole envelope stays under 2 MiB.
inline constexpr std::size_t kMaxBodyWireBytes = 1 << 20;
inline constexpr std::size_t kMaxRecipientSetBytes = 1 << 20;
inline constexpr std::size_t kMaxEnvelopeBytes = (2 << 20) + 1024;
// A proposal (protocol/proposal.h) carries a whole directive envelope in its
// body, and its answer one with a row and a wrap: their bodies may take all
// of an envelope but this margin, so a directive up to
// kMaxProposedDirectiveBytes can be proposed and fetched again.
inline constexpr std::size_t kMaxProposalBodyBytes = kMaxEnvelopeBytes - 256;
inline constexpr std::size_t kMaxProposedDirectiveBytes = kMaxProposalBodyBytes - 4096;
inline constexpr std::size_t kMaxProofHashes = 64;
inline constexpr std::size_t kMaxSignatures = 4;
inline constexpr std::size_t kMaxRecipients = 8192;
inline constexpr std::size_t kMaxSectors = 32;
inline constexpr std::size_t kMaxTitleBytes = 256;
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;
inline constexpr std::size_t kMaxSummaryBytes = 512;
inline constexpr std::size_t kMaxOfficerBytes = 128;
inline constexpr std::size_t kMaxNoteBytes = 1024;
inline constexpr std::size_t kMaxErrorTextBytes = 512;
// The largest message an agency is ever sent: its copy of a directive (the
// signed body, bounded by the content, header and sector limits below,
// about 69 KiB; four signatures; its own recipient entry with a 13-hash
// proof). Agency clients refuse anything larger before reading it
// (SECURITY.md 37; tested with a maximal directive to 8,192 agencies).
inline constexpr std::size_t kMaxAgencyCopyBytes = 96 * 1024;
inline constexpr std::size_t kDirectiveIdSize = 16;
// Wire times are Unix milliseconds below 2^53 (year 287,396).
inline constexpr std::uint64_t kMaxTime = (1ULL << 53) - 1;

using DirectiveId = std::array<std::uint8_t, kDirectiveIdSize>;

// How far a signed time may stray from the receiver's clock, ahead or (for
// receipts and heartbeats) behind: one tolerance for every signed time
// (SECURITY.md 42, 43; docs/protocol.md sections 6.5, 7 and 8).
inline constexpr UnixMillis kMaxClockSkew = 5 * 60 * 1000;

// What a gateway reads from one operator: 50 messages a second, in bursts of
// up to 200; beyond that it drops them unread (docs/protocol.md section 10).
// Operator clients pace themselves below it (kOperatorClientPace).
inline constexpr RateLimit kOperatorBudget{50, 200};
inline constexpr RateLimit kOperatorClientPace{40, 150};

enum class MessageType : std::uint8_t {
  kDirective = 1,
  kReceipt = 2,
  kAcknowledgement = 3,
  kHeartbeat = 4,
  kError = 5,
  // Unsigned control messages; they travel only inside CURVE, whose ZAP
  // User-Id tells the receiver who sent them.
  kHello = 6,          // agency -> gateway: register this connection, catch up
  kAccepted = 7,       // gateway -> sender: durably recorded
  kStatusRequest = 8,  // operator -> gateway
  kStatusReport = 9,   // gateway -> operator
  kCheckpoint = 10,    // gateway -> agency: the audit log's latest signed checkpoint
  kBridge = 11,        // gateway <-> SMS and e-mail bridges (protocol/bridge_messages.h)
  // Log promises (protocol/promise.h). A promise is signed by the gateway's
  // log key; the proof request and its answer are unsigned.
  kPromise = 12,         // gateway -> sender: the entry's place in the audit log
  kProofRequest = 13,    // agency -> gateway: prove a promised entry
  kInclusionProof = 14,  // gateway -> agency: the answer
  kDirectiveRequest = 15,  // operator -> gateway: a stored directive, as its issuer signed it
  kEvidenceRequest = 16,   // operator -> gateway: the signed receipts behind a status
  kEvidence = 17,          // gateway -> operator: the answer, one page
  kRefusal = 18,           // agency -> gateway: a signed negative receipt (a copy refused)
  // The two-person rule through the gateway (protocol/proposal.h).
  kProposal = 19,          // operator -> gateway: hold a directive until co-signed
  kProposalRequest = 20,   // operator -> gateway: list proposals, or fetch one
  kProposals = 21,         // gateway -> operator: the answer
  kApproval = 22,          // operator -> gateway: a co-signature for a held directive
  kWithdrawal = 23,        // operator -> gateway: drop a held directive
};

// True for the types that carry no signature.
bool IsUnsigned(MessageType type);

// The signature context of a message type: "tocsin/<type>/v1\0".
// kError has none: error replies are not signed.
std::string_view SignatureContext(MessageType type);
std::string_view MessageTypeName(MessageType type);

struct SignatureEntry {
  std::string signer;  // principal id
  crypto::Signature signature{};
};

struct Envelope {
  MessageType type = MessageType::kError;
  Bytes body;  // the signed bytes
  std::vector<SignatureEntry> signatures;
  // Directives only: the encoding of a RecipientSet, outside the signature
  // but bound to it by the header's recipients_root. Absent for other types.
  std::optional<Bytes> recipients;
};

enum class Severity : std::uint8_t { kLow = 1, kModerate = 2, kHigh = 3, kCritical = 4 };
enum class Tlp : std::uint8_t { kClear = 0, kGreen = 1, kAmber = 2, kAmberStrict = 3, kRed = 4 };
enum class DirectiveStatus : std::uint8_t { kActual = 0, kExercise = 1 };
enum class DirectiveAction : std::uint8_t { kNew = 0, kUpdate = 1, kCancel = 2 };

std::string_view SeverityName(Severity severity);
std::string_view TlpName(Tlp tlp);  // "CLEAR", ..., "AMBER+STRICT", "RED"
std::string_view StatusName(DirectiveStatus status);
std::string_view ActionName(DirectiveAction action);
std::optional<Severity> ParseSeverity(std::string_view name);
std::optional<Tlp> ParseTlp(std::string_view name);

// The first 8 bytes of SHA-256 of an agency's X25519 encryption key: which
// of its keys a wrap was made for (version 3).
inline constexpr std::size_t kKeyIdSize = 8;
using KeyId = std::array<std::uint8_t, kKeyIdSize>;

struct RecipientWrap {
  std::string agency;
  KeyId key_id{};     // the encryption key wrapped to, so a superseded one is recognised
  Bytes wrapped_key;  // crypto::kWrappedKeySize bytes
};

// Some of a directive's recipients with their key wraps, provable against the
// header's recipients_root: either every recipient (index 0, no proof: the
// receiver recomputes the root) or exactly one with its RFC 9162 inclusion
// proof. The gateway receives the first form and sends each agency the
// second, so an agency downloads its own wrap and not everybody's.
struct RecipientSet {
  std::uint64_t index = 0;              // position of entries[0] among all
  std::vector<RecipientWrap> entries;   // sorted by agency, unique
  std::vector<crypto::Digest> proof;    // audit path when entries is one of many
};

// Everything about a directive but its encrypted content. Its encoding is
// the associated data of the content encryption.
struct DirectiveHeader {
  DirectiveId id{};
  std::string issuer;
  std::string gateway;
  std::uint64_t sequence = 0;
  UnixMillis issued_at = 0;
  UnixMillis expires_at = 0;
  UnixMillis ack_deadline = 0;
  Severity severity = Severity::kLow;
  Tlp tlp = Tlp::kRed;
  DirectiveStatus status = DirectiveStatus::kActual;
  DirectiveAction action = DirectiveAction::kNew;
  std::optional<DirectiveId> references;  // set iff action is update or cancel
  std::vector<std::string> sectors;       // sorted, unique
  crypto::PublicKey ephemeral_key{};      // X25519, for the key wraps
  std::uint32_t recipient_count = 0;      // 1..kMaxRecipients
  crypto::Digest recipients_root{};       // RFC 6962 root over the recipients
  std::optional<std::string> summary;     // clear text fallbacks may carry
  std::array<std::uint8_t, crypto::kAeadNonceSize> content_nonce{};
  // Version 3. Distinct operators who must sign (1..kMaxSignatures): signed,
  // so that no one can strip a co-signature from the unsigned list unseen.
  std::uint32_t required_signatures = 1;
  // Commits to the one content key (ContentKeyCommitment): every recipient
  // checks it after unwrapping, so no two recipients can open one signed
  // ciphertext to two contents (XChaCha20-Poly1305 does not commit to its key).
  crypto::Digest key_commitment{};
};

// The signed body of a directive: the header's exact bytes and the content
// ciphertext.
struct DirectiveBody {
  Bytes header;
  Bytes ciphertext;
};

// The plaintext inside the ciphertext.
struct DirectiveContent {
  std::string title;
  std::string body;
};

enum class ReceiptKind { kDelivered, kAcknowledged, kRefused };

// Why an agency refused a copy (MessageType::kRefusal), as its signed word.
enum class RefusalReason : std::uint8_t {
  kSignature = 1,        // its signatures, signers or signed recipient root do not verify
  kRecipientProof = 2,   // no proven recipient entry for this agency
  kSupersededKey = 3,    // wrapped to an encryption key this agency no longer holds
  kKeyCommitment = 4,    // the content key does not match the signed commitment
  kUndecryptable = 5,    // the key does not unwrap or the content does not decrypt
  kExpired = 6,          // expired, or dated beyond the clock tolerance
  kFollowUpRule = 7,     // an update or cancel its signers may not send
  kMalformed = 8,        // readable enough to name, not to accept
  kSignatureRule = 9,    // fewer distinct operators signed than the CA's signature rule asks
};
inline constexpr std::uint64_t kMaxRefusalReason = 9;
std::string_view RefusalReasonName(RefusalReason reason);

// A delivery receipt (MessageType::kReceipt), an acknowledgement
// (kAcknowledgement: officer set, note optional) or a refusal (kRefusal:
// directive_digest is then the SHA-256 of the copy's envelope as received,
// reason set), signed by the agency.
struct Receipt {
  ReceiptKind kind = ReceiptKind::kDelivered;
  DirectiveId directive_id{};
  crypto::Digest directive_digest{};  // SHA-256 of the directive's body bytes
  std::string agency;
  std::string gateway;
  UnixMillis at = 0;
  // Version 3: the audit-log checkpoint the agency held when it signed (its
  // view of the log), so that a log shown differently to different parties
  // is provable from signed data. log_root is set iff log_size > 0.
  std::uint64_t log_size = 0;
  std::optional<crypto::Digest> log_root;
  std::string officer;              // acknowledgements only
  std::optional<std::string> note;  // acknowledgements only
  RefusalReason reason = RefusalReason::kMalformed;  // refusals only
};

// Signed by the gateway, so a client can tell a live link from a frozen one.
struct Heartbeat {
  std::string gateway;
  std::uint64_t sequence = 0;
  UnixMillis sent_at = 0;
  UnixMillis valid_until = 0;
};

enum class WireError : std::uint8_t {
  kMalformed = 1,
  kBadSignature = 2,
  kUnauthorized = 3,
  kExpired = 4,
  kReplay = 5,
  kTooLarge = 6,
  kNotFound = 7,
  kUnavailable = 8,
  kInternal = 9,
};

// Unsigned: it travels only inside the authenticated transport.
struct ErrorReply {
  WireError code = WireError::kInternal;
  std::optional<DirectiveId> reference;
  std::string message;
};

// The code a refusal for `code` carries (docs/protocol.md section 9), and
// back: what a peer's refusal means to us.
WireError ToWireError(ErrorCode code);
ErrorCode FromWireError(WireError code);

// The section 9 name of `code`: "malformed", "bad-signature", ... Every error
// reply's message begins with it and a colon.
std::string_view WireErrorName(WireError code);

struct Hello {
  std::string agency;         // must equal the connection's authenticated principal
  std::uint64_t log_size = 0; // size of the last audit checkpoint it holds (0: none)
};

// The gateway's latest checkpoint (a signed note, protocol/audit.h) and the
// consistency proof from the tree of `from_size` entries, the size of the
// last checkpoint the gateway knows the agency holds.
struct CheckpointMessage {
  std::string note;
  std::uint64_t from_size = 0;
  std::vector<crypto::Digest> proof;
};

// kProposal, kApproval, kWithdrawal: a proposal held, a co-signature added
// (the directive still waits for another), a proposal dropped; a co-signature
// that completes a directive is answered kDirective, with its promise.
enum class AcceptedKind : std::uint8_t {
  kDirective = 1,
  kReceipt = 2,
  kAcknowledgement = 3,
  kProposal = 4,
  kApproval = 5,
  kWithdrawal = 6,
};

struct Accepted {
  DirectiveId reference{};
  AcceptedKind kind = AcceptedKind::kDirective;
  UnixMillis at = 0;
};

struct StatusRequest {
  std::optional<DirectiveId> reference;  // nil: every directive
};

// Answered with the directive's envelope as accepted (every recipient), or
// an error: what an operator follows a directive up from, verified by its
// own signatures rather than by the gateway's word.
struct DirectiveRequest {
  DirectiveId reference{};
};

inline constexpr std::size_t kMaxStatusRows = 16384;

// What backs a directive's status rows: every agency's signed receipt and
// acknowledgement as the gateway recorded them, a page at a time in agency
// order (docs/protocol.md section 10). The operator verifies them; the
// status report itself is only the gateway's word.
struct EvidenceRequest {
  DirectiveId reference{};
  std::string after;  // "" from the first agency, else the last agency of the previous page
};

inline constexpr std::size_t kMaxEvidenceRows = 512;        // per page
inline constexpr std::size_t kMaxEvidenceWireBytes = 8192;  // one receipt envelope
inline constexpr std::size_t kEvidencePageBytes = 768 * 1024;  // a page fills up to about this

struct EvidenceRow {
  std::string agency;
  std::optional<Bytes> receipt;          // the receipt envelope as the agency signed it
  std::optional<Bytes> acknowledgement;  // the acknowledgement envelope, likewise
  std::optional<Bytes> refusal;          // the refusal envelope (a 4th element, when set)
};

struct EvidencePage {
  std::vector<EvidenceRow> rows;
  bool more = false;  // ask again with `after` = the last row's agency
};

inline constexpr std::uint8_t kStateRefused = static_cast<std::uint8_t>(DeliveryState::kRefused);

struct StatusRow {
  DirectiveId directive_id{};
  std::string agency;
  // A DeliveryState (common/delivery_state.h) as its wire number: 0 pending,
  // 1 sent, 2 delivered, 3 acknowledged, 4 refused (the agency signed a
  // refusal of its copy and holds nothing: kStateRefused)
  std::uint8_t state = 0;
  DeliveryState delivery_state() const { return static_cast<DeliveryState>(state); }
  std::optional<UnixMillis> sent_at;
  std::optional<UnixMillis> delivered_at;
  std::optional<UnixMillis> acknowledged_at;  // the agency's signed time
  std::string officer;
  std::optional<UnixMillis> acknowledgement_recorded_at;  // the gateway's
  // Where the escalation ladder stands (elements 9 to 11, all or none):
  // only for an open delivery that a rule of the gateway's policy applies to.
  struct Ladder {
    std::uint64_t fired = 0;                 // steps fired so far
    std::optional<std::string> next_action;  // "resend", "sms", "email", "crisis-cell"
    std::optional<UnixMillis> next_due;      // with next_action
    bool operator==(const Ladder&) const = default;
  };
  std::optional<Ladder> ladder;
};
inline constexpr std::size_t kMaxLadderActionBytes = 16;
inline constexpr std::uint64_t kMaxLadderSteps = 65535;  // steps fired, whatever the policy

Bytes EncodeEnvelope(const Envelope& envelope);
Result<Envelope> DecodeEnvelope(ByteView wire);

Bytes EncodeRecipient(const RecipientWrap& recipient);  // a Merkle leaf's entry
Bytes EncodeRecipientSet(const RecipientSet& set);
Result<RecipientSet> DecodeRecipientSet(ByteView bytes);
Bytes EncodeDirectiveHeader(const DirectiveHeader& header);
Result<DirectiveHeader> DecodeDirectiveHeader(ByteView bytes);
Bytes EncodeDirectiveBody(const DirectiveBody& body);
Result<DirectiveBody> DecodeDirectiveBody(ByteView bytes);
Bytes EncodeDirectiveContent(const DirectiveContent& content);
Result<DirectiveContent> DecodeDirectiveContent(ByteView bytes);

Bytes EncodeReceipt(const Receipt& receipt);
Result<Receipt> DecodeReceipt(ByteView bytes, ReceiptKind kind);
Bytes EncodeHeartbeat(const Heartbeat& heartbeat);
Result<Heartbeat> DecodeHeartbeat(ByteView bytes);
Bytes EncodeErrorReply(const ErrorReply& reply);
Result<ErrorReply> DecodeErrorReply(ByteView bytes);
Bytes EncodeHello(const Hello& hello);
Result<Hello> DecodeHello(ByteView bytes);
Bytes EncodeCheckpointMessage(const CheckpointMessage& message);
Result<CheckpointMessage> DecodeCheckpointMessage(ByteView bytes);
Bytes EncodeAccepted(const Accepted& accepted);
Result<Accepted> DecodeAccepted(ByteView bytes);
// array(1) [reference bin(16) | nil]: the body of a status-request and of a
// proposal-request (protocol/proposal.h); `what` names it in errors.
Bytes EncodeOptionalReference(const std::optional<DirectiveId>& reference);
Result<std::optional<DirectiveId>> DecodeOptionalReference(ByteView bytes, std::string_view what);
Bytes EncodeStatusRequest(const StatusRequest& request);
Result<StatusRequest> DecodeStatusRequest(ByteView bytes);
Bytes EncodeStatusReport(const std::vector<StatusRow>& rows);
Bytes EncodeDirectiveRequest(const DirectiveRequest& request);
Result<DirectiveRequest> DecodeDirectiveRequest(ByteView bytes);
Result<std::vector<StatusRow>> DecodeStatusReport(ByteView bytes);
Bytes EncodeEvidenceRequest(const EvidenceRequest& request);
Result<EvidenceRequest> DecodeEvidenceRequest(ByteView bytes);
Bytes EncodeEvidencePage(const EvidencePage& page);
Result<EvidencePage> DecodeEvidencePage(ByteView bytes);

// An unsigned envelope around `body`.
Bytes EncodeUnsigned(MessageType type, Bytes body);

}  // namespace tocsin::protocol
