#include "tools/audit_commands.h"

#include <cstdio>
#include <iostream>
#include <memory>

#include "common/file_util.h"
#include "tools/audit/bundle.h"
#include "tools/audit/proof.h"
#include "tools/audit/report.h"
#include "tools/audit/summary.h"
#include "tools/audit/verifier.h"
#include "tools/audit/witness.h"
#include "tools/cli_support.h"

namespace tocsin::tools {
namespace {

struct AuditOptions {
  std::string database;
  std::string postgresql;
  std::string directory;
  std::string out;
  std::string bundle;
  std::string root;
  std::string directive;
  std::string agency;
  std::string format = "html";
  std::string proof;
  std::vector<std::string> witnesses;  // verify --witness
  bool acknowledgement = false;
  bool json = false;
};

void ShowProgress(std::uint64_t done, std::uint64_t total) {
  std::fprintf(stderr, "\rexporting entries: %llu / %llu", static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total));
  if (done == total) {
    std::fprintf(stderr, "\n");
  }
}

// Writes `text` to `out`, or to stdout when `out` is empty.
int Emit(const std::string& command, const std::string& text, const std::string& out) {
  if (out.empty()) {
    std::cout << text;
    return kExitOk;
  }
  Status written = WriteFileDurably(out, AsBytes(text), 0644, Overwrite::kYes);
  if (!written) {
    return ReportError(command, written.error());
  }
  std::cerr << "written to " << out << "\n";
  return kExitOk;
}

Result<audit::VerifiedLog> Verified(const AuditOptions& o) {
  return audit::VerifyBundle(o.bundle, o.root);
}

int RunExport(const AuditOptions& o) {
  if (o.database.empty() && o.postgresql.empty()) {
    return ReportError("audit export",
                       Error{ErrorCode::kInvalidArgument,
                             "say where the ledger is: --database FILE (SQLite) or "
                             "--postgresql CONNINFO"});
  }
  auto summary = audit::ExportBundle({o.database, o.postgresql}, o.directory, o.out, o.json ? nullptr : ShowProgress);
  if (!summary) {
    return ReportError("audit export", summary.error());
  }
  if (o.json) {
    PrintJson({{"bundle", o.out},
               {"entries", summary->entries},
               {"checkpoints", summary->checkpoints},
               {"not_yet_checkpointed", summary->unexported}});
    return kExitOk;
  }
  std::cout << "exported " << summary->entries << " entries and " << summary->checkpoints
            << " checkpoints to " << o.out << "\n";
  if (summary->unexported > 0) {
    std::cout << "  " << summary->unexported
              << " newer entries are not covered by a checkpoint yet and were left out\n";
  }
  return kExitOk;
}

int RunVerify(const AuditOptions& o) {
  Result<audit::VerifiedLog> log = Verified(o);
  if (!log) {
    if (o.json) {
      PrintJson({{"verified", false}, {"error", log.error().context}});
    }
    return ReportError("audit verify", log.error());
  }
  std::size_t evidence = 0;
  for (const auto& d : log->directives) {
    for (const auto& [agency, r] : d.deliveries) {
      evidence += (r.receipt_index ? 1U : 0U) + (r.ack_index ? 1U : 0U);
    }
  }
  audit::WitnessCheck witnessed;
  for (const std::string& path : o.witnesses) {
    Result<audit::Witness> witness = audit::ReadWitness(path);
    Result<audit::WitnessCheck> checked =
        witness ? audit::CheckWitness(*witness, path, *log)
                : Result<audit::WitnessCheck>(tl::unexpected(witness.error()));
    if (!checked) {
      if (o.json) {
        PrintJson({{"verified", false}, {"error", checked.error().context}});
      }
      return ReportError("audit verify", checked.error());
    }
    witnessed.checkpoints_checked += checked->checkpoints_checked;
    witnessed.checkpoints_beyond += checked->checkpoints_beyond;
    witnessed.promises_kept += checked->promises_kept;
    witnessed.promises_beyond += checked->promises_beyond;
  }
  if (o.json) {
    PrintJson({{"verified", true},
               {"gateway", log->gateway},
               {"entries", log->entries.size()},
               {"checkpoints", log->checkpoints.size()},
               {"directives", log->directives.size()},
               {"signed_receipts_and_acknowledgements", evidence},
               {"principal_events", log->principals.size()},
               {"witnesses", {{"files", o.witnesses.size()},
                              {"checkpoints_agreeing", witnessed.checkpoints_checked},
                              {"checkpoints_beyond_bundle", witnessed.checkpoints_beyond},
                              {"promises_kept", witnessed.promises_kept},
                              {"promises_beyond_bundle", witnessed.promises_beyond}}}});
    return kExitOk;
  }
  if (!o.witnesses.empty()) {
    std::cout << "OK: " << o.witnesses.size() << " witness file(s) agree: "
              << witnessed.checkpoints_checked << " held checkpoints match the bundle's roots, "
              << witnessed.promises_kept << " promises kept";
    if (witnessed.checkpoints_beyond + witnessed.promises_beyond > 0) {
      std::cout << " (" << witnessed.checkpoints_beyond << " checkpoints and "
                << witnessed.promises_beyond
                << " promises are newer than the bundle: export a newer one to judge them)";
    }
    std::cout << "\n";
  }
  std::cout << "OK: audit log of " << log->gateway << ": " << log->entries.size() << " entries, "
            << log->checkpoints.size() << " checkpoints, " << log->directives.size()
            << " directives, " << evidence
            << " signed receipts and acknowledgements; every signature, root and state "
               "transition verified\n";
  return kExitOk;
}

int RunProve(const AuditOptions& o) {
  Result<audit::VerifiedLog> log = Verified(o);
  if (!log) {
    return ReportError("audit prove", log.error());
  }
  auto proof = audit::ProveEvidence(*log, o.bundle, o.directive, o.agency, o.acknowledgement);
  if (!proof) {
    return ReportError("audit prove", proof.error());
  }
  return Emit("audit prove", proof->dump(2) + "\n", o.out);
}

int RunCheckProof(const AuditOptions& o) {
  Result<Bytes> text = ReadFile(o.proof, 1 << 20);
  if (!text) {
    return ReportError("audit check-proof", text.error());
  }
  nlohmann::json proof = nlohmann::json::parse(AsStringView(*text), nullptr, false);
  if (proof.is_discarded()) {
    return ReportError("audit check-proof",
                       {ErrorCode::kMalformedMessage, o.proof + " is not a JSON document"});
  }
  Result<std::string> checked = audit::CheckProof(proof, o.root);
  if (!checked) {
    if (o.json) {
      PrintJson({{"verified", false}, {"error", checked.error().context}});
    }
    return ReportError("audit check-proof", checked.error());
  }
  if (o.json) {
    PrintJson({{"verified", true}, {"statement", *checked}});
  } else {
    std::cout << "OK: " << *checked << "\n";
  }
  return kExitOk;
}

int RunReport(const AuditOptions& o) {
  Result<audit::VerifiedLog> log = Verified(o);
  if (!log) {
    return ReportError("audit report", log.error());
  }
  if (o.format == "json") {
    return Emit("audit report", audit::ReportJson(*log).dump(2) + "\n", o.out);
  }
  if (o.format == "csv") {
    return Emit("audit report", audit::ReportCsv(*log), o.out);
  }
  return Emit("audit report", audit::ReportHtml(*log), o.out);
}

int RunSummary(const AuditOptions& o) {
  Result<audit::VerifiedLog> log = Verified(o);
  if (!log) {
    return ReportError("audit summary", log.error());
  }
  Result<const audit::DirectiveRecord*> directive = audit::FindDirective(*log, o.directive);
  if (!directive) {
    return ReportError("audit summary", directive.error());
  }
  if (o.format == "json") {
    return Emit("audit summary", audit::SummaryJson(*log, **directive).dump(2) + "\n", o.out);
  }
  return Emit("audit summary", audit::SummaryHtml(*log, **directive), o.out);
}

}  // namespace

