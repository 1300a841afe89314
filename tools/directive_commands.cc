#include "tools/directive_commands.h"

#include <iostream>
#include <memory>

#include "common/file_util.h"
#include "pki/bundle.h"
#include "pki/crl_floor.h"
#include "pki/directory.h"
#include "protocol/directive.h"
#include "protocol/signed_envelope.h"
#include "tools/cli_support.h"
#include "tools/sealing.h"

namespace tocsin::tools {
namespace {

int RunSeal(const DirectiveOptions& options) {
  SystemClock clock;
  UnixMillis now = clock.NowMillis();
  auto bundle = pki::LoadBundle(options.bundle);
  if (!bundle) {
    return ReportError("directive seal", bundle.error());
  }
  crypto::X509Ptr root(X509_dup(bundle->root_certificate.get()));
  pki::CrlFloor floor(pki::CrlFloorOf(options.bundle));
  auto directory = pki::CertificateDirectory::Open(options.directory, std::move(root),
                                                   pki::Verification::kCurrent, &floor);
  auto outcome = directory ? SealFromOptions(options, *bundle, *directory, now)
                           : Result<SealOutcome>(tl::unexpected(directory.error()));
  Status written = outcome ? WriteFileDurably(options.out,
                                              protocol::EncodeEnvelope(outcome->sealed.envelope),
                                              0644, Overwrite::kNo)
                           : Status(tl::unexpected(outcome.error()));
  if (!written) {
    return ReportError("directive seal", written.error());
  }
  PrintSealed(*outcome, options, "sealed", "written to " + options.out);
  return kExitOk;
}

int RunCosign(const DirectiveOptions& options) {
  auto bundle = pki::LoadBundle(options.bundle);
  auto wire = bundle ? ReadFile(options.in, protocol::kMaxEnvelopeBytes + 1024)
                     : Result<Bytes>(tl::unexpected(bundle.error()));
  auto envelope = wire ? protocol::DecodeEnvelope(*wire)
                       : Result<protocol::Envelope>(tl::unexpected(wire.error()));
  if (!envelope) {
    return ReportError("directive cosign", envelope.error());
  }
  if (envelope->type != protocol::MessageType::kDirective) {
    return ReportError("directive cosign",
                       {ErrorCode::kInvalidArgument, options.in + " is not a directive"});
  }
  protocol::AddSignature(*envelope, bundle->principal_id, bundle->signing);
  Status written = WriteFileDurably(options.out, protocol::EncodeEnvelope(*envelope), 0644,
                                    Overwrite::kNo);
  if (!written) {
    return ReportError("directive cosign", written.error());
  }
  std::cout << "co-signed by " << bundle->principal_id << " ("
            << envelope->signatures.size() << " signatures), written to " << options.out << "\n";
  return kExitOk;
}

nlohmann::json OpenedJson(const protocol::OpenedDirective& opened) {
  const protocol::DirectiveHeader& h = opened.verified.header;
  nlohmann::json recipients = nlohmann::json::array();
  for (const auto& r : opened.verified.recipients.entries) {
    recipients.push_back(r.agency);  // all of them, or this agency's copy alone
  }
  return {{"id", HexEncode(h.id)},
          {"digest", HexEncode(opened.verified.digest)},
          {"issuer", h.issuer},
          {"signers", opened.verified.signers},
          {"gateway", h.gateway},
          {"sequence", h.sequence},
          {"issued_at", FormatUtc(h.issued_at)},
          {"ack_deadline", FormatUtc(h.ack_deadline)},
          {"expires_at", FormatUtc(h.expires_at)},
          {"severity", protocol::SeverityName(h.severity)},
          {"tlp", protocol::TlpName(h.tlp)},
          {"status", protocol::StatusName(h.status)},
          {"action", protocol::ActionName(h.action)},
          {"sectors", h.sectors},
          {"recipient_count", h.recipient_count},
          {"recipients", recipients},
          {"summary", h.summary ? nlohmann::json(*h.summary) : nlohmann::json()},
          {"title", opened.content.title},
          {"body", opened.content.body}};
}

int RunOpen(const DirectiveOptions& options) {
  SystemClock clock;
  auto bundle = pki::LoadBundle(options.bundle);
  if (!bundle) {
    return ReportError("directive open", bundle.error());
  }
  std::string self = bundle->principal_id;
  pki::CrlFloor floor(pki::CrlFloorOf(options.bundle));
  auto directory = pki::CertificateDirectory::Open(
      options.directory, std::move(bundle->root_certificate), pki::Verification::kCurrent, &floor);
  auto wire = directory ? ReadFile(options.in, protocol::kMaxEnvelopeBytes + 1024)
                        : Result<Bytes>(tl::unexpected(directory.error()));
  protocol::DirectiveChecks checks{options.gateway, clock.NowMillis(), options.min_signatures};
  auto opened = wire ? protocol::OpenDirective(*wire, *directory, checks, self, bundle->encryption)
                     : Result<protocol::OpenedDirective>(tl::unexpected(wire.error()));
  if (!opened) {
    return ReportError("directive open", opened.error());
  }
  nlohmann::json view = OpenedJson(*opened);
  if (options.json) {
    PrintJson(view);
    return kExitOk;
  }
  std::cout << self << ": verified directive " << view["id"].get<std::string>() << " from "
            << view["issuer"].get<std::string>() << " (" << opened->verified.signers.size()
            << " signature(s))\n"
            << "  " << view["severity"].get<std::string>() << ", TLP:"
            << view["tlp"].get<std::string>() << ", " << view["status"].get<std::string>()
            << ", acknowledge by " << view["ack_deadline"].get<std::string>() << "\n"
            << "  title: " << opened->content.title << "\n"
            << "  body:  " << opened->content.body << "\n";
  return kExitOk;
}

}  // namespace

void AddDirectiveCommands(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<DirectiveOptions>();
  CLI::App* directive = app.add_subcommand("directive", "Seal, co-sign and open directives offline");
  directive->require_subcommand(1);

  CLI::App* seal = directive->add_subcommand("seal", "Encrypt and sign a directive for agencies");
  seal->add_option("--bundle", o->bundle, "Operator key bundle")->required();
  seal->add_option("--directory", o->directory, "Published CA folder (public/)")->required();
  seal->add_option("--gateway", o->gateway, "Gateway principal id")->required();
  seal->add_option("--sector", o->sectors, "Every agency of this sector (repeatable)");
  seal->add_option("--agency", o->agencies, "This agency (repeatable)");
  seal->add_option("--severity", o->severity, "low|moderate|high|critical")->capture_default_str();
  seal->add_option("--tlp", o->tlp, "CLEAR|GREEN|AMBER|AMBER+STRICT|RED")->capture_default_str();
  seal->add_option("--title", o->title, "Title (encrypted)")->required();
  auto* body = seal->add_option("--body", o->body, "Body text (encrypted)");
  seal->add_option("--body-file", o->body_file, "Read the body from a file")->excludes(body);
  seal->add_option("--summary", o->summary, "Clear summary fallbacks may carry (TLP permitting)");
  seal->add_option("--ack-within", o->ack_within, "Acknowledgement deadline, e.g. 30m")->capture_default_str();
  seal->add_option("--expires-in", o->expires_in, "Expiry, e.g. 2d")->capture_default_str();
  seal->add_flag("--exercise", o->exercise, "Mark as an exercise");
  seal->add_option("--out", o->out, "Output file (new)")->required();
  seal->add_flag("--json", o->json, "Print the result as JSON");
  seal->callback([=] { *exit_code = RunSeal(*o); });

  CLI::App* cosign = directive->add_subcommand("cosign", "Add a second operator's signature");
  cosign->add_option("--bundle", o->bundle, "Co-signing operator's key bundle")->required();
  cosign->add_option("--in", o->in, "Sealed directive")->required();
  cosign->add_option("--out", o->out, "Output file (new)")->required();
  cosign->callback([=] { *exit_code = RunCosign(*o); });

  CLI::App* open = directive->add_subcommand("open", "Verify and decrypt a directive as an agency");
  open->add_option("--bundle", o->bundle, "Agency key bundle")->required();
  open->add_option("--directory", o->directory, "Published CA folder (public/)")->required();
  open->add_option("--gateway", o->gateway, "Expected gateway principal id")->required();
  open->add_option("--in", o->in, "Sealed directive")->required();
  open->add_option("--min-signatures", o->min_signatures, "Distinct operator keys required")
      ->capture_default_str();
  open->add_flag("--json", o->json, "Print the result as JSON");
  open->callback([=] { *exit_code = RunOpen(*o); });
}

}  // namespace tocsin::tools
