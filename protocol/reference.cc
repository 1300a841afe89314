#include "protocol/reference.h"

#include "protocol/proposal.h"

namespace tocsin::protocol {
namespace {

// The id of a directive envelope's header.
std::optional<DirectiveId> HeaderId(const Envelope& envelope) {
  Result<DirectiveBody> body = DecodeDirectiveBody(envelope.body);
  if (!body) {
    return std::nullopt;
  }
  Result<DirectiveHeader> header = DecodeDirectiveHeader(body->header);
  return header ? std::optional<DirectiveId>(header->id) : std::nullopt;
}

template <typename Message>
std::optional<DirectiveId> ReferenceOf(const Result<Message>& message) {
  if (!message) {
    return std::nullopt;
  }
  return std::optional<DirectiveId>(message->reference);
}

std::optional<DirectiveId> ReceiptDirective(ByteView body, ReceiptKind kind) {
  Result<Receipt> receipt = DecodeReceipt(body, kind);
  return receipt ? std::optional<DirectiveId>(receipt->directive_id) : std::nullopt;
}

}  // namespace

std::optional<DirectiveId> NamedDirective(ByteView wire) {
  Result<Envelope> envelope = DecodeEnvelope(wire);
  if (!envelope) {
    return std::nullopt;
  }
  const Bytes& body = envelope->body;
  switch (envelope->type) {
    case MessageType::kDirective: return HeaderId(*envelope);
    case MessageType::kReceipt: return ReceiptDirective(body, ReceiptKind::kDelivered);
    case MessageType::kAcknowledgement: return ReceiptDirective(body, ReceiptKind::kAcknowledged);
    case MessageType::kRefusal: return ReceiptDirective(body, ReceiptKind::kRefused);
    case MessageType::kDirectiveRequest: return ReferenceOf(DecodeDirectiveRequest(body));
    case MessageType::kEvidenceRequest: return ReferenceOf(DecodeEvidenceRequest(body));
    case MessageType::kApproval: return ReferenceOf(DecodeApproval(body));
    case MessageType::kWithdrawal: return ReferenceOf(DecodeWithdrawal(body));
    case MessageType::kStatusRequest: {
      Result<StatusRequest> request = DecodeStatusRequest(body);
      return request ? request->reference : std::nullopt;
    }
    case MessageType::kProposalRequest: {
      Result<ProposalRequest> request = DecodeProposalRequest(body);
      return request ? request->reference : std::nullopt;
    }
    case MessageType::kProposal: {
      Result<Proposal> proposal = DecodeProposal(body);
      Result<Envelope> directive =
          proposal ? DecodeEnvelope(proposal->directive) : Result<Envelope>(tl::unexpected(proposal.error()));
      if (!directive || directive->type != MessageType::kDirective) {
        return std::nullopt;
      }
      return HeaderId(*directive);
    }
    default: return std::nullopt;
  }
}

}  // namespace tocsin::protocol