void AddAuditCommands(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<AuditOptions>();
  CLI::App* audit = app.add_subcommand(
      "audit", "Audit log: export, verify, prove, check-proof, report (offline)");
  audit->require_subcommand(1);
  auto add_bundle = [&](CLI::App* command) {
    command->add_option("bundle", o->bundle, "Audit bundle folder (from `audit export`)")
        ->required();
    command->add_option("--root", o->root,
                        "The root certificate you trust, obtained independently of the bundle")
        ->required();
  };

  CLI::App* exporter = audit->add_subcommand(
      "export", "Write a self-contained bundle from the gateway's database");
  CLI::Option* sqlite =
      exporter->add_option("--database", o->database, "The gateway's SQLite file");
  CLI::Option* postgresql = exporter->add_option(
      "--postgresql", o->postgresql,
      "The deployment's PostgreSQL ledger: a libpq connection string (docs/ha.md)");
  sqlite->excludes(postgresql);
  exporter->add_option("--directory", o->directory, "The CA's published folder")->required();
  exporter->add_option("--out", o->out, "New folder for the bundle")->required();
  exporter->add_flag("--json", o->json, "Print the result as JSON");
  exporter->callback([=] { *exit_code = RunExport(*o); });

  CLI::App* verify = audit->add_subcommand(
      "verify", "Recompute every root, check every signature, replay every directive");
  add_bundle(verify);
  verify->add_option("--witness", o->witnesses,
                     "A witness file (tocsin-client witness, tocsin issue --promise-out): "
                     "the bundle must agree with every checkpoint and promise it holds "
                     "(repeatable)");
  verify->add_flag("--json", o->json, "Print the result as JSON");
  verify->callback([=] { *exit_code = RunVerify(*o); });

  CLI::App* prove = audit->add_subcommand(
      "prove", "Print a standalone inclusion proof for one receipt or acknowledgement");
  add_bundle(prove);
  prove->add_option("--directive", o->directive, "Directive id (or a unique prefix)")->required();
  prove->add_option("--agency", o->agency, "Agency whose receipt to prove")->required();
  prove->add_flag("--acknowledgement", o->acknowledgement,
                  "Prove the acknowledgement rather than the delivery receipt");
  prove->add_option("--out", o->out, "Write the proof here instead of stdout");
  prove->callback([=] { *exit_code = RunProve(*o); });

  CLI::App* check = audit->add_subcommand(
      "check-proof", "Check a proof from `audit prove` against a trusted root alone");
  check->add_option("proof", o->proof, "Proof file (JSON)")->required();
  check->add_option("--root", o->root, "The root certificate you trust")->required();
  check->add_flag("--json", o->json, "Print the result as JSON");
  check->callback([=] { *exit_code = RunCheckProof(*o); });

  CLI::App* report = audit->add_subcommand(
      "report", "Delivery report per directive: CSV, JSON or a self-contained HTML page");
  add_bundle(report);
  report->add_option("--format", o->format, "html (default), csv or json")
      ->check(CLI::IsMember({"html", "csv", "json"}));
  report->add_option("--out", o->out, "Write the report here instead of stdout");
  report->callback([=] { *exit_code = RunReport(*o); });

  CLI::App* summary = audit->add_subcommand(
      "summary", "One directive on one printable page: on time, late, never, per sector");
  add_bundle(summary);
  summary->add_option("directive", o->directive, "Directive id (or a unique prefix)")->required();
  summary->add_option("--format", o->format, "html (default) or json")
      ->check(CLI::IsMember({"html", "json"}));
  summary->add_option("--out", o->out, "Write the page here instead of stdout");
  summary->callback([=] { *exit_code = RunSummary(*o); });
}

}  // namespace tocsin::tools
