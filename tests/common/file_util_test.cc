#include "common/file_util.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "tests/testing/temp_dir.h"

namespace tocsin {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

TEST_CASE("WriteFileDurably writes with the exact mode despite the umask",
          "[common][files]") {
  testing::TempDir dir;
  mode_t old_mask = ::umask(0);
  REQUIRE(WriteFileDurably(dir / "key", AsBytes("secret"), 0600, Overwrite::kNo));
  REQUIRE(WriteFileDurably(dir / "pub", AsBytes("public"), 0644, Overwrite::kNo));
  ::umask(old_mask);
  CHECK(ModeOf(dir / "key") == 0600);
  CHECK(ModeOf(dir / "pub") == 0644);
  CHECK(ReadFile(dir / "key", 100).value() == ToBytes("secret"));
}

TEST_CASE("WriteFileDurably without overwrite leaves an existing file alone",
          "[common][files][negative]") {
  testing::TempDir dir;
  REQUIRE(WriteFileDurably(dir / "f", AsBytes("first"), 0600, Overwrite::kNo));
  Status second = WriteFileDurably(dir / "f", AsBytes("second"), 0600, Overwrite::kNo);
  REQUIRE_FALSE(second);
  CHECK(second.error().context.find("already exists") != std::string::npos);
  CHECK(ReadFile(dir / "f", 100).value() == ToBytes("first"));
  REQUIRE(WriteFileDurably(dir / "f", AsBytes("third"), 0600, Overwrite::kYes));
  CHECK(ReadFile(dir / "f", 100).value() == ToBytes("third"));
}

TEST_CASE("ReadFile reports missing and oversized files", "[common][files][negative]") {
  testing::TempDir dir;
  CHECK(ReadFile(dir / "absent", 10).error().code == ErrorCode::kNotFound);
  REQUIRE(WriteFileDurably(dir / "big", AsBytes("0123456789ab"), 0600, Overwrite::kNo));
  CHECK(ReadFile(dir / "big", 10).error().code == ErrorCode::kInvalidArgument);
  CHECK(ReadFile(dir / "big", 12).value().size() == 12);
}

TEST_CASE("MakeDirectory creates parents and sets the mode", "[common][files]") {
  testing::TempDir dir;
  REQUIRE(MakeDirectory(dir / "a/b/c", 0700));
  CHECK(ModeOf(dir / "a/b/c") == 0700);
}

}  // namespace
}  // namespace tocsin
