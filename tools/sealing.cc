#include "tools/issued_titles.h"
#include "tools/sealing.h"

#include <charconv>
#include <set>

#include "common/file_util.h"
#include "protocol/signature_check.h"
#include "tools/cli_support.h"

#include <iostream>

namespace tocsin::tools {
namespace {



// The next per-issuer sequence number, kept durably in the bundle.
Result<std::uint64_t> NextSequence(const std::string& bundle_dir) {
  std::string path = bundle_dir + "/sequence";
  std::uint64_t last = 0;
  Result<Bytes> stored = ReadFile(path, 32);
  if (stored) {
    std::string_view text = AsStringView(*stored);
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), last);
    if (error != std::errc() || end != text.data() + text.size()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       path + " does not hold a sequence number; restore it from a backup");
    }
  } else if (stored.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(stored.error());
  }
  std::string next = std::to_string(last + 1);
  TOCSIN_RETURN_IF_ERROR(WriteFileDurably(path, AsBytes(next), 0600, Overwrite::kYes));
  return last + 1;
}

struct Resolved {
  std::vector<protocol::RecipientKey> keys;
  std::vector<std::string> skipped;  // "id: reason"
};

// Explicit agencies must all verify; sector members that fail are skipped
// and reported, so one revoked agency does not block a national alert.
Result<Resolved> ResolveRecipients(pki::CertificateDirectory& directory,
                                   const DirectiveOptions& options, UnixMillis now) {
  Resolved out;
  std::set<std::string> chosen;
  auto add = [&](const pki::CertifiedKey& key) {
    if (chosen.insert(key.principal_id).second) {
      out.keys.push_back({key.principal_id, key.public_key});
    }
  };
  for (const std::string& agency : options.agencies) {
    Result<pki::CertifiedKey> key = directory.Resolve(agency, pki::Purpose::kEncryption, now);
    if (!key) {
      return WithContext(key.error(), "recipient " + agency);
    }
    if (key->role != Role::kAgency) {
      return MakeError(ErrorCode::kInvalidArgument, agency + " is not an agency");
    }
    add(*key);
  }
  std::set<std::string> sectors(options.sectors.begin(), options.sectors.end());
  std::set<std::string> known;  // sectors of the agencies that verify
  std::vector<std::string> ids =
      sectors.empty() ? std::vector<std::string>{} : directory.PrincipalIds();
  std::vector<Result<pki::CertifiedKey>> keys =
      directory.ResolveEach(ids, pki::Purpose::kEncryption, now);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string& id = ids[i];
    const Result<pki::CertifiedKey>& key = keys[i];
    if (!key) {
      out.skipped.push_back(id + ": " + key.error().ToString());
    } else if (key->role == Role::kAgency && key->sector) {
      known.insert(*key->sector);
      if (sectors.count(*key->sector)) {
        add(*key);
      }
    }
  }
  for (const std::string& sector : sectors) {
    if (!known.count(sector)) {
      std::string list;
      for (const std::string& k : known) {
        list += (list.empty() ? "" : ", ") + k;
      }
      return MakeError(ErrorCode::kInvalidArgument,
                       "no active agency in sector '" + sector + "' (sectors with one: " +
                           (list.empty() ? "none" : list) + ")");
    }
  }
  if (out.keys.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no recipient: name agencies with --agency or sectors with --sector");
  }
  return out;
}

// The operators who are to read and co-sign: other operators, verified.
Result<std::vector<protocol::RecipientKey>> ResolveCosigners(pki::CertificateDirectory& directory,
                                                             const DirectiveOptions& options,
                                                             const std::string& issuer,
                                                             UnixMillis now) {
  std::vector<protocol::RecipientKey> out;
  std::set<std::string> seen;
  for (const std::string& id : options.cosigners) {
    if (id == issuer || !seen.insert(id).second) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "co-signer " + id + " is the issuer or named twice: the two-person rule "
                       "needs distinct operators");
    }
    Result<pki::CertifiedKey> key = directory.Resolve(id, pki::Purpose::kEncryption, now);
    if (!key) {
      return WithContext(key.error(), "co-signer " + id);
    }
    if (key->role != Role::kOperator) {
      return MakeError(ErrorCode::kInvalidArgument, "co-signer " + id + " is not an operator");
    }
    out.push_back({id, key->public_key});
  }
  if (options.required_signatures > 1 && out.size() + 1 < options.required_signatures) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--signatures " + std::to_string(options.required_signatures) +
                         " needs at least " + std::to_string(options.required_signatures - 1) +
                         " --cosigner: they must read what they sign");
  }
  return out;
}

