#include "tools/proposal_commands.h"

#include <iostream>
#include <memory>

#include "common/clock.h"
#include "protocol/proposal.h"
#include "tools/cli_support.h"
#include "tools/operator_commands.h"
#include "tools/operator_link.h"
#include "tools/operator_profile.h"
#include "tools/sealing.h"

namespace tocsin::tools {
namespace {

Result<Session> Connect(DirectiveOptions& options) {
  TOCSIN_RETURN_IF_ERROR(ApplyOperatorProfile(options, options.profile));
  return OpenSession(options, SystemClock().NowMillis());
}

// Sends `type` with `body` and returns the `accepted` answer for `id`.
Result<protocol::Accepted> Ask(Session& session, protocol::MessageType type, const Bytes& body,
                               const protocol::DirectiveId& id, int timeout_ms) {
  TOCSIN_ASSIGN_OR_RETURN(auto reply,
                          session.link->Request(protocol::EncodeUnsigned(type, body), timeout_ms));
  if (reply.first.type != protocol::MessageType::kAccepted) {
    return MakeError(ErrorCode::kMalformedMessage, "the gateway answered with something else");
  }
  TOCSIN_ASSIGN_OR_RETURN(protocol::Accepted accepted, protocol::DecodeAccepted(reply.first.body));
  if (accepted.reference != id) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "the gateway answered for another directive, " + HexEncode(accepted.reference));
  }
  return accepted;
}

nlohmann::json RowJson(const protocol::ProposalRow& r) {
  return {{"id", HexEncode(r.id)},
          {"issuer", r.issuer},
          {"severity", protocol::SeverityName(r.severity)},
          {"action", protocol::ActionName(r.action)},
          {"required_signatures", r.required},
          {"signers", r.signers},
          {"cosigners", r.cosigners},
          {"proposed_at", FormatUtc(r.proposed_at)},
          {"lapses_at", FormatUtc(r.expires_at)},
          {"recipient_count", r.recipient_count}};
}

// Seals for the co-signers named, and asks the gateway to hold it.
int RunPropose(DirectiveOptions options, protocol::DirectiveAction action) {
  auto session = Connect(options);
  if (!session) {
    return ReportError("propose", session.error());
  }
  if (options.cosigners.empty()) {
    return ReportError("propose", {ErrorCode::kInvalidArgument,
                                   "--cosigner is required: who is to read and approve it"});
  }
  if (options.required_signatures < 2) {
    options.required_signatures = static_cast<std::uint32_t>(options.cosigners.size() + 1);
  }
  std::optional<FollowUpOf> follows;
  if (action != protocol::DirectiveAction::kNew) {
    auto id = ParseDirectiveId(options.reference);
    auto followed = id ? PrepareFollowUp(*session, options, *id, "propose")
                       : Result<FollowUpOf>(tl::unexpected(id.error()));
    if (!followed) {
      return ReportError("propose", followed.error());
    }
    follows = std::move(*followed);
  }
  auto outcome = SealFromOptions(options, session->bundle, *session->directory,
                                 SystemClock().NowMillis(), action, follows);
  if (!outcome) {
    return ReportError("propose", outcome.error());
  }
  protocol::Proposal proposal{protocol::EncodeEnvelope(outcome->sealed.envelope),
                              outcome->sealed.cosigner_wraps};
  auto accepted = Ask(*session, protocol::MessageType::kProposal, protocol::EncodeProposal(proposal),
                      outcome->sealed.id, options.timeout_ms);
  if (!accepted) {
    return ReportError("propose", accepted.error());
  }
  std::string id = HexEncode(outcome->sealed.id);
  PrintSealed(*outcome, options, "proposed",
              "held by the gateway until " + std::to_string(options.required_signatures) +
                  " operators have signed it; " + JoinNames(options.cosigners) +
                  " may read and approve it (tocsin approve " + id + ")",
              {{"required_signatures", options.required_signatures},
               {"cosigners", options.cosigners}});
  return kExitOk;
}

