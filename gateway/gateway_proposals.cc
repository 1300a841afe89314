// Gateway: directives held until co-signed (protocol/proposal.h;
// docs/protocol.md 10.6). The gateway holds and lists them and adds the
// co-signatures it is sent; it cannot read them (the content key is wrapped
// to the named co-signers only), and it accepts a held directive only once
// it passes every check a whole submission passes.
#include <algorithm>

#include "common/log.h"
#include "gateway/gateway.h"
#include "protocol/follow_up.h"
#include "protocol/signature_check.h"

namespace tocsin::gateway {
namespace {

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> Cosigners(const store::HeldProposal& held) {
  std::vector<std::string> out;
  for (const auto& [cosigner, wrap] : held.wraps) {
    out.push_back(cosigner);
  }
  return out;
}

std::string Short(ByteView id) { return HexEncode(id).substr(0, 12); }

}  // namespace

Result<std::uint32_t> Gateway::RequiredSignatures(const protocol::VerifiedDirective& directive) {
  const protocol::DirectiveHeader& h = directive.header;
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::AcceptedDirective> stored, OriginalOf(h));
  std::optional<protocol::FollowedDirective> original;
  if (stored) {
    // One that no longer decodes counts as not held: the strictest count.
    Result<protocol::FollowedDirective> read = protocol::ReadFollowedDirective(stored->wire);
    if (read) {
      original = std::move(*read);
    }
  }
  std::uint32_t rule = protocol::RuleRequirement(registry_->directory().verifier().signature_rule(),
                                                 h, original);
  return std::max({rule, h.required_signatures, static_cast<std::uint32_t>(config_.min_signatures)});
}

