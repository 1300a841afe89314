#include "tools/operator_commands.h"

#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include <zmq.hpp>

#include "common/file_util.h"
#include "pki/crl_expiry.h"
#include "pki/crl_floor.h"
#include "transport/curve_socket.h"
#include "transport/zmq_support.h"
#include "protocol/promise.h"
#include "tools/audit/witness.h"
#include "tools/cli_support.h"
#include "tools/operator_link.h"
#include "tools/operator_profile.h"
#include "tools/sealing.h"
#include "tools/status_command.h"

namespace tocsin::tools {
namespace {

// The gateway's signed promise for the directive it just accepted, checked
// against the bytes we sent: it must name the entry that records exactly them.
struct ReceivedPromise {
  protocol::Promise promise;
  Bytes wire;  // as signed: what a witness file keeps
};

Result<ReceivedPromise> ReceivePromise(Session& session, const DirectiveOptions& options,
                                       const protocol::SealedDirective& sealed, UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(auto message, session.link->Receive(options.timeout_ms));
  TOCSIN_ASSIGN_OR_RETURN(pki::CertifiedKey log_key,
                          session.directory->Resolve(options.gateway, pki::Purpose::kLog, now));
  TOCSIN_ASSIGN_OR_RETURN(protocol::Promise promise,
                          protocol::VerifyPromise(message.second, options.gateway,
                                                  log_key.public_key));
  TOCSIN_RETURN_IF_ERROR(protocol::CheckPromiseFor(promise, protocol::AuditKind::kDirectiveAccepted,
                                                   sealed.id,
                                                   sealed.envelope.signatures.front().signer,
                                                   protocol::EncodeEnvelope(sealed.envelope)));
  return ReceivedPromise{std::move(promise), std::move(message.second)};
}

// The recipients of directive `id`, from the envelope the gateway stored,
// verified as its issuer signed it (signatures, and every recipient against
// the signed root), as of when it was issued.
struct Original {
  std::vector<std::string> recipients;
  protocol::DirectiveHeader header;
  std::vector<std::string> signers;

