#include "tools/audit/bundle.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "crypto/base64.h"
#include "crypto/merkle.h"
#include "store/ledger.h"

namespace tocsin::tools::audit {
namespace fs = std::filesystem;
namespace {

Status CopyDirectory(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::copy(from, to, fs::copy_options::recursive, error);
  if (error) {
    return MakeError(ErrorCode::kIoError, "copying " + from + " to " + to + ": " + error.message());
  }
  return {};
}

Status WriteLines(const std::string& path, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) {
    text += line;
    text += '\n';
  }
  return WriteFileDurably(path, AsBytes(text), 0644, Overwrite::kNo);
}

}  // namespace

Result<ExportSummary> ExportBundle(const LedgerSource& database, const std::string& public_dir,
                                   const std::string& out_dir,
                                   void (*progress)(std::uint64_t, std::uint64_t)) {
  if (database.postgresql.empty() && !fs::exists(database.sqlite_path)) {
    return MakeError(ErrorCode::kNotFound, "no gateway database at " + database.sqlite_path);
  }
  std::error_code error;
  if (fs::exists(out_dir) && !fs::is_empty(out_dir, error)) {
    return MakeError(ErrorCode::kInvalidArgument, out_dir + " exists and is not empty");
  }
  TOCSIN_ASSIGN_OR_RETURN(store::Ledger ledger,
                          database.postgresql.empty()
                              ? store::Ledger::Open(database.sqlite_path)
                              : store::Ledger::OpenPostgresql(database.postgresql));
  TOCSIN_ASSIGN_OR_RETURN(std::vector<store::StoredCheckpoint> checkpoints, ledger.audit().Checkpoints());
  if (checkpoints.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "the log has no signed checkpoint yet: nothing can be verified");
  }
  ExportSummary summary;
  summary.entries = checkpoints.back().size;
  summary.checkpoints = checkpoints.size();
  // The log as read at open; a checkpoint signed since may be past it.
  summary.unexported =
      ledger.audit().size() > summary.entries ? ledger.audit().size() - summary.entries : 0;
  TOCSIN_RETURN_IF_ERROR(MakeDirectory(out_dir, 0755));

  std::vector<std::string> lines;
  constexpr std::uint64_t kChunk = 4096;
  for (std::uint64_t from = 0; from < summary.entries; from += kChunk) {
    std::uint64_t to = std::min(summary.entries, from + kChunk);
    TOCSIN_ASSIGN_OR_RETURN(std::vector<Bytes> entries, ledger.audit().Entries(from, to));
    for (std::size_t i = 0; i < entries.size(); ++i) {
      nlohmann::json line = {{"index", from + i},
                             {"leaf_hash", HexEncode(crypto::MerkleLeafHash(entries[i]))},
                             {"entry", crypto::Base64Encode(entries[i])}};
      lines.push_back(line.dump());
    }
    if (progress != nullptr) {
      progress(to, summary.entries);
    }
  }
  TOCSIN_RETURN_IF_ERROR(WriteLines(out_dir + "/" + kEntriesFile, lines));
  lines.clear();
  for (const store::StoredCheckpoint& c : checkpoints) {
    lines.push_back(nlohmann::json({{"size", c.size}, {"note", c.note}}).dump());
  }
  TOCSIN_RETURN_IF_ERROR(WriteLines(out_dir + "/" + kCheckpointsFile, lines));
  TOCSIN_RETURN_IF_ERROR(CopyDirectory(public_dir, out_dir + "/" + kDirectoryFolder));
  return summary;
}

Result<std::vector<BundleLine>> ReadLines(const std::string& bundle_dir, const char* file) {
  std::string path = bundle_dir + "/" + file;
  TOCSIN_ASSIGN_OR_RETURN(Bytes content, ReadFile(path, std::size_t{4} << 30));
  std::string_view text = AsStringView(content);
  std::vector<BundleLine> lines;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos) {
      return MakeError(ErrorCode::kMalformedMessage,
                       std::string(file) + " line " + std::to_string(lines.size() + 1) +
                           ": no end of line");
    }
    lines.push_back({lines.size() + 1, std::string(text.substr(0, newline))});
    text.remove_prefix(newline + 1);
  }
  return lines;
}

}  // namespace tocsin::tools::audit
