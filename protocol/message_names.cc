// Names of the protocol's enumerations, as docs/protocol.md and the CLI use them.
#include "protocol/messages.h"

namespace tocsin::protocol {

std::string_view SignatureContext(MessageType type) {
  // Each context includes its terminating NUL: it is part of the signed bytes.
  using namespace std::string_view_literals;
  switch (type) {
    case MessageType::kDirective: return "tocsin/directive/v3\0"sv;  // its header changed in 3
    case MessageType::kReceipt: return "tocsin/receipt/v3\0"sv;                  // log view added in 3
    case MessageType::kAcknowledgement: return "tocsin/acknowledgement/v3\0"sv;
    case MessageType::kHeartbeat: return "tocsin/heartbeat/v1\0"sv;
    case MessageType::kPromise: return "tocsin/promise/v1\0"sv;
    case MessageType::kRefusal: return "tocsin/refusal/v1\0"sv;
    default: return ""sv;
  }
}

bool IsUnsigned(MessageType type) {
  return type == MessageType::kError || type == MessageType::kHello ||
         type == MessageType::kAccepted || type == MessageType::kStatusRequest ||
         type == MessageType::kStatusReport || type == MessageType::kCheckpoint ||
         type == MessageType::kBridge || type == MessageType::kProofRequest ||
         type == MessageType::kInclusionProof || type == MessageType::kDirectiveRequest ||
         type == MessageType::kEvidenceRequest || type == MessageType::kEvidence ||
         type == MessageType::kProposal || type == MessageType::kProposalRequest ||
         type == MessageType::kProposals || type == MessageType::kApproval ||
         type == MessageType::kWithdrawal;
}

std::string_view MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kDirective: return "directive";
    case MessageType::kReceipt: return "receipt";
    case MessageType::kAcknowledgement: return "acknowledgement";
    case MessageType::kHeartbeat: return "heartbeat";
    case MessageType::kError: return "error";
    case MessageType::kHello: return "hello";
    case MessageType::kAccepted: return "accepted";
    case MessageType::kStatusRequest: return "status-request";
    case MessageType::kStatusReport: return "status-report";
    case MessageType::kCheckpoint: return "checkpoint";
    case MessageType::kBridge: return "bridge";
    case MessageType::kPromise: return "promise";
    case MessageType::kProofRequest: return "proof-request";
    case MessageType::kInclusionProof: return "inclusion-proof";
    case MessageType::kDirectiveRequest: return "directive-request";
    case MessageType::kEvidenceRequest: return "evidence-request";
    case MessageType::kEvidence: return "evidence";
    case MessageType::kRefusal: return "refusal";
    case MessageType::kProposal: return "proposal";
    case MessageType::kProposalRequest: return "proposal-request";
    case MessageType::kProposals: return "proposals";
    case MessageType::kApproval: return "approval";
    case MessageType::kWithdrawal: return "withdrawal";
  }
  return "unknown";
}

std::string_view RefusalReasonName(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kSignature: return "signature";
    case RefusalReason::kRecipientProof: return "recipient-proof";
    case RefusalReason::kSupersededKey: return "superseded-key";
    case RefusalReason::kKeyCommitment: return "key-commitment";
    case RefusalReason::kUndecryptable: return "undecryptable";
    case RefusalReason::kExpired: return "expired";
    case RefusalReason::kFollowUpRule: return "follow-up-rule";
    case RefusalReason::kMalformed: return "malformed";
    case RefusalReason::kSignatureRule: return "signature-rule";
  }
  return "unknown";
}

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kLow: return "low";
    case Severity::kModerate: return "moderate";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "unknown";
}

std::string_view TlpName(Tlp tlp) {
  switch (tlp) {
    case Tlp::kClear: return "CLEAR";
    case Tlp::kGreen: return "GREEN";
    case Tlp::kAmber: return "AMBER";
    case Tlp::kAmberStrict: return "AMBER+STRICT";
    case Tlp::kRed: return "RED";
  }
  return "unknown";
}

std::string_view StatusName(DirectiveStatus status) {
  return status == DirectiveStatus::kExercise ? "exercise" : "actual";
}

std::string_view ActionName(DirectiveAction action) {
  switch (action) {
    case DirectiveAction::kNew: return "new";
    case DirectiveAction::kUpdate: return "update";
    case DirectiveAction::kCancel: return "cancel";
  }
  return "unknown";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (Severity s : {Severity::kLow, Severity::kModerate, Severity::kHigh,
                     Severity::kCritical}) {
    if (name == SeverityName(s)) {
      return s;
    }
  }
  return std::nullopt;
}

std::optional<Tlp> ParseTlp(std::string_view name) {
  for (Tlp t : {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed}) {
    if (name == TlpName(t)) {
      return t;
    }
  }
  return std::nullopt;
}

WireError ToWireError(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedMessage:
    case ErrorCode::kInvalidArgument: return WireError::kMalformed;  // a rule of the message
    case ErrorCode::kBadSignature: return WireError::kBadSignature;
    case ErrorCode::kUntrustedCertificate:
    case ErrorCode::kRevoked:
    case ErrorCode::kPermissionDenied: return WireError::kUnauthorized;
    case ErrorCode::kExpired: return WireError::kExpired;
    case ErrorCode::kReplay: return WireError::kReplay;
    case ErrorCode::kTooLarge: return WireError::kTooLarge;
    case ErrorCode::kNotFound: return WireError::kNotFound;
    case ErrorCode::kUnavailable: return WireError::kUnavailable;
    case ErrorCode::kIoError:
    case ErrorCode::kInternal: return WireError::kInternal;
  }
  return WireError::kInternal;
}

ErrorCode FromWireError(WireError code) {
  switch (code) {
    case WireError::kMalformed: return ErrorCode::kMalformedMessage;
    case WireError::kBadSignature: return ErrorCode::kBadSignature;
    case WireError::kUnauthorized: return ErrorCode::kPermissionDenied;
    case WireError::kExpired: return ErrorCode::kExpired;
    case WireError::kReplay: return ErrorCode::kReplay;
    case WireError::kTooLarge: return ErrorCode::kTooLarge;
    case WireError::kNotFound: return ErrorCode::kNotFound;
    case WireError::kUnavailable: return ErrorCode::kUnavailable;
    case WireError::kInternal: return ErrorCode::kInternal;
  }
  return ErrorCode::kInternal;
}

std::string_view WireErrorName(WireError code) {
  switch (code) {
    case WireError::kMalformed: return "malformed";
    case WireError::kBadSignature: return "bad-signature";
    case WireError::kUnauthorized: return "unauthorized";
    case WireError::kExpired: return "expired";
    case WireError::kReplay: return "replay";
    case WireError::kTooLarge: return "too-large";
    case WireError::kNotFound: return "not-found";
    case WireError::kUnavailable: return "unavailable";
    case WireError::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace tocsin::protocol
