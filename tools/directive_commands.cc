#include "tools/directive_commands.h"

#include <charconv>
#include <iostream>
#include <memory>
#include <set>

#include "common/file_util.h"
#include "pki/bundle.h"
#include "pki/directory.h"
#include "protocol/directive.h"
#include "protocol/signed_envelope.h"
#include "tools/cli_support.h"

namespace tocsin::tools {
namespace {

struct DirectiveOptions {
  std::string bundle;
  std::string directory;
  std::string gateway;
  std::vector<std::string> sectors;
  std::vector<std::string> agencies;
  std::string severity = "high";
  std::string tlp = "AMBER";
  std::string title;
  std::string body;
  std::string body_file;
  std::string summary;
  std::string ack_within = "1h";
  std::string expires_in = "1d";
  bool exercise = false;
  std::string in;
  std::string out;
  std::size_t min_signatures = 1;
  bool json = false;
};

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
  for (const std::string& id : sectors.empty() ? std::vector<std::string>{}
                                               : directory.PrincipalIds()) {
    Result<pki::CertifiedKey> key = directory.Resolve(id, pki::Purpose::kEncryption, now);
    if (!key) {
      out.skipped.push_back(id + ": " + key.error().ToString());
    } else if (key->role == Role::kAgency && key->sector && sectors.count(*key->sector)) {
      add(*key);
    }
  }
  if (out.keys.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no recipient: name agencies with --agency or sectors with --sector");
  }
  return out;
}

Result<protocol::DirectiveDraft> BuildDraft(const DirectiveOptions& options,
                                            const pki::PrincipalBundle& issuer, UnixMillis now) {
  protocol::DirectiveDraft draft;
  std::optional<protocol::Severity> severity = protocol::ParseSeverity(options.severity);
  std::optional<protocol::Tlp> tlp = protocol::ParseTlp(options.tlp);
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

Result<pki::CertificateDirectory> OpenDirectory(const DirectiveOptions& options,
                                                pki::PrincipalBundle& bundle) {
  return pki::CertificateDirectory::Open(options.directory, std::move(bundle.root_certificate));
}

int RunSeal(const DirectiveOptions& options) {
  SystemClock clock;
  UnixMillis now = clock.NowMillis();
  auto bundle = pki::LoadBundle(options.bundle);
  if (!bundle) {
    return ReportError("directive seal", bundle.error());
  }
  auto draft = BuildDraft(options, *bundle, now);
  auto directory = draft ? OpenDirectory(options, *bundle)
                         : Result<pki::CertificateDirectory>(tl::unexpected(draft.error()));
  auto recipients = directory ? ResolveRecipients(*directory, options, now)
                              : Result<Resolved>(tl::unexpected(directory.error()));
  auto sequence = recipients ? NextSequence(options.bundle)
                             : Result<std::uint64_t>(tl::unexpected(recipients.error()));
  if (!sequence) {
    return ReportError("directive seal", sequence.error());
  }
  draft->header.sequence = *sequence;
  auto sealed = protocol::SealDirective(*draft, recipients->keys, bundle->signing);
  Status written = sealed ? WriteFileDurably(options.out, protocol::EncodeEnvelope(sealed->envelope),
                                             0644, Overwrite::kNo)
                          : Status(tl::unexpected(sealed.error()));
  if (!written) {
    return ReportError("directive seal", written.error());
  }
  for (const std::string& skipped : recipients->skipped) {
    std::cerr << "tocsin directive seal: warning: skipped " << skipped << "\n";
  }
  nlohmann::json agencies = nlohmann::json::array();
  for (const auto& key : recipients->keys) {
    agencies.push_back(key.agency);
  }
  if (options.json) {
    PrintJson({{"id", HexEncode(sealed->id)}, {"digest", HexEncode(sealed->digest)},
               {"sequence", *sequence}, {"recipients", agencies}, {"out", options.out}});
  } else {
    std::cout << "sealed directive " << HexEncode(sealed->id) << " (sequence " << *sequence
              << ") for " << agencies.size() << (agencies.size() == 1 ? " agency: " : " agencies: ")
              << agencies.dump() << "\n"
              << "  written to " << options.out << "\n";
  }
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
  for (const auto& r : h.recipients) {
    recipients.push_back(r.agency);
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
  auto directory = OpenDirectory(options, *bundle);
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
