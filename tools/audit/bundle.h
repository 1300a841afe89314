// tools/audit/bundle.h -- the self-contained audit bundle an auditor takes
// away: the log's entries, its signed checkpoints, and the CA's published
// certificates and CRL (docs/audit.md, "Bundle").
//
//   BUNDLE/entries.jsonl      {"entry":"<base64>","index":N,"leaf_hash":"<hex>"} per line
//   BUNDLE/checkpoints.jsonl  {"note":"<signed note>","size":N} per line
//   BUNDLE/directory/...      root.crt, crl.pem, principals/ID/PURPOSE.crt
//
// Every byte is covered by something the verifier checks: lines must be the
// canonical JSON of their value, PEM files the canonical PEM of their DER, and
// no other file may be present. The entries stop at the last checkpoint.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace tocsin::tools::audit {

inline constexpr const char* kEntriesFile = "entries.jsonl";
inline constexpr const char* kCheckpointsFile = "checkpoints.jsonl";
inline constexpr const char* kDirectoryFolder = "directory";

struct ExportSummary {
  std::uint64_t entries = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t unexported = 0;  // entries after the last checkpoint
};

// Where the gateway's ledger is: its SQLite file, or (postgresql non-empty)
// the deployment's shared PostgreSQL database, read without the writer's
// lease.
struct LedgerSource {
  std::string sqlite_path;
  std::string postgresql;  // a libpq connection string
};

// Writes a bundle from the gateway's ledger and the CA's published folder
// into `out_dir`, which must not exist or be empty. `progress` is told the
// number of entries written so far, now and then.
Result<ExportSummary> ExportBundle(const LedgerSource& database, const std::string& public_dir,
                                   const std::string& out_dir,
                                   void (*progress)(std::uint64_t done, std::uint64_t total));

// One line of a bundle's JSONL file, with its 1-based line number.
struct BundleLine {
  std::size_t number = 0;
  std::string text;
};

// Reads a JSONL file of the bundle: every line must end with '\n'.
Result<std::vector<BundleLine>> ReadLines(const std::string& bundle_dir, const char* file);

}  // namespace tocsin::tools::audit