  FollowUpOf AsFollowed() const {
    return {header.id, protocol::FollowedOf(header, signers, recipients)};
  }
};

Result<Original> OriginalOf(Session& session, const DirectiveOptions& options,
                            const protocol::DirectiveId& id) {
  TOCSIN_ASSIGN_OR_RETURN(protocol::VerifiedDirective original,
                          FetchVerifiedDirective(session, options, id));
  Original out{{}, original.header, original.signers};
  for (const protocol::RecipientWrap& r : original.recipients.entries) {
    out.recipients.push_back(r.agency);
  }
  return out;
}

// An update or a cancel keeps the original's labels unless told otherwise;
// what it changes is said before it is sent.
void InheritLabels(DirectiveOptions& effective, const protocol::DirectiveHeader& original,
                   const std::string& command) {
  std::string severity(protocol::SeverityName(original.severity));
  std::string tlp(protocol::TlpName(original.tlp));
  auto say = [&](const char* what, std::string& chosen, const std::string& was) {
    if (chosen.empty()) {
      chosen = was;
      std::cerr << "tocsin " << command << ": " << what << " " << was << ", as the original\n";
    } else if (chosen != was) {
      std::cerr << "tocsin " << command << ": " << what << " " << was << " -> " << chosen
                << " (changed from the original)\n";
    }
  };
  say("severity", effective.severity, severity);
  say("TLP", effective.tlp, tlp);
}

// A directive sealed (and perhaps co-signed) beforehand, checked as the
// gateway will check it: signatures, every recipient, the gateway it names.
Result<SealOutcome> LoadSealed(const std::string& path, pki::CertificateDirectory& directory,
                               const std::string& gateway, UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(Bytes wire, ReadFile(path, protocol::kMaxEnvelopeBytes));
  Result<protocol::VerifiedDirective> verified =
      protocol::VerifyDirective(wire, directory, {gateway, now, 1});
  if (!verified) {
    return WithContext(verified.error(), path);
  }
  if (!verified->complete()) {
    return MakeError(ErrorCode::kInvalidArgument, path + " does not carry every recipient");
  }
  // The original of a sealed follow-up is the gateway's to check; its own
  // labels are checked here.
  Status ruled =
      CheckRuleForOperator(directory, verified->header, verified->distinct_signers, std::nullopt);
  if (!ruled) {
    return WithContext(ruled.error(), path);
  }
  SealOutcome out;
  out.sealed = {verified->header.id, verified->digest, verified->envelope, {}};
  for (const protocol::RecipientWrap& r : verified->recipients.entries) {
    out.recipients.push_back(r.agency);
  }
  out.sequence = verified->header.sequence;
  return out;
}

int Submit(DirectiveOptions options, protocol::DirectiveAction action,
           std::optional<protocol::DirectiveId> references, const std::string& command) {
  if (Status profiled = ApplyOperatorProfile(options, options.profile); !profiled) {
    return ReportError(command, profiled.error());
  }
  SystemClock clock;
  UnixMillis now = clock.NowMillis();
  auto session = OpenSession(options, now);
  if (!session) {
    return ReportError(command, session.error());
  }
  DirectiveOptions effective = options;
  std::optional<FollowUpOf> follows;
  if (references) {
    auto followed = PrepareFollowUp(*session, effective, *references, command);
    if (!followed) {
      return ReportError(command, followed.error());
    }
    follows = std::move(*followed);
  }
  auto outcome = options.in.empty()
                     ? SealFromOptions(effective, session->bundle, *session->directory, now,
                                       action, follows)
                     : LoadSealed(options.in, *session->directory, options.gateway, now);
  if (!outcome) {
    return ReportError(command, outcome.error());
  }
  // Sent again, the same sealed bytes: the gateway stores a directive once
  // and answers a repeat with the original acceptance, so a lost answer
  // never makes a second directive (SECURITY.md 45).
  Bytes wire = protocol::EncodeEnvelope(outcome->sealed.envelope);
  int attempts = 0;
  Result<std::pair<protocol::Envelope, Bytes>> reply = MakeError(ErrorCode::kUnavailable, "");
  while (attempts <= options.retries) {
    reply = session->link->Request(wire, options.timeout_ms);
    ++attempts;
    if (reply || reply.error().code != ErrorCode::kUnavailable || attempts > options.retries) {
      break;
    }
    std::cerr << "tocsin " << command << ": " << reply.error().context
              << "; sending the same directive again (attempt " << attempts + 1 << " of "
              << options.retries + 1 << "): the gateway keeps one copy\n";
  }
  if (!reply) {
    if (reply.error().code == ErrorCode::kUnavailable) {
      return ReportError(command, {ErrorCode::kUnavailable,
                                   reply.error().context + " after " + std::to_string(attempts) +
                                       " attempt(s); directive " + HexEncode(outcome->sealed.id) +
                                       " may or may not be held: run `tocsin status " +
                                       HexEncode(outcome->sealed.id) + "` before issuing again"});
    }
    return ReportError(command, reply.error());
  }
  if (reply->first.type != protocol::MessageType::kAccepted) {
    return ReportError(command, {ErrorCode::kMalformedMessage, "unexpected answer"});
  }
  Result<ReceivedPromise> promise =
      ReceivePromise(*session, options, outcome->sealed, clock.NowMillis());
  nlohmann::json log = {{"promise", nullptr}, {"attempts", attempts}};
  if (promise) {
    log["promise"] = {{"index", promise->promise.index}, {"at", FormatUtc(promise->promise.at)}};
    if (!options.promise_out.empty()) {
      Status kept = audit::WriteWitness(options.promise_out, {options.gateway,
                                                              session->bundle.principal_id,
                                                              {}, {promise->wire}});
      if (kept) {
        log["promise"]["file"] = options.promise_out;
      } else {
        // The directive is accepted all the same: failing now would invite a
        // second issue of it. Say what was not kept, and where it is.
        std::cerr << "tocsin " << command << ": WARNING: accepted, but the promise was not kept ("
                  << kept.error().ToString() << "); it is entry " << promise->promise.index
                  << " of the log\n";
        log["promise_error"] = kept.error().ToString();
      }
    }
  } else {
    // Accepted and being delivered, but the gateway has not committed to
    // where it logged that: say so, loudly, and let the caller see it.
    std::cerr << "tocsin " << command << ": WARNING: no valid log promise from the gateway ("
              << promise.error().ToString() << "); keep this output as evidence\n";
    log["promise_error"] = promise.error().ToString();
  }
  PrintSealed(*outcome, options, "accepted", "the gateway holds it durably and is delivering it",
              log);
  if (attempts > 1 && !options.json) {
    std::cout << "  accepted on attempt " << attempts
              << " (a directive sent more than once is stored once)\n";
  }
  if (promise && !options.json) {
    std::cout << "  logged as entry " << promise->promise.index << " of " << options.gateway
              << "'s audit log (signed promise"
              << (log["promise"].contains("file") ? " kept in " + options.promise_out
                                                  : ", not kept: see --promise-out")
              << ")\n";
  }
  return kExitOk;
}

}  // namespace

Result<FollowUpOf> PrepareFollowUp(Session& session, DirectiveOptions& effective,
                                   const protocol::DirectiveId& id, const std::string& command) {
  // An update or cancel goes to the agencies of the directive it follows
  // up, as its issuer signed them: never the gateway's unsigned word.
  TOCSIN_ASSIGN_OR_RETURN(Original original, OriginalOf(session, effective, id));
  FollowUpOf follows = original.AsFollowed();
  effective.agencies = std::move(original.recipients);
  InheritLabels(effective, original.header, command);
  return follows;
}

void AddContentOptions(CLI::App* command, DirectiveOptions& o, bool title_required) {
  command->add_option("--severity", o.severity,
                      "low|moderate|high|critical (default: high; update, cancel: the original's)");
  command->add_option("--tlp", o.tlp,
                      "CLEAR|GREEN|AMBER|AMBER+STRICT|RED (default: AMBER; update, cancel: the "
                      "original's)");
  auto* title = command->add_option("--title", o.title, "Title (encrypted)");
  if (title_required) {
    title->required();
  }
  auto* body = command->add_option("--body", o.body, "Body text (encrypted)");
  command->add_option("--body-file", o.body_file, "Read the body from a file")->excludes(body);
  command->add_option("--summary", o.summary, "Clear summary fallbacks may carry (TLP permitting)");
  command->add_option("--ack-within", o.ack_within, "Acknowledgement deadline, e.g. 30m")
      ->capture_default_str();
  command->add_option("--expires-in", o.expires_in, "Expiry, e.g. 2d")->capture_default_str();
  command->add_flag("--exercise", o.exercise, "Mark as an exercise");
  command->add_option("--retries", o.retries,
                      "Send the same sealed directive again this many times when the gateway "
                      "does not answer within --timeout-ms (it is stored once)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10));
  command->add_option("--promise-out", o.promise_out,
                      "Keep the gateway's signed log promise in this witness file "
                      "(for `tocsin audit verify --witness`)");
}

void AddOperatorCommands(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<DirectiveOptions>();
  CLI::App* issue = app.add_subcommand("issue", "Seal a directive and submit it to the gateway");
  AddGatewayOptions(issue, *o);
  AddContentOptions(issue, *o, false);  // --title is required unless --in
  issue->add_option("--sector", o->sectors, "Every agency of this sector (repeatable)");
  issue->add_option("--agency", o->agencies, "This agency (repeatable)");
  issue->add_option("--in", o->in,
                    "Submit this sealed (and co-signed) directive file as it is "
                    "(tocsin directive seal, cosign), instead of sealing one");
  issue->callback([=] {
    if (o->in.empty() && o->title.empty()) {
      *exit_code = ReportError("issue", {ErrorCode::kInvalidArgument,
                                         "--title is required (or --in FILE, a sealed directive)"});
      return;
    }
    *exit_code = Submit(*o, protocol::DirectiveAction::kNew, std::nullopt, "issue");
  });

  for (auto [name, action] : {std::pair{"update", protocol::DirectiveAction::kUpdate},
                              std::pair{"cancel", protocol::DirectiveAction::kCancel}}) {
    CLI::App* command = app.add_subcommand(
        name, std::string("Issue a signed ") + name +
                  " of a directive, to the same agencies");
    command->add_option("id", o->reference, "Directive id (32 hex digits)")->required();
    AddGatewayOptions(command, *o);
    AddContentOptions(command, *o, action == protocol::DirectiveAction::kUpdate);
    command->callback([=, action = action, name = std::string(name)] {
      if (o->title.empty()) {
        o->title = "Cancelled: directive " + o->reference.substr(0, 8);
      }
      auto id = ParseDirectiveId(o->reference);
      *exit_code = id ? Submit(*o, action, *id, name) : ReportError(name, id.error());
    });
  }

  AddStatusCommand(app, exit_code);
}

}  // namespace tocsin::tools