// ResolveRecipients, looking first in the issuer's record of certificates
// it verified before (pki/verified_record.h), kept in its bundle. The
// record is a convenience: failing to keep it never stops a directive.
Result<Resolved> ResolveWithRecord(pki::CertificateDirectory& directory,
                                   const DirectiveOptions& options,
                                   const pki::PrincipalBundle& issuer, UnixMillis now) {
  std::string discarded;
  pki::VerifiedRecord record =
      pki::VerifiedRecord::Open(options.bundle + "/" + std::string(kVerifiedRecordFile),
                                issuer.signing, directory.TrustDigest(), &discarded);
  if (!discarded.empty()) {
    std::cerr << "tocsin: warning: verifying every certificate again, the record of those "
                 "verified before is unusable: "
              << discarded << "\n";
  }
  directory.UseRecord(&record);
  Result<Resolved> resolved = ResolveRecipients(directory, options, now);
  if (Status kept = directory.FinishRecord(now); !kept) {
    std::cerr << "tocsin: warning: the certificates verified are not kept for next time: "
              << kept.error().ToString() << "\n";
  }
  return resolved;
}

Result<protocol::DirectiveDraft> BuildDraft(const DirectiveOptions& options,
                                            const pki::PrincipalBundle& issuer, UnixMillis now) {
  protocol::DirectiveDraft draft;
  std::optional<protocol::Severity> severity =
      protocol::ParseSeverity(options.severity.empty() ? "high" : options.severity);
  std::optional<protocol::Tlp> tlp = protocol::ParseTlp(options.tlp.empty() ? "AMBER" : options.tlp);
  if (!severity || !tlp) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--severity takes low|moderate|high|critical; --tlp takes "
                     "CLEAR|GREEN|AMBER|AMBER+STRICT|RED");
  }
  TOCSIN_ASSIGN_OR_RETURN(UnixMillis ack_within, ParseDuration(options.ack_within));
  TOCSIN_ASSIGN_OR_RETURN(UnixMillis expires_in, ParseDuration(options.expires_in));
  draft.content.title = options.title;
  draft.content.body = options.body;
  if (!options.body_file.empty()) {
    TOCSIN_ASSIGN_OR_RETURN(Bytes body, ReadFile(options.body_file, protocol::kMaxBodyBytes));
    draft.content.body.assign(AsStringView(body));
  }
  draft.header.issuer = issuer.principal_id;
  draft.header.gateway = options.gateway;
  draft.header.issued_at = now;
  draft.header.ack_deadline = now + ack_within;
  draft.header.expires_at = now + expires_in;
  draft.header.severity = *severity;
  draft.header.tlp = *tlp;
  draft.header.status = options.exercise ? protocol::DirectiveStatus::kExercise
                                  : protocol::DirectiveStatus::kActual;
  draft.header.sectors = options.sectors;
  if (!options.summary.empty()) {
    draft.header.summary = options.summary;
  }
  return draft;
}

}  // namespace

Result<SealOutcome> SealFromOptions(const DirectiveOptions& options,
                                    const pki::PrincipalBundle& issuer,
                                    pki::CertificateDirectory& directory, UnixMillis now,
                                    protocol::DirectiveAction action,
                                    const std::optional<FollowUpOf>& follows) {
  if (issuer.role != Role::kOperator) {
    return MakeError(ErrorCode::kInvalidArgument,
                     options.bundle + " is not an operator's bundle");
  }
  TOCSIN_ASSIGN_OR_RETURN(protocol::DirectiveDraft draft, BuildDraft(options, issuer, now));
  draft.header.action = action;
  std::optional<protocol::FollowedDirective> original;
  if (follows) {
    draft.header.references = follows->id;
    original = follows->original;
  }
  if (options.required_signatures < 1 || options.required_signatures > protocol::kMaxSignatures) {
    return MakeError(ErrorCode::kInvalidArgument, "--signatures takes 1 to 4");
  }
  draft.header.required_signatures = options.required_signatures;
  TOCSIN_RETURN_IF_ERROR(
      CheckRuleForOperator(directory, draft.header, options.required_signatures, original));
  TOCSIN_ASSIGN_OR_RETURN(Resolved recipients, ResolveWithRecord(directory, options, issuer, now));
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t sequence, NextSequence(options.bundle));
  draft.header.sequence = sequence;
  TOCSIN_ASSIGN_OR_RETURN(std::vector<protocol::RecipientKey> cosigners,
                          ResolveCosigners(directory, options, issuer.principal_id, now));
  TOCSIN_ASSIGN_OR_RETURN(protocol::SealedDirective sealed,
                          protocol::SealDirectiveForCosigners(draft, recipients.keys, cosigners,
                                                              issuer.signing));
  // The title stays readable to this operator only (tools/issued_titles.h).
  // A convenience: failing to keep it never stops a directive in a crisis.
  Status kept = RememberIssuedTitle(options.bundle, sealed.id, draft.content.title, now);
  if (!kept) {
    std::cerr << "tocsin: warning: the title of " << HexEncode(sealed.id)
              << " is not kept for tocsin status: " << kept.error().ToString() << "\n";
  }
  SealOutcome outcome{std::move(sealed), {}, std::move(recipients.skipped), sequence};
  for (const auto& key : recipients.keys) {
    outcome.recipients.push_back(key.agency);
  }
  return outcome;
}