int RunProposals(DirectiveOptions options) {
  auto session = Connect(options);
  auto reply = session ? FetchProposals(*session->link, std::nullopt, options.timeout_ms)
                       : Result<protocol::ProposalReply>(tl::unexpected(session.error()));
  if (!reply) {
    return ReportError("proposals", reply.error());
  }
  if (options.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : reply->rows) {
      rows.push_back(RowJson(r));
    }
    PrintJson(rows);
    return kExitOk;
  }
  if (reply->rows.empty()) {
    std::cout << "no directive is waiting for approval\n";
  }
  for (const auto& r : reply->rows) {
    std::cout << EscapeForDisplay(DescribeProposal(r)) << "\n";
  }
  return kExitOk;
}

// Fetches the held directive with this operator's wrap, verifies it, shows
// exactly what agencies will read, and sends a signature only on yes.
int RunApprove(DirectiveOptions options) {
  auto id = ParseDirectiveId(options.reference);
  if (!id) {
    return ReportError("approve", id.error());
  }
  auto session = Connect(options);
  auto reply = session ? FetchProposals(*session->link, *id, options.timeout_ms)
                       : Result<protocol::ProposalReply>(tl::unexpected(session.error()));
  if (!reply) {
    return ReportError("approve", reply.error());
  }
  if (!reply->directive || !reply->wrap) {
    return ReportError("approve", {ErrorCode::kPermissionDenied,
                                   session->bundle.principal_id +
                                       " is not a co-signer of this proposal: only those it "
                                       "names can read it"});
  }
  protocol::DirectiveChecks checks{options.gateway, SystemClock().NowMillis(), 1};
  checks.require_header_signatures = false;  // ours is still to come
  auto verified = protocol::VerifyDirective(*reply->directive, *session->directory, checks);
  auto content = verified ? protocol::OpenAsCosigner(*verified, *reply->wrap,
                                                     session->bundle.principal_id,
                                                     session->bundle.encryption)
                          : Result<protocol::DirectiveContent>(tl::unexpected(verified.error()));
  if (!content) {
    return ReportError("approve", content.error());
  }
  if (verified->header.id != *id || !verified->complete()) {
    return ReportError("approve", {ErrorCode::kPermissionDenied,
                                   "the gateway returned another directive, or not every recipient"});
  }
  // What the co-signer reads goes to stderr when stdout carries --json.
  std::ostream& shown = options.json ? std::cerr : std::cout;
  // A follow-up: what it acts on, as its own signers signed it.
  std::optional<protocol::FollowedDirective> original;
  if (verified->header.references) {
    auto followed = FetchVerifiedDirective(*session, options, *verified->header.references);
    if (!followed) {
      return ReportError("approve", followed.error());
    }
    original = protocol::FollowedOf(followed->header, followed->signers);
    shown << "it " << protocol::ActionName(verified->header.action) << "s directive "
              << HexEncode(followed->header.id) << " from " << followed->header.issuer << ", "
              << protocol::SeverityName(followed->header.severity)
              << ", TLP:" << protocol::TlpName(followed->header.tlp) << ", signed by "
              << JoinNames(followed->signers) << ", to " << followed->header.recipient_count
              << " agencies; its summary: "
              << (followed->header.summary ? EscapeForDisplay(*followed->header.summary) : "-")
              << "\n";
  }
  auto rule_needs = CheckCosignable(*session->directory, verified->header, original);
  if (!rule_needs) {
    return ReportError("approve", rule_needs.error());
  }
  ShowForCosigner(*verified, *content, *rule_needs, shown);
  if (!options.yes) {
    shown << "Approve this directive as " << session->bundle.principal_id
          << "? Type yes: " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer) || answer != "yes") {
      return ReportError("approve", {ErrorCode::kInvalidArgument,
                                     "not approved (the answer was not yes)"});
    }
  }
  protocol::Approval approval{
      *id, session->bundle.signing.Sign(protocol::SignatureContext(protocol::MessageType::kDirective),
                                        verified->envelope.body)};
  auto accepted = Ask(*session, protocol::MessageType::kApproval, protocol::EncodeApproval(approval),
                      *id, options.timeout_ms);
  if (!accepted) {
    return ReportError("approve", accepted.error());
  }
  bool complete = accepted->kind == protocol::AcceptedKind::kDirective;
  if (options.json) {
    PrintJson({{"id", HexEncode(*id)}, {"result", complete ? "accepted" : "co-signed"}});
  } else {
    std::cout << (complete ? "approved: the gateway accepted directive " + HexEncode(*id) +
                                 " and is delivering it (tocsin status " + HexEncode(*id) + ")"
                           : "co-signed directive " + HexEncode(*id) +
                                 "; it waits for another operator's approval")
              << "\n";
  }
  return kExitOk;
}

