#include "tools/directive_commands.h"

#include <algorithm>
#include <iostream>
#include <memory>

#include "common/file_util.h"
#include "pki/bundle.h"
#include "pki/crl_floor.h"
#include "pki/directory.h"
#include "protocol/directive.h"
#include "protocol/signature_check.h"
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
  nlohmann::json keys = nlohmann::json::object();
  for (const protocol::CosignerWrap& wrap : outcome->sealed.cosigner_wraps) {
    std::string path = options.out + ".key-for-" + wrap.cosigner;
    Status kept = WriteFileDurably(path, protocol::EncodeCosignerWrap(wrap), 0600, Overwrite::kNo);
    if (!kept) {
      return ReportError("directive seal", kept.error());
    }
    keys[wrap.cosigner] = path;
  }
  std::string where = "written to " + options.out;
  if (!keys.empty()) {
    where += "; needs " + std::to_string(options.required_signatures) +
             " signatures: hand it and " + options.out + ".key-for-<co-signer> to " +
             std::to_string(keys.size()) + " co-signer(s) (tocsin directive cosign)";
  }
  PrintSealed(*outcome, options, "sealed", where,
              {{"required_signatures", options.required_signatures}, {"cosigner_keys", keys}});
  return kExitOk;
}

// Verifies the directive (every signature so far, recipients, gateway,
// times), opens it with the co-signer's key checked against the header's
// commitment, shows it, and signs only once the operator says so.
int RunCosign(const DirectiveOptions& options) {
  SystemClock clock;
  auto bundle = pki::LoadBundle(options.bundle);
  if (!bundle) {
    return ReportError("directive cosign", bundle.error());
  }
  if (bundle->role != Role::kOperator) {
    return ReportError("directive cosign", {ErrorCode::kInvalidArgument,
                                            options.bundle + " is not an operator's bundle"});
  }
  pki::CrlFloor floor(pki::CrlFloorOf(options.bundle));
  auto directory = pki::CertificateDirectory::Open(
      options.directory, crypto::X509Ptr(X509_dup(bundle->root_certificate.get())),
      pki::Verification::kCurrent, &floor);
  auto wire = directory ? ReadFile(options.in, protocol::kMaxEnvelopeBytes + 1024)
                        : Result<Bytes>(tl::unexpected(directory.error()));
  protocol::DirectiveChecks checks{options.gateway, clock.NowMillis(), 1};
  checks.require_header_signatures = false;  // ours is still to come
  auto verified = wire ? protocol::VerifyDirective(*wire, *directory, checks)
                       : Result<protocol::VerifiedDirective>(tl::unexpected(wire.error()));
  auto key_file = verified ? ReadFile(options.cosigner_key, 4096)
                           : Result<Bytes>(tl::unexpected(verified.error()));
  auto wrap = key_file ? protocol::DecodeCosignerWrap(*key_file)
                       : Result<protocol::CosignerWrap>(tl::unexpected(key_file.error()));
  auto content = wrap ? protocol::OpenAsCosigner(*verified, *wrap, bundle->principal_id,
                                                 bundle->encryption)
                      : Result<protocol::DirectiveContent>(tl::unexpected(wrap.error()));
  if (!content) {
    return ReportError("directive cosign", content.error());
  }
  if (!verified->complete()) {
    return ReportError("directive cosign", {ErrorCode::kInvalidArgument,
                                            options.in + " does not carry every recipient"});
  }
  const std::vector<std::string>& signers = verified->signers;
  if (std::find(signers.begin(), signers.end(), bundle->principal_id) != signers.end()) {
    return ReportError("directive cosign", {ErrorCode::kInvalidArgument,
                                            bundle->principal_id + " has signed it already"});
  }
  if (signers.size() >= protocol::kMaxSignatures) {
    return ReportError("directive cosign", {ErrorCode::kInvalidArgument,
                                            "it carries the most signatures a directive can"});
  }
  Result<std::uint32_t> rule_needs = CheckCosignable(*directory, verified->header);
  if (!rule_needs) {
    return ReportError("directive cosign", rule_needs.error());
  }
  ShowForCosigner(*verified, *content, *rule_needs);
  if (!options.yes) {
    std::cout << "Co-sign this directive as " << bundle->principal_id << "? Type yes: "
              << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer) || answer != "yes") {
      return ReportError("directive cosign", {ErrorCode::kInvalidArgument,
                                              "not co-signed (the answer was not yes)"});
    }
  }
  protocol::Envelope envelope = verified->envelope;
  protocol::AddSignature(envelope, bundle->principal_id, bundle->signing);
  Status written = WriteFileDurably(options.out, protocol::EncodeEnvelope(envelope), 0644,
                                    Overwrite::kNo);
  if (!written) {
    return ReportError("directive cosign", written.error());
  }
  std::cout << "co-signed by " << bundle->principal_id << " (" << envelope.signatures.size()
            << " of " << verified->header.required_signatures << " signatures), written to "
            << options.out << "\n";
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
  Status ruled = protocol::CheckSignatureRule(directory->verifier().signature_rule(),
                                              opened->verified.header,
                                              opened->verified.distinct_signers, std::nullopt);
  if (!ruled) {
    return ReportError("directive open", ruled.error());
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
  seal->add_option("--severity", o->severity, "low|moderate|high|critical (default: high)");
  seal->add_option("--tlp", o->tlp, "CLEAR|GREEN|AMBER|AMBER+STRICT|RED (default: AMBER)");
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

  seal->add_option("--signatures", o->required_signatures,
                    "Distinct operators who must sign it (1-4), signed into the header")
      ->capture_default_str()
      ->check(CLI::Range(1, 4));
  seal->add_option("--cosigner", o->cosigners,
                   "An operator who is to read and co-sign it (repeatable): gets OUT.key-for-ID");

  CLI::App* cosign = directive->add_subcommand(
      "cosign", "Read, verify and co-sign a directive sealed for you as co-signer");
  cosign->add_option("--bundle", o->bundle, "Co-signing operator's key bundle")->required();
  cosign->add_option("--directory", o->directory, "Published CA folder (public/)")->required();
  cosign->add_option("--gateway", o->gateway, "Gateway principal id it names")->required();
  cosign->add_option("--in", o->in, "Sealed directive")->required();
  cosign->add_option("--key", o->cosigner_key, "The key file sealed for you (IN.key-for-ID)")
      ->required();
  cosign->add_option("--out", o->out, "Output file (new)")->required();
  cosign->add_flag("--yes", o->yes, "Sign without asking (after reading what is shown)");
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
