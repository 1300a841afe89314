#include "tools/status_evidence.h"

#include <algorithm>

#include "common/bytes.h"
#include "protocol/directive.h"
#include "protocol/receipts.h"

namespace tocsin::tools {
namespace {

constexpr std::string_view kSmsOfficerPrefix = "SMS code from ";  // store::Ledger's wording
constexpr int kMaxEvidencePages = 64;  // 64 x 512 rows: every recipient of the largest directive

// One agency-signed receipt or acknowledgement of `kind` for this directive,
// verified as of the time it carries; the error says what is wrong with it.
Result<protocol::Receipt> VerifyEvidence(ByteView wire, protocol::ReceiptKind kind,
                                         const protocol::DirectiveId& id,
                                         const crypto::Digest& digest, const std::string& agency,
                                         const std::string& gateway,
                                         crypto::KeyResolver& resolver) {
  const char* what = kind == protocol::ReceiptKind::kDelivered ? "receipt"
                     : kind == protocol::ReceiptKind::kRefused ? "refusal"
                                                               : "acknowledgement";
  // Its own signed time decides which certificate must have signed it; the
  // signature is checked before anything read here is believed.
  TOCSIN_ASSIGN_OR_RETURN(protocol::Envelope envelope, protocol::DecodeEnvelope(wire));
  TOCSIN_ASSIGN_OR_RETURN(protocol::Receipt claimed, protocol::DecodeReceipt(envelope.body, kind));
  Result<protocol::Receipt> verified = protocol::VerifyReceipt(wire, resolver, claimed.at, gateway);
  if (!verified) {
    return WithContext(verified.error(), std::string("the signed ") + what);
  }
  // A refusal names the copy it refused (a digest of those bytes), not the
  // directive's body: that copy is what did not verify.
  bool digest_differs = kind != protocol::ReceiptKind::kRefused && verified->directive_digest != digest;
  if (verified->kind != kind || verified->directive_id != id || digest_differs ||
      verified->agency != agency) {
    return MakeError(ErrorCode::kPermissionDenied,
                     std::string("the signed ") + what + " is for another directive or agency");
  }
  return verified;
}

}  // namespace

const char* BackingName(Backing backing) {
  switch (backing) {
    case Backing::kNothingClaimed: return "none";
    case Backing::kSigned: return "signed";
    case Backing::kGatewayWord: return "gateway-word";
    case Backing::kUnverified: return "unverified";
  }
  return "unverified";
}

const RowCheck& CheckOf(const std::map<protocol::DirectiveId, DirectiveCheck>& checks,
                        const protocol::StatusRow& row) {
  static const RowCheck kNone;
  auto directive = checks.find(row.directive_id);
  if (directive == checks.end()) {
    return kNone;
  }
  auto found = directive->second.rows.find(row.agency);
  return found == directive->second.rows.end() ? kNone : found->second;
}

Result<const StatusVerifier::Original*> StatusVerifier::OriginalOf(const protocol::DirectiveId& id) {
  auto known = originals_.find(id);
  if (known != originals_.end()) {
    return &known->second;
  }
  TOCSIN_ASSIGN_OR_RETURN(Bytes wire, fetch_directive_(id));
  Original original;
  Result<protocol::DirectiveHeader> claimed = protocol::PeekDirectiveHeader(wire);
  Result<protocol::VerifiedDirective> verified =
      claimed ? protocol::VerifyDirective(wire, *resolver_, {gateway_, claimed->issued_at, 1})
              : Result<protocol::VerifiedDirective>(tl::unexpected(claimed.error()));
  if (!verified) {
    original.problem = "the directive as the gateway returned it does not verify (" +
                       verified.error().ToString() + ")";
  } else if (verified->header.id != id || !verified->complete()) {
    original.problem = "the gateway returned another directive, or not every recipient";
  } else {
    original.digest = verified->digest;
    original.header = verified->header;
    for (const protocol::RecipientWrap& r : verified->recipients.entries) {
      original.recipients.push_back(r.agency);
    }
    std::sort(original.recipients.begin(), original.recipients.end());
  }
  return &originals_.emplace(id, std::move(original)).first->second;
}

Result<std::map<std::string, protocol::EvidenceRow>> StatusVerifier::EvidenceOf(
    const protocol::DirectiveId& id) {
  std::map<std::string, protocol::EvidenceRow> out;
  std::string after;
  for (int page = 0; page < kMaxEvidencePages; ++page) {
    TOCSIN_ASSIGN_OR_RETURN(protocol::EvidencePage got, fetch_evidence_(id, after));
    for (protocol::EvidenceRow& row : got.rows) {
      if (row.agency <= after) {
        return MakeError(ErrorCode::kMalformedMessage, "evidence pages out of agency order");
      }
      after = row.agency;
      out.emplace(row.agency, std::move(row));
    }
    if (!got.more || got.rows.empty()) {
      return out;
    }
  }
  return MakeError(ErrorCode::kMalformedMessage, "more evidence pages than a directive can have");
}

void StatusVerifier::NoteView(const protocol::Receipt& r) {
  if (r.log_size == 0 || !r.log_root) {
    return;
  }
  auto [known, fresh] = views_.emplace(r.log_size, std::make_pair(*r.log_root, r.agency));
  if (!fresh && known->second.first != *r.log_root) {
    std::string split = known->second.second + " and " + r.agency +
                        " signed two different roots for the log at size " +
                        std::to_string(r.log_size) + " (" +
                        HexEncode(known->second.first).substr(0, 16) + "… and " +
                        HexEncode(*r.log_root).substr(0, 16) + "…)";
    if (std::find(split_views_.begin(), split_views_.end(), split) == split_views_.end()) {
      split_views_.push_back(std::move(split));
    }
  }
}

RowCheck StatusVerifier::CheckRow(const protocol::StatusRow& row, const Original& original,
                                  const protocol::EvidenceRow* evidence) {
  auto unverified = [](std::string why) { return RowCheck{Backing::kUnverified, std::move(why), {}, {}}; };
  if (!std::binary_search(original.recipients.begin(), original.recipients.end(), row.agency)) {
    return unverified("not a recipient of the directive as its issuer signed it");
  }
  if (Unconfirmed(row.delivery_state())) {
    return {};
  }
  if (row.delivery_state() == DeliveryState::kRefused) {
    if (evidence == nullptr || !evidence->refusal) {
      return unverified("no signed refusal");
    }
    Result<protocol::Receipt> refusal =
        VerifyEvidence(*evidence->refusal, protocol::ReceiptKind::kRefused, row.directive_id,
                       original.digest, row.agency, gateway_, *resolver_);
    if (!refusal) {
      return unverified(refusal.error().ToString());
    }
    NoteView(*refusal);
    for (const auto& [wire, kind] : {std::pair{evidence->receipt, protocol::ReceiptKind::kDelivered},
                                     std::pair{evidence->acknowledgement,
                                               protocol::ReceiptKind::kAcknowledged}}) {
      if (wire && VerifyEvidence(*wire, kind, row.directive_id, original.digest, row.agency,
                                 gateway_, *resolver_)) {
        return unverified("shown refused, but the agency's signed receipt of this directive is "
                          "in the evidence: it holds the directive");
      }
    }
    return {Backing::kSigned, "", {}, std::string(protocol::RefusalReasonName(refusal->reason))};
  }
  std::string why;
  std::optional<protocol::Receipt> ack;
  if (evidence != nullptr && evidence->acknowledgement) {
    Result<protocol::Receipt> checked =
        VerifyEvidence(*evidence->acknowledgement, protocol::ReceiptKind::kAcknowledged,
                       row.directive_id, original.digest, row.agency, gateway_, *resolver_);
    if (checked) {
      NoteView(*checked);
      ack = std::move(*checked);
    } else {
      why = checked.error().ToString();
    }
  }
  if (row.delivery_state() == DeliveryState::kAcknowledged) {
    if (ack) {
      if (ack->officer != row.officer || row.acknowledged_at != ack->at) {
        return unverified("the report's officer or time differ from the signed acknowledgement (" +
                          ack->officer + ")");
      }
      return {Backing::kSigned, "", ack->officer, {}};
    }
    if (why.empty() && row.officer.rfind(kSmsOfficerPrefix, 0) == 0) {
      return {Backing::kGatewayWord, "", {}, {}};
    }
    return unverified(why.empty() ? "no signed acknowledgement" : why);
  }
  if (ack) {
    return {Backing::kSigned, "", {}, {}};  // an agency that acknowledged holds it
  }
  if (evidence == nullptr || !evidence->receipt) {
    return unverified("no signed receipt");
  }
  Result<protocol::Receipt> receipt =
      VerifyEvidence(*evidence->receipt, protocol::ReceiptKind::kDelivered, row.directive_id,
                     original.digest, row.agency, gateway_, *resolver_);
  if (!receipt) {
    return unverified(receipt.error().ToString());
  }
  NoteView(*receipt);
  return {Backing::kSigned, "", {}, {}};
}

Result<std::map<protocol::DirectiveId, DirectiveCheck>> StatusVerifier::Check(
    const std::vector<protocol::StatusRow>& rows) {
  std::map<protocol::DirectiveId, std::vector<const protocol::StatusRow*>> by_directive;
  for (const protocol::StatusRow& row : rows) {
    by_directive[row.directive_id].push_back(&row);
  }
  std::map<protocol::DirectiveId, DirectiveCheck> out;
  for (const auto& [directive_id, directive_rows] : by_directive) {
    const protocol::DirectiveId& id = directive_id;  // lambdas below capture it (clang 14)
    DirectiveCheck& check = out[id];
    TOCSIN_ASSIGN_OR_RETURN(const Original* original, OriginalOf(id));
    if (!original->problem.empty()) {
      check.problem = original->problem;
      for (const protocol::StatusRow* row : directive_rows) {
        check.rows[row->agency] = {Backing::kUnverified, original->problem, {}, {}};
      }
      continue;
    }
    check.header = original->header;
    auto already_backed = [&](const protocol::StatusRow* r) {
      auto found = backed_.find({id, r->agency});
      return found != backed_.end() && found->second.state == r->state &&
             found->second.officer == r->officer &&
             found->second.acknowledged_at == r->acknowledged_at;
    };
    bool claims = std::any_of(directive_rows.begin(), directive_rows.end(),
                              [&](const protocol::StatusRow* r) {
                                return !Unconfirmed(r->delivery_state()) && !already_backed(r);
                              });
    std::map<std::string, protocol::EvidenceRow> evidence;
    if (claims) {
      Result<std::map<std::string, protocol::EvidenceRow>> fetched = EvidenceOf(id);
      if (!fetched) {
        check.problem = "no evidence from the gateway (" + fetched.error().ToString() + ")";
      } else {
        evidence = std::move(*fetched);
      }
    }
    std::vector<std::string> reported;
    for (const protocol::StatusRow* row : directive_rows) {
      reported.push_back(row->agency);
      if (already_backed(row)) {
        check.rows[row->agency] = backed_.at({id, row->agency}).check;
        continue;
      }
      auto found = evidence.find(row->agency);
      RowCheck& row_check = check.rows[row->agency] =
          CheckRow(*row, *original, found == evidence.end() ? nullptr : &found->second);
      if (row_check.backing == Backing::kUnverified && !check.problem.empty()) {
        row_check.problem += "; " + check.problem;
      }
      if (row_check.backing == Backing::kSigned || row_check.backing == Backing::kGatewayWord) {
        backed_[{id, row->agency}] = {row->state, row->officer, row->acknowledged_at, row_check};
      }
    }
    std::sort(reported.begin(), reported.end());
    std::set_difference(original->recipients.begin(), original->recipients.end(),
                        reported.begin(), reported.end(), std::back_inserter(check.missing));
  }
  return out;
}

}  // namespace tocsin::tools