int RunWithdraw(DirectiveOptions options) {
  auto id = ParseDirectiveId(options.reference);
  if (!id) {
    return ReportError("withdraw", id.error());
  }
  auto session = Connect(options);
  auto accepted = session ? Ask(*session, protocol::MessageType::kWithdrawal,
                                protocol::EncodeWithdrawal({*id}), *id, options.timeout_ms)
                          : Result<protocol::Accepted>(tl::unexpected(session.error()));
  if (!accepted) {
    return ReportError("withdraw", accepted.error());
  }
  if (options.json) {
    PrintJson({{"id", HexEncode(*id)}, {"result", "withdrawn"}});
  } else {
    std::cout << "withdrew proposal " << HexEncode(*id) << ": it will not be sent\n";
  }
  return kExitOk;
}

}  // namespace

void AddProposalCommands(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<DirectiveOptions>();
  CLI::App* propose = app.add_subcommand(
      "propose", "Seal a directive for co-signing and have the gateway hold it until approved");
  AddGatewayOptions(propose, *o);
  AddContentOptions(propose, *o, true);
  propose->add_option("--sector", o->sectors, "Every agency of this sector (repeatable)");
  propose->add_option("--agency", o->agencies, "This agency (repeatable)");
  propose->add_option("--cosigner", o->cosigners,
                      "An operator who may read and approve it (repeatable)")
      ->required();
  propose->add_option("--signatures", o->required_signatures,
                      "Distinct operators who must sign, 2 to 4 (default: 1 + co-signers)")
      ->check(CLI::Range(2, 4));
  auto action = std::make_shared<protocol::DirectiveAction>(protocol::DirectiveAction::kNew);
  auto* update = propose->add_option_function<std::string>(
      "--update",
      [o, action](const std::string& id) {
        o->reference = id;
        *action = protocol::DirectiveAction::kUpdate;
      },
      "Propose an update of this directive (to its recipients, with its labels unless told)");
  propose->add_option_function<std::string>(
             "--cancel",
             [o, action](const std::string& id) {
               o->reference = id;
               *action = protocol::DirectiveAction::kCancel;
             },
             "Propose a cancel of this directive")
      ->excludes(update);
  propose->callback([=] { *exit_code = RunPropose(*o, *action); });

  CLI::App* proposals = app.add_subcommand("proposals", "List the directives waiting for approval");
  AddGatewayOptions(proposals, *o);
  proposals->callback([=] { *exit_code = RunProposals(*o); });

  CLI::App* approve = app.add_subcommand(
      "approve", "Read a proposed directive as its agencies will, and co-sign it");
  approve->add_option("id", o->reference, "Directive id (32 hex digits)")->required();
  AddGatewayOptions(approve, *o);
  approve->add_flag("--yes", o->yes, "Sign without asking (after reading what is shown)");
  approve->callback([=] { *exit_code = RunApprove(*o); });

  CLI::App* withdraw = app.add_subcommand("withdraw", "Withdraw a proposed directive");
  withdraw->add_option("id", o->reference, "Directive id (32 hex digits)")->required();
  AddGatewayOptions(withdraw, *o);
  withdraw->callback([=] { *exit_code = RunWithdraw(*o); });
}

}  // namespace tocsin::tools
