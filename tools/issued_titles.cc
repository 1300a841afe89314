#include "tools/issued_titles.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "common/file_util.h"

namespace tocsin::tools {
namespace {

std::string PathOf(const std::string& bundle_dir) { return bundle_dir + "/issued-titles.jsonl"; }

}  // namespace

Status RememberIssuedTitle(const std::string& bundle_dir, const protocol::DirectiveId& id,
                           const std::string& title, UnixMillis sealed_at) {
  std::string path = PathOf(bundle_dir);
  std::string line =
      nlohmann::json{{"id", HexEncode(id)}, {"title", title}, {"sealed_at", FormatUtc(sealed_at)}}
          .dump() +
      "\n";
  // O_NONBLOCK: a FIFO put there cannot hang the command; then a regular file only.
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
                  0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kIoError, "cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return MakeError(ErrorCode::kIoError, path + " is not a regular file");
  }
  char last = '\n';  // a torn last line (a crash mid-append) must not swallow this one
  if (info.st_size > 0 && ::pread(fd, &last, 1, info.st_size - 1) == 1 && last != '\n') {
    line.insert(line.begin(), '\n');
  }
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                 ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!written) {
    return MakeError(ErrorCode::kIoError, "cannot append to " + path + ": " + std::strerror(saved));
  }
  return {};
}

Result<std::map<protocol::DirectiveId, std::string>> IssuedTitles(const std::string& bundle_dir) {
  std::map<protocol::DirectiveId, std::string> titles;
  std::string path = PathOf(bundle_dir);
  Result<Bytes> text = ReadFile(path, kMaxIssuedTitlesBytes);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return titles;
    }
    return tl::unexpected(text.error());
  }
  std::string_view rest = AsStringView(*text);
  while (!rest.empty()) {
    std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    nlohmann::json entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!entry.is_object() || !entry["id"].is_string() || !entry["title"].is_string()) {
      continue;  // a torn last line, or one written by hand: the others still count
    }
    Result<Bytes> id = HexDecode(entry["id"].get<std::string>());
    if (!id || id->size() != protocol::kDirectiveIdSize) {
      continue;
    }
    protocol::DirectiveId key{};
    std::copy(id->begin(), id->end(), key.begin());
    titles[key] = entry["title"].get<std::string>();
  }
  return titles;
}

}  // namespace tocsin::tools