Status Gateway::HoldProposal(transport::PeerMessage& message, const protocol::Envelope& envelope) {
  Result<protocol::Proposal> proposal = protocol::DecodeProposal(envelope.body);
  if (!proposal) {
    Refuse(operator_socket_, message, proposal.error());
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(
      Result<protocol::VerifiedDirective> directive,
      CheckSubmission(proposal->directive, message.principal, Submission::kHeld));
  if (!directive) {
    Refuse(operator_socket_, message, directive.error());
    return {};
  }
  const protocol::DirectiveHeader& h = directive->header;
  auto refuse = [&](ErrorCode code, const std::string& why) {
    Refuse(operator_socket_, message, {code, "proposal " + Short(h.id) + ": " + why}, h.id);
    return Status{};
  };
  if (h.issuer != message.principal) {
    return refuse(ErrorCode::kPermissionDenied, "only its issuer " + h.issuer + " may propose it");
  }
  TOCSIN_ASSIGN_OR_RETURN(std::uint32_t required, RequiredSignatures(*directive));
  if (directive->distinct_signers >= required) {
    return refuse(ErrorCode::kInvalidArgument,
                  "it carries every signature it needs: submit it (tocsin issue --in)");
  }
  store::HeldProposal held{Bytes(h.id.begin(), h.id.end()), h.issuer, h.sequence,
                           proposal->directive, clock_.NowMillis(), 0, {},
                           static_cast<int>(h.severity), static_cast<int>(h.action), required,
                           directive->signers, h.recipient_count};
  held.expires_at = std::min<UnixMillis>(h.expires_at, held.proposed_at + config_.proposal_lifetime_ms);
  for (const protocol::CosignerWrap& wrap : proposal->wraps) {
    if (wrap.directive_id != h.id) {
      return refuse(ErrorCode::kInvalidArgument, "the wrap for " + wrap.cosigner +
                                                     " is for another directive");
    }
    if (Contains(directive->signers, wrap.cosigner) || Contains(Cosigners(held), wrap.cosigner)) {
      return refuse(ErrorCode::kInvalidArgument,
                    wrap.cosigner + " is named twice or has signed already");
    }
    if (!registry_->Active(wrap.cosigner, Role::kOperator)) {
      return refuse(ErrorCode::kNotFound, "co-signer " + wrap.cosigner + " is not an active operator");
    }
    held.wraps.emplace_back(wrap.cosigner, protocol::EncodeCosignerWrap(wrap));
  }
  if (directive->distinct_signers + held.wraps.size() < required) {
    return refuse(ErrorCode::kInvalidArgument,
                  "it needs " + std::to_string(required) + " operators' signatures and names only " +
                      std::to_string(held.wraps.size()) + " co-signer(s) for " +
                      std::to_string(required - directive->distinct_signers) + " missing");
  }
  Status kept = ledger_.proposals().Hold(held, kMaxProposalsPerIssuer);
  if (!kept) {
    if (!store::IsRefusal(kept.error())) {
      return kept;  // the ledger failed: fatal
    }
    // The same proposal again (a retry after a lost answer): the same answer.
    TOCSIN_ASSIGN_OR_RETURN(std::optional<store::HeldProposal> same, ledger_.proposals().Find(held.id));
    if (same && same->wire == held.wire) {
      (void)transport::SendToPeer(operator_socket_, message.routing_id,
                                  AcceptedEnvelope(h.id, protocol::AcceptedKind::kProposal,
                                                   same->proposed_at));
      return {};
    }
    return refuse(kept.error().code, kept.error().context);
  }
  LogEvent(spdlog::level::info, "proposal_held",
           {{"directive", HexEncode(h.id)}, {"issuer", h.issuer}, {"required", required},
            {"cosigners", static_cast<std::uint64_t>(held.wraps.size())}},
           fmt::format("holding directive {} from {} until {} operators have signed it",
                       HexEncode(h.id), h.issuer, required));
  (void)transport::SendToPeer(operator_socket_, message.routing_id,
                              AcceptedEnvelope(h.id, protocol::AcceptedKind::kProposal,
                                               held.proposed_at));
  return {};
}

protocol::ProposalRow Gateway::ProposalRowOf(const store::HeldProposal& held) {
  // From the columns kept when it was held and at each co-signature: a
  // listing decodes no envelope.
  protocol::ProposalRow row;
  std::copy_n(held.id.begin(), std::min(held.id.size(), row.id.size()), row.id.begin());
  row.issuer = held.issuer;
  row.severity = static_cast<protocol::Severity>(held.severity);
  row.action = static_cast<protocol::DirectiveAction>(held.action);
  row.required = held.required;
  row.signers = held.signers;
  row.cosigners = Cosigners(held);
  row.proposed_at = held.proposed_at;
  row.expires_at = held.expires_at;
  row.recipient_count = held.recipient_count;
  return row;
}

Status Gateway::AnswerProposals(transport::PeerMessage& message, const protocol::Envelope& envelope) {
  Result<protocol::ProposalRequest> request = protocol::DecodeProposalRequest(envelope.body);
  if (!request) {
    Refuse(operator_socket_, message, request.error());
    return {};
  }
  TOCSIN_RETURN_IF_ERROR(ExpireProposals());
  protocol::ProposalReply reply;
  if (!request->reference) {
    TOCSIN_ASSIGN_OR_RETURN(std::vector<store::HeldProposal> held, ledger_.proposals().List());
    for (const store::HeldProposal& p : held) {
      reply.rows.push_back(ProposalRowOf(p));
    }
  } else {
    const protocol::DirectiveId& id = *request->reference;
    TOCSIN_ASSIGN_OR_RETURN(std::optional<store::HeldProposal> p,
                            ledger_.proposals().Find(Bytes(id.begin(), id.end())));
    if (p) {
      reply.rows.push_back(ProposalRowOf(*p));
      reply.directive = p->wire;
      for (const auto& [cosigner, wrap] : p->wraps) {
        Result<protocol::CosignerWrap> own = protocol::DecodeCosignerWrap(wrap);
        if (cosigner == message.principal && own) {
          reply.wrap = std::move(*own);
        }
      }
    }
  }
  if (request->reference && reply.rows.empty()) {
    Refuse(operator_socket_, message,
           {ErrorCode::kNotFound, "no proposal " + HexEncode(*request->reference) +
                                      " is held (approved, withdrawn or lapsed?)"},
           *request->reference);
    return {};
  }
  (void)transport::SendToPeer(
      operator_socket_, message.routing_id,
      protocol::EncodeUnsigned(protocol::MessageType::kProposals, protocol::EncodeProposalReply(reply)));
  return {};
}

Status Gateway::Approve(transport::PeerMessage& message, const protocol::Envelope& envelope) {
  Result<protocol::Approval> approval = protocol::DecodeApproval(envelope.body);
  if (!approval) {
    Refuse(operator_socket_, message, approval.error());
    return {};
  }
  const protocol::DirectiveId& id = approval->reference;
  auto refuse = [&](ErrorCode code, const std::string& why) {
    Refuse(operator_socket_, message, {code, "proposal " + Short(id) + ": " + why}, id);
    return Status{};
  };
  TOCSIN_RETURN_IF_ERROR(ExpireProposals());
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::HeldProposal> held, ledger_.proposals().Find(id));
  if (!held) {
    // A retry of the approval that completed it: the same answer.
    TOCSIN_ASSIGN_OR_RETURN(std::optional<store::AcceptedDirective> accepted,
                            ledger_.directives().Find(Bytes(id.begin(), id.end())));
    Result<protocol::Envelope> stored = accepted ? protocol::DecodeEnvelope(accepted->wire)
                                                 : Result<protocol::Envelope>(MakeError(
                                                       ErrorCode::kNotFound, ""));
    if (stored && std::any_of(stored->signatures.begin(), stored->signatures.end(),
                              [&](const protocol::SignatureEntry& e) {
                                return e.signer == message.principal &&
                                       e.signature == approval->signature;
                              })) {
      TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveHeader h,
                              protocol::PeekDirectiveHeader(accepted->wire));
      return ConfirmDirective(message, h);
    }
    return refuse(ErrorCode::kNotFound, "not held (approved, withdrawn or lapsed?)");
  }
  if (!Contains(Cosigners(*held), message.principal)) {
    return refuse(ErrorCode::kPermissionDenied,
                  "only the co-signers it names may approve it (they alone can read it)");
  }
  Result<protocol::Envelope> decoded = protocol::DecodeEnvelope(held->wire);
  if (!decoded) {
    // Held by an earlier version under other rules: never this daemon's end.
    TOCSIN_RETURN_IF_ERROR(ledger_.proposals().Drop(held->id));
    spdlog::error("proposal {} no longer decodes ({}): dropped", HexEncode(id),
                  decoded.error().ToString());
    return refuse(ErrorCode::kInternal,
                  "its stored envelope no longer decodes; it was dropped: propose it again");
  }
  protocol::Envelope signed_so_far = std::move(*decoded);
  for (const protocol::SignatureEntry& entry : signed_so_far.signatures) {
    if (entry.signer == message.principal) {
      return refuse(ErrorCode::kReplay, message.principal + " has signed it already");
    }
  }
  signed_so_far.signatures.push_back({message.principal, approval->signature});
  Bytes wire = protocol::EncodeEnvelope(signed_so_far);
  // Every signature again, the new one included: a bad one is refused here.
  TOCSIN_ASSIGN_OR_RETURN(Result<protocol::VerifiedDirective> directive,
                          CheckSubmission(wire, message.principal, Submission::kHeld));
  if (!directive) {
    return refuse(directive.error().code, directive.error().context);
  }
  TOCSIN_ASSIGN_OR_RETURN(std::uint32_t required, RequiredSignatures(*directive));
  LogEvent(spdlog::level::info, "proposal_approved",
           {{"directive", HexEncode(id)}, {"operator", message.principal},
            {"signatures", static_cast<std::uint64_t>(directive->distinct_signers)},
            {"required", required}},
           fmt::format("{} co-signed directive {} ({} of {} signatures)", message.principal,
                       HexEncode(id), directive->distinct_signers, required));
  if (directive->distinct_signers < required) {
    TOCSIN_RETURN_IF_ERROR(ledger_.proposals().ReplaceWire(held->id, wire, directive->signers));
    (void)transport::SendToPeer(operator_socket_, message.routing_id,
                                AcceptedEnvelope(id, protocol::AcceptedKind::kApproval,
                                                 clock_.NowMillis()));
    return {};
  }
  // Complete: the checks of a whole submission, then accepted as one.
  TOCSIN_ASSIGN_OR_RETURN(Result<protocol::VerifiedDirective> whole,
                          CheckSubmission(wire, message.principal, Submission::kWhole));
  if (!whole) {
    return refuse(whole.error().code, whole.error().context);
  }
  return AcceptSubmission(message, *whole, wire, /*from_proposal=*/true);
}