Status CheckRuleForOperator(pki::CertificateDirectory& directory,
                            const protocol::DirectiveHeader& header, std::size_t signatures,
                            const std::optional<protocol::FollowedDirective>& original) {
  Status ruled = protocol::CheckSignatureRule(directory.verifier().signature_rule(), header,
                                              signatures, original);
  if (ruled) {
    return {};
  }
  std::uint32_t needed =
      protocol::RuleRequirement(directory.verifier().signature_rule(), header, original);
  return MakeError(ErrorCode::kPermissionDenied,
                   ruled.error().context + ". Every agency would refuse it: propose it instead "
                   "(tocsin propose … --cosigner ID), and have " + std::to_string(needed - 1) +
                       " co-signer(s) approve it (tocsin approve ID); docs/operations.md, \"The "
                       "two-person rule\"");
}

void ShowForCosigner(const protocol::VerifiedDirective& v, const protocol::DirectiveContent& content,
                     std::uint32_t rule_needs, std::ostream& out) {
  const protocol::DirectiveHeader& h = v.header;
  std::string recipients;
  for (const protocol::RecipientWrap& r : v.recipients.entries) {
    recipients += (recipients.empty() ? "" : ", ") + r.agency;
  }
  std::string signers;
  for (const std::string& s : v.signers) {
    signers += (signers.empty() ? "" : ", ") + s;
  }
  out << "directive " << HexEncode(h.id) << " from " << h.issuer << ", "
            << protocol::ActionName(h.action) << ", " << protocol::SeverityName(h.severity)
            << ", TLP:" << protocol::TlpName(h.tlp) << ", " << protocol::StatusName(h.status) << "\n"
            << "  signed so far by: " << signers << " (" << h.required_signatures
            << " required by its header, " << rule_needs << " by the CA's signature rule)\n"
            << "  acknowledge by " << FormatUtc(h.ack_deadline) << ", expires "
            << FormatUtc(h.expires_at) << "\n"
            << "  to " << h.recipient_count << " agencies: " << EscapeForDisplay(recipients) << "\n"
            << "  summary: " << (h.summary ? EscapeForDisplay(*h.summary) : "-") << "\n"
            << "  title:   " << EscapeForDisplay(content.title) << "\n"
            << "  body:\n" << EscapeForDisplay(content.body) << "\n";
}

Result<std::uint32_t> CheckCosignable(pki::CertificateDirectory& directory,
                                      const protocol::DirectiveHeader& header,
                                      const std::optional<protocol::FollowedDirective>& original) {
  std::uint32_t rule_needs =
      protocol::RuleRequirement(directory.verifier().signature_rule(), header, original);
  if (header.required_signatures < rule_needs) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "its header asks " + std::to_string(header.required_signatures) +
                         " signatures, the CA's signature rule " + std::to_string(rule_needs) +
                         " for a " + std::string(protocol::SeverityName(header.severity)) +
                         " directive: every agency would refuse it; ask " + header.issuer +
                         " to seal it again with --signatures " + std::to_string(rule_needs));
  }
  return rule_needs;
}

void PrintSealed(const SealOutcome& outcome, const DirectiveOptions& options,
                 std::string_view verb, const std::string& where, const nlohmann::json& extra) {
  for (const std::string& skipped : outcome.skipped) {
    std::cerr << "tocsin: warning: skipped " << skipped << "\n";
  }
  std::string id = HexEncode(outcome.sealed.id);
  if (options.json) {
    nlohmann::json out = {{"id", id}, {"digest", HexEncode(outcome.sealed.digest)},
                          {"sequence", outcome.sequence}, {"recipients", outcome.recipients},
                          {"result", std::string(verb)}};
    out.update(extra);
    PrintJson(out);
    return;
  }
  std::size_t n = outcome.recipients.size();
  std::cout << verb << " directive " << id << " (sequence " << outcome.sequence << ") for " << n
            << (n == 1 ? " agency: " : " agencies: ") << nlohmann::json(outcome.recipients).dump()
            << "\n  " << where << "\n";
}

Result<protocol::DirectiveId> ParseDirectiveId(std::string_view hex) {
  Result<Bytes> bytes = HexDecode(hex);
  if (!bytes || bytes->size() != protocol::kDirectiveIdSize) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a directive id is 32 hex digits, got '" + std::string(hex) + "'");
  }
  protocol::DirectiveId id{};
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

}  // namespace tocsin::tools