Status Gateway::Withdraw(transport::PeerMessage& message, const protocol::Envelope& envelope) {
  Result<protocol::Withdrawal> withdrawal = protocol::DecodeWithdrawal(envelope.body);
  if (!withdrawal) {
    Refuse(operator_socket_, message, withdrawal.error());
    return {};
  }
  const protocol::DirectiveId& id = withdrawal->reference;
  TOCSIN_ASSIGN_OR_RETURN(std::optional<store::HeldProposal> held, ledger_.proposals().Find(id));
  if (!held || (held->issuer != message.principal && !Contains(Cosigners(*held), message.principal))) {
    Refuse(operator_socket_, message,
           {held ? ErrorCode::kPermissionDenied : ErrorCode::kNotFound,
            "proposal " + Short(id) +
                (held ? ": only its issuer or a co-signer it names may withdraw it"
                      : ": not held (approved, withdrawn or lapsed?)")},
           id);
    return {};
  }
  TOCSIN_RETURN_IF_ERROR(ledger_.proposals().Drop(held->id));
  LogEvent(spdlog::level::info, "proposal_withdrawn",
           {{"directive", HexEncode(id)}, {"operator", message.principal}},
           fmt::format("{} withdrew proposal {}", message.principal, HexEncode(id)));
  (void)transport::SendToPeer(operator_socket_, message.routing_id,
                              AcceptedEnvelope(id, protocol::AcceptedKind::kWithdrawal,
                                               clock_.NowMillis()));
  return {};
}

Status Gateway::ExpireProposals() {
  TOCSIN_ASSIGN_OR_RETURN(std::vector<Bytes> lapsed, ledger_.proposals().DropExpired(clock_.NowMillis()));
  for (const Bytes& id : lapsed) {
    LogEvent(spdlog::level::warn, "proposal_lapsed", {{"directive", HexEncode(id)}},
             fmt::format("proposal {} lapsed before enough operators signed it", HexEncode(id)));
  }
  return {};
}

}  // namespace tocsin::gateway
